"""erf and erfc on whole arrays, vectorised with NumPy (NumPy itself has neither).

The approximations are W. J. Cody's rational Chebyshev ones ("Rational Chebyshev
approximations for the error function", Math. Comp. 23 (1969), 631-637), with the
coefficients of his double-precision table (the published numbers; the code here is
this project's own):

* |x| <= 0.46875: erf(x) = x A(x^2) / B(x^2), A of degree 4, B of degree 4 (monic);
* 0.46875 < |x| <= 4: erfc(|x|) = e^(-x^2) C(|x|) / D(|x|), degrees 8 and 8 (monic);
* |x| > 4: erfc(|x|) = e^(-x^2) / |x| (1/sqrt(pi) - z P(z) / Q(z)), z = 1/x^2,
  degrees 5 and 5 (monic).

e^(-x^2) is taken as e^(-s^2) e^(-(x-s)(x+s)) with s = x rounded down to a multiple of
1/16: s^2 is then exact in float64, so the rounding of x^2 (an absolute error of about
x^2 * 1e-16, which e^(-x^2) would turn into a relative one of the same size, 7e-14 at
x = 26) does not reach the result, and erfc keeps its relative accuracy far into the
tail (erfc(26) = 5.7e-296).

Everything is computed in float64 and rounded once to the input's dtype, so a float32
result is float32(erf(x)) to within one unit in the last place (and equal to it almost
always). Measured against ``math.erf``/``math.erfc`` (tests/test_erf_accuracy.py).
"""

from __future__ import annotations

import numpy as np

# Cody's coefficients, lowest degree last in A, C, P (as he lists them: the first
# entries are the higher-order ones of a Horner scheme that starts from the last one).
_A = (3.16112374387056560e00, 1.13864154151050156e02, 3.77485237685302021e02,
      3.20937758913846947e03, 1.85777706184603153e-1)
_B = (2.36012909523441209e01, 2.44024637934444173e02, 1.28261652607737228e03,
      2.84423683343917062e03)
_C = (5.64188496988670089e-1, 8.88314979438837594e00, 6.61191906371416295e01,
      2.98635138197400131e02, 8.81952221241769090e02, 1.71204761263407058e03,
      2.05107837782607147e03, 1.23033935479799725e03, 2.15311535474403846e-8)
_D = (1.57449261107098347e01, 1.17693950891312499e02, 5.37181101862009858e02,
      1.62138957456669019e03, 3.29079923573345963e03, 4.36261909014324716e03,
      3.43936767414372164e03, 1.23033935480374942e03)
_P = (3.05326634961232344e-1, 3.60344899949804439e-1, 1.25781726111229246e-1,
      1.60837851487422766e-2, 6.58749161529837803e-4, 1.63153871373020978e-2)
_Q = (2.56852019228982242e00, 1.87295284992346047e00, 5.27905102951428412e-1,
      6.05183413124413191e-2, 2.33520497626869185e-3)

_SMALL = 0.46875  # below: erf by A/B; above: erfc by C/D or P/Q
_MID = 4.0  # above: erfc by P/Q
_TAIL = 40.0  # erfc(x) underflows to 0 from 27.3; larger |x| is clamped (inf - inf)
_INV_SQRT_PI = 5.6418958354775628695e-1

# Elements per block: the Horner steps run in place on a block that stays in cache.
_BLOCK = 16384


def _erf_small(x: np.ndarray) -> np.ndarray:
    """erf(x) for float64 |x| <= 0.46875 (a new array)."""
    z = x * x
    num = z * _A[4]
    den = z.copy()
    for i in range(3):
        num += _A[i]
        num *= z
        den += _B[i]
        den *= z
    num += _A[3]
    den += _B[3]
    num *= x
    num /= den
    return num


def _gauss(y: np.ndarray) -> np.ndarray:
    """e^(-y^2) for float64 y >= 0, as e^(-s^2) e^(-(y-s)(y+s)), s = floor(16 y)/16."""
    s = np.floor(y * 16.0)
    s *= 0.0625
    d = y - s
    d *= y + s
    np.negative(d, out=d)
    np.exp(d, out=d)
    s *= s
    np.negative(s, out=s)
    np.exp(s, out=s)
    s *= d
    return s


