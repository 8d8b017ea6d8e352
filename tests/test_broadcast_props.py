"""Property tests (hypothesis) of broadcasting in the binary ops, against PyTorch.

For random mutually broadcastable shapes, the value and the gradient reaching each input
(summed back over the broadcast axes) must equal torch's; for shapes that do not
broadcast, the error names the op and both shapes.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from _helpers import TORCH, compare_with_torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, mutually_broadcastable_shapes

import autograd_core as ac

# Bounded so that the whole file runs in a few seconds.
PROPS = settings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)

BINARY = {
    "add": lambda L, a, b: a + b,
    "sub": lambda L, a, b: a - b,
    "mul": lambda L, a, b: a * b,
    "div": lambda L, a, b: a / b,
    "pow": lambda L, a, b: a**b,
    "maximum": lambda L, a, b: L.maximum(a, b),
    "minimum": lambda L, a, b: L.minimum(a, b),
}
# Keep bases positive for pow and divisors away from zero.
DOMAINS = {"div": ("normal", "nonzero"), "pow": ("pos", "normal")}

shape_pairs = mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, max_side=3)
dtypes = st.sampled_from([np.float32, np.float64])
seeds = st.integers(0, 2**32 - 1)


def _draw(rng: np.random.Generator, shape: tuple, domain: str, dtype) -> np.ndarray:
    if domain == "pos":
        x = rng.uniform(0.5, 2.0, shape)
    elif domain == "nonzero":
        x = rng.uniform(0.5, 2.0, shape) * rng.choice([-1.0, 1.0], shape)
    else:
        x = rng.standard_normal(shape)
    return np.asarray(x, dtype=dtype)


@pytest.mark.parametrize("op", list(BINARY))
@PROPS
@given(shapes=shape_pairs, dtype=dtypes, seed=seeds)
def test_binary_broadcast_matches_torch(op, shapes, dtype, seed):
    rng = np.random.default_rng(seed)
    doms = DOMAINS.get(op, ("normal", "normal"))
    sa, sb = shapes.input_shapes
    arrays = [_draw(rng, sa, doms[0], dtype), _draw(rng, sb, doms[1], dtype)]
    compare_with_torch(BINARY[op], arrays, rng)


@PROPS
@given(shapes=mutually_broadcastable_shapes(num_shapes=3, max_dims=4, max_side=3),
       dtype=dtypes, seed=seeds)
def test_where_broadcast_matches_torch(shapes, dtype, seed):
    rng = np.random.default_rng(seed)
    sc, sx, sy = shapes.input_shapes
    cond = rng.random(sc) < 0.5
    arrays = [_draw(rng, sx, "normal", dtype), _draw(rng, sy, "normal", dtype)]
    compare_with_torch(lambda L, x, y: L.where(L.tensor(cond), x, y), arrays, rng)


@pytest.mark.parametrize("op", list(BINARY))
@PROPS
@given(shapes=shape_pairs, seed=seeds)
def test_gradient_has_the_input_shape(op, shapes, seed):
    # The reduction back over broadcast axes must give each input exactly its own shape,
    # also when both need summing (e.g. (2, 1) with (1, 3)).
    rng = np.random.default_rng(seed)
    doms = DOMAINS.get(op, ("normal", "normal"))
    sa, sb = shapes.input_shapes
    a = ac.tensor(_draw(rng, sa, doms[0], np.float64), requires_grad=True)
    b = ac.tensor(_draw(rng, sb, doms[1], np.float64), requires_grad=True)
    out = BINARY[op](ac, a, b)
    assert out.shape == shapes.result_shape
    out.sum().backward()
    assert a.grad.shape == sa and b.grad.shape == sb


@st.composite
def incompatible_pairs(draw):
    """Two shapes that do not broadcast: one aligned axis has sizes n != m, both > 1."""
    sa = list(draw(array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4)))
    sb = list(draw(array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4)))
    k = draw(st.integers(1, min(len(sa), len(sb))))
    n = draw(st.integers(2, 5))
    sa[-k], sb[-k] = n, draw(st.integers(2, 5).filter(lambda m: m != n))
    return tuple(sa), tuple(sb)


@pytest.mark.parametrize("op", list(BINARY))
@settings(max_examples=10, deadline=None, database=None)
@given(shapes=incompatible_pairs())
def test_broadcast_failure_names_op_and_shapes(op, shapes):
    sa, sb = shapes
    with pytest.raises(RuntimeError) as ours:
        BINARY[op](ac, ac.ones(*sa), ac.ones(*sb))
    with pytest.raises(RuntimeError):
        BINARY[op](TORCH, torch.ones(*sa), torch.ones(*sb))
    msg = str(ours.value)
    assert op in msg
    assert str(list(sa)) in msg and str(list(sb)) in msg
