"""Parity rows for loss nodes of their own: binary cross-entropy (one node with
PyTorch's clamps, and its gradient node, reached through create_graph)."""

from __future__ import annotations

from _helpers import OpCase, nn_of


def _bce(L, x, y):
    # Probabilities and targets strictly inside (0, 1), so finite differences apply.
    p = x.sigmoid() * 0.8 + 0.1
    t = y.sigmoid()
    return nn_of(L).functional.binary_cross_entropy(p, t)


def _bce_sum(L, x, y):
    p = x.sigmoid() * 0.8 + 0.1
    t = y.sigmoid()
    return nn_of(L).functional.binary_cross_entropy(p, t, reduction="sum")


CASES = [
    OpCase("binary_cross_entropy", _bce, ((3, 4), (3, 4))),
    OpCase("binary_cross_entropy-sum", _bce_sum, ((5,), (5,))),
]
