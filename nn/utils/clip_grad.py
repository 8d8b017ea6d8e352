"""Gradient clipping: ``clip_grad_norm_`` and ``clip_grad_value_`` (in place on .grad)."""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from autograd_core import Tensor
from autograd_core.version import mark_modified


def _grads(parameters: Tensor | Iterable[Tensor]) -> list[Tensor]:
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    return [p.grad for p in params if p.grad is not None]


def _scale_in_place(g: Tensor, coef: float) -> None:
    if g._data.flags.writeable:
        g._data *= np.asarray(coef, dtype=g._data.dtype)
        mark_modified(g)
    else:
        g._data = g._data * np.asarray(coef, dtype=g._data.dtype)


def _vector_norm(x: np.ndarray, p: float) -> float:
    """torch.linalg.vector_norm(x, p) of an array, in float64: p = inf / -inf is the
    largest / smallest |x|, p = 0 counts the nonzero entries, any other p is
    (sum |x|^p)^(1/p) (for p < 0 a zero entry makes it 0)."""
    a = np.abs(np.asarray(x, dtype=np.float64)).ravel()
    if p == 0:
        return float(np.count_nonzero(a))
    if a.size == 0:
        if p < 0 or p == math.inf:
            name = {math.inf: "inf", -math.inf: "-inf"}.get(p, f"{p:g}")
            raise RuntimeError(
                f"linalg.vector_norm cannot compute the {name} norm on an empty tensor "
                "because the operation does not have an identity (clip_grad_norm_ was "
                "given an empty gradient)")
        return 0.0
    if p == math.inf:
        return float(a.max())
    if p == -math.inf:
        return float(a.min())
    with np.errstate(divide="ignore", over="ignore"):
        return float(np.sum(a ** p) ** (1.0 / p))


def clip_grad_norm_(parameters: Tensor | Iterable[Tensor], max_norm: float,
                    norm_type: float = 2.0, error_if_nonfinite: bool = False,
                    foreach: bool | None = None) -> Tensor:
    """Scale all gradients together so that their joint norm is at most ``max_norm``.

    total = ||(||g_1||, ..., ||g_k||)|| with the ``norm_type`` norm (inf: max |g|,
    -inf: min |g|, 0: the number of nonzero entries, as torch.linalg.vector_norm);
    each g is multiplied by min(1, max_norm / (total + 1e-6)). Returns total (a 0-d
    tensor).
    """
    grads = _grads(parameters)
    norm_type = float(norm_type)
    if not grads:
        return Tensor._wrap(np.asarray(0.0, dtype=np.float32))
    dt = grads[0]._data.dtype
    # As PyTorch: the norm of the vector of per-gradient norms, each of the same order.
    total = _vector_norm(np.array([_vector_norm(g._data, norm_type) for g in grads]),
                         norm_type)
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is "
            "non-finite, so it cannot be clipped. To disable this error and scale the "
            "gradients by the non-finite norm anyway, set `error_if_nonfinite=False`")
    coef = max_norm / (total + 1e-6)
    if coef < 1.0 or math.isnan(coef):
        for g in grads:
            _scale_in_place(g, coef)
    return Tensor._wrap(np.asarray(total, dtype=dt))


def clip_grad_value_(parameters: Tensor | Iterable[Tensor], clip_value: float,
                     foreach: bool | None = None) -> None:
    """Clip every gradient element into [-clip_value, clip_value], in place."""
    clip_value = float(clip_value)
    for g in _grads(parameters):
        if g._data.flags.writeable:
            np.clip(g._data, -clip_value, clip_value, out=g._data)
        else:
            g._data = np.clip(g._data, -clip_value, clip_value)
