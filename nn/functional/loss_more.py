"""More losses: smooth_l1_loss, huber_loss and kl_div, composed from differentiable
primitives. ``reduction`` is "mean" (default), "sum" or "none" (kl_div also takes
"batchmean"); the deprecated size_average / reduce map onto it as PyTorch maps them.
"""

from __future__ import annotations

import warnings

import autograd_core as ag
from autograd_core import Tensor

from ._utils import check_reduction, check_tensor, legacy_reduction, reduce_loss
from .loss import _warn_broadcast


def _quadratic_then_linear(d: Tensor, knee: float, slope: float) -> Tensor:
    """0.5 d^2 * (slope / knee) inside |d| < knee, slope (|d| - 0.5 knee) outside: the
    two pieces meet with equal value and slope at |d| = knee."""
    z = d.abs()
    inside = z < knee
    quad = d * d * (0.5 * slope / knee)
    lin = (z - 0.5 * knee) * slope
    return ag.where(inside, quad, lin)


def smooth_l1_loss(input: Tensor, target: Tensor, size_average: bool | None = None,
                   reduce: bool | None = None, reduction: str = "mean",
                   beta: float = 1.0) -> Tensor:
    """0.5 (x - y)^2 / beta where |x - y| < beta, else |x - y| - 0.5 beta; reduced.
    beta = 0 is the L1 loss. input and target (*) (broadcast with a warning)."""
    check_tensor(input, "input", "smooth_l1_loss")
    check_tensor(target, "target", "smooth_l1_loss")
    reduction = legacy_reduction(size_average, reduce, reduction)
    check_reduction(reduction)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    _warn_broadcast(input, target)
    d = input - target
    loss = d.abs() if beta == 0 else _quadratic_then_linear(d, float(beta), 1.0)
    return reduce_loss(loss, reduction)


def huber_loss(input: Tensor, target: Tensor, reduction: str = "mean", delta: float = 1.0,
               weight: Tensor | None = None) -> Tensor:
    """0.5 (x - y)^2 where |x - y| < delta, else delta (|x - y| - 0.5 delta); optionally
    times ``weight`` (input's shape) elementwise; reduced. Equals delta *
    smooth_l1_loss with beta = delta."""
    check_tensor(input, "input", "huber_loss")
    check_tensor(target, "target", "huber_loss")
    check_reduction(reduction)
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    _warn_broadcast(input, target)
    loss = _quadratic_then_linear(input - target, float(delta), float(delta))
    if weight is not None:
        check_tensor(weight, "weight", "huber_loss")
        if weight.shape != input.shape:
            raise ValueError("Weights and input must have the same size.")
        loss = loss * weight
    return reduce_loss(loss, reduction)


def kl_div(input: Tensor, target: Tensor, size_average: bool | None = None,
           reduce: bool | None = None, reduction: str = "mean",
           log_target: bool = False) -> Tensor:
    """Kullback-Leibler divergence with ``input`` = log q (log-probabilities) and
    ``target`` = p (or log p with log_target): p (log p - log q) elementwise, with
    0 log 0 = 0; reduced. "batchmean" divides the sum by input.size(0) (the KL
    divergence per sample); "mean" divides by the element count, with PyTorch's warning.
    """
    check_tensor(input, "input", "kl_div")
    check_tensor(target, "target", "kl_div")
    reduction = legacy_reduction(size_average, reduce, reduction)
    if reduction not in ("none", "mean", "sum", "batchmean"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if reduction == "mean":
        warnings.warn(
            "reduction: 'mean' divides the total loss by both the batch size and the support "
            "size.'batchmean' divides only by the batch size, and aligns with the KL div math "
            "definition.'mean' will be changed to behave the same as 'batchmean' in the next "
            "major release.", stacklevel=2)
    if log_target:
        loss = target.exp() * (target - input)
    else:
        # xlogy(p, p): 0 where p == 0. The inner where keeps log away from 0 so that the
        # branch not taken has a finite gradient.
        pos = target > 0
        safe = ag.where(pos, target, 1.0)
        plogp = ag.where(pos, target * safe.log(), 0.0)
        loss = plogp - target * input
    if reduction == "batchmean":
        n = input.shape[0] if input.ndim else 1
        return loss.sum() / n
    return reduce_loss(loss, reduction)
