"""Binary cross-entropy of probabilities as one graph node, with PyTorch's clamps.

Composed from ``log`` and ``clamp`` the loss has the right values but not the right
gradient at probabilities of exactly 0 or 1: log's local derivative 1/x is inf there and
clamp's is 0, and inf * 0 is NaN. A float32 sigmoid reaches 1.0 for logits above ~17, so
a saturated classifier meets this in ordinary training. PyTorch instead defines

    loss     = -(y * max(log x, -100) + (1 - y) * max(log(1 - x), -100))
    delta_x  = g * (x - y) / max(x (1 - x), 1e-12)
    delta_y  = g * (log(1 - x) - log x)

and its double backward by the formulas in ``BinaryCrossEntropyGrad.backward``. Both
are written here, so that values, gradients and second derivatives equal PyTorch's also
at the ends of [0, 1].
"""

from __future__ import annotations

import numpy as np

from autograd_core import Function, Tensor
from autograd_core import notation as nt

# PyTorch's floor under x (1 - x) in the gradient: 1e-12 rounded to float32 (its kernel
# keeps the constant as a float, also for float64 tensors), so huge edge gradients agree
# to the last digit. The double backward adds a plain 1e-12.
_EPS = float(np.float32(1e-12))
_EPS2 = 1e-12


class BinaryCrossEntropy(Function):
    """Per-element loss of probabilities x against targets y (same shape and dtype)."""

    __slots__ = ()

    @staticmethod
    def forward(ctx, x, y):
        with np.errstate(divide="ignore"):
            log_x = np.maximum(np.log(x), -100)
            log_1mx = np.maximum(np.log1p(-x), -100)
        return -(y * log_x + (1 - y) * log_1mx)

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.inputs
        gx = BinaryCrossEntropyGrad.apply(x, y, grad) if ctx.needs_input_grad[0] else None
        gy = None
        if ctx.needs_input_grad[1]:
            # Unclamped, as in PyTorch: +-inf where x is exactly 0 or 1.
            gy = grad * ((1 - x).log() - x.log())
        return gx, gy

    label_name = "binary_cross_entropy"
    elementwise = True

    def formula(self, operands):
        return nt.call("bce", operands[0], operands[1])

    def trace_rule(self, k, operands, out, numbers):
        x, y = operands[0], operands[1]
        if k == 0:
            return ("local", nt.Expr(f"({x.text}-{y.text})/max({x.text}(1-{x.text}), eps)",
                                     nt.MUL))
        return ("local", nt.Expr(f"log(1-{x.text})-log({x.text})", nt.ADD))


class BinaryCrossEntropyGrad(Function):
    """delta_x = g (x - y) / max(x (1 - x), eps): BinaryCrossEntropy's gradient, a node of
    its own so that its derivative is PyTorch's (needed under ``create_graph``)."""

    __slots__ = ()

    @staticmethod
    def forward(ctx, x, y, g):
        return g * (x - y) / np.maximum(x * (1 - x), _EPS)

    @staticmethod
    def backward(ctx, grad):
        x, y, g = ctx.inputs
        need = ctx.needs_input_grad
        gg = grad * g if need[0] else None
        # d/dx of (x - y) / (x (1 - x)) with eps added to each factor of the square, as
        # PyTorch's binary_cross_entropy_double_backward does (finite at x = 0 and 1).
        gx = None
        if need[0]:
            num = x * x - 2 * x * y + y
            den = ((x + _EPS2) * (1 - x + _EPS2)) ** 2
            gx = gg * num / den
        xx = x * (1 - x)
        gy = -(grad * g) / xx.clamp(min=_EPS2) if need[1] else None
        gd = grad * (x - y) / xx.clamp(min=_EPS) if need[2] else None
        return gx, gy, gd

    label_name = "bce_grad"
    elementwise = True

    def formula(self, operands):
        x, y, g = operands
        return nt.Expr(f"{g.at(nt.MUL)}*({x.text}-{y.text})/max({x.text}(1-{x.text}), eps)",
                       nt.MUL)

    def trace_rule(self, k, operands, out, numbers):
        x, y, g = (o.text for o in operands)
        if k == 0:
            return ("local", nt.Expr(f"{g}({x}^2-2{x}{y}+{y})/({x}(1-{x}))^2", nt.MUL))
        if k == 1:
            return ("local", nt.Expr(f"-{g}/({x}(1-{x}))", nt.MUL))
        return ("local", nt.Expr(f"({x}-{y})/({x}(1-{x}))", nt.MUL))


def bce_elementwise(x: Tensor, y: Tensor) -> Tensor:
    """The unreduced, unweighted binary cross-entropy of x against y (same shape)."""
    return BinaryCrossEntropy.apply(x, y)
