"""Parity rows for the one-node attention (``Attention`` in nn/functional/attention.py):
scaled_dot_product_attention without an explicit mask or dropout, causal or not, with
query and key lengths that differ and an explicit scale. Compared with PyTorch in
float32/float64 and gradchecked to first and second order by the shared tests."""

from __future__ import annotations

from _helpers import OpCase, nn_of


def _sdpa(L):
    return nn_of(L).functional.scaled_dot_product_attention


CASES: list[OpCase] = [
    OpCase("nn-sdpa-causal", lambda L, q, k, v: _sdpa(L)(q, k, v, is_causal=True),
           ((2, 3, 5, 4), (2, 3, 5, 4), (2, 3, 5, 4))),
    OpCase("nn-sdpa-unmasked-L-ne-S", lambda L, q, k, v: _sdpa(L)(q, k, v),
           ((2, 4, 3), (2, 6, 3), (2, 6, 5))),
    OpCase("nn-sdpa-causal-scale-L-gt-S",
           lambda L, q, k, v: _sdpa(L)(q, k, v, is_causal=True, scale=0.7),
           ((3, 6, 2), (3, 4, 2), (3, 4, 3))),
    OpCase("nn-sdpa-unbatched-scale-1", lambda L, q, k, v: _sdpa(L)(q, k, v, scale=1.0),
           ((4, 3), (5, 3), (5, 2))),
]
