"""Cross-entropy of logits (N, C) against class indices (N,) as one graph node.

It is the same function as ``nll(log_softmax(x))`` built from primitives (the tests
check both agree, values, gradients and second derivatives); fused because it ends every
classifier's forward pass: one stable log-softmax, and a backward that is the familiar
delta = (softmax(x) - onehot(t)) / N written once instead of through five nodes.
"""

from __future__ import annotations

import numpy as np

from autograd_core import Function, Tensor
from autograd_core import notation as nt


class CrossEntropyIndex(Function):
    """loss_n = -log softmax(x_n)[t_n] for rows whose t_n != ignore_index, then reduced.

    ``all_valid`` says that no target equals ignore_index (the caller knows from the
    targets' range), so the masks for ignored rows are skipped.
    """

    __slots__ = ("valid", "safe", "rows", "scale", "reduction")
    _fresh_grads = True  # delta_x is made new (see Function._fresh_grads)

    @staticmethod
    def forward(ctx, x, target, ignore_index, reduction, all_valid):
        n = x.shape[0]
        valid = None if all_valid else target != ignore_index
        safe = target if valid is None else np.where(valid, target, 0)
        # (ufunc reductions called directly: ndarray.max/sum add a Python-level wrapper)
        shifted = x - np.maximum.reduce(x, axis=1, keepdims=True)
        e = np.exp(shifted)
        s = np.add.reduce(e, axis=1, keepdims=True)
        # -log softmax(x_n)[t_n] = log sum_c exp(shifted_nc) - shifted_n,t_n
        rows = np.arange(n)
        per_sample = np.log(s[:, 0]) - shifted[rows, safe]
        if valid is not None:
            per_sample *= valid
        ctx.valid, ctx.safe, ctx.rows, ctx.reduction = valid, safe, rows, reduction
        ctx.save_for_backward(e, s)  # softmax = e / s, formed in backward
        if reduction == "none":
            ctx.scale = None
            return per_sample
        if reduction == "sum":
            ctx.scale = 1.0
            return np.asarray(np.add.reduce(per_sample))
        count = n if valid is None else int(valid.sum())
        # All targets ignored: 0/0 = NaN as in PyTorch; the gradient stays 0.
        ctx.scale = 1.0 / count if count else 0.0
        total = np.add.reduce(per_sample)
        return np.asarray(total / count if count else total * np.nan, dtype=x.dtype)

    @staticmethod
    def backward(ctx, grad):
        # The chain rule through nll(log_softmax(x)), in the Tensor ops of that
        # composition: delta_x[n] = (softmax(x_n) - onehot(t_n)) * dL/dloss_n * weight_n,
        # weight_n the reduction's (1/N for the mean), zero on ignored rows.
        x = ctx.inputs[0]
        row_w = _row_weights(ctx)
        onehot = np.zeros(x._data.shape, dtype=x._data.dtype)
        onehot[ctx.rows, ctx.safe] = 1
        s = x.softmax(1)
        g = grad.reshape(-1, 1) if ctx.reduction == "none" else grad
        if row_w is None:
            return (s - Tensor._wrap(onehot)) * g, None, None, None, None
        w = Tensor._wrap(row_w[:, None] if np.ndim(row_w) == 1 else np.asarray(row_w))
        return (s - Tensor._wrap(onehot)) * w * g, None, None, None, None

    @staticmethod
    def fast_backward(ctx, grad):
        row_w = _row_weights(ctx)
        e, s = ctx.saved_tensors
        g = grad._data
        w = g if row_w is None else row_w * g
        if w.ndim == 1:
            w = w[:, None]
        # (e / s - onehot) * w as e * (w / s) - w * onehot: one pass over (N, C)
        # instead of two (w / s is a column).
        d = e * (w / s)
        d[ctx.rows, ctx.safe] -= w[:, 0] if w.ndim else w
        return Tensor._wrap(d), None, None, None, None

    def label(self) -> str:
        return "cross_entropy" if self.reduction == "mean" else (
            f"cross_entropy(reduction={self.reduction!r})")

    def formula(self, operands):
        return nt.call("cross_entropy", operands[0], _target(operands))

    def trace_rule(self, k, operands, out, numbers):
        x, t = operands[0].text, _target(operands).text
        kept = "" if self.valid is None else f"[{t}!={self.inputs[2]}]*"
        count = round(1 / self.scale) if self.reduction == "mean" and self.scale else 1

        def rule(u: nt.Expr) -> nt.Expr:
            text = f"(softmax({x})-onehot({t}))*{kept}{u.at(nt.MUL)}"
            return nt.Expr(text if count == 1 else f"{text}/{count}", nt.MUL)

        return ("custom", rule)


def _target(operands: list) -> nt.Expr:
    # The class indices arrive as an array (no formula): call them t.
    return operands[1] if operands[1] is not None else nt.Expr("t")


def _row_weights(ctx: CrossEntropyIndex) -> np.ndarray | np.generic | None:
    """The weight of each row's delta: the reduction's scale (1/N for the mean), zero on
    ignored rows; None when every row's weight is 1 (reduction "none", nothing ignored)."""
    dt = ctx.inputs[0]._data.dtype
    valid = ctx.valid
    if valid is None:
        return None if ctx.reduction == "none" else dt.type(ctx.scale)
    if ctx.reduction == "none":
        return valid.astype(dt)
    return valid.astype(dt) * dt.type(ctx.scale)
