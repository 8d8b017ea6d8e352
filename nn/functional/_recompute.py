"""The formula of a fused node: its forward recomputed from primitive ops, differentiated
by the engine.

A fused node (``LSTMLayer``, ``Attention``, ``LSTMGates``, ...) computes in NumPy what a
composition of primitive ops would, and has a NumPy ``fast_backward`` for speed. Its
``backward`` (the formula, used under ``create_graph`` and checked against the fast path
by tests/test_op_registry.py) is not a second, hand-written chain rule:
``grads_of_composition`` runs the composition again on the node's inputs, with grad mode
on, and asks the engine for the gradients of that graph (``autograd_core.grad``), with
``create_graph`` when the pass that called the formula records one. The returned
gradients are then graphs of the inputs and the delta, so they differentiate again.

Each input enters the composition through its own ``CompositionInput`` node, for two
reasons:

* ``grad`` captures the gradient where an input's node is, and the engine's walk goes on
  past it. Two inputs that are one tensor (``attention(x, x, x)``), or an input computed
  from another (an h_0 made from W_hh), would then receive the total derivative instead
  of the partial one the node owes each input; distinct entry nodes keep them apart.
* While the formula's own ``grad`` call runs, the entry nodes send nothing further back
  (``cut``), so the graph that made the inputs is not backpropagated through again (its
  hooks run once, in the pass that called the formula). Afterwards they pass the
  gradient through unchanged: a second-order pass reaches the inputs through them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from typing_extensions import override

from autograd_core import Function, Tensor
from autograd_core import grad as _grad
from autograd_core import grad_mode as _grad_mode
from autograd_core.ops.unary import Clone

__all__ = ["CompositionInput", "grads_of_composition"]

_GRAD = _grad_mode.STATE


class CompositionInput(Clone):
    """x -> x (the same memory, not a copy): where an input of a fused node's recomputed
    forward enters that graph. d/dx = 1 (formula and trace rule as ``clone``'s), except
    that while ``cut`` is set (during the formula's own ``grad`` call) no gradient goes
    on to x."""

    __slots__ = ("cut",)
    label_name = "input"

    @staticmethod
    @override
    def forward(ctx, a):
        ctx.cut = True
        return a.view()

    @staticmethod
    @override
    def backward(ctx, grad):
        return None if ctx.cut else grad


def grads_of_composition(compose: Callable[..., Tensor], inputs: Sequence[Any],
                         grad: Tensor) -> tuple[Tensor | None, ...]:
    """The vector-Jacobian product of ``compose`` at ``inputs`` with ``grad``.

    compose(*inputs) -> one Tensor shaped like ``grad``, written with differentiable ops;
    inputs: a fused node's ``ctx.inputs`` (tensors, None and options, passed on as they
    are). Returns one entry per input: the gradient for a tensor that requires grad
    (zeros where the composition does not use it, as the fast paths give), else None.
    """
    recording = _GRAD.enabled  # the calling pass records a graph (create_graph)
    wanted = [isinstance(a, Tensor) and a.requires_grad for a in inputs]
    if not any(wanted):
        return (None,) * len(inputs)
    entries: list[Function] = []
    with _grad_mode.enable_grad():
        args = []
        for a, w in zip(inputs, wanted):
            if w:
                a = CompositionInput.apply(a)
                entries.append(a.grad_fn)
            args.append(a)
        out = compose(*args)
        try:
            found = _grad(out, [a for a, w in zip(args, wanted) if w], grad,
                          create_graph=recording, allow_unused=True)
        finally:
            for node in entries:
                node.cut = False
    it = iter(found)
    result: list[Tensor | None] = []
    for a, w in zip(inputs, wanted):
        g = next(it) if w else None
        if w and g is None:
            g = Tensor._wrap(np.zeros(a.shape, a._data.dtype))
        result.append(g)
    return tuple(result)


def c_order(g: Tensor | None) -> Tensor | None:
    """g in C order (a differentiable copy when it is not), as the fast paths return it."""
    return None if g is None else g.contiguous()


def order_of(g: Tensor | None, like: Tensor) -> Tensor | None:
    """g (2-D) in the memory order of ``like`` (Fortran when ``like`` is Fortran-ordered
    and not C-ordered), as a weight's gradient is returned."""
    if g is None:
        return None
    d = like._data
    if d.flags.f_contiguous and not d.flags.c_contiguous:
        return g if g._data.flags.f_contiguous else g.mT.contiguous().mT
    return g.contiguous()
