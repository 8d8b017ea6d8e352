"""Flatten parameters into one vector and back."""

from __future__ import annotations

from collections.abc import Iterable

import autograd_core as ag
from autograd_core import Tensor
from autograd_core.version import mark_modified


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """Concatenate the flattened parameters: (sum of numel,). Differentiable."""
    params = list(parameters)
    if not params:
        raise RuntimeError("parameters_to_vector: expected a non-empty list of Tensors")
    return ag.cat([p.reshape(-1) for p in params])


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Give each parameter its slice of ``vec`` (shape (sum of numel,)) as its data.

    As in PyTorch the parameters then share ``vec``'s memory (views into it).
    """
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected torch.Tensor, but got: {type(vec).__name__}")
    params = list(parameters)
    total = sum(p._data.size for p in params)
    if vec.ndim != 1 or vec.shape[0] != total:
        raise RuntimeError(
            f"vector_to_parameters: vec of shape {list(vec.shape)} does not match the "
            f"parameters' total size ({total},)")
    start = 0
    for p in params:
        n = p._data.size
        p._data = vec._data[start:start + n].reshape(p.shape).astype(p._data.dtype, copy=False)
        # Counted as a write: a node recorded before reads p's array through p, and
        # would otherwise read the new values silently.
        mark_modified(p)
        start += n
