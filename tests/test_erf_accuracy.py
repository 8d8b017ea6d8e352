"""The vectorised erf/erfc (autograd_core/ops/_erf.py) against the standard library's
``math.erf``/``math.erfc`` (correctly rounded in practice) on dense grids and at the
extremes: float64 to a few ulps, float32 and float16 within one ulp of the correctly
rounded value; and through the ops (erf, erfc, exact gelu) that use it."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import autograd_core as ac
import nn
from autograd_core.ops import _erf

_ERF = np.vectorize(math.erf, otypes=[np.float64])
_ERFC = np.vectorize(math.erfc, otypes=[np.float64])


def _grid() -> np.ndarray:
    """Dense around 0 and the interval ends (0.46875, 4), logarithmic from 1e-300, out
    to where erfc underflows, and both signs."""
    pos = np.concatenate([
        np.linspace(0.0, 6.0, 120_001),
        np.linspace(6.0, 30.0, 24_001),
        np.geomspace(1e-300, 30.0, 20_001),
        np.linspace(0.46875 - 1e-6, 0.46875 + 1e-6, 201),
        np.linspace(4.0 - 1e-6, 4.0 + 1e-6, 201),
        np.nextafter(np.array([0.46875, 4.0, 26.5, 27.3]), np.inf),
        np.array([0.46875, 4.0, 26.5, 27.3, 5e-324, 1e300, np.finfo(np.float64).max]),
    ])
    return np.concatenate([pos, -pos])


def _ulps(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Distance in units in the last place between same-dtype float arrays (same sign)."""
    bits = {2: np.int16, 4: np.int32, 8: np.int64}[a.dtype.itemsize]
    ia = a.view(bits).astype(np.int64)
    ib = b.view(bits).astype(np.int64)
    return np.abs(ia - ib)


def test_erf_float64_to_rounding() -> None:
    x = _grid()
    got, want = _erf.erf(x), _ERF(x)
    assert got.dtype == np.float64
    assert np.max(np.abs(got - want)) <= 4.5e-16  # 2 ulps of numbers near 1
    tiny = np.abs(want) > 0
    rel = np.abs(got - want)[tiny] / np.abs(want[tiny])
    assert rel.max() <= 8e-16  # a few ulps relative, down to erf(1e-300)
    assert np.array_equal(np.signbit(got), np.signbit(want))  # erf(-0.0) = -0.0


def test_erfc_float64_relative_in_the_tail() -> None:
    x = _grid()
    got, want = _erf.erfc(x), _ERFC(x)
    normal = want > np.finfo(np.float64).tiny  # subnormal results have fewer digits
    rel = np.abs(got - want)[normal] / want[normal]
    assert rel.max() <= 2e-15  # relative, also at erfc(26) = 5.7e-296
    assert np.all(got[want == 0] == 0)
    sub = (want > 0) & ~normal
    assert np.all(np.abs(got - want)[sub] <= 1e-320)


@pytest.mark.parametrize("dtype", [np.float32, np.float16])
@pytest.mark.parametrize("name", ["erf", "erfc"])
def test_low_precision_within_one_ulp_of_the_rounded_value(dtype, name) -> None:
    with np.errstate(over="ignore"):  # 1e300 and the like become inf: dropped
        x = _grid().astype(dtype)
    x = x[np.isfinite(x)]
    ref = (_ERF if name == "erf" else _ERFC)(x.astype(np.float64)).astype(dtype)
    got = getattr(_erf, name)(x)
    assert got.dtype == dtype
    same_sign = np.signbit(got) == np.signbit(ref)
    assert same_sign.all() or np.all(got[~same_sign] == 0)
    assert _ulps(np.abs(got), np.abs(ref)).max() <= 1


def test_special_values_and_shapes() -> None:
    x = np.array([[np.inf, -np.inf, np.nan], [0.0, -0.0, 1.0]])
    e, c = _erf.erf(x), _erf.erfc(x)
    assert e.shape == c.shape == (2, 3)
    np.testing.assert_array_equal(e[0, :2], [1.0, -1.0])
    np.testing.assert_array_equal(c[0, :2], [0.0, 2.0])
    assert np.isnan(e[0, 2]) and np.isnan(c[0, 2])
    assert e[1, 0] == 0 and np.signbit(e[1, 1]) and c[1, 1] == 1.0
    assert _erf.erf(np.float32(0.5)).shape == ()
    assert _erf.erf(np.zeros((0, 3), np.float32)).shape == (0, 3)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_ops_match_torch(dtype) -> None:
    """erf and erfc against torch's; gelu against the float64 truth (torch's vectorised
    float32 gelu loses up to 1e-4 relative below x = -3, where 1 + erf cancels)."""
    rng = np.random.default_rng(3)
    npd = np.float32 if dtype == torch.float32 else np.float64
    x = (rng.standard_normal(50_000) * 3).astype(npd)
    tol = dict(rtol=1e-6, atol=1e-7) if npd == np.float32 else dict(rtol=1e-13, atol=1e-15)
    for ours, theirs in ((ac.erf, torch.erf), (ac.erfc, torch.erfc)):
        np.testing.assert_allclose(ours(ac.tensor(x))._data, theirs(torch.tensor(x)).numpy(),
                                   **tol)
    # Exact gelu against its float64 value x Phi(x) (Phi by erfc: no cancellation):
    # rounded once, so to float32 precision also where 1 + erf(x / sqrt 2) is small.
    x64 = x.astype(np.float64)
    want = (x64 * 0.5 * _ERFC(-x64 / math.sqrt(2.0))).astype(npd)
    np.testing.assert_allclose(nn.functional.gelu(ac.tensor(x))._data, want, **tol)
