"""Adversarial cases on layers and initialisation, each against torch 2.13: F.linear's
bias shapes, wrong inputs to layers, and nn.init's argument checks. trunc_normal_'s
draws are random, so they are checked against the truncated normal's known moments."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from _oracle import OURS, same

import autograd_core as ac
import nn

# (bias shape, input shape); the bias may be anything that broadcasts into the output
# without enlarging it. (torch also refuses a few such biases with a 3-D input or a
# (1, 1) one with a 1-D input, an artifact of how it flattens; ours takes those.)
LINEAR_BIAS = [((1,), (2, 3)), ((1,), (3,)), ((1,), (5, 2, 3)), ((1,), (0, 3)),
               ((), (2, 3)), ((), (3,)), ((4,), (2, 3)), ((4,), (3,)), ((4,), (0, 3)),
               ((2, 4), (2, 3)), ((2, 4), (3,)), ((2, 4), (5, 2, 3)), ((1, 4), (2, 3)),
               ((1, 4), (3,)), ((1, 4), (5, 2, 3)), ((3,), (2, 3)), ((3,), (5, 2, 3)),
               ((2, 1), (2, 3)), ((2, 1), (3,)), ((5,), (2, 3)), ((1, 1), (2, 3)),
               ((1, 1, 4), (2, 3)), ((2, 2, 4), (5, 2, 3))]


@pytest.mark.parametrize("bshape,xshape", LINEAR_BIAS, ids=str)
def test_linear_bias_shapes(bshape, xshape):
    def fn(L):
        x = L.t.ones(*xshape, requires_grad=True)
        w = L.t.arange(12.0).reshape(4, 3).requires_grad_()
        b = L.t.ones(*bshape, requires_grad=True) if bshape else L.t.tensor(
            1.0, requires_grad=True)
        y = L.F.linear(x, w, b)
        (y * L.t.arange(float(y.numel())).reshape(y.shape)).sum().backward()
        return y, x.grad, w.grad, b.grad

    same(fn, f"linear bias {bshape} input {xshape}")


LAYER_CALLS = {
    "Linear wrong features": lambda L: L.nn.Linear(3, 2)(L.t.ones(4, 5)),
    "Linear int input": lambda L: L.nn.Linear(3, 2)(L.t.ones(4, 3, dtype=L.dt("int64"))),
    "Linear float64 input": lambda L: L.nn.Linear(3, 2)(L.t.ones(4, 3, dtype=L.dt("float64"))),
    "Linear 0-d input": lambda L: L.nn.Linear(3, 2)(L.t.tensor(1.0)),
    "Conv2d wrong channels": lambda L: L.nn.Conv2d(3, 2, 3)(L.t.ones(1, 4, 5, 5)),
    "Conv2d kernel too big": lambda L: L.nn.Conv2d(1, 2, 7)(L.t.ones(1, 1, 5, 5)),
    "Conv2d 2-D input": lambda L: L.nn.Conv2d(1, 2, 3)(L.t.ones(5, 5)),
    "Conv2d zero stride": lambda L: L.nn.Conv2d(1, 2, 3, stride=0)(L.t.ones(1, 1, 5, 5)),
    "MaxPool2d kernel too big": lambda L: L.nn.MaxPool2d(7)(L.t.ones(1, 1, 5, 5)),
    "MaxPool2d pad > half": lambda L: L.nn.MaxPool2d(2, padding=2)(L.t.ones(1, 1, 5, 5)),
    "BatchNorm1d wrong features": lambda L: L.nn.BatchNorm1d(3)(L.t.ones(4, 5)),
    "BatchNorm1d one sample": lambda L: L.nn.BatchNorm1d(3)(L.t.ones(1, 3)),
    "BatchNorm2d 3-D": lambda L: L.nn.BatchNorm2d(3)(L.t.ones(3, 4, 4)),
    "Dropout p=1.5": lambda L: L.nn.Dropout(1.5),
    "Dropout p=-0.1": lambda L: L.nn.Dropout(-0.1),
    "Flatten start > end": lambda L: L.nn.Flatten(2, 1)(L.t.ones(2, 3, 4)),
    "Flatten dim out of range": lambda L: L.nn.Flatten(3)(L.t.ones(2, 3)),
    "Sequential index": lambda L: L.nn.Sequential(L.nn.ReLU())[3],
    "Softmax dim 3": lambda L: L.nn.Softmax(3)(L.t.ones(2, 3)),
    "LeakyReLU on int": lambda L: L.nn.LeakyReLU()(L.t.ones(2, dtype=L.dt("int64"))),
}


@pytest.mark.parametrize("name", LAYER_CALLS)
def test_layer_misuse(name):
    same(LAYER_CALLS[name], name)


INIT_CALLS = {
    "trunc_normal_ a > b": lambda L: L.init.trunc_normal_(L.t.empty(5), a=2.0, b=1.0),
    "trunc_normal_ std 0 inside": lambda L: L.init.trunc_normal_(L.t.empty(5), std=0.0),
    "trunc_normal_ std 0 outside": lambda L: L.init.trunc_normal_(
        L.t.empty(5), mean=5.0, std=0.0, a=-1.0, b=1.0),
    "trunc_normal_ a == b": lambda L: L.init.trunc_normal_(L.t.empty(5), a=-2.0, b=-2.0),
    "kaiming_uniform_ 1-D": lambda L: L.init.kaiming_uniform_(L.t.empty(5)),
    "xavier_normal_ 1-D": lambda L: L.init.xavier_normal_(L.t.empty(5)),
    "kaiming bad mode": lambda L: L.init.kaiming_normal_(L.t.empty(3, 4), mode="fan"),
    "calculate_gain bad": lambda L: L.init.calculate_gain("swish"),
    "eye_ 3-D": lambda L: L.init.eye_(L.t.empty(2, 2, 2)),
    "constant_ int": lambda L: L.init.constant_(L.t.empty(3, dtype=L.dt("int64")), 2.7),
    "zeros_": lambda L: L.init.zeros_(L.t.ones(2, 2)),
}


@pytest.mark.parametrize("name", INIT_CALLS)
def test_init_arguments(name):
    same(INIT_CALLS[name], name)


# (mean, std, a, b): the usual window, far tails on either side, a window away from the
# mean, an infinite side, a negative std (PyTorch uses |std|).
TRUNC = [(0.0, 1.0, -2.0, 2.0), (0.0, 1.0, 5.0, 6.0), (0.0, 1.0, 30.0, 31.0),
         (0.0, 1.0, -41.0, -40.0), (0.0, 1.0, 1000.0, 1001.0), (3.0, 0.5, 0.0, 1.0),
         (0.0, 1.0, 0.0, math.inf), (0.0, 2.0, -math.inf, math.inf), (0.0, -1.0, -1.0, 1.0),
         (1e6, 1e-3, 0.0, 1.0)]


def _truncated_moments(mean, std, a, b):
    """Mean and standard deviation of N(mean, std^2) conditioned on [a, b], from the
    standard formulas (Mills ratios), computed stably far in the tails."""
    std = abs(std)
    al, be = (a - mean) / std, (b - mean) / std
    if al > 0:  # mirror into the lower side, where erfc keeps its digits
        m, s = _truncated_moments(0.0, 1.0, -be, -al)
        return mean - std * m, std * s
    if be < -37:  # far tail: an exponential of rate |beta| away from beta
        lam = -be
        m1 = be - 1 / lam + 2 / lam ** 3
        return mean + std * m1, std / lam

    def pdf(z):
        return 0.0 if math.isinf(z) else math.exp(-z * z / 2) / math.sqrt(2 * math.pi)

    def cdf(z):
        return 0.5 * math.erfc(-z / math.sqrt(2))

    zed = cdf(be) - cdf(al)
    term_a = 0.0 if math.isinf(al) else al * pdf(al)
    term_b = 0.0 if math.isinf(be) else be * pdf(be)
    m = (pdf(al) - pdf(be)) / zed
    var = 1 + (term_a - term_b) / zed - m * m
    return mean + std * m, std * math.sqrt(max(var, 0.0))


@pytest.mark.parametrize("mean,std,a,b", TRUNC, ids=str)
def test_trunc_normal_any_window_ends_with_the_right_distribution(mean, std, a, b):
    t = ac.empty(20000, dtype=ac.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "mean is more than 2 std from [a, b]"
        nn.init.trunc_normal_(t, mean=mean, std=std, a=a, b=b,
                              generator=np.random.default_rng(0))
    x = t._data
    assert np.isfinite(x).all() and x.min() >= a and x.max() <= b
    m, s = _truncated_moments(mean, std, a, b)
    if s == 0 or s < 1e-9 * max(abs(m), 1.0):
        np.testing.assert_allclose(x, m, rtol=1e-12)
        return
    # 20000 draws: the sample mean is within 5 standard errors of the true one.
    assert abs(x.mean() - m) < 5 * s / math.sqrt(x.size), (x.mean(), m, s)
    assert abs(x.std() - s) < 0.05 * s, (x.std(), s)


def test_trunc_normal_warns_as_torch_when_the_mean_is_far():
    def fn(L):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            L.init.trunc_normal_(L.t.empty(3), mean=0.0, std=1.0, a=5.0, b=6.0)
        return [str(x.message) for x in w]

    msgs = fn(OURS)
    assert msgs and msgs == [
        "mean is more than 2 std from [a, b] in nn.init.trunc_normal_. The distribution "
        "of values may be incorrect."]
    same(fn, "trunc_normal_ warning")
