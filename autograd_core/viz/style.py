"""Colours, shapes, fonts and text formatting shared by graph pictures and backward traces.

Kept apart from the drawing code so that a notebook can restyle pictures in one place:
``STYLE.tensor_fill["param"] = "#ffd966"`` changes every later picture.

Fonts: unless a style names one, pictures use a font family that has Hangul glyphs when
fontconfig knows one (``fc-list ':charset=ac00'``), so Korean names and captions are drawn
as letters, not empty boxes; the monospace font of values is NanumGothicCoding when it is
installed. Without such a font the pictures keep Helvetica and Courier.
"""

from __future__ import annotations

import functools
import html
import shutil
import subprocess
from dataclasses import dataclass, field

import numpy as np

from ..notation import format_number


@dataclass
class Style:
    """Every visual choice of a graph picture.

    Tensor kinds: ``"leaf"`` (a user tensor that requires grad), ``"param"`` (a named
    parameter), ``"constant"`` (requires no grad), ``"intermediate"`` (made by an op) and
    ``"output"`` (one of the tensors drawn from).
    """

    font: str | None = None  # None: a Hangul font if one is installed (hangul_font())
    mono_font: str | None = None  # None: NanumGothicCoding if installed, else Courier
    font_size: float = 11.0
    tensor_fill: dict = field(
        default_factory=lambda: {
            "leaf": "#cfe2f3",
            "param": "#d9ead3",
            "constant": "#f3f3f3",
            "intermediate": "#ffffff",
            "output": "#fce5cd",
        }
    )
    tensor_border: dict = field(
        default_factory=lambda: {
            "leaf": "#3d85c6",
            "param": "#6aa84f",
            "constant": "#999999",
            "intermediate": "#666666",
            "output": "#e69138",
        }
    )
    op_fill: str = "#fff2cc"
    op_border: str = "#bf9000"
    module_fill: str = "#e4dcf5"
    module_border: str = "#674ea7"
    cluster_border: str = "#8e7cc3"
    cluster_font: str = "#4b3b8f"
    edge_color: str = "#555555"
    grad_color: str = "#b3261e"
    new_grad_color: str = "#e01b1b"
    highlight_fill: str = "#f4cccc"
    highlight_border: str = "#cc0000"
    data_color: str = "#1f3a5f"
    muted_color: str = "#777777"
    max_elements: int = 6
    precision: int = 4
    # Gradient flow: a sequential scale from small (dark) to large (light) gradients.
    flow_colors: tuple = (
        "#440154", "#46327e", "#365c8d", "#277f8e", "#1fa187", "#4ac16d", "#a0da39", "#fde725"
    )
    no_grad_fill: str = "#e0e0e0"

    def text_font(self) -> str:
        """The font family of labels: ``font``, else a Hangul font, else Helvetica."""
        return self.font or hangul_font() or "Helvetica"

    def code_font(self) -> str:
        """The monospace family of values and captions: ``mono_font``, else
        NanumGothicCoding when installed, else Courier."""
        if self.mono_font:
            return self.mono_font
        return "NanumGothicCoding" if "NanumGothicCoding" in hangul_families() else "Courier"


STYLE = Style()

# Preferred Korean families, best first; any other family with Hangul comes after them.
PREFERRED_HANGUL = (
    "NanumGothic", "NanumBarunGothic", "Noto Sans CJK KR", "Noto Sans KR", "UnDotum",
    "Baekmuk Gulim",
)


@functools.lru_cache(maxsize=1)
def hangul_families() -> tuple[str, ...]:
    """Font families that fontconfig says cover 가 (U+AC00), first name of each, sorted;
    empty without fontconfig or such a font. Asked once per process."""
    if shutil.which("fc-list") is None:
        return ()
    try:
        out = subprocess.run(
            ["fc-list", ":charset=ac00", "family"], capture_output=True, text=True,
            timeout=20, check=False,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return ()
    names = {line.split(",")[0].strip() for line in out.splitlines()}
    names.discard("")
    return tuple(sorted(names))


def hangul_font() -> str | None:
    """The family pictures use for Korean text: a preferred one if installed, else the
    first installed family with Hangul, else None."""
    families = hangul_families()
    for name in PREFERRED_HANGUL:
        if name in families:
            return name
    return families[0] if families else None


def format_values(arr: np.ndarray, precision: int = 4, one_line: bool = False) -> str:
    """The values of a small array, nested like a list; one row per line for 2-D+ unless
    ``one_line``."""
    arr = np.asarray(arr)
    if arr.size == 1 and arr.ndim <= 1:
        return format_number(arr.reshape(()).item(), precision)
    if arr.ndim == 0:
        return format_number(arr.item(), precision)

    def fmt(a: np.ndarray, depth: int) -> str:
        if a.ndim == 1:
            return "[" + ", ".join(format_number(v, precision) for v in a.tolist()) + "]"
        sep = ", " if one_line else ",\n" + " " * (depth + 1)
        return "[" + sep.join(fmt(sub, depth + 1) for sub in a) + "]"

    return fmt(arr, 0)


def format_shape(shape: tuple[int, ...]) -> str:
    """``(2, 3)``; a 0-d tensor shows as ``()``."""
    return "(" + ", ".join(str(s) for s in shape) + ")"


def summarize(arr: np.ndarray, max_elements: int, precision: int = 4) -> str:
    """Values on one line when the array is small, else its shape and how many values
    are not printed (chain-rule lines): ``<(2, 10): 20 values hidden>``."""
    arr = np.asarray(arr)
    if arr.size <= max_elements:
        return format_values(arr, precision, one_line=True)
    return f"<{format_shape(arr.shape)}: {hidden_text(arr.size)}>"


def hidden_text(n: int) -> str:
    """``20 values hidden`` (what a picture or a trace line says instead of the values)."""
    return f"{n} value{'s' if n != 1 else ''} hidden"


def esc(text: str) -> str:
    """Escape text for a Graphviz HTML-like label."""
    return html.escape(str(text), quote=True)


def multiline_html(text: str, width: int = 0) -> str:
    """Escaped text whose lines stay aligned under centring: lines are padded to one width
    (at least ``width``) with non-breaking spaces (meant for a monospace font) and joined
    by line breaks."""
    lines = str(text).split("\n")
    width = max(width, *(len(line) for line in lines))
    return "<BR/>".join(
        esc(line).replace(" ", "&#160;") + "&#160;" * (width - len(line)) for line in lines
    )
