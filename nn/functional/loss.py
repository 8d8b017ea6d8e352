"""Losses: mse_loss, l1_loss, nll_loss, cross_entropy, binary_cross_entropy,
binary_cross_entropy_with_logits. Each is a composition of differentiable primitives.

``reduction`` is "mean" (default), "sum" or "none" (the per-element losses); the
deprecated ``size_average`` / ``reduce`` arguments are mapped onto it as PyTorch does.
"""

from __future__ import annotations

import warnings

import numpy as np

import autograd_core as ag
from autograd_core import Tensor

from ._binary_cross_entropy import bce_elementwise
from ._cross_entropy_fused import CrossEntropyIndex
from ._utils import check_reduction, check_tensor, legacy_reduction, reduce_loss


def _size(shape: tuple[int, ...]) -> str:
    return f"torch.Size({list(shape)})"


def _torch_dtype(dt: np.dtype) -> str:
    """PyTorch's name of a dtype in messages ("Float", "Double", "Long")."""
    names = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long",
             "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
             "bool": "Bool"}
    return names.get(np.dtype(dt).name, np.dtype(dt).name)


def _warn_broadcast(input: Tensor, target: Tensor) -> None:
    if input.shape != target.shape:
        warnings.warn(
            f"Using a target size ({_size(target.shape)}) that is different to the input "
            f"size ({_size(input.shape)}). This will likely lead to incorrect results due "
            "to broadcasting. Please ensure they have the same size.", stacklevel=3)


def mse_loss(input: Tensor, target: Tensor, size_average: bool | None = None,
             reduce: bool | None = None, reduction: str = "mean") -> Tensor:
    """(x - y)^2, reduced. input and target (*) (broadcast, with a warning, if they differ).

    delta_x = 2 (x - y) / n for the mean.
    """
    check_tensor(input, "input", "mse_loss")
    check_tensor(target, "target", "mse_loss")
    reduction = legacy_reduction(size_average, reduce, reduction)
    check_reduction(reduction)
    _warn_broadcast(input, target)
    d = input - target
    return reduce_loss(d * d, reduction)


def l1_loss(input: Tensor, target: Tensor, size_average: bool | None = None,
            reduce: bool | None = None, reduction: str = "mean") -> Tensor:
    """|x - y|, reduced. input and target (*)."""
    check_tensor(input, "input", "l1_loss")
    check_tensor(target, "target", "l1_loss")
    reduction = legacy_reduction(size_average, reduce, reduction)
    check_reduction(reduction)
    _warn_broadcast(input, target)
    return reduce_loss((input - target).abs(), reduction)


_CLASS_DTYPES = (np.dtype(np.int64), np.dtype(np.uint8))


def _check_class_target(op: str, input: Tensor, target: Tensor) -> None:
    """Class-index targets: integer dtype, shape (N, d1, ...) for input (N, C, d1, ...)."""
    t = target._data
    if t.dtype.kind in "iub" and t.dtype not in _CLASS_DTYPES:
        # PyTorch takes class indices as int64 or uint8 only; an int8 target would also
        # cap the classes at 127.
        raise RuntimeError(
            f"expected target dtype to be Long or Byte, but got {_torch_dtype(t.dtype)} "
            f"({op}: class-index targets must be int64 or uint8)")
    if t.dtype.kind not in "iu":
        kind = "Float" if t.dtype == np.float32 else "Double" if t.dtype == np.float64 \
            else str(t.dtype)
        hint = (f"; a floating point target must have the input's shape "
                f"{list(input.shape)} (class probabilities)" if op == "cross_entropy"
                else "")
        raise RuntimeError(
            f"{op}: expected target dtype to be Long or Byte (class indices), but got "
            f"{kind} target of shape {list(target.shape)}{hint}")
    if input.ndim == 1:
        if target.ndim != 0:
            raise ValueError(
                f"{op}: for 1D input of shape {list(input.shape)} (one sample, no batch), "
                f"the target must be a 0-d class index, but got target size: "
                f"{list(target.shape)}")
        return
    if target.ndim == 0 or input.shape[0] != target.shape[0]:
        got = target.shape[0] if target.ndim else "none (0-d target)"
        raise ValueError(
            f"Expected input batch_size ({input.shape[0]}) to match target batch_size "
            f"({got}).")
    if input.ndim == 2 and target.ndim != 1:
        raise RuntimeError(
            f"{op}: 0D or 1D target tensor expected, multi-target not supported; got "
            f"target of shape {list(target.shape)} for input of shape {list(input.shape)}")
    expected = (input.shape[0],) + input.shape[2:]
    if target.shape != expected:
        raise RuntimeError(
            f"Expected target size {list(expected)}, got {list(target.shape)}")


