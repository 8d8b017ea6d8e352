"""max_pool2d / avg_pool2d (and their layers) against torch: outputs, indices, gradients
over a grid of kernel, stride, padding, dilation, ceil_mode and count_include_pad."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from _nn_helpers import assert_close, pair

import autograd_core as ag
import nn
import nn.functional as F

DTYPES = [np.float64, np.float32]

MAX_CASES = [
    dict(kernel_size=2),
    dict(kernel_size=3, stride=1),
    dict(kernel_size=3, stride=2, padding=1),
    dict(kernel_size=(3, 2), stride=(2, 1), padding=(1, 1)),
    dict(kernel_size=2, dilation=2),
    dict(kernel_size=(2, 3), stride=2, padding=(1, 1), dilation=(2, 1)),
    dict(kernel_size=3, stride=2, ceil_mode=True),
    dict(kernel_size=2, stride=3, padding=1, ceil_mode=True),
    dict(kernel_size=(3, 3), stride=2, padding=1, dilation=2, ceil_mode=True),
    dict(kernel_size=5, padding=2),
]
SHAPES = [(2, 3, 7, 6), (1, 2, 5, 5), (2, 1, 8, 9)]


def _compare(fn_o, fn_t, x, dtype, rng):
    xo, xt = pair(x)
    out_o, out_t = fn_o(xo), fn_t(xt)
    assert_close(out_o, out_t, dtype, "output")
    g = rng.standard_normal(out_t.shape).astype(dtype)
    out_o.backward(ag.tensor(g))
    out_t.backward(torch.tensor(g))
    assert_close(xo.grad, xt.grad, dtype, "input grad")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("i,kw", list(enumerate(MAX_CASES)))
def test_max_pool2d_matches_torch(i, kw, dtype, rng):
    x = rng.standard_normal(SHAPES[i % len(SHAPES)]).astype(dtype)
    _compare(lambda t: F.max_pool2d(t, **kw), lambda t: TF.max_pool2d(t, **kw), x, dtype, rng)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("i,kw", list(enumerate(MAX_CASES)))
def test_max_pool2d_without_grad_matches_torch(i, kw, dtype, rng):
    # Inference (no_grad, or an input that needs no grad) takes the maxima alone, without
    # the argmax: the same values as torch, NaN and infinities included.
    x = rng.standard_normal(SHAPES[i % len(SHAPES)]).astype(dtype)
    flat = x.reshape(-1)
    flat[::7] = np.nan
    flat[3::11] = np.inf
    flat[5::13] = -np.inf
    want = TF.max_pool2d(torch.tensor(x), **kw).numpy()
    with ag.no_grad():
        got = F.max_pool2d(ag.tensor(x, requires_grad=True), **kw)
    np.testing.assert_array_equal(got._data, want)
    assert got.dtype == dtype and got.grad_fn is None
    np.testing.assert_array_equal(F.max_pool2d(ag.tensor(x), **kw)._data, want)


@pytest.mark.parametrize("i,kw", list(enumerate(MAX_CASES)))
def test_max_pool2d_indices_match_torch(i, kw, rng):
    x = rng.standard_normal(SHAPES[i % len(SHAPES)])
    out_o, idx_o = F.max_pool2d(ag.tensor(x), **kw, return_indices=True)
    out_t, idx_t = TF.max_pool2d(torch.tensor(x), **kw, return_indices=True)
    assert_close(out_o, out_t)
    assert idx_o.dtype == np.int64
    np.testing.assert_array_equal(idx_o._data, idx_t.numpy())


def test_max_pool2d_ties_send_gradient_to_first_maximum(rng):
    # Integer-valued data has many ties inside each window; torch routes the gradient to
    # the first maximum in scan order, and so must we.
    x = rng.integers(0, 3, size=(2, 2, 6, 6)).astype(np.float64)
    for kw in (dict(kernel_size=2), dict(kernel_size=3, stride=1, padding=1)):
        _compare(lambda t, kw=kw: F.max_pool2d(t, **kw),
                 lambda t, kw=kw: TF.max_pool2d(t, **kw), x, np.float64, rng)


def test_max_pool2d_unbatched_and_layer(rng):
    x = rng.standard_normal((3, 6, 5))
    _compare(nn.MaxPool2d(2, padding=1), torch.nn.MaxPool2d(2, padding=1), x, np.float64, rng)
    out, idx = nn.MaxPool2d(2, return_indices=True)(ag.tensor(x))
    out_t, idx_t = torch.nn.MaxPool2d(2, return_indices=True)(torch.tensor(x))
    np.testing.assert_array_equal(idx._data, idx_t.numpy())


AVG_CASES = [
    dict(kernel_size=2),
    dict(kernel_size=3, stride=1, padding=1),
    dict(kernel_size=(3, 2), stride=(2, 1), padding=(1, 0)),
    dict(kernel_size=3, stride=2, ceil_mode=True),
    dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
    dict(kernel_size=2, stride=3, padding=1, ceil_mode=True),
    dict(kernel_size=(2, 4), stride=2, padding=(1, 2)),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("count_include_pad", [True, False])
@pytest.mark.parametrize("i,kw", list(enumerate(AVG_CASES)))
def test_avg_pool2d_matches_torch(i, kw, count_include_pad, dtype, rng):
    x = rng.standard_normal(SHAPES[i % len(SHAPES)]).astype(dtype)
    kw = dict(kw, count_include_pad=count_include_pad)
    _compare(lambda t: F.avg_pool2d(t, **kw), lambda t: TF.avg_pool2d(t, **kw), x, dtype, rng)


def test_avg_pool2d_divisor_override_unbatched_and_layer(rng):
    x = rng.standard_normal((2, 3, 7, 6))
    kw = dict(kernel_size=3, stride=2, padding=1, divisor_override=5)
    _compare(lambda t: F.avg_pool2d(t, **kw), lambda t: TF.avg_pool2d(t, **kw), x,
             np.float64, rng)
    _compare(nn.AvgPool2d(2, 1, 1, count_include_pad=False),
             torch.nn.AvgPool2d(2, 1, 1, count_include_pad=False), x[0], np.float64, rng)


def test_pool_reprs_match_torch():
    for ours, theirs in [
        (nn.MaxPool2d(2), torch.nn.MaxPool2d(2)),
        (nn.MaxPool2d((3, 2), 1, 1, 2, ceil_mode=True),
         torch.nn.MaxPool2d((3, 2), 1, 1, 2, ceil_mode=True)),
        (nn.AvgPool2d(2), torch.nn.AvgPool2d(2)),
        (nn.AvgPool2d(3, 2, 1), torch.nn.AvgPool2d(3, 2, 1)),
    ]:
        assert repr(ours) == repr(theirs)


@pytest.mark.parametrize("call,pattern", [
    (lambda: F.max_pool2d(ag.zeros(1, 3, 4, 4), 3, padding=2),
     "pad should be at most half of effective kernel size, but got pad=2, kernel_size=3"),
    (lambda: F.avg_pool2d(ag.zeros(1, 3, 4, 4), 3, padding=2),
     "pad should be at most half of effective kernel size"),
    (lambda: F.max_pool2d(ag.zeros(1, 3, 2, 2), 3),
     r"Given input size: \(3x2x2\)\. Calculated output size: \(3x0x0\)\. Output size is too "
     "small"),
    (lambda: F.avg_pool2d(ag.zeros(1, 3, 2, 2), 3), "Output size is too small"),
    (lambda: F.max_pool2d(ag.zeros(3, 4), 3), r"3D or 4D .* got a tensor of shape \[3, 4\]"),
    (lambda: F.max_pool2d(ag.zeros(1, 1, 3, 3), 2, stride=0), "stride should not be zero"),
    (lambda: F.avg_pool2d(ag.zeros(1, 1, 3, 3), 2, divisor_override=0),
     "divisor must be not zero"),
])
def test_pool_bad_arguments(call, pattern):
    with pytest.raises(RuntimeError, match=pattern):
        call()
