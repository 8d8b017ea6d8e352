"""Hangul renders in the notebooks' pictures: a Korean font is installed, matplotlib (through
``notebooks/hangul_fonts.py``) and Graphviz (through fontconfig) find it, and it has a glyph
for every Hangul character the notebooks' code puts into a picture.

These fail on a machine without a Korean font; ``apt-get install -y fonts-nanum`` (done by
``.ci/run``) fixes them.
"""

from __future__ import annotations

import ast
import logging
import re
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

NOTEBOOK_DIR = Path(__file__).resolve().parent.parent / "notebooks"
HANGUL = re.compile(r"[\uac00-\ud7a3]")


@pytest.fixture(scope="module")
def hangul_fonts():
    pytest.importorskip("matplotlib")
    sys.path.insert(0, str(NOTEBOOK_DIR))
    try:
        import hangul_fonts
    finally:
        sys.path.remove(str(NOTEBOOK_DIR))
    return hangul_fonts


def _hangul_in_notebook_code() -> str:
    """Every Hangul syllable in the notebooks' code cells (titles, labels, names)."""
    nbformat = pytest.importorskip("nbformat")
    chars: set[str] = set()
    for path in sorted(NOTEBOOK_DIR.glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code":
                chars.update(HANGUL.findall(cell.source))
    return "".join(sorted(chars))


def test_matplotlib_font_has_every_hangul_glyph_the_notebooks_draw(hangul_fonts) -> None:
    found = hangul_fonts.find_hangul_font()
    assert found is not None, (
        "no font with Hangul glyphs is installed; install one with: " + hangul_fonts.INSTALL_HINT
    )
    name, path = found
    used = _hangul_in_notebook_code()
    assert hangul_fonts.has_glyphs(path, "가힣"), f"{name} ({path}) has no real glyph for 가"
    missing = [ch for ch in used if not hangul_fonts.has_glyphs(path, ch + "가")]
    assert not missing, f"{name} ({path}) lacks glyphs the notebooks draw: {''.join(missing)}"


def test_matplotlib_draws_korean_not_boxes(hangul_fonts, caplog) -> None:
    """Two different Korean strings must give different pixels: drawn with a placeholder
    glyph (matplotlib's Last Resort font, or an empty box) both are the same row of boxes."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    def pixels(text: str) -> np.ndarray:
        fig = plt.figure(figsize=(2, 0.6), dpi=100)
        fig.text(0.05, 0.3, text, fontsize=14)
        fig.canvas.draw()
        image = np.asarray(fig.canvas.buffer_rgba()).copy()
        plt.close(fig)
        return image

    def log_plot() -> None:
        # log-axis tick labels (10^-7) go through mathtext, which has no font fallback
        fig, ax = plt.subplots(figsize=(3, 2))
        ax.semilogy([1, 2, 3], [1e-7, 1e-3, 1.0])
        ax.set_title("층별 기울기")
        fig.canvas.draw()
        plt.close(fig)

    with matplotlib.rc_context():
        name = hangul_fonts.use_hangul()
        assert name is not None, "use_hangul() found no Korean font"
        assert name in matplotlib.rcParams["font.family"]
        with warnings.catch_warnings(record=True) as caught, caplog.at_level(logging.WARNING):
            warnings.simplefilter("always")
            first, second = pixels("기울기소실"), pixels("연쇄법칙은")
            log_plot()
    assert not np.array_equal(first, second), "Hangul is drawn as identical placeholder boxes"
    # matplotlib warns "Glyph ... missing from font(s)"; mathtext logs "does not have a glyph"
    messages = [str(w.message) for w in caught] + [r.getMessage() for r in caplog.records]
    glyph_warnings = [
        m for m in messages if "missing from" in m or "does not have a glyph" in m
    ]
    assert not glyph_warnings, glyph_warnings


def test_graphviz_finds_a_korean_font(hangul_fonts) -> None:
    if shutil.which("fc-list") is None:
        pytest.fail("fc-list (fontconfig) is missing: Graphviz cannot find any font")
    korean = subprocess.run(
        ["fc-list", ":lang=ko", "family"], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert korean, "fc-list :lang=ko is empty: Graphviz has no Korean font; " + (
        hangul_fonts.INSTALL_HINT
    )
    name = hangul_fonts.graphviz_font()
    assert name is not None, "fontconfig knows no font covering U+AC00 (가)"
    # The family the pictures name must resolve to a font that covers 가, not a fallback.
    matched = subprocess.run(
        ["fc-match", "--format=%{family}\n%{charset}", name],
        capture_output=True, text=True, check=True,
    ).stdout
    family = matched.splitlines()[0]
    assert name in family.split(","), f"fc-match {name!r} gives {family!r}"
    assert hangul_fonts.graph_style().font == name


def test_no_hangul_inside_matplotlib_math_text() -> None:
    """A label like "$w_1$ (방향)" is set entirely by mathtext, whose fonts have no Hangul and
    no fallback: every Korean character would be a box. Korean labels must be plain text."""
    nbformat = pytest.importorskip("nbformat")
    offenders = []
    for path in sorted(NOTEBOOK_DIR.glob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type != "code":
                continue
            lines = cell.source.splitlines()
            source = "\n".join(line for line in lines if not line.lstrip().startswith(("%", "!")))
            for node in ast.walk(ast.parse(source)):
                if isinstance(node, ast.Constant) and isinstance(node.value, str):
                    text = node.value
                    if HANGUL.search(text) and re.search(r"\$[^$]+\$", text):
                        offenders.append(f"{path.name}: {text!r}")
    assert not offenders, offenders
