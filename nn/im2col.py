"""The sliding-window primitive behind convolution and pooling: im2col and col2im.

``Im2col`` turns an image batch x (N, C, H, W) into columns (N, C*kh*kw, L): column l
holds the kh x kw window (dilated, strided, from the padded image) under output
position l = i*ow + j, channel-major then kernel row then kernel column, the layout of
``torch.nn.functional.unfold``. A second layout, "kcln" (kh*kw*C, oh*ow*N), puts one
window per column with the batch innermost; convolution and pooling use it because the
whole layer is then one large 2-D GEMM, W (C_out, kh*kw*C) @ cols, whose result
(C_out, oh, ow, N) is NCHW after a free transpose, and because every kernel offset is
one strided copy (or add, for col2im) whose contiguous runs are ow*N elements long.
Tensors produced this way are NCHW views of batch-last memory; the next layer's
im2col reads them without a copy, and NumPy's elementwise ops keep that layout.

The backward of ``Im2col`` is ``Col2im``, which adds each window back onto the pixels
it came from (overlapping windows sum, padding is cropped away), and ``Col2im``'s
backward is ``Im2col`` again, so second derivatives work.

conv2d is Im2col followed by a matrix product; max pooling is Im2col followed by a max
over each column; average pooling by a sum. Neither has a backward of its own.
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import numpy as np
from typing_extensions import override

from autograd_core import Tensor
from autograd_core import notation as nt
from autograd_core.function import Function


class Window(NamedTuple):
    """Geometry of a 2-D sliding window over an (H, W) image.

    pads: ((top, bottom), (left, right)); out: (oh, ow), the number of window positions.
    """

    size: tuple[int, int]
    kernel: tuple[int, int]
    dilation: tuple[int, int]
    pads: tuple[tuple[int, int], tuple[int, int]]
    stride: tuple[int, int]
    out: tuple[int, int]

    def describe(self) -> str:
        """The window's settings as a pooling/conv repr shows them (defaults left out)."""
        parts = [f"kernel_size={self.kernel}"]
        if self.stride != (1, 1):
            parts.append(f"stride={self.stride}")
        if any(p for pair in self.pads for p in pair):
            (t, b), (l, r) = self.pads
            parts.append(f"padding={(t, l) if (t, l) == (b, r) else self.pads}")
        if self.dilation != (1, 1):
            parts.append(f"dilation={self.dilation}")
        return ", ".join(parts)


def out_size(size: int, k: int, d: int, p_lo: int, p_hi: int, s: int) -> int:
    """Window positions along one axis: floor((size + pads - d*(k-1) - 1) / s) + 1."""
    return (size + p_lo + p_hi - d * (k - 1) - 1) // s + 1


def make_window(size: tuple[int, int], kernel: tuple[int, int], dilation: tuple[int, int],
                pads: tuple[tuple[int, int], tuple[int, int]],
                stride: tuple[int, int]) -> Window:
    """A ``Window``; the caller checks that both output sizes are positive."""
    out = tuple(out_size(size[a], kernel[a], dilation[a], pads[a][0], pads[a][1], stride[a])
                for a in (0, 1))
    return Window(size, kernel, dilation, pads, stride, out)  # type: ignore[arg-type]


def _pad(x: np.ndarray, w: Window, pad_value: float) -> np.ndarray:
    """x (N, C, H, W) padded as the window says: (N, C, Hp, Wp); x itself without pads."""
    n, c, h, wd = x.shape
    (pt, pb), (pl, pr) = w.pads
    if not (pt or pb or pl or pr):
        return x
    xp = np.full((n, c, h + pt + pb, wd + pl + pr), pad_value, dtype=x.dtype)
    xp[:, :, pt:pt + h, pl:pl + wd] = x
    return xp