def _erfc_big(y: np.ndarray) -> np.ndarray:
    """erfc(y) for float64 y > 4, NaN kept (a new array)."""
    y = np.minimum(y, _TAIL)
    z = 1.0 / (y * y)
    num = z * _P[5]
    den = z.copy()
    for i in range(4):
        num += _P[i]
        num *= z
        den += _Q[i]
        den *= z
    num += _P[4]
    den += _Q[4]
    num *= z
    num /= den
    np.subtract(_INV_SQRT_PI, num, out=num)
    num /= y
    num *= _gauss(y)
    return num


def _rational_mid(y: np.ndarray) -> np.ndarray:
    """C(y) / D(y) (a new array): erfc(y) = e^(-y^2) C(y)/D(y) on (0.46875, 4]."""
    num = y * _C[8]
    den = y + _D[0]
    num += _C[0]
    for i in range(1, 8):
        num *= y
        num += _C[i]
        den *= y
        den += _D[i]
    num /= den
    return num


def _erf64(x: np.ndarray, complement: bool) -> np.ndarray:
    """erf(x) (or erfc(x) when ``complement``) of a 1-D float64 block.

    Both of the first two intervals' formulas are evaluated on the whole block and the
    right one picked per element (cheaper than gathering each interval's elements: a
    boolean gather costs about as much as a Horner step); elements beyond 4, rare in
    practice, are gathered and redone with the third interval's formula."""
    y = np.abs(x)
    small = y <= _SMALL
    if small.all():
        out = _erf_small(x)
        if complement:
            np.subtract(1.0, out, out=out)
        return out
    tail = _rational_mid(y)  # C/D
    if complement:
        tail *= _gauss(y)  # erfc(|x|), the product split to keep relative accuracy
    else:
        # For erf only 1 - erfc is needed, absolutely accurate: the rounding of x^2
        # changes e^(-x^2) by a relative x^2 * 1.1e-16, and x^2 erfc(x) < 0.1 here.
        tail *= np.exp(-(x * x))
    big = ~(y <= _MID)  # NaN goes with the big ones, which keep it
    if big.any():
        tail[big] = _erfc_big(y[big])
    neg = x < 0
    if complement:
        # erfc(x) for x > 0; erfc(-|x|) = 2 - erfc(|x|).
        out = np.where(neg, 2.0 - tail, tail)
        if small.any():
            out[small] = 1.0 - _erf_small(x[small])
        return out
    # erf(|x|) = 1 - erfc(|x|), with x's sign.
    np.subtract(1.0, tail, out=tail)
    np.copysign(tail, x, out=tail)
    # np.where, not copyto(where=): the masked copy is several times slower.
    return np.where(small, _erf_small(x), tail) if small.any() else tail


def _apply(a: np.ndarray, complement: bool, dtype: np.dtype | None = None) -> np.ndarray:
    x = np.asarray(a)
    dtype = x.dtype if dtype is None else dtype
    flat = x.astype(np.float64, copy=False).reshape(-1)
    out = np.empty(flat.shape, np.float64)
    with np.errstate(all="ignore"):  # inf/inf and inf-inf at +-inf, NaN in: not used
        for i in range(0, flat.size, _BLOCK):
            out[i:i + _BLOCK] = _erf64(flat[i:i + _BLOCK], complement)
    return out.reshape(x.shape).astype(dtype, copy=False)


def erf(a: np.ndarray) -> np.ndarray:
    """erf(a) elementwise, in a's floating dtype (float16/32/64); same shape."""
    return _apply(a, False)


def erf_float64(a: np.ndarray) -> np.ndarray:
    """erf(a) elementwise as float64 whatever a's floating dtype (for callers that go on
    computing before rounding, as the exact gelu does with 1 + erf)."""
    return _apply(a, False, np.dtype(np.float64))


def erfc(a: np.ndarray) -> np.ndarray:
    """erfc(a) = 1 - erf(a) elementwise, keeping relative accuracy for large a (erfc(10)
    = 2.1e-45 in float64), in a's floating dtype; same shape."""
    return _apply(a, True)