def _check_weight(input: Tensor, weight: Tensor | None) -> np.ndarray | None:
    if weight is None:
        return None
    check_tensor(weight, "weight", "loss")
    c = input.shape[1] if input.ndim > 1 else input.shape[0]
    if weight.ndim != 1 or weight.shape[0] != c:
        raise RuntimeError(
            f"weight tensor should be defined either for all {c} classes or no classes but "
            f"got weight tensor of shape: {list(weight.shape)}")
    return weight._data


def _batched(input: Tensor, target: Tensor) -> tuple[Tensor, Tensor, bool]:
    """View an unbatched (C,) input and () target as a batch of one."""
    if input.ndim == 1:
        return input.unsqueeze(0), Tensor._wrap(target._data.reshape(1)), True
    return input, target, False


def _nll(logp: Tensor, target: np.ndarray, weight: np.ndarray | None, ignore_index: int,
         reduction: str) -> tuple[Tensor, np.ndarray, np.ndarray]:
    """-w[t] * logp[t] per sample; returns (reduced loss, valid mask, per-sample weight)."""
    c = logp.shape[1]
    valid = target != ignore_index
    bad = valid & ((target < 0) | (target >= c))
    if bad.any():
        raise IndexError(f"Target {int(target[bad].flat[0])} is out of bounds.")
    safe = np.where(valid, target, 0).astype(np.int64)
    picked = logp.gather(1, Tensor._wrap(np.expand_dims(safe, 1))).squeeze(1)
    dt = logp._data.dtype
    w = (weight[safe] if weight is not None else np.ones(safe.shape)).astype(dt) * valid
    loss = -picked * Tensor._wrap(w.astype(dt))
    if reduction == "none":
        return loss, valid, w
    if reduction == "sum":
        return loss.sum(), valid, w
    total = w.sum()
    if total == 0:
        # Every target ignored (or zero weight): the value is 0/0 = NaN as in PyTorch,
        # and, as there, the gradient stays 0 (each term's weight is 0).
        return loss.sum() + float("nan"), valid, w
    return loss.sum() / Tensor._wrap(np.asarray(total, dtype=dt)), valid, w


def nll_loss(input: Tensor, target: Tensor, weight: Tensor | None = None,
             size_average: bool | None = None, ignore_index: int = -100,
             reduce: bool | None = None, reduction: str = "mean") -> Tensor:
    """Negative log likelihood of class indices: -w[t] * input[n, t].

    input (N, C, *) log-probabilities (or (C,)); target (N, *) int64. The mean divides
    by the summed weights of the non-ignored targets.
    """
    check_tensor(input, "input", "nll_loss")
    check_tensor(target, "target", "nll_loss")
    reduction = legacy_reduction(size_average, reduce, reduction)
    check_reduction(reduction)
    _check_class_target("nll_loss", input, target)
    w = _check_weight(input, weight)
    x, t, unbatched = _batched(input, target)
    loss, _, _ = _nll(x, t._data, w, ignore_index, reduction)
    if unbatched and reduction == "none":
        loss = loss.reshape(())
    return loss


def _cross_entropy_indices(input: Tensor, t: np.ndarray, ignore_index: int,
                           reduction: str) -> Tensor:
    """Logits (N, C) with N > 0 against class indices t (N,), unweighted, as one node."""
    c = input._data.shape[1]
    # Every target a class and none ignored is the common case, told by one reduction:
    # seen as unsigned, a negative index is huge, so the largest is below C exactly when
    # every target is in [0, C). (An ignore_index in [0, C) needs a look of its own.)
    hi = int(np.maximum.reduce(t.view(f"u{t.dtype.itemsize}"), axis=None))
    all_valid = hi < c and not (0 <= ignore_index < c and (t == ignore_index).any())
    if not all_valid:
        bad = (t != ignore_index) & ((t < 0) | (t >= c))
        if bad.any():
            raise IndexError(f"Target {int(t[bad].flat[0])} is out of bounds.")
    return CrossEntropyIndex.apply(input, t, ignore_index, reduction, all_valid)


def cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,
                  size_average: bool | None = None, ignore_index: int = -100,
                  reduce: bool | None = None, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> Tensor:
    """log_softmax over classes (dim 1) followed by the negative log likelihood.

    input (N, C, *) logits or unbatched (C,). target: class indices (N, *) int64, or
    class probabilities with the input's shape (float). ``label_smoothing`` eps mixes
    the target with the uniform distribution: (1 - eps) * nll + eps * mean_c(-w_c logp_c).
    delta_logits = softmax(x) - target (per sample, before weighting/reduction).
    """
    # The common call (logits (N, C), class indices (N,), no options), with the checks
    # below that it passes made at once; anything else takes the full path.
    if (isinstance(input, Tensor) and isinstance(target, Tensor) and weight is None
            and size_average is None and reduce is None and label_smoothing == 0.0
            and reduction in ("mean", "sum", "none")):
        x, t = input._data, target._data
        if (x.ndim == 2 and t.ndim == 1 and x.dtype.kind == "f" and t.dtype in _CLASS_DTYPES
                and 0 < x.shape[0] == t.shape[0]):
            return _cross_entropy_indices(input, t, ignore_index, reduction)
    check_tensor(input, "input", "cross_entropy")
    check_tensor(target, "target", "cross_entropy")
    reduction = legacy_reduction(size_average, reduce, reduction)
    check_reduction(reduction)
    if input._data.dtype.kind != "f":
        # NotImplementedError (a RuntimeError) as in PyTorch, which has no integer kernel.
        raise NotImplementedError(
            f"cross_entropy: expected floating point logits, got input of dtype "
            f"{input._data.dtype}")
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(
            f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    if input.ndim == 0:
        raise RuntimeError("cross_entropy: input must have at least 1 dimension (classes)")
    w = _check_weight(input, weight)
    class_dim = 0 if input.ndim == 1 else 1
    n_classes = input.shape[class_dim]
    if target._data.dtype.kind == "f" and target.shape == input.shape:
        return _cross_entropy_probs(input, target, w, ignore_index, reduction,
                                    label_smoothing, class_dim, n_classes)
    _check_class_target("cross_entropy", input, target)
    if input.ndim == 2 and w is None and label_smoothing == 0 and input.shape[0] > 0:
        return _cross_entropy_indices(input, target._data, ignore_index, reduction)
    x, t, unbatched = _batched(input, target)
    logp = x.log_softmax(1)
    nll, valid, wsel = _nll(logp, t._data, w, ignore_index, reduction)
    if label_smoothing > 0:
        dt = logp._data.dtype
        lp = logp
        if w is not None:
            shape = (1, n_classes) + (1,) * (logp.ndim - 2)
            lp = logp * Tensor._wrap(w.reshape(shape).astype(dt))
        smooth = -lp.sum(dim=1) * Tensor._wrap(valid.astype(dt))
        if reduction == "mean":
            denom = wsel.sum() if w is not None else valid.sum()
            smooth = smooth.sum() / Tensor._wrap(np.asarray(denom, dtype=dt)) if denom \
                else smooth.sum() + float("nan")
        elif reduction == "sum":
            smooth = smooth.sum()
        nll = nll * (1 - label_smoothing) + smooth * (label_smoothing / n_classes)
    if unbatched and reduction == "none":
        nll = nll.reshape(())
    return nll


def _cross_entropy_probs(input: Tensor, target: Tensor, w: np.ndarray | None,
                         ignore_index: int, reduction: str, label_smoothing: float,
                         class_dim: int, n_classes: int) -> Tensor:
    if ignore_index >= 0:
        raise RuntimeError("ignore_index is not supported for floating point target")
    logp = input.log_softmax(class_dim)
    tgt = target
    if label_smoothing > 0:
        tgt = tgt * (1 - label_smoothing) + label_smoothing / n_classes
    prod = logp * tgt
    if w is not None:
        shape = (n_classes,) + (1,) * (input.ndim - 1 - class_dim)
        prod = prod * Tensor._wrap(w.reshape(shape).astype(logp._data.dtype))
    per_sample = -prod.sum(dim=class_dim)
    if reduction == "none":
        return per_sample
    if reduction == "sum":
        return per_sample.sum()
    n = input._data.size // n_classes
    return per_sample.sum() / float(n) if n else per_sample.sum() * float("nan")


def _softplus_neg(x: Tensor) -> Tensor:
    """log(1 + exp(-x)), stable, with gradient -sigmoid(-x) everywhere (also at 0)."""
    return ag.stack([ag.zeros_like(x), -x]).logsumexp(dim=0)


def binary_cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,
                         size_average: bool | None = None, reduce: bool | None = None,
                         reduction: str = "mean") -> Tensor:
    """-w (y log x + (1 - y) log(1 - x)), each log clamped at -100 as PyTorch does.

    input: probabilities in [0, 1], (*); target (*) the same shape; weight broadcasts.
    """
    check_tensor(input, "input", "binary_cross_entropy")
    check_tensor(target, "target", "binary_cross_entropy")
    reduction = legacy_reduction(size_average, reduce, reduction)
    check_reduction(reduction)
    if target.shape != input.shape:
        raise ValueError(
            f"Using a target size ({_size(target.shape)}) that is different to the input "
            f"size ({_size(input.shape)}) is deprecated. Please ensure they have the same "
            "size.")
    x = input._data
    if x.size and not (np.all(x >= 0) and np.all(x <= 1)):
        raise RuntimeError(
            "all elements of input should be between 0 and 1; got values in "
            f"[{x.min()}, {x.max()}]")
    y = target._data
    if y.size and not (np.all(y >= 0) and np.all(y <= 1)):
        raise RuntimeError(
            "all elements of target should be between 0 and 1; got values in "
            f"[{y.min()}, {y.max()}]")
    if target._data.dtype != x.dtype:
        raise RuntimeError(
            f"binary_cross_entropy: Found dtype {_torch_dtype(target._data.dtype)} but "
            f"expected {_torch_dtype(x.dtype)} (target must have the input's dtype)")
    # One node with PyTorch's clamps: finite gradients at probabilities of exactly 0 or 1.
    loss = bce_elementwise(input, target)
    if weight is not None:
        _check_broadcast("binary_cross_entropy", weight, input)
        loss = loss * weight
    return reduce_loss(loss, reduction)


