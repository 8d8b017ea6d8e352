"""Gradient flow: how big the gradient is where it reaches each node, for pictures.

``gradient_flow(loss)`` replays the backward pass (``trace_backward``, no ``.grad``
changes) and keeps, per graph node, the norm of delta = dL/d(output) that reached it and,
for ReLU nodes, the share of units that passed no gradient back (their input was not
positive, so the local derivative is 0). ``draw_graph(loss, grad_flow=True)`` colours
each op or module box by that norm: a vanishing gradient shows as the colour fading
layer by layer towards the input.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..function import Function
from ..tensor import Tensor
from .style import Style, esc
from .walk import GraphWalk


@dataclass
class FlowRow:
    """The numbers one coloured vertex of a picture shows.

    vertex: its Graphviz id; name: its op label or module name; norm: ||dL/d(output)||
    (the Frobenius norm of the gradient reaching what leaves the vertex; None if none
    did); no_grad_fraction: for vertices with ReLU nodes, the share of their units that
    passed no gradient (0..1), else None; fill / font_color: the colours drawn.
    """

    vertex: str
    name: str
    norm: float | None
    no_grad_fraction: float | None
    fill: str
    font_color: str


class GradientFlow:
    """Per node of a graph: ``node_norm[node]`` = ||dL/d(node's output)||, and for ReLU
    nodes ``node_dead[node]`` = the share of units it blocked (input not positive, so
    local derivative 0: no gradient passes whatever arrives)."""

    def __init__(self, node_norm: dict[Function, float], node_dead: dict[Function, float],
                 trace: Any) -> None:
        self.node_norm = node_norm
        self.node_dead = node_dead
        self.trace = trace


def gradient_flow(loss: Tensor, gradient: Any = None) -> GradientFlow:
    """Measure the gradient reaching every node of ``loss``'s graph (see module doc).

    The graph must still hold its saved values: call before ``backward()``, or after
    ``backward(retain_graph=True)``.
    """
    from .trace import trace_backward

    try:
        trace = trace_backward(loss, gradient, fold_layout=False)
    except RuntimeError as err:
        if "freed" not in str(err):
            raise
        raise RuntimeError(
            "grad_flow recomputes the gradients from the graph, but backward() already "
            "freed its saved values. Draw the gradient flow before calling backward(), "
            "or call backward(retain_graph=True) first."
        ) from err
    norms: dict[Function, float] = {}
    dead: dict[Function, float] = {}
    for step in trace:
        norms[step.node] = float(np.linalg.norm(np.asarray(step.upstream, dtype=np.float64)))
        if step.node.label() == "relu" and step.inputs:
            # Blocked by the ReLU itself (input not positive: local derivative 0), not
            # merely sent a zero delta from above (a max pool passes one unit in four).
            got = step.inputs[0]
            local = np.asarray(got.local if got.local is not None else got.grad)
            dead[step.node] = float(np.mean(local == 0)) if local.size else 0.0
    return GradientFlow(norms, dead, trace)


class FlowColors:
    """Colours a vertex by the norm of the gradient reaching its output (log scale)."""

    def __init__(self, flow: Any, st: Style, exits: list[list[int]], walk: GraphWalk,
                 limits: tuple[float, float] | None = None) -> None:
        self.flow = flow
        self.st = st
        norms = [self.norm(e, walk) for e in exits]
        norms = [n for n in norms if n is not None and n > 0 and np.isfinite(n)]
        if limits is not None:
            small, large = (float(v) for v in limits)
            if not 0 < small < large:
                raise ValueError(
                    f"grad_flow_range must be (smallest, largest) with 0 < smallest < "
                    f"largest, got {limits!r}")
            lo, hi = float(np.log10(small)), float(np.log10(large))
        elif norms:
            lo = float(np.floor(np.log10(min(norms))))
            hi = float(np.ceil(np.log10(max(norms))))
        else:
            lo, hi = -1.0, 0.0
        self.lo, self.hi = lo, max(hi, lo + 1.0)

    def norm(self, exits: list[int], walk: GraphWalk) -> float | None:
        """The gradient norm of a vertex: sqrt of the sum of squares of the norms that
        reached its exit nodes (``exits`` index ``walk.ops``); None if none reached any.
        """
        vals = [self.flow.node_norm.get(walk.ops[i]) for i in exits]
        vals = [v for v in vals if v is not None]
        if not vals:
            return None
        return float(np.sqrt(np.sum(np.square(vals))))

    def color(self, norm: float | None) -> tuple[str, str]:
        """(fill, font colour) for a norm; grey where no gradient arrived."""
        if norm is None or norm <= 0 or not np.isfinite(norm):
            return self.st.no_grad_fill, "#000000"
        colors = self.st.flow_colors
        x = (np.log10(norm) - self.lo) / (self.hi - self.lo)
        k = int(np.clip(np.floor(x * len(colors)), 0, len(colors) - 1))
        return colors[k], ("#ffffff" if k < len(colors) // 2 else "#000000")

    def row(self, vid: str, name: str, exits: list[int], ops: list[int],
            walk: GraphWalk) -> Any:
        """The ``FlowRow`` of vertex ``vid``: its norm (over ``exits``), colours, and the
        share of dead ReLU units among its nodes ``ops`` (indices into ``walk.ops``).
        """
        norm = self.norm(exits, walk)
        dead = [self.flow.node_dead[walk.ops[i]] for i in ops
                if walk.ops[i] in self.flow.node_dead]
        fill, font = self.color(norm)
        return FlowRow(vertex=vid, name=name, norm=norm,
                       no_grad_fraction=float(np.mean(dead)) if dead else None,
                       fill=fill, font_color=font)

    def legend_html(self) -> str:
        """The colour scale as a Graphviz HTML table: one cell per colour with its norm."""
        st = self.st
        cells = []
        n = len(st.flow_colors)
        for k, c in enumerate(st.flow_colors):
            value = 10 ** (self.lo + (self.hi - self.lo) * k / n)
            font = "#ffffff" if k < n // 2 else "#000000"
            cells.append(f'<TD BGCOLOR="{c}"><FONT COLOR="{font}" POINT-SIZE="8">'
                         f"{value:.0e}</FONT></TD>")
        cells.append(f'<TD BGCOLOR="{st.no_grad_fill}"><FONT POINT-SIZE="8">0</FONT></TD>')
        head = (f'<TR><TD COLSPAN="{n + 1}"><FONT POINT-SIZE="9">gradient norm '
                "||dL/d(output)|| (log scale)</FONT></TD></TR>")
        return (f'<<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="3">'
                f"{head}<TR>{''.join(cells)}</TR></TABLE>>")


def paint(attr: dict, row: Any) -> None:
    """Fill a vertex with its gradient-flow colour (kept as is without grad_flow)."""
    if row is not None:
        attr["fillcolor"] = row.fill
        attr["fontcolor"] = row.font_color


def flow_lines(row: Any, st: Style) -> list[str]:
    """The HTML lines a vertex adds under its label: its gradient norm and, for ReLU
    vertices, the share of units that passed no gradient.
    """
    font = row.font_color
    size = st.font_size - 2
    lines = []
    norm = "no gradient" if row.norm is None else f"||grad|| = {row.norm:.2e}"
    lines.append(f'<FONT POINT-SIZE="{size}" COLOR="{font}">{esc(norm)}</FONT>')
    if row.no_grad_fraction is not None:
        lines.append(f'<FONT POINT-SIZE="{size}" COLOR="{font}">'
                     f"{row.no_grad_fraction:.0%} of units passed no gradient</FONT>")
    return lines
