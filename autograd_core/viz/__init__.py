"""Computation graphs as pictures, and backpropagation step by step.

``draw_graph(*outputs)`` returns a ``graphviz.Digraph`` of the graph behind the outputs
(``grad_flow=True`` colours it by gradient size; a convolution or pooling call is one node
unless ``fold_layout=False``); ``trace_backward(loss)`` replays the backward pass as a list
of chain-rule steps without touching any ``.grad``; ``save_backward_frames`` writes those
steps as PNG frames and an animated GIF; ``gradient_flow`` measures the gradient reaching
each node; ``explain_inplace_error`` draws the node behind a "modified by an inplace
operation" error with the forward lines that made it. Graphviz (and Pillow, for the GIF)
are imported only when used.
"""

from .dot import GraphvizNotFoundError
from .flow import FlowRow, GradientFlow, gradient_flow
from .fold import FoldGroup
from .frames import save_backward_frames
from .graph import draw_graph
from .inplace import InplaceProblem, InplaceReport, explain_inplace_error
from .trace import BackwardStep, BackwardTrace, InputGrad, trace_backward

__all__ = [
    "BackwardStep",
    "BackwardTrace",
    "FlowRow",
    "FoldGroup",
    "GradientFlow",
    "GraphvizNotFoundError",
    "InplaceProblem",
    "InplaceReport",
    "InputGrad",
    "draw_graph",
    "explain_inplace_error",
    "gradient_flow",
    "save_backward_frames",
    "trace_backward",
]