def _pad_batch_last(x: np.ndarray, w: Window, pad_value: float) -> np.ndarray:
    """x (N, C, H, W) -> (C, Hp, Wp, N), padded; a view of x when there is no padding.

    Only the border is filled, so the image is written once (transposed on the way when
    x is not already laid out batch-last in memory).
    """
    n, c, h, wd = x.shape
    (pt, pb), (pl, pr) = w.pads
    xt = x.transpose(1, 2, 3, 0)
    if not (pt or pb or pl or pr):
        return xt
    hp, wp = h + pt + pb, wd + pl + pr
    xp = np.empty((c, hp, wp, n), dtype=x.dtype)
    xp[:, :pt] = pad_value
    xp[:, pt + h:] = pad_value
    xp[:, pt:pt + h, :pl] = pad_value
    xp[:, pt:pt + h, pl + wd:] = pad_value
    xp[:, pt:pt + h, pl:pl + wd] = xt
    return xp


@functools.lru_cache(maxsize=256)
def _offsets(w: Window) -> tuple[tuple[slice, ...], tuple[slice, ...]]:
    """Per kernel row i (column j): the padded rows (columns) that offset reads, strided.

    Cached per geometry: a network asks for the same few windows every step, and at
    batch size 1 building the slices cost as much as the copies they drive."""
    (kh, kw), (dh, dw), (sh, sw), (oh, ow) = w.kernel, w.dilation, w.stride, w.out
    return (tuple(slice(i * dh, i * dh + sh * (oh - 1) + 1, sh) for i in range(kh)),
            tuple(slice(j * dw, j * dw + sw * (ow - 1) + 1, sw) for j in range(kw)))


def _disjoint(k: int, d: int, s: int, o: int) -> bool:
    """Along one axis, does every (window, offset) pair read a different pixel?"""
    return k == 1 or o == 1 or d * (k - 1) + 1 <= s


def im2col_array(x: np.ndarray, w: Window, pad_value: float = 0.0,
                 layout: str = "unfold") -> np.ndarray:
    """x (N, C, H, W) -> a fresh array (never a view of x) of the windows.

    layout "unfold": (N, C*kh*kw, oh*ow), torch's unfold layout (channel, kernel row,
    kernel column down the rows). layout "kcln": (kh*kw*C, oh*ow*N), rows ordered
    (kernel row, kernel column, channel) and columns (output row, output column, batch):
    the batch is innermost, so each kernel offset is one copy whose contiguous runs are
    ow*N long, and W (C_out, kh*kw*C) @ cols gives (C_out, oh, ow, N), which is NCHW
    after a free transpose.
    """
    n, c = x.shape[:2]
    (kh, kw), (oh, ow) = w.kernel, w.out
    rows_of, cols_of = _offsets(w)
    if layout == "kcln":
        xp = _pad_batch_last(x, w, pad_value)
        out = np.empty((kh, kw, c, oh, ow, n), dtype=x.dtype)
        for i in range(kh):
            for j in range(kw):
                out[i, j] = xp[:, rows_of[i], cols_of[j], :]
        return out.reshape(kh * kw * c, oh * ow * n)
    xp = _pad(x, w, pad_value)
    out = np.empty((n, c, kh, kw, oh, ow), dtype=x.dtype)
    for i in range(kh):
        for j in range(kw):
            out[:, :, i, j] = xp[:, :, rows_of[i], cols_of[j]]
    return out.reshape(n, c * kh * kw, oh * ow)


