"""Folding a composite call's nodes (a convolution, a pooling) into one picture node.

``conv2d`` records up to seven nodes: im2col, a permute and a reshape of the weight, a
reshape of the bias, the matrix product, a reshape and a transpose back to NCHW (the
transpose only serves the batch-last memory layout). Every node recorded during one
call carries the call's ``Composite`` marker in its scope (see
``autograd_core.composite``); here the nodes of one call become one ``FoldGroup``: its
inputs (the call's tensor arguments, a data input that needs no gradient included), its
outputs, and the tensors that live and die inside it. Pictures draw the group as one node,
traces merge its steps into one; ``fold_layout=False`` shows every node again.
"""

from __future__ import annotations

import numpy as np

from ..composite import Composite, TensorArg, composite_of
from ..function import FreedTensor
from ..notation import Expr, call
from ..tensor import Tensor
from .walk import GraphWalk, TensorEntry


class FoldGroup:
    """The nodes of one composite call, drawn as one node and traced as one step.

    members: op indices (forward order). inputs: ``(argument name or None, entry)`` for
    each tensor that enters from outside, in the call's argument order. outputs: entries
    made inside and used outside (or drawn from). internal: indices of the entries hidden
    when folded (made and used inside, and constants the call made itself, such as the
    im2col columns of an input that needs no gradient). made_inside: those constants.
    """

    def __init__(self, index: int, marker: Composite, members: list[int]) -> None:
        self.index = index
        self.marker = marker
        self.members = members
        self.inputs: list[tuple[str | None, TensorEntry]] = []
        self.outputs: list[TensorEntry] = []
        self.internal: set[int] = set()
        self.made_inside: list[TensorEntry] = []
        self.data_inputs: list[TensorEntry] = []

    def label(self) -> str:
        """The call as drawn: ``conv2d(padding=2)``, ``max_pool2d(kernel_size=2)``."""
        parts = [f"{k}={_option_text(v)}" for k, v in self.marker.options()]
        return f"{self.marker.name}({', '.join(parts)})" if parts else self.marker.name

    def name(self) -> str:
        """A node name in PyTorch's style, e.g. ``Conv2dBackward``."""
        base = "".join(p.capitalize() for p in self.marker.name.split("_"))
        return f"{base}Backward"

    def formula(self, operands: dict[str, Expr]) -> Expr:
        """The output as a formula of the tensor arguments: ``conv2d(x, w, b)``."""
        return call(self.marker.name, *operands.values())

    def grad_template(self, arg: str | None) -> str | None:
        """The gradient formula template of argument ``arg`` (None if none is given)."""
        if arg is None:
            return None
        return self.marker.spec.grads.get(arg)

    def __repr__(self) -> str:
        return f"<FoldGroup {self.label()}: {len(self.members)} nodes>"


def _option_text(v: object) -> str:
    if isinstance(v, tuple):
        return "(" + ", ".join(str(x) for x in v) + ("," if len(v) == 1 else "") + ")"
    if isinstance(v, str):
        return repr(v)
    return str(v)


def _stand_in(arg: TensorArg) -> Tensor:
    """A tensor of the argument's shape and dtype when the argument itself is gone."""
    t = Tensor._wrap(np.broadcast_to(np.zeros((), arg.dtype), arg.shape))
    t.__class__ = FreedTensor
    return t


def groups_of(walk: GraphWalk) -> list[FoldGroup]:
    """``find_groups(walk)``, found once per walk (a trace draws its walk many times)."""
    groups = getattr(walk, "_fold_groups", None)
    if groups is None:
        groups = walk._fold_groups = find_groups(walk)
    return groups


def find_groups(walk: GraphWalk) -> list[FoldGroup]:
    """The composite calls in ``walk``, each with its inputs, outputs and inner tensors.

    Adds to ``walk`` an entry for each call's tensor argument that no node recorded (an
    input that needs no gradient), so that it can be drawn with its name and shape.
    """
    by_marker: dict[int, FoldGroup] = {}
    groups: list[FoldGroup] = []
    for i, node in enumerate(walk.ops):
        marker = composite_of(node)
        if marker is None:
            continue
        g = by_marker.get(id(marker))
        if g is None:
            g = by_marker[id(marker)] = FoldGroup(len(groups), marker, [])
            groups.append(g)
        g.members.append(i)
    out_ids = {id(t) for t in walk.outputs}
    for g in groups:
        _connect(walk, g, out_ids)
    return groups


def _connect(walk: GraphWalk, g: FoldGroup, out_ids: set[int]) -> None:
    external = _inner_and_external(walk, g, out_ids)
    for i in g.members:
        e = walk.output_entry(i)
        if e.index not in g.internal and e not in g.outputs:
            g.outputs.append(e)
    listed = _argument_inputs(walk, g, external)
    members = set(g.members)
    for e in external:
        if e.index in listed:
            continue
        if _made_inside(e, members):
            # A constant the call made itself (the columns of an input that needs no
            # gradient, a divisor): part of the call, not one of its inputs.
            g.internal.add(e.index)
            g.made_inside.append(e)
            continue
        listed.add(e.index)
        g.inputs.append((None, e))


def _inner_and_external(walk: GraphWalk, g: FoldGroup,
                        out_ids: set[int]) -> list[TensorEntry]:
    """Mark the tensors made and used only inside the call; return those that enter."""
    members = set(g.members)
    external: list[TensorEntry] = []
    for i in g.members:
        for _, e in walk.op_inputs[i]:
            if not isinstance(e, TensorEntry):
                continue
            if e.producer is None or e.producer not in members:
                if e not in external:
                    external.append(e)
            elif (all(c in members for c in e.consumers) and id(e.tensor) not in out_ids
                  and e.kind != "output"):
                g.internal.add(e.index)
    return external


def _argument_inputs(walk: GraphWalk, g: FoldGroup, external: list[TensorEntry]) -> set[int]:
    """The call's tensor arguments as inputs, in signature order (an argument no node
    recorded gets an entry of its own: the data input). Returns the entries listed."""
    listed: set[int] = set()
    for name, arg in g.marker.tensor_args():
        e = _entry_of_arg(walk, arg, external)
        if e is None:
            if arg.requires_grad:
                continue  # gone; its recorded edge still brings it in
            t = arg.tensor()
            e = walk.add_constant(t if t is not None else _stand_in(arg))
            g.data_inputs.append(e)
        if e.index not in listed:
            listed.add(e.index)
            g.inputs.append((name, e))
    return listed


def _made_inside(e: TensorEntry, members: set[int]) -> bool:
    """An unnamed constant that only the call's nodes read (or a freed stand-in, which
    one shape's constants share): the call made it from its arguments."""
    if e.producer is not None or e.tensor.requires_grad or e.name is not None:
        return False
    return isinstance(e.tensor, FreedTensor) or all(c in members for c in e.consumers)


def _entry_of_arg(walk: GraphWalk, arg: TensorArg,
                  external: list[TensorEntry]) -> TensorEntry | None:
    t = arg.tensor()
    if t is None:
        return None
    e = walk.entry_of(t)
    if e is not None:
        return e
    for cand in external:  # the same tensor seen through the node's own input
        if cand.tensor is t:
            return cand
    return None
