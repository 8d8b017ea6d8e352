"""nn.init and default layer initialisation: the same distributions as PyTorch's.

Numbers differ between the libraries (different generators), so the samples are
compared by a two-sample Kolmogorov-Smirnov test, plus exact checks of bounds, gains
and fans.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import autograd_core as ag
import nn
from nn import init


def _ks_same_distribution(a: np.ndarray, b: np.ndarray) -> None:
    """Two-sample KS test at the 0.1% level: D <= 1.949 * sqrt((n + m) / (n m))."""
    a, b = np.sort(a.ravel()), np.sort(b.ravel())
    grid = np.concatenate([a, b])
    d = np.max(np.abs(np.searchsorted(a, grid, side="right") / a.size
                      - np.searchsorted(b, grid, side="right") / b.size))
    crit = 1.949 * math.sqrt((a.size + b.size) / (a.size * b.size))
    assert d <= crit, f"KS statistic {d:.4f} > {crit:.4f}: distributions differ"


@pytest.mark.parametrize("name,param", [
    ("linear", None), ("conv2d", None), ("sigmoid", None), ("tanh", None), ("relu", None),
    ("leaky_relu", None), ("leaky_relu", 0.2), ("leaky_relu", math.sqrt(5)), ("selu", None),
])
def test_calculate_gain_matches_torch(name, param):
    assert init.calculate_gain(name, param) == pytest.approx(
        torch.nn.init.calculate_gain(name, param), rel=1e-15)


def test_fans_match_torch():
    for shape in [(3, 4), (8, 4, 3, 3), (5, 2, 7), (6, 1, 1, 2)]:
        assert init._calculate_fan_in_and_fan_out(ag.zeros(*shape)) == \
            torch.nn.init._calculate_fan_in_and_fan_out(torch.zeros(*shape))


INITS = [
    ("uniform_", dict(a=-0.5, b=2.0)),
    ("normal_", dict(mean=1.0, std=0.3)),
    ("trunc_normal_", dict(std=1.0, a=-1.0, b=1.5)),
    ("xavier_uniform_", dict(gain=2.0)),
    ("xavier_normal_", {}),
    ("kaiming_uniform_", {}),
    ("kaiming_uniform_", dict(a=math.sqrt(5))),
    ("kaiming_uniform_", dict(mode="fan_out", nonlinearity="relu")),
    ("kaiming_normal_", dict(nonlinearity="relu")),
    ("kaiming_normal_", dict(mode="fan_out", a=0.1)),
]


@pytest.mark.parametrize("name,kw", INITS)
def test_init_distributions_match_torch(name, kw):
    shape = (200, 30, 3, 3)
    ag.manual_seed(0)
    ours = getattr(init, name)(ag.zeros(*shape), **kw)
    torch.manual_seed(0)
    theirs = getattr(torch.nn.init, name)(torch.zeros(*shape), **kw)
    _ks_same_distribution(ours._data, theirs.numpy())


def test_uniform_bounds_are_exact():
    t = init.kaiming_uniform_(ag.zeros(500, 50), a=math.sqrt(5))
    bound = 1 / math.sqrt(50)  # gain sqrt(2 / (1 + 5)) * sqrt(3 / fan_in)
    assert np.abs(t._data).max() <= bound and np.abs(t._data).max() > 0.99 * bound
    t = init.xavier_uniform_(ag.zeros(300, 100))
    bound = math.sqrt(6 / 400)
    assert np.abs(t._data).max() <= bound and np.abs(t._data).max() > 0.99 * bound


def test_constant_inits_and_generator():
    t = ag.zeros(3, 4)
    assert init.ones_(t) is t and np.all(t._data == 1)
    assert np.all(init.zeros_(t)._data == 0)
    assert np.all(init.constant_(t, 2.5)._data == 2.5)
    np.testing.assert_array_equal(init.eye_(ag.zeros(3, 4))._data, np.eye(3, 4))
    g1, g2 = np.random.default_rng(3), np.random.default_rng(3)
    np.testing.assert_array_equal(init.normal_(ag.zeros(5), generator=g1)._data,
                                  init.normal_(ag.zeros(5), generator=g2)._data)


def test_init_errors():
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init.xavier_uniform_(ag.zeros(5))
    with pytest.raises(ValueError, match="Mode fan_avg not supported"):
        init.kaiming_uniform_(ag.zeros(2, 2), mode="fan_avg")
    with pytest.raises(ValueError, match="Unsupported nonlinearity gelu"):
        init.calculate_gain("gelu")


@pytest.mark.parametrize("make", [
    lambda L: L.Linear(300, 200),
    lambda L: L.Conv2d(16, 64, 3),
    lambda L: L.Conv2d(8, 32, (2, 5), groups=4),
])
def test_default_layer_initialisation_matches_torch(make):
    ag.manual_seed(0)
    torch.manual_seed(0)
    ours, theirs = make(nn), make(torch.nn)
    for (name, p), q in zip(ours.named_parameters(), theirs.parameters()):
        assert p.dtype == np.float32
        _ks_same_distribution(p._data, q.detach().numpy())
        # Both libraries draw from U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
        fan_in = init._calculate_fan_in_and_fan_out(ours.weight)[0]
        assert np.abs(p._data).max() <= 1 / math.sqrt(fan_in), name


def test_default_init_is_seeded_by_manual_seed():
    ag.manual_seed(42)
    a = nn.Conv2d(3, 4, 3).state_dict()
    ag.manual_seed(42)
    b = nn.Conv2d(3, 4, 3).state_dict()
    for k in a:
        np.testing.assert_array_equal(a[k]._data, b[k]._data)
    bn = nn.BatchNorm2d(3)
    assert np.all(bn.weight._data == 1) and np.all(bn.bias._data == 0)
    assert np.all(bn.running_var._data == 1) and int(bn.num_batches_tracked._data) == 0


@pytest.mark.parametrize("shape", [(64, 32), (32, 64), (16, 4, 3, 3), (5, 5)])
def test_orthogonal_is_orthogonal_and_distributed_as_torch(shape):
    w = init.orthogonal_(ag.empty(*shape), gain=2.0)
    flat = w._data.reshape(shape[0], -1)
    small = min(flat.shape)
    gram = flat @ flat.T if flat.shape[0] == small else flat.T @ flat
    np.testing.assert_allclose(gram, 4.0 * np.eye(small), atol=1e-5)
    # Uniform (Haar) orthogonal matrices: every entry has the same law in both libraries.
    draws = np.concatenate([init.orthogonal_(ag.empty(*shape))._data.ravel() for _ in range(8)])
    ref = np.concatenate([torch.nn.init.orthogonal_(torch.empty(*shape)).numpy().ravel()
                          for _ in range(8)])
    _ks_same_distribution(draws, ref)
    with pytest.raises(ValueError, match="2 or more dimensions"):
        init.orthogonal_(ag.zeros(5))
    with pytest.raises(ValueError, match="2 or more dimensions"):
        torch.nn.init.orthogonal_(torch.zeros(5))
