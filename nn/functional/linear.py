"""``linear``: y = x W^T + b."""

from __future__ import annotations

import numpy as np
from typing_extensions import override

from autograd_core import Function, Tensor
from autograd_core import notation as nt
from autograd_core.ops.matmul import _f_ordered, _in_layout_of

from ._utils import check_tensor, same_dtype


class Linear2d(Function):
    """x W^T + b for x (N, in), W (out, in), b (out,) or None, as one node.

    The same function as ``x @ W.mT + b`` (tests check they agree); fused because it is
    the hottest op of an MLP: one product with the bias added in place, and a backward
    that gives delta_W = delta^T x directly in W's (out, in) layout. Its formula is the
    chain rule through that composition: delta_x = delta W, delta_W = delta^T x,
    delta_b = delta summed over the batch.
    """

    __slots__ = ()
    _fresh_grads = True  # three new products (see Function._fresh_grads)

    @override
    def reads_input(self, i: int) -> bool:
        # x's value is needed only for W's gradient and W's only for x's (as torch saves
        # them); the bias's never.
        if i == 2:
            return False
        other = self.inputs[1 - i]
        return isinstance(other, Tensor) and other.requires_grad

    @staticmethod
    @override
    def forward(ctx, x, w, b):
        out = x @ w.T
        if b is not None:
            out += b
        return out

    @staticmethod
    @override
    def backward(ctx, grad):
        # The composition's Tensor ops: matmul's formulas (delta_W in W's memory order,
        # as matmul gives it) and the sum that is the bias's broadcast undone.
        x, w, b = ctx.inputs
        gx = grad @ w if x.requires_grad else None
        gw = _in_layout_of(w._data, grad.mT, x) if w.requires_grad else None
        gb = grad.sum(dim=0) if isinstance(b, Tensor) and b.requires_grad else None
        return gx, gw, gb

    @staticmethod
    @override
    def fast_backward(ctx, grad):
        x, w, b = ctx.inputs
        g = grad._data
        gx = Tensor._wrap(g @ w._data) if x.requires_grad else None
        gw = None
        if w.requires_grad:
            # delta_W in W's own memory order (nn.Linear keeps W column-major), so
            # that accumulating and updating it stream through both arrays alike.
            gw = Tensor._wrap((x._data.T @ g).T if _f_ordered(w._data) else g.T @ x._data)
        # np.add.reduce is what ndarray.sum calls, minus a Python-level wrapper.
        has_b = isinstance(b, Tensor) and b.requires_grad
        gb = Tensor._wrap(np.add.reduce(g, axis=0)) if has_b else None
        return gx, gw, gb

    @override
    def label(self) -> str:
        return "linear"

    @override
    def formula(self, operands):
        x, w, b = operands
        xw = nt.matmul(x, nt.Expr(nt.transposed(w)))
        return xw if b is None else nt.add(xw, b)

    @override
    def trace_rule(self, k, operands, out, numbers):
        x, w = operands[0], operands[1]
        if k == 0:
            return ("custom", lambda u: nt.Expr(f"{u.at(nt.ATOM)} @ {w.at(nt.ATOM)}", nt.ADD))
        if k == 1:
            return ("custom", lambda u: nt.Expr(f"{nt.transposed(u)} @ {x.at(nt.ATOM)}",
                                                nt.ADD))
        return ("custom", lambda u: nt.call("sum", u, "dim=0"))


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y = x W^T + b.

    input (*, in_features), weight (out_features, in_features), bias (out_features,)
    -> (*, out_features). delta_x = delta W, delta_W = delta^T x (summed over *),
    delta_b = delta summed over *.
    """
    check_tensor(input, "input", "linear")
    check_tensor(weight, "weight", "linear")
    x, w = input._data, weight._data
    if (x.ndim == 2 and w.ndim == 2 and x.shape[1] == w.shape[1] and x.shape[0] > 0
            and x.dtype == w.dtype and (bias is None or (
                isinstance(bias, Tensor) and bias._data.shape == (w.shape[0],)
                and bias._data.dtype == x.dtype))):
        # The common call (what nn.Linear makes on a batch), all checks passed at once.
        return Linear2d.apply(input, weight, bias)
    if weight.ndim not in (1, 2):
        raise RuntimeError(
            f"linear(): weight must be 1-D or 2-D, got a weight of shape {list(weight.shape)}")
    if input.ndim == 0:
        raise RuntimeError("linear(): input must have at least one dimension, got a 0-d tensor")
    k = weight.shape[-1]
    if input.shape[-1] != k:
        rows = int(input._data.size // input.shape[-1]) if input.shape[-1] else 0
        wt = weight.shape[::-1]
        raise RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({rows}x{input.shape[-1]} and "
            f"{'x'.join(str(s) for s in (wt if len(wt) == 2 else (k, 1)))})")
    if input.dtype != weight.dtype:
        raise RuntimeError(
            "linear(): expected m1 and m2 to have the same dtype, but got: "
            f"{input.dtype} != {weight.dtype}")
    out_shape = input.shape[:-1] + weight.shape[:-1]
    if bias is not None:
        check_tensor(bias, "bias", "linear")
        same_dtype("linear", ("input", input), ("bias", bias))
        _check_bias(bias.shape, out_shape, input.ndim)
    if (input.ndim == 2 and weight.ndim == 2 and input.shape[0] > 0
            and (bias is None or bias.shape == (weight.shape[0],))):
        return Linear2d.apply(input, weight, bias)
    if (input.ndim > 2 and weight.ndim == 2 and input._data.size > 0
            and (bias is None or bias.shape == (weight.shape[0],))):
        # (*, in) folded into one (rows, in) matrix, as torch does: delta_W is then one
        # product over all rows, not a batch of products summed afterwards (a sequence
        # model's layers, (N, T, in), measured several times slower that way).
        return Linear2d.apply(input.reshape(-1, k), weight, bias).reshape(out_shape)
    out = input @ weight.mT if weight.ndim == 2 else input @ weight
    if bias is not None:
        out = out + bias
        if out.shape != out_shape:  # a 1-D input with a (1, out) bias: still (out,)
            out = out.reshape(out_shape)
    return out


def _check_bias(bias_shape: tuple, out_shape: tuple, input_ndim: int) -> None:
    """The bias must broadcast to the output without enlarging it (PyTorch adds it into
    the output, as addmm does; a 1-D input counts as one row)."""
    target = ((1,) + out_shape) if input_ndim == 1 else out_shape
    try:
        fits = np.broadcast_shapes(bias_shape, target) == target
    except ValueError:
        fits = False
    if not fits:
        raise RuntimeError(
            f"linear(): a bias of shape {list(bias_shape)} cannot be broadcast to the output "
            f"shape {list(out_shape)} (The expanded size of the tensor must match the "
            f"existing size)")
