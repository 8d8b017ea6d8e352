"""Backward steps as numbered PNG frames and an animated GIF.

Frame 0 is the forward graph with the seed gradient dL/dL = 1; frame k shows the graph
after step k: that step's node highlighted, the gradients it just sent in bold, and its
chain-rule lines as the caption. Graphviz draws the frames; Pillow (installed with
matplotlib) assembles the GIF and is imported only here, when a GIF is asked for.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..tensor import Tensor


def save_backward_frames(
    trace: Any,
    directory: str | Path,
    *,
    prefix: str = "step",
    gif: bool = True,
    gif_name: str = "backward.gif",
    seconds_per_frame: float = 1.5,
    dpi: int = 96,
    **draw_kwargs: Any,
) -> list[Path]:
    """Write ``prefix_000.png`` (start), ``prefix_001.png`` (after step 1), ... and, with
    ``gif=True``, an animated GIF of them, into ``directory`` (created if missing).

    trace: a ``BackwardTrace`` from ``trace_backward``, or a scalar Tensor to trace.
    draw_kwargs go to ``draw_graph`` (e.g. ``rankdir="LR"``). Returns the paths written:
    the PNG frames in order, then the GIF.
    """
    from .trace import BackwardTrace, trace_backward

    if isinstance(trace, Tensor):
        trace = trace_backward(trace)
    if not isinstance(trace, BackwardTrace):
        raise TypeError(
            "save_backward_frames() expects a BackwardTrace (from trace_backward) or a "
            f"Tensor, got {type(trace).__name__}"
        )
    out_dir = Path(directory)
    out_dir.mkdir(parents=True, exist_ok=True)
    attrs = dict(draw_kwargs.pop("graph_attr", None) or {})
    attrs.setdefault("dpi", str(dpi))
    pngs: list[Path] = []
    for k in range(-1, len(trace)):
        picture = trace.draw(k, graph_attr=attrs, **draw_kwargs)
        path = out_dir / f"{prefix}_{k + 1:03d}.png"
        path.write_bytes(picture.pipe(format="png"))
        pngs.append(path)
    if not gif:
        return pngs
    gif_path = out_dir / gif_name
    write_gif(pngs, gif_path, seconds_per_frame)
    return [*pngs, gif_path]


def write_gif(pngs: list[Path], path: Path, seconds_per_frame: float = 1.5) -> Path:
    """Assemble PNG frames into a looping GIF; frames of different sizes are placed on a
    white canvas of the largest size, top-left, so the picture does not jump."""
    try:
        from PIL import Image
    except ImportError as err:
        raise ImportError(
            "Writing a GIF needs Pillow (`pip install pillow`; it comes with matplotlib). "
            "The PNG frames were written."
        ) from err
    images = []
    for p in pngs:
        with Image.open(p) as im:
            images.append(im.convert("RGB"))
    width = max(im.width for im in images)
    height = max(im.height for im in images)
    frames = []
    for im in images:
        canvas = Image.new("RGB", (width, height), "white")
        canvas.paste(im, (0, 0))
        frames.append(canvas.convert("P", palette=Image.Palette.ADAPTIVE, colors=255))
    ms = max(20, int(round(seconds_per_frame * 1000)))
    # The last frame holds longer: it shows every gradient.
    durations = [ms] * (len(frames) - 1) + [ms * 2]
    frames[0].save(
        path, save_all=True, append_images=frames[1:], duration=durations, loop=0,
        disposal=1,
    )
    return path
