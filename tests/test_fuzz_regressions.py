"""Failures the program fuzzer found (tests/fuzz_many.py), each pinned as a small case
compared with torch 2.13. The comment on each test gives the cause that was fixed."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import autograd_core as ac

# NaN/inf and degenerate variances are the point here; the warnings about them are not.
pytestmark = [pytest.mark.filterwarnings("ignore::RuntimeWarning"),
              pytest.mark.filterwarnings("ignore:.*degrees of freedom is <= 0")]

NAN, INF = float("nan"), float("inf")


def both(fn, *arrays, grad_out=None):
    """Run ``fn(L, *leaves)`` in both libraries; compare values and leaf gradients."""
    res = []
    for L in (ac, torch):
        leaves = [L.tensor(np.asarray(a), requires_grad=True) for a in arrays]
        out = fn(L, *leaves)
        if grad_out is None and out.dim() == 0:
            out.backward()  # the implicit delta 1 (the engine's own, writable array)
        else:
            dt = np.asarray(arrays[0]).dtype
            g = np.ones(tuple(out.shape), dt) if grad_out is None else np.asarray(grad_out, dt)
            out.backward(L.tensor(g) if L is ac else torch.tensor(g, dtype=out.dtype))
        res.append((out, [t.grad for t in leaves]))
    (o_out, o_grads), (t_out, t_grads) = res
    _same(o_out, t_out, "value")
    for i, (a, b) in enumerate(zip(o_grads, t_grads)):
        if b is None:
            assert a is None, f"grad {i}"
        else:
            _same(a, b, f"grad {i}")
    return o_out, o_grads


def _same(ours, theirs, what):
    a = ours._data if isinstance(ours, ac.Tensor) else np.asarray(ours)
    b = theirs.detach().numpy()
    assert a.shape == b.shape, f"{what}: {a.shape} vs {b.shape}"
    assert a.dtype == b.dtype, f"{what}: {a.dtype} vs {b.dtype}"
    np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7, equal_nan=True, err_msg=what)
    # same signs of infinities and zeros-vs-NaN patterns
    np.testing.assert_array_equal(np.isnan(a), np.isnan(b), err_msg=what)
    np.testing.assert_array_equal(np.isposinf(a), np.isposinf(b), err_msg=what)


# Cause: std was var().sqrt(); where the std is 0 its gradient is inf * 0 = NaN, PyTorch
# gives 0 there. Fixed by a sqrt whose gradient is 0 where the std is 0.
def test_std_of_constant_values_has_zero_gradient():
    both(lambda L, x: x.std(dim=1), np.array([[2.0, 2.0, 2.0], [1.0, 2.0, 4.0]]))
    both(lambda L, x: x.std(unbiased=False), np.array([5.0], np.float32))


# Cause: var/std of float32 squared 1e20 into inf; PyTorch accumulates float32 variance
# in float64. Fixed by computing var/std of float32 in float64 and casting back.
def test_float32_var_and_std_of_huge_values_do_not_overflow():
    x = np.array([1e20, -1e20, 0.0, 3.0], np.float32)
    both(lambda L, x: x.std(), x)
    both(lambda L, x: x.var() * 1e-30, x)


# Cause: maximum/minimum gave a NaN-side 0 gradient; PyTorch gives both sides the whole
# delta where the comparison fails (NaN), half each on ties.
@pytest.mark.parametrize("op", ["maximum", "minimum"])
def test_maximum_minimum_with_nan_and_ties(op):
    a = np.array([1.0, 2.0, NAN, 0.0, 5.0])
    b = np.array([1.0, 3.0, 1.0, 0.0, NAN])
    both(lambda L, x, y: getattr(L, op)(x, y), a, b)


# Cause: masked backwards multiplied delta by a 0/1 mask, so a NaN or inf delta leaked
# into masked-out elements as NaN; PyTorch selects. Fixed with a select (masked_grad).
@pytest.mark.parametrize("fn", [
    lambda L, x: x.relu(),
    lambda L, x: x.clamp(-0.5, 0.5),
    lambda L, x: L.maximum(x, L.zeros(4, dtype=x.dtype)),
])
def test_nan_delta_does_not_leak_through_masks(fn):
    both(fn, np.array([-1.0, 2.0, 0.25, -3.0]), grad_out=[NAN, 1.0, INF, -INF])


def test_nan_delta_outside_an_inplace_view_stays_out():
    def f(L, x):
        y = x * 1.0
        y[1:3].div_(0.0)  # inf inside the view
        return y

    both(f, np.array([1.0, -2.0, 3.0, 4.0]), grad_out=[1.0, 1.0, -1.0, 1.0])


# Cause: max() over everything with a NaN result spread NaN to every element; PyTorch
# gives the gradient to the NaN elements only. amax keeps PyTorch's NaN spreading.
def test_max_all_with_nan_and_amax_with_nan():
    x = np.array([[1.0, NAN, 3.0], [2.0, 2.0, 0.0]])
    both(lambda L, x: x.max(), x)
    both(lambda L, x: x.min(), x)
    both(lambda L, x: x.amax(1), x)
    both(lambda L, x: x.amin(0), x)
    both(lambda L, x: x.max(1)[0], x)


# Cause: softmax/log_softmax of an empty tensor crashed in NumPy's max (no identity).
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_of_empty(name):
    both(lambda L, x: getattr(x, name)(-1), np.zeros((3, 0)))
    both(lambda L, x: getattr(x, name)(0), np.zeros((0, 2), np.float32))


# Cause: var was composite (x - mean(x))^2; with an inf input the mean's gradient term
# spread NaN everywhere. PyTorch uses 2 (x - mean) / (N - correction): own backward now.
def test_var_with_inf_input():
    both(lambda L, x: x.var(), np.array([[1.0, INF], [3.0, 0.5]]))
    both(lambda L, x: x.var(0), np.array([[1.0, -INF], [3.0, 0.5]]))


# Cause: N <= correction gave NaN values and gradients; PyTorch divides the value by
# max(N - correction, 0) (inf or NaN) and the gradient by N - correction itself.
@pytest.mark.parametrize("correction", [0, 1, 2])
def test_var_with_few_elements(correction):
    both(lambda L, x: x.var(0, correction=correction), np.array([[1.0, 2.0], [3.0, 5.0]]))
    both(lambda L, x: x.var(0, correction=correction), np.array([2.0]))


# Cause: relu's gradient mask was x > 0, which is False for NaN; PyTorch passes the
# delta where not x <= 0 (relu(NaN) = NaN).
def test_relu_of_nan_passes_gradient():
    both(lambda L, x: x.log().relu(), np.array([[0.0, 1.0], [-1.0, 0.5]]))


# relu's backward multiplies delta by its 0/1 mask, which differs from selecting only
# where an inf or NaN delta meets a 0 (inf * 0 = NaN); PyTorch gives 0 there.
@pytest.mark.parametrize("delta", [np.inf, -np.inf, NAN])
def test_relu_non_finite_delta_where_input_is_negative(delta):
    both(lambda L, x: x.relu(), np.array([-1.0, 2.0, 0.0, -3.0], np.float32),
         grad_out=np.array([delta, 1.0, delta, 2.0], np.float32))
    both(lambda L, x: x.relu(), np.array([-1.0, 2.0], np.float32),
         grad_out=np.array([1.0, delta], np.float32))


# max/min along a short axis take a branch-free path (int8 indices, NaN detected from
# the running extreme afterwards); NaN must still win, at its first position, as in
# PyTorch, and an inf delta must reach only the chosen element.
@pytest.mark.parametrize("op", ["max", "min"])
def test_short_axis_max_min_with_nan_and_inf_delta(op):
    x = np.array([[1.0, NAN, 3.0, 2.0], [NAN, 2.0, 5.0, 2.0], [0.0, 7.0, NAN, 2.0],
                  [4.0, 1.0, 2.0, 2.0]], np.float32)
    both(lambda L, t: getattr(t, op)(0)[0], x)
    both(lambda L, t: getattr(t, op)(0)[0], x[:, 3:],
         grad_out=np.array([np.inf], np.float32))
    both(lambda L, t: getattr(t, op)(1)[0], np.nan_to_num(x, nan=1.0),
         grad_out=np.array([np.inf, 1.0, -np.inf, 2.0], np.float32))


# Cause: abs used np.sign, and sign(NaN) is NaN in NumPy but 0 in PyTorch.
def test_abs_of_nan_has_zero_gradient():
    both(lambda L, x: x.abs(), np.array([NAN, -2.0, 0.0, 3.0], np.float32))


# Cause: d(a/b)/db was -a / (b * b); b * b underflows to 0 for b = 1e-30 in float32
# (giving inf). PyTorch's -(a / b) / b stays finite, and cancels exactly in x / x.
def test_div_gradient_for_tiny_divisor():
    both(lambda L, a, b: a / b, np.array([1e-30, 2.0], np.float32),
         np.array([1e-30, 1e-30], np.float32))
    both(lambda L, x: x / x, np.array([[1e-30]]))


# Cause: a**b's gradient took 0 for b == 0 before multiplying by delta, so an inf delta
# gave NaN; PyTorch selects 0 after. And for the exponent, PyTorch multiplies after
# selecting, so a NaN delta stays NaN.
def test_pow_zero_exponent_with_inf_delta():
    def f(L, a, b):
        return (a.tanh() ** b) / b  # b == 0: delta of the power is inf

    both(f, np.array([-2.1], np.float32), np.array([0.0], np.float32))
    both(lambda L, a: (a ** 0) / (a * 0), np.array([1.5, -2.0]))
    both(lambda L, a, b: a ** b, np.array([0.0, 0.0, 2.0]), np.array([0.0, 1.0, 0.0]),
         grad_out=[NAN, 1.0, 1.0])


# Cause: x ** 0.5 at -0.0 gave +inf (0.5 * (-0)^-0.5); PyTorch gives -inf, as for sqrt.
def test_pow_half_at_negative_zero_matches_sqrt():
    both(lambda L, x: x ** 0.5, np.array([0.0, -0.0, 4.0], np.float32))


# Cause: the engine stored a leaf's first gradient without copying and later added into
# it in place; that array was also the delta still on its way to another node (add hands
# one delta to both inputs), so that node got a changed delta: here x.grad was 0.
def test_leaf_gradient_accumulation_does_not_alias_pending_delta():
    both(lambda L, x: (x * 0.5).sum() + (x + (-x)).sum(), np.array(3.0))
    both(lambda L, x: (x * 0.5).sum() + (x + (-x)).sum(), np.array([3.0, -1.0], np.float32))


# Cause: NumPy broadcasts integer indices together with arrays, moving the result's dims;
# torch applies the integers first. Fixed by selecting with the integers, then indexing.
@pytest.mark.parametrize("index", [
    (1, None, [0, 0, -1]),
    (0, [1, 0], None, [2, 3]),
    ([0, 1], 0, [1, 2]),
    (slice(None), 1, [0, 3]),
])
def test_integer_and_array_indices_like_torch(index):
    x = np.arange(24.0).reshape(2, 3, 4)
    both(lambda L, t: t[index] * 2.0, x)


# Cause (found while writing the hook tests): a leaf's hook ran once per incoming part of
# the gradient (x * x sends two) instead of once with their sum, as PyTorch.
def test_leaf_hook_runs_once_on_summed_gradient():
    seen = {}
    for L in (ac, torch):
        x = L.tensor([1.0, 2.0], requires_grad=True)
        calls = []
        x.register_hook(lambda g, calls=calls: calls.append(g.tolist()))
        (x * x).sum().backward()
        seen[L.__name__] = calls
    assert seen["autograd_core"] == seen["torch"] == [[2.0, 4.0]]
