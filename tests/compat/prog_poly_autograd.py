"""Fit a cubic to sin(x) with raw tensors and autograd, no nn and no optim.

The first autograd lesson of many courses: four coefficients with ``requires_grad=True``,
a sum-of-squares loss, ``loss.backward()``, a hand-written update inside ``torch.no_grad()``
and ``grad.zero_()`` after it. The coefficients start from NumPy draws (seed 0) so both
libraries follow the same path; float32 throughout.
"""

import math

import numpy as np


def run(torch, steps: int = 300):
    dtype = torch.float
    device = torch.device("cpu")

    x = torch.linspace(-math.pi, math.pi, 200, device=device, dtype=dtype)
    y = torch.sin(x)

    start = np.random.default_rng(0).standard_normal(4) * 0.1
    a = torch.tensor(start[0], device=device, dtype=dtype, requires_grad=True)
    b = torch.tensor(start[1], device=device, dtype=dtype, requires_grad=True)
    c = torch.tensor(start[2], device=device, dtype=dtype, requires_grad=True)
    d = torch.tensor(start[3], device=device, dtype=dtype, requires_grad=True)

    learning_rate = 2e-5
    losses = []
    for t in range(steps):
        y_pred = a + b * x + c * x ** 2 + d * x ** 3
        loss = (y_pred - y).pow(2).sum()
        losses.append(loss.item())
        if t % 100 == 99:
            print(t, loss.item())

        loss.backward()
        with torch.no_grad():
            a -= learning_rate * a.grad
            b -= learning_rate * b.grad
            c -= learning_rate * c.grad
            d -= learning_rate * d.grad
            a.grad.zero_()
            b.grad.zero_()
            c.grad.zero_()
            d.grad.zero_()

    print(f"Result: y = {a.item():.4f} + {b.item():.4f} x + {c.item():.4f} x^2 "
          f"+ {d.item():.4f} x^3")
    return {"losses": losses, "coefficients": [a.item(), b.item(), c.item(), d.item()]}
