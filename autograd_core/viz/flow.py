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
