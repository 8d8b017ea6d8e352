"""Computation graphs as pictures, and backpropagation step by step.

``draw_graph(*outputs)`` returns a ``graphviz.Digraph`` of the graph behind the outputs;
``trace_backward(loss)`` replays the backward pass as a list of chain-rule steps without
touching any ``.grad``; ``save_backward_frames`` writes those steps as PNG frames and an
animated GIF. Graphviz (and Pillow, for the GIF) are imported only when used.
"""

from .dot import GraphvizNotFoundError
from .frames import save_backward_frames
from .graph import draw_graph
from .trace import BackwardStep, BackwardTrace, InputGrad, trace_backward

__all__ = [
    "BackwardStep",
    "BackwardTrace",
    "GraphvizNotFoundError",
    "InputGrad",
    "draw_graph",
    "save_backward_frames",
    "trace_backward",
]
