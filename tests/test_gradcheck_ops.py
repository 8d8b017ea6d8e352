"""Finite-difference checks (float64) of every differentiable op, first and second order.

First order: ``autograd_core.gradcheck`` on each case of ``_helpers.OP_CASES``.
Second order: the same check applied to x -> d(sum(w * f(x)))/dx computed with
``create_graph=True``, which differentiates each op's backward formula in turn.
"""

from __future__ import annotations

import numpy as np
import pytest
from _helpers import OP_CASES, outputs_of

import autograd_core as ac

DIFFERENTIABLE = [c for c in OP_CASES if c.differentiable and c.gradcheck]


def _inputs(case, rng) -> list[ac.Tensor]:
    return [ac.tensor(a, requires_grad=True) for a in case.arrays(rng, np.float64)]


@pytest.mark.parametrize("case", DIFFERENTIABLE, ids=lambda c: c.name)
def test_gradcheck(case, rng):
    inputs = _inputs(case, rng)
    assert ac.gradcheck(lambda *xs: case.fn(ac, *xs), inputs, **dict(case.gradcheck_opts))


# Second order through ops whose backward is itself built from differentiable ops. Index
# results and the piecewise-linear ops (relu, abs, clamp, max, ...) have a zero second
# derivative almost everywhere; they still run, which checks that their backward records
# a graph without error.
@pytest.mark.parametrize("case", DIFFERENTIABLE, ids=lambda c: c.name)
def test_gradgradcheck(case, rng):
    inputs = _inputs(case, rng)
    outs = [o for o in outputs_of(case.fn(ac, *inputs)) if o.requires_grad]
    weights = [ac.tensor(rng.standard_normal(o.shape)) for o in outs]

    def first_derivative(*xs):
        ys = [o for o in outputs_of(case.fn(ac, *xs)) if o.requires_grad]
        total = sum((y * w).sum() for y, w in zip(ys, weights))
        grads = ac.grad(total, xs, create_graph=True, allow_unused=True)
        return tuple(g for g in grads if g is not None)

    assert ac.gradcheck(first_derivative, inputs, **dict(case.gradcheck_opts))
