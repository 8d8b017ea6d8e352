"""``t[index] = value``: writing into part of a tensor, differentiably.

Recorded as an in-place change of ``t`` (``inplace._modify``): the new value is
``IndexPut(old, value)``, the old value's gradient is delta with zeros where the write
went, and ``value``'s gradient is delta read back at those positions (summed over the
broadcast). Outside recording (no grad needed, or under ``no_grad``) the write goes
straight into the array, which keeps element-by-element loops cheap; both ways bump the
version counter, so a node that saved ``t`` raises PyTorch's in-place error.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from typing_extensions import override

from .. import grad_mode
from .. import inplace as _inplace
from .. import notation as nt
from .. import version as _version
from ..function import Function
from ..tensor import Tensor
from ._broadcast import unbroadcast
from .index import _index_text, _is_int, _norm_index, _split_ints, getitem

_STATE = grad_mode.STATE


class IndexPut(Function):
    """``a`` with ``value`` written at ``index``; a copy (``__setitem__`` stores it back).

    a: any shape; value: a number or a tensor that broadcasts to ``a[index]``'s shape.
    Backward: delta with zeros at ``index`` for a; ``delta[index]`` (summed to value's
    shape) for value.
    """

    __slots__ = ("index", "basic")
    label_name = "index_put"

    @staticmethod
    @override
    def forward(ctx, a, value, index, basic):
        ctx.index, ctx.basic = index, basic
        out = a.copy()
        _write(out, index, value)
        return out

    @staticmethod
    @override
    def backward(ctx, grad):
        value = ctx.inputs[1]
        g_a = IndexPut.apply(grad, 0.0, ctx.index, ctx.basic)
        g_v = None
        if isinstance(value, Tensor) and value.requires_grad:
            g_v = unbroadcast(getitem(grad, ctx.index), value._data.shape)
            if g_v._data.dtype != value._data.dtype:
                g_v = g_v.to(value._data.dtype)
        return g_a, g_v, None, None

    _reads_inputs = False  # backward needs only the value's shape

    @override
    def formula(self, operands):
        return nt.call("index_put", operands[0], f"[{_index_text(self.index)}]",
                       operands[1] if operands[1] is not None else nt.Expr("v"))

    @override
    def trace_rule(self, k, operands, out, numbers):
        index = _index_text(self.index)
        if k == 0:
            return ("custom", lambda u: nt.call("index_put", u, f"[{index}]", nt.Expr("0")))
        return ("custom", lambda u: nt.indexed(u, index))


def _write(arr: np.ndarray, index: tuple, value: Any) -> None:
    """``arr[index] = value`` with PyTorch's errors for shapes that do not fit."""
    v = value._data if isinstance(value, Tensor) else value
    try:
        arr[index] = v
    except ValueError as e:
        if "broadcast" not in str(e):
            raise RuntimeError(f"cannot write {v!r} into a {arr.dtype} tensor: {e}") from None
        target = np.shape(arr[index])
        raise RuntimeError(
            f"shape mismatch: value tensor of shape {list(np.shape(v))} cannot be "
            f"broadcast to indexing result of shape {list(target)}"
        ) from None


def _index(index: Any) -> tuple[tuple, bool]:
    if isinstance(index, range):
        index = np.arange(index.start, index.stop, index.step, dtype=np.intp)
    elif isinstance(index, tuple):
        index = tuple(np.arange(i.start, i.stop, i.step, dtype=np.intp)
                      if isinstance(i, range) else i for i in index)
    return _norm_index(index)


def setitem(t: Tensor, index: Any, value: Any) -> None:
    """``t[index] = value`` (ints, slices, None, ..., masks, int tensors, lists, ranges).

    value: a number or a tensor broadcasting to ``t[index]``'s shape; cast to t's dtype.
    """
    if isinstance(value, (list, tuple)):
        value = Tensor(value, dtype=t._data.dtype)
    elif isinstance(value, np.ndarray):
        value = Tensor(value)
    elif not isinstance(value, (Tensor, int, float, bool, np.number, np.bool_)):
        raise TypeError(
            f"can't assign a {type(value).__name__} to a Tensor (expected a number or a "
            "Tensor)")
    idx, basic = _index(index)
    if not basic and any(_is_int(it) for it in idx):
        # torch applies the ints first, as a basic selection (see getitem): write into
        # that view with the rest of the index.
        ints, rest = _split_ints(idx)
        return setitem(getitem(t, ints), rest, value)
    if not basic and isinstance(value, Tensor) and value._data.ndim and (
            value._data.dtype != t._data.dtype):
        raise RuntimeError(
            "Index put requires the source and destination dtypes match, got "
            f"{_inplace._torch_dtype_name(t._data.dtype)} for the destination and "
            f"{_inplace._torch_dtype_name(value._data.dtype)} for the source.")
    recording = _STATE.enabled and (
        t.requires_grad or (isinstance(value, Tensor) and value.requires_grad))
    if not recording:
        _inplace.check_writable(t)
        _inplace._poison_saved(t, t._data)
        try:
            _write(t._data, idx, value)
        except IndexError as e:
            raise IndexError(f"{e} (indexing a tensor of shape {list(t._data.shape)})") from None
        _version.mark_modified(t)
        return None
    _inplace._modify(t, lambda s, v: IndexPut.apply(s, v, idx, basic), value,
                     _inplace._never, cast_any=True)
    return None
