"""Cross-entropy of logits (N, C) against class indices (N,) as one graph node.

It is the same function as ``nll(log_softmax(x))`` built from primitives (the tests
check both agree, values, gradients and second derivatives); fused because it ends every
classifier's forward pass: one stable log-softmax, and a backward that is the familiar
delta = (softmax(x) - onehot(t)) / N written once instead of through five nodes.
"""

from __future__ import annotations

import numpy as np

from autograd_core import Function, Tensor
from autograd_core.grad_mode import is_grad_enabled


class CrossEntropyIndex(Function):
    """loss_n = -log softmax(x_n)[t_n] for rows whose t_n != ignore_index, then reduced."""

    __slots__ = ("valid", "safe", "scale", "reduction")

    @staticmethod
    def forward(ctx, x, target, ignore_index, reduction):
        n = x.shape[0]
        valid = target != ignore_index
        safe = np.where(valid, target, 0)
        shifted = x - x.max(axis=1, keepdims=True)
        logp = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        rows = np.arange(n)
        per_sample = -logp[rows, safe] * valid
        ctx.valid, ctx.safe, ctx.reduction = valid, safe, reduction
        ctx.save_for_backward(logp)
        if reduction == "none":
            ctx.scale = None
            return per_sample
        if reduction == "sum":
            ctx.scale = 1.0
            return np.asarray(per_sample.sum())
        count = int(valid.sum())
        # All targets ignored: 0/0 = NaN as in PyTorch; the gradient stays 0.
        ctx.scale = 1.0 / count if count else 0.0
        total = per_sample.sum()
        return np.asarray(total / count if count else total * np.nan, dtype=x.dtype)

    @staticmethod
    def backward(ctx, grad):
        x = ctx.inputs[0]
        dt = x.data.dtype
        # delta_x[n] = (softmax(x_n) - onehot(t_n)) * dL/dloss_n, zero on ignored rows.
        if ctx.reduction == "none":
            row_w = ctx.valid.astype(dt)
        else:
            row_w = ctx.valid.astype(dt) * dt.type(ctx.scale)
        if not is_grad_enabled():
            (logp,) = ctx.saved_tensors
            d = np.exp(logp)
            d[np.arange(d.shape[0]), ctx.safe] -= 1
            g = grad.data
            d *= (row_w * g)[:, None]
            return Tensor._wrap(d), None, None, None
        onehot = np.zeros(x.data.shape, dtype=dt)
        onehot[np.arange(onehot.shape[0]), ctx.safe] = 1
        s = x.softmax(1)
        g = grad.reshape(-1, 1) if ctx.reduction == "none" else grad
        return (s - Tensor._wrap(onehot)) * Tensor._wrap(row_w[:, None]) * g, None, None, None

    def describe(self) -> str:
        return "cross_entropy"
