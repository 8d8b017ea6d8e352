"""Max pooling over windows that do not overlap, without an im2col copy.

When no pixel belongs to two windows (stride at least the dilated kernel, the common
``MaxPool2d(2)``) and there is no padding, each kernel offset (i, j) reads one strided
view of the input: in batch-last memory (C, H, W, N), ``x[:, i::sh, j::sw, :]`` cut to
(C, oh, ow, N), whose runs are N numbers long. The window maxima are elementwise
maxima of those kh*kw views, and the offset that won is kept as an int8 per output
(the first offset among ties, as ``max(dim)`` and PyTorch choose).

``PickWindows`` is the forward node: out = the input at the winning offsets. Its
gradient puts each delta back on the pixel that won (``PutWindows``, zero elsewhere),
and ``PutWindows``'s gradient picks at the same offsets again, so second derivatives
work. nn/functional/pooling.py's general path (im2col, then max over each column,
gather and scatter) computes the same numbers with copies of every window; it is kept
for padding, overlapping windows, ``return_indices`` and inputs holding NaN.
"""

from __future__ import annotations

import functools

import numpy as np
from typing_extensions import override

from autograd_core import notation as nt
from autograd_core.function import Function

from .im2col import Window, _offsets


@functools.lru_cache(maxsize=256)
def tiles_apply(win: Window) -> bool:
    """Does the no-copy path apply: no padding, no pixel in two windows, and at most
    127 offsets?"""
    (kh, kw), (dh, dw), (sh, sw), (oh, ow) = win.kernel, win.dilation, win.stride, win.out
    no_pad = not any(p for pair in win.pads for p in pair)
    # The winning offset is kept as an int8.
    return no_pad and kh * kw <= 127 and all(k == 1 or o == 1 or d * (k - 1) + 1 <= s
                          for k, d, s, o in ((kh, dh, sh, oh), (kw, dw, sw, ow)))


def _views(xt: np.ndarray, win: Window) -> list[np.ndarray]:
    """The (C, oh, ow, N) view of batch-last xt (C, H, W, N) under each kernel offset,
    in row-major offset order."""
    rows_of, cols_of = _offsets(win)
    return [xt[:, r, c, :] for r in rows_of for c in cols_of]


def window_max(x: np.ndarray, win: Window) -> np.ndarray:
    """x (N, C, H, W) -> the window maxima (N, C, oh, ow), a view of batch-last memory.
    NaN propagates (np.maximum)."""
    views = _views(x.transpose(1, 2, 3, 0), win)
    best = views[0].copy() if len(views) == 1 else np.maximum(views[0], views[1])
    for v in views[2:]:
        np.maximum(best, v, out=best)
    return best.transpose(3, 0, 1, 2)


def window_argmax(x: np.ndarray, win: Window) -> tuple[np.ndarray, np.ndarray] | None:
    """x (N, C, H, W) float -> (offset of each window's first maximum, int8 (C, oh, ow,
    N); the maxima, (C, oh, ow, N)), or None when a maximum is NaN (the caller then
    takes the general path, which finds NaN where PyTorch does).
    """
    views = _views(x.transpose(1, 2, 3, 0), win)
    if len(views) == 1:
        return np.zeros(views[0].shape, dtype=np.int8), views[0].copy()
    better = np.greater(views[1], views[0])  # strict: a tie keeps the earlier offset
    idx = better.view(np.int8).copy()
    best = np.maximum(views[0], views[1])
    for k, v in enumerate(views[2:], start=2):
        np.greater(v, best, out=better)
        flag = better.view(np.int8)
        flag *= np.int8(k)
        # Offsets are visited in increasing order, so the latest strict winner is the
        # largest k that won: a maximum, branch-free (masked copies are far slower).
        np.maximum(idx, flag, out=idx)
        np.maximum(best, v, out=best)
    if np.isnan(best).any():
        return None
    return idx, best


def _pick(src: np.ndarray, win: Window, idx: np.ndarray) -> np.ndarray:
    """src (N, C, H, W) at each window's offset idx -> (N, C, oh, ow) (batch-last)."""
    views = _views(src.transpose(1, 2, 3, 0), win)
    out = np.zeros(idx.shape, dtype=src.dtype)
    for k, v in enumerate(views):
        np.copyto(out, v, where=idx == k)
    return out.transpose(3, 0, 1, 2)


class PickWindows(Function):
    """x (N, C, H, W) -> x at each window's winning offset ``idx`` (N, C, oh, ow)."""

    __slots__ = ("window", "idx")
    _reads_inputs = False  # backward needs the offsets and the shape only
    _fresh_grads = True  # PutWindows always makes a new array

    @staticmethod
    @override
    def forward(ctx, x, window, idx, known=None):
        ctx.window, ctx.idx = window, idx
        if known is not None:  # the maxima, found with the offsets (C, oh, ow, N)
            return known.transpose(3, 0, 1, 2)
        return _pick(x, window, idx)

    @staticmethod
    @override
    def backward(ctx, grad):
        shape = ctx.inputs[0]._data.shape
        return PutWindows.apply(grad, ctx.window, ctx.idx, shape), None, None, None

    @override
    def label(self) -> str:
        return f"max_pool({self.window.describe()})"

    @override
    def formula(self, operands):
        return nt.call("max_pool", operands[0])

    @override
    def trace_rule(self, k, operands, out, numbers):
        return ("custom", lambda u: nt.call("unpool", u))


class PutWindows(Function):
    """delta (N, C, oh, ow) -> (N, C, H, W): each delta on its window's winning pixel,
    zero on every other pixel (PickWindows' backward)."""

    __slots__ = ("window", "idx")
    _reads_inputs = False
    _fresh_grads = True  # PickWindows always makes a new array

    @staticmethod
    @override
    def forward(ctx, g, window, idx, shape):
        ctx.window, ctx.idx = window, idx
        n, c, h, w = shape
        (kh, kw), (oh, ow) = window.kernel, window.out
        finite = bool(np.isfinite(g).all())
        # With finite deltas every view is written whole (delta or 0); when the windows
        # also cover the image no pixel is left for zeros to fill.
        covered = finite and kh * oh == h and kw * ow == w
        out = (np.empty if covered else np.zeros)((c, h, w, n), dtype=g.dtype)
        # Read the deltas in the offsets' (C, oh, ow, N) order: a delta in NCHW memory
        # (from a flatten) is transposed once here rather than read across strides k times.
        gt = np.ascontiguousarray(g.transpose(1, 2, 3, 0))
        for k, view in enumerate(_views(out, window)):
            if finite:
                # Multiplying by the 0/1 mask is branch-free; exact while g is finite.
                np.multiply(gt, idx == k, out=view)
            else:
                np.copyto(view, gt, where=idx == k)
        return out.transpose(3, 0, 1, 2)

    @staticmethod
    @override
    def backward(ctx, grad):
        return PickWindows.apply(grad, ctx.window, ctx.idx), None, None, None

    @override
    def label(self) -> str:
        return f"unpool({self.window.describe()})"

    @override
    def formula(self, operands):
        return nt.call("unpool", operands[0])

    @override
    def trace_rule(self, k, operands, out, numbers):
        return ("custom", lambda u: nt.call("max_pool", u))
