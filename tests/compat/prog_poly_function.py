"""The cubic fit again, through a hand-written ``torch.autograd.Function``.

The model is y = a + b * P3(c + d * x), P3 the Legendre polynomial of degree three, given
as a Function subclass with static ``forward``/``backward`` that saves its input with
``ctx.save_for_backward`` and reads it back from ``ctx.saved_tensors``; the forward also
checks ``ctx.needs_input_grad``. Called through ``.apply``. Float64; the coefficients start
from NumPy draws (seed 1).
"""

import math

import numpy as np


def run(torch, steps: int = 200):
    class LegendreP3(torch.autograd.Function):
        """P3(x) = (5 x^3 - 3 x) / 2, with P3'(x) = 3 (5 x^2 - 1) / 2."""

        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return 0.5 * (5 * x ** 3 - 3 * x)

        @staticmethod
        def backward(ctx, grad_output):
            (x,) = ctx.saved_tensors
            if not ctx.needs_input_grad[0]:
                return None
            return grad_output * 1.5 * (5 * x ** 2 - 1)

    dtype = torch.double
    x = torch.linspace(-math.pi, math.pi, 500, dtype=dtype)
    y = torch.sin(x)

    start = np.random.default_rng(1).normal(0.0, 0.2, size=4)
    a, b, c, d = (torch.full((), float(v), dtype=dtype, requires_grad=True) for v in start)

    P3 = LegendreP3.apply
    learning_rate = 5e-6
    losses = []
    for t in range(steps):
        y_pred = a + b * P3(c + d * x)
        loss = (y_pred - y).pow(2).sum()
        losses.append(loss.item())
        if t % 50 == 49:
            print(t, loss.item())
        loss.backward()
        with torch.no_grad():
            for p in (a, b, c, d):
                p -= learning_rate * p.grad
                p.grad = None

    fn_name = P3(x.requires_grad_()).grad_fn.name()
    return {
        "losses": losses,
        "coefficients": [a.item(), b.item(), c.item(), d.item()],
        "grad_fn": fn_name,
    }