def _check_broadcast(op: str, w: Tensor, input: Tensor) -> None:
    try:
        shape = np.broadcast_shapes(w.shape, input.shape)
    except ValueError:
        shape = None
    if shape != tuple(input.shape):
        raise RuntimeError(
            f"{op}: weight of shape {list(w.shape)} cannot be broadcast to the input "
            f"shape {list(input.shape)}")


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor,
                                     weight: Tensor | None = None,
                                     size_average: bool | None = None,
                                     reduce: bool | None = None, reduction: str = "mean",
                                     pos_weight: Tensor | None = None) -> Tensor:
    """Binary cross entropy of sigmoid(x), computed stably from the logits x:
    (1 - y) x + (1 + (p - 1) y) log(1 + exp(-x)), p = pos_weight (broadcast on the last
    dimension). delta_x = sigmoid(x) - y without weights.
    """
    check_tensor(input, "input", "binary_cross_entropy_with_logits")
    check_tensor(target, "target", "binary_cross_entropy_with_logits")
    reduction = legacy_reduction(size_average, reduce, reduction)
    check_reduction(reduction)
    if target.shape != input.shape:
        raise ValueError(
            f"Target size ({_size(target.shape)}) must be the same as input size "
            f"({_size(input.shape)})")
    sp = _softplus_neg(input)
    if pos_weight is not None:
        _check_broadcast("binary_cross_entropy_with_logits", pos_weight, input)
        log_weight = (pos_weight - 1) * target + 1
        loss = (1 - target) * input + log_weight * sp
    else:
        loss = (1 - target) * input + sp
    if weight is not None:
        _check_broadcast("binary_cross_entropy_with_logits", weight, input)
        loss = loss * weight
    return reduce_loss(loss, reduction)
