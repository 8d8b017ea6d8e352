"""``dropout``: zero each element with probability p while training, scale the rest."""

from __future__ import annotations

import numpy as np

import autograd_core as ag
from autograd_core import Tensor

from ._utils import check_tensor


def dropout(input: Tensor, p: float = 0.5, training: bool = True,
            inplace: bool = False) -> Tensor:
    """x * mask / (1 - p), mask ~ Bernoulli(1 - p) per element, drawn from
    ``autograd_core.default_generator()``; the identity when not training. (*) -> (*).

    ``inplace`` is accepted for compatibility; a new tensor is returned.
    """
    check_tensor(input, "input", "dropout")
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0:
        return input
    dt = input._data.dtype
    if p == 1.0:
        return input * Tensor._wrap(np.zeros(input.shape, dtype=dt))
    keep = ag.default_generator().random(input.shape) >= p
    # The mask is a constant: the gradient is delta * mask / (1 - p).
    scale = keep.astype(dt) * np.asarray(1.0 / (1.0 - p), dtype=dt)
    return input * Tensor._wrap(scale)
