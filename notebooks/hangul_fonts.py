"""Hangul (한글) in the notebooks' pictures: one installed font with Korean glyphs, used by
matplotlib and by Graphviz.

The notebooks call ``use_hangul()`` once at the top. Without a Korean font every Hangul
character is drawn as an empty box, so a fresh machine needs one installed first; on Debian
or Ubuntu (as root, or with sudo)::

    apt-get update && apt-get install -y fonts-nanum

``.ci/run`` does the same, and ``tests/test_hangul_fonts.py`` fails when a glyph is missing.
"""

from __future__ import annotations

import dataclasses
import functools
import shutil
import subprocess
import warnings
from typing import Any

INSTALL_HINT = "apt-get update && apt-get install -y fonts-nanum"
# Tried first, in this order; any other font that has the probe glyphs is the last resort.
PREFERRED = (
    "NanumGothic",
    "NanumBarunGothic",
    "Noto Sans CJK KR",
    "Noto Sans KR",
    "UnDotum",
    "Baekmuk Gulim",
)
# 가 (the first syllable), 힣 (the last) and a few common ones from the notebooks.
PROBE = "가힣연쇄법칙기울기"


def has_glyphs(path: str, text: str = PROBE) -> bool:
    """True when the font file at ``path`` has a glyph for every character of ``text``."""
    from matplotlib.ft2font import FT2Font

    try:
        font = FT2Font(path)
    except (OSError, RuntimeError, ValueError):
        return False
    chars = sorted(set(text) - set(" \n\t"))
    indices = [font.get_char_index(ord(ch)) for ch in chars]
    # 0 is "no glyph". A fallback font such as matplotlib's Last Resort maps a whole block to
    # one placeholder glyph, so different characters must also get different glyphs.
    return 0 not in indices and len(set(indices)) == len(indices)


@functools.lru_cache(maxsize=1)
def find_hangul_font() -> tuple[str, str] | None:
    """``(family name, file path)`` of an installed font with Hangul glyphs, or None.

    Looks in matplotlib's font list first; a font installed after matplotlib built its cache
    is not in that list, so the system's font files are scanned next and the first one with
    Hangul is added to matplotlib's font manager.
    """
    from matplotlib import font_manager

    manager = font_manager.fontManager

    def best(entries: list[tuple[str, str]]) -> tuple[str, str] | None:
        ranked = sorted(
            entries,
            key=lambda e: PREFERRED.index(e[0]) if e[0] in PREFERRED else len(PREFERRED),
        )
        for name, path in ranked:
            if has_glyphs(path):
                return name, path
        return None

    found = best([(f.name, f.fname) for f in manager.ttflist])
    if found is not None:
        return found
    known = {f.fname for f in manager.ttflist}
    for path in font_manager.findSystemFonts():
        if path not in known and has_glyphs(path):
            manager.addfont(path)
    return best([(f.name, f.fname) for f in manager.ttflist if f.fname not in known])


def use_hangul() -> str | None:
    """Make matplotlib draw Hangul: ``font.family`` becomes DejaVu Sans followed by the
    Korean font, which supplies every Hangul glyph. Returns the font's name, or
    None (with a warning naming the install command) when no Korean font is installed."""
    import matplotlib as mpl

    found = find_hangul_font()
    if found is None:
        warnings.warn(
            "no font with Hangul glyphs is installed: Korean text will show as empty boxes; "
            f"install one with: {INSTALL_HINT}",
            stacklevel=2,
        )
        return None
    # DejaVu Sans first, the Korean font behind it: matplotlib takes each glyph from the
    # first family that has it, so Hangul comes from the Korean font and everything else
    # from DejaVu. The order matters for mathtext (log-axis ticks such as 10^-7), which
    # uses the first family only and needs its minus sign U+2212, absent from NanumGothic.
    mpl.rcParams["font.family"] = ["DejaVu Sans", found[0]]
    return found[0]


@functools.lru_cache(maxsize=1)
def graphviz_font() -> str | None:
    """The fontconfig family Graphviz should name (``fontname``) for Korean labels: the
    preferred family among those ``fc-list`` reports as covering 가 (U+AC00), or None."""
    if shutil.which("fc-list") is None:
        return None
    out = subprocess.run(
        ["fc-list", ":charset=ac00", "family"], capture_output=True, text=True, check=False
    ).stdout
    families = {name.strip() for line in out.splitlines() for name in line.split(",")}
    families.discard("")
    for name in PREFERRED:
        if name in families:
            return name
    return min(families) if families else None


def graph_style() -> Any:
    """A copy of the pictures' style (``autograd_core.viz.style.STYLE``) whose fonts are
    Korean ones, for ``draw_graph(..., style=graph_style())`` and ``trace.draw``: the text
    font becomes ``graphviz_font()``, and the monospace font of values and captions becomes
    NanumGothicCoding when it is installed (it has Hangul and fixed-width digits)."""
    from autograd_core.viz.style import STYLE

    name = graphviz_font()
    if name is None:
        return STYLE
    changes = {"font": name}
    if _fc_has_family("NanumGothicCoding"):
        changes["mono_font"] = "NanumGothicCoding"
    return dataclasses.replace(STYLE, **changes)


def _fc_has_family(family: str) -> bool:
    out = subprocess.run(
        ["fc-list", f":family={family}", "family"], capture_output=True, text=True, check=False
    ).stdout
    return bool(out.strip())
