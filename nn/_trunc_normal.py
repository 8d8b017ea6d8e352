"""Draws from a normal distribution truncated to [a, b], by inverting its CDF.

Redrawing the values that fall outside [a, b] never ends when [a, b] lies far in a
tail (the chance of landing in [30, 31] under N(0, 1) is about 1e-198). Inverting the
CDF takes one uniform draw per value whatever the interval: with alpha, beta the bounds
in units of std from the mean,

    x = Phi^-1(Phi(alpha) + U (Phi(beta) - Phi(alpha))),   U ~ U[0, 1).

Far in a tail Phi underflows (Phi(-40) < 1e-300) and 1 - Phi loses every digit, so the
interval is first mirrored to lie below the mean when it lies above it, and the draw is
made on log Phi, which stays finite and accurate there; the inverse takes log p.
"""

from __future__ import annotations

import math

import numpy as np

# Peter Acklam's rational approximation of the inverse normal CDF (relative error below
# 1.2e-9 over the whole double range, ample for initial weights).
_A = (-3.969683028665376e01, 2.209460984245205e02, -2.759285104469687e02,
      1.383577518672690e02, -3.066479806614716e01, 2.506628277459239e00)
_B = (-5.447609879822406e01, 1.615858368580409e02, -1.556989798598866e02,
      6.680131188771972e01, -1.328068155288572e01)
_C = (-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e00,
      -2.549732539343734e00, 4.374664141464968e00, 2.938163982698783e00)
_D = (7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e00,
      3.754408661907416e00)
_P_LOW = 0.02425
_LOG_P_LOW = math.log(_P_LOW)


def _poly(coef: tuple[float, ...], x: np.ndarray) -> np.ndarray:
    out = np.full_like(x, coef[0])
    for c in coef[1:]:
        out = out * x + c
    return out


def _lower_tail(q: np.ndarray) -> np.ndarray:
    """Phi^-1(p) for p < P_LOW, given q = sqrt(-2 log p)."""
    return _poly(_C, q) / (_poly(_D, q) * q + 1.0)


def _ndtri_log(log_p: np.ndarray) -> np.ndarray:
    """Phi^-1(exp(log_p)) for log_p <= 0 (p in [0, 1]), accurate also for tiny p."""
    x = np.empty_like(log_p)
    low = log_p < _LOG_P_LOW
    if low.any():
        lp = log_p[low]
        xl = _lower_tail(np.sqrt(-2.0 * lp))
        far = xl < _FAR
        if far.any():
            # Past the range the approximation was fitted on (p < 1e-300) its relative
            # error grows to 3e-5: a few Newton steps on log Phi(x) = log p, with the
            # series, bring it to rounding.
            xf, target = xl[far], lp[far]
            for _ in range(4):
                value, slope = _log_phi_far(xf)
                xf = np.minimum(xf - (value - target) / slope, _FAR)
            xl[far] = xf
        x[low] = xl
    p = np.exp(log_p[~low])
    high = p > 1 - _P_LOW
    mid_x = np.empty_like(p)
    if high.any():
        # The upper tail by symmetry; 1 - p from log p without cancellation.
        one_minus = -np.expm1(log_p[~low][high])
        mid_x[high] = -_lower_tail(np.sqrt(-2.0 * np.log(one_minus)))
    mid = ~high
    if mid.any():
        q = p[mid] - 0.5
        r = q * q
        mid_x[mid] = _poly(_A, r) * q / (_poly(_B, r) * r + 1.0)
    x[~low] = mid_x
    return x


# Below this many std the asymptotic series is used: there Phi nears float64's
# smallest numbers, and the series' first left-out term (945 / z^10) is below 1e-13.
_FAR = -37.0
_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)


def _log_phi_far(z):
    """log Phi(z) for z <= _FAR, by the Mills ratio:
    Phi(z) = phi(z) / |z| * (1 - 1/z^2 + 3/z^4 - 15/z^6 + 105/z^8 - ...).
    Returns (log Phi(z), d/dz log Phi(z)); z a float or an array."""
    w = 1.0 / (z * z)
    series = 1.0 + w * (-1.0 + w * (3.0 + w * (-15.0 + w * 105.0)))
    # d(series)/dz = -2 w / z * (-1 + w * (6 + w * (-45 + w * 420)))
    d_series = -2.0 * w / z * (-1.0 + w * (6.0 + w * (-45.0 + w * 420.0)))
    value = -0.5 / w - np.log(-z) - _HALF_LOG_2PI + np.log(series)
    slope = -z - 1.0 / z + d_series / series
    return value, slope


def _log_phi(z: float) -> float:
    """log Phi(z) for a float z, finite wherever Phi underflows."""
    if z == math.inf:
        return 0.0
    if z == -math.inf:
        return -math.inf
    if z > _FAR:
        return math.log(0.5 * math.erfc(-z / math.sqrt(2.0)))
    return float(_log_phi_far(z)[0])


# Values drawn per block: the inverse takes a dozen temporaries of its input's size, so
# a large tensor is filled a block at a time, in memory its own size plus a little.
_BLOCK = 1 << 14


def sample(shape: tuple[int, ...], mean: float, std: float, a: float, b: float,
           gen: np.random.Generator) -> np.ndarray:
    """``shape`` float64 draws of N(mean, std^2) conditioned on [a, b] (std > 0, a <= b)."""
    out = np.empty(shape, dtype=np.float64)
    flat = out.reshape(-1)
    for start in range(0, flat.size, _BLOCK):
        stop = min(start + _BLOCK, flat.size)
        flat[start:stop] = _sample_flat(stop - start, mean, std, a, b, gen)
    return out


def _sample_flat(n: int, mean: float, std: float, a: float, b: float,
                 gen: np.random.Generator) -> np.ndarray:
    alpha, beta = (a - mean) / std, (b - mean) / std
    mirrored = alpha > 0  # the interval lies above the mean: draw its mirror image
    if mirrored:
        alpha, beta = -beta, -alpha
    if beta < -1e8:
        # So far out that the spread (std / |beta|) is below float64's resolution of the
        # nearer bound, which every draw rounds to (and log Phi would overflow).
        return np.full(n, a if mirrored else b, dtype=np.float64)
    lo, hi = _log_phi(alpha), _log_phi(beta)
    u = 1.0 - gen.random(n)  # in (0, 1]: log of it is finite
    # log(Phi(alpha) + u (Phi(beta) - Phi(alpha))), factored through Phi(beta) so that
    # nothing underflows: log Phi(beta) + log(u + (1 - u) Phi(alpha) / Phi(beta)).
    ratio = math.exp(lo - hi) if lo > -math.inf else 0.0
    with np.errstate(divide="ignore"):
        log_p = hi + np.log(u + (1.0 - u) * ratio)
    z = _ndtri_log(np.minimum(log_p, 0.0))
    if mirrored:
        z = -z
        alpha, beta = -beta, -alpha
    # The approximation (and rounding) may step just outside: clamp, as PyTorch does.
    return np.clip(mean + std * z, a, b)