def col2im_array(cols: np.ndarray, w: Window, layout: str = "unfold") -> np.ndarray:
    """The adjoint of ``im2col_array``: windows -> (N, C, H, W), each window's entries
    added back onto the pixels they were read from (overlaps sum, padding is dropped).

    For "kcln" the result is a transposed view of a (C, H, W, N) array.
    """
    (kh, kw), (dh, dw), (sh, sw), (oh, ow) = w.kernel, w.dilation, w.stride, w.out
    h, wd = w.size
    (pt, pb), (pl, pr) = w.pads
    hp, wp = h + pt + pb, wd + pl + pr
    rows_of, cols_of = _offsets(w)
    if layout == "kcln":
        c = cols.shape[0] // (kh * kw)
        n = cols.shape[1] // (oh * ow)
        g = cols.reshape(kh, kw, c, oh, ow, n)
        if _disjoint(kh, dh, sh, oh) and _disjoint(kw, dw, sw, ow):
            # No pixel is read twice (pooling with stride >= kernel): assignments, and
            # when the windows tile the image exactly nothing needs zeroing first.
            tiled = kh * oh == hp and kw * ow == wp
            xp = (np.empty if tiled else np.zeros)((c, hp, wp, n), dtype=cols.dtype)
            for i in range(kh):
                for j in range(kw):
                    xp[:, rows_of[i], cols_of[j], :] = g[i, j]
        elif (sh, sw) == (1, 1):
            # The first offset's windows are one unstrided (oh, ow) block at the corner:
            # assigned rather than added onto zeros, which leaves only the strips it
            # does not reach to be zeroed (one pass over the image fewer).
            xp = np.empty((c, hp, wp, n), dtype=cols.dtype)
            xp[:, :oh, :ow] = g[0, 0]
            xp[:, oh:] = 0
            xp[:, :oh, ow:] = 0
            for i in range(kh):
                for j in range(kw):
                    if i or j:
                        xp[:, rows_of[i], cols_of[j], :] += g[i, j]
        else:
            xp = np.zeros((c, hp, wp, n), dtype=cols.dtype)
            for i in range(kh):
                for j in range(kw):
                    xp[:, rows_of[i], cols_of[j], :] += g[i, j]
        # Cropping the padding is a view: its runs (W*N long) stay contiguous.
        return xp[:, pt:pt + h, pl:pl + wd, :].transpose(3, 0, 1, 2)
    n = cols.shape[0]
    c = cols.shape[1] // (kh * kw)
    g6 = cols.reshape(n, c, kh, kw, oh, ow)
    xp = np.zeros((n, c, hp, wp), dtype=cols.dtype)
    for i in range(kh):
        for j in range(kw):
            xp[:, :, rows_of[i], cols_of[j]] += g6[:, :, i, j]
    if pt or pb or pl or pr:
        return np.ascontiguousarray(xp[:, :, pt:pt + h, pl:pl + wd])
    return xp


class Im2col(Function):
    """x (N, C, H, W) -> windows in ``layout``; padding filled with ``pad_value``."""

    __slots__ = ("window", "pad_value", "layout")
    _fresh_grads = True  # col2im always makes a new array (see Function._fresh_grads)

    @staticmethod
    @override
    def forward(ctx, x, window, pad_value, layout):
        ctx.window, ctx.pad_value, ctx.layout = window, pad_value, layout
        return im2col_array(x, window, pad_value, layout)

    @staticmethod
    @override
    def backward(ctx, grad):
        # Each input pixel's delta is the sum of the deltas of every window entry it was
        # copied into; entries that came from padding have no input to go back to.
        return Col2im.apply(grad, ctx.window, ctx.layout), None, None, None

    @override
    def label(self) -> str:
        return f"im2col({self.window.describe()})"

    @override
    def formula(self, operands):
        return nt.call("im2col", operands[0])

    @override
    def trace_rule(self, k, operands, out, numbers):
        return ("custom", lambda u: nt.call("col2im", u))


class Col2im(Function):
    """windows in ``layout`` -> (N, C, H, W), overlapping windows summed."""

    __slots__ = ("window", "layout")
    _fresh_grads = True  # im2col always makes a new array (see Function._fresh_grads)

    @staticmethod
    @override
    def forward(ctx, cols, window, layout):
        ctx.window, ctx.layout = window, layout
        return col2im_array(cols, window, layout)

    @staticmethod
    @override
    def backward(ctx, grad):
        # col2im is linear and its adjoint is im2col (padding reads as zero).
        return Im2col.apply(grad, ctx.window, 0.0, ctx.layout), None, None

    @override
    def label(self) -> str:
        return f"col2im({self.window.describe()})"

    @override
    def formula(self, operands):
        return nt.call("col2im", operands[0])

    @override
    def trace_rule(self, k, operands, out, numbers):
        return ("custom", lambda u: nt.call("im2col", u))


def im2col(x: Tensor, window: Window, pad_value: float = 0.0,
           layout: str = "unfold") -> Tensor:
    """Differentiable im2col of a 4-D tensor (no argument checks: callers do them).

    layout "unfold": (N, C*kh*kw, L); "kcln": (kh*kw*C, L*N).
    """
    return Im2col.apply(x, window, float(pad_value), layout)


def col2im(cols: Tensor, window: Window, layout: str = "unfold") -> Tensor:
    """Differentiable col2im (no argument checks: callers do them)."""
    return Col2im.apply(cols, window, layout)
