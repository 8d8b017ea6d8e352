"""The sliding-window primitive behind convolution and pooling: im2col and col2im.

``Im2col`` turns an image batch x (N, C, H, W) into columns (N, C*kh*kw, L): column l
holds the kh x kw window (dilated, strided, from the padded image) under output
position l = i*ow + j, channel-major then kernel row then kernel column, the layout of
``torch.nn.functional.unfold``. A second layout, "rows" (N*L, kh*kw*C), puts one window
per row with the channels innermost. A third, "kcn" (kh*kw*C, N*L), puts one window per
column with the whole batch side by side; convolution uses it because its product is one
large 2-D GEMM, W (C_out, kh*kw*C) @ cols, and because it is built (and col2im undone)
with one plane-sized strided copy per kernel offset, which NumPy moves quickly.

The backward of ``Im2col`` is ``Col2im``, which adds each window back onto the pixels
it came from (overlapping windows sum, padding is cropped away), and ``Col2im``'s
backward is ``Im2col`` again, so second derivatives work.

conv2d is Im2col followed by a matrix product; max pooling is Im2col followed by a max
over each column; average pooling by a sum. Neither has a backward of its own.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.lib.stride_tricks import as_strided

from autograd_core import Tensor
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


def _pad(x: np.ndarray, w: Window, pad_value: float, channels_last: bool) -> np.ndarray:
    """x (N, C, H, W) padded as the window says: (N, C, Hp, Wp), or (N, Hp, Wp, C)."""
    n, c, h, wd = x.shape
    (pt, pb), (pl, pr) = w.pads
    if channels_last:
        if not (pt or pb or pl or pr):
            return np.ascontiguousarray(x.transpose(0, 2, 3, 1))
        xp = np.full((n, h + pt + pb, wd + pl + pr, c), pad_value, dtype=x.dtype)
        xp[:, pt:pt + h, pl:pl + wd, :] = x.transpose(0, 2, 3, 1)
        return xp
    if not (pt or pb or pl or pr):
        return x
    xp = np.full((n, c, h + pt + pb, wd + pl + pr), pad_value, dtype=x.dtype)
    xp[:, :, pt:pt + h, pl:pl + wd] = x
    return xp


def im2col_array(x: np.ndarray, w: Window, pad_value: float = 0.0,
                 layout: str = "unfold") -> np.ndarray:
    """x (N, C, H, W) -> a fresh array (never a view of x) of the windows.

    layout "unfold": (N, C*kh*kw, oh*ow), torch's unfold layout (channel, kernel row,
    kernel column down the rows); layout "rows": (N*oh*ow, kh*kw*C), one window per row
    with the channels innermost, so a convolution is a single 2-D matrix product.
    """
    n, c = x.shape[:2]
    (kh, kw), (dh, dw), (sh, sw), (oh, ow) = w.kernel, w.dilation, w.stride, w.out
    if layout == "kcn":
        # One strided copy per kernel offset: each moves whole (oh, ow) planes with rows
        # of ow contiguous pixels, instead of one tiny kh*kw*C run per output pixel.
        xp = _pad(x, w, pad_value, channels_last=False)
        out = np.empty((kh, kw, c, n, oh, ow), dtype=x.dtype)
        for i in range(kh):
            for j in range(kw):
                src = xp[:, :, i * dh:i * dh + sh * (oh - 1) + 1:sh,
                         j * dw:j * dw + sw * (ow - 1) + 1:sw]
                out[i, j] = src.transpose(1, 0, 2, 3)
        return out.reshape(kh * kw * c, n * oh * ow)
    if layout == "rows":
        xp = _pad(x, w, pad_value, channels_last=True)
        s_n, s_h, s_w, s_c = xp.strides
        view = as_strided(xp, (n, oh, ow, kh, kw, c),
                          (s_n, s_h * sh, s_w * sw, s_h * dh, s_w * dw, s_c), writeable=False)
        out = np.empty((n, oh, ow, kh, kw, c), dtype=x.dtype)
        out[...] = view
        return out.reshape(n * oh * ow, kh * kw * c)
    xp = _pad(x, w, pad_value, channels_last=False)
    s_n, s_c, s_h, s_w = xp.strides
    view = as_strided(xp, (n, c, kh, kw, oh, ow),
                      (s_n, s_c, s_h * dh, s_w * dw, s_h * sh, s_w * sw), writeable=False)
    out = np.empty((n, c, kh, kw, oh, ow), dtype=x.dtype)
    out[...] = view
    return out.reshape(n, c * kh * kw, oh * ow)


def col2im_array(cols: np.ndarray, w: Window, layout: str = "unfold") -> np.ndarray:
    """The adjoint of ``im2col_array``: windows -> (N, C, H, W), each window's entries
    added back onto the pixels they were read from (overlaps sum, padding is dropped)."""
    (kh, kw), (dh, dw), (sh, sw), (oh, ow) = w.kernel, w.dilation, w.stride, w.out
    h, wd = w.size
    (pt, pb), (pl, pr) = w.pads
    hp, wp = h + pt + pb, wd + pl + pr
    rows_of = [slice(i * dh, i * dh + sh * (oh - 1) + 1, sh) for i in range(kh)]
    cols_of = [slice(j * dw, j * dw + sw * (ow - 1) + 1, sw) for j in range(kw)]
    # One strided slice per kernel offset (i, j): the pixels that offset touched.
    if layout == "kcn":
        c = cols.shape[0] // (kh * kw)
        n = cols.shape[1] // (oh * ow)
        g = cols.reshape(kh, kw, c, n, oh, ow)
        xp = np.zeros((n, c, hp, wp), dtype=cols.dtype)
        for i in range(kh):
            for j in range(kw):
                xp[:, :, rows_of[i], cols_of[j]] += g[i, j].transpose(1, 0, 2, 3)
        if pt or pb or pl or pr:
            return np.ascontiguousarray(xp[:, :, pt:pt + h, pl:pl + wd])
        return xp
    if layout == "rows":
        c = cols.shape[1] // (kh * kw)
        n = cols.shape[0] // (oh * ow)
        # One reordering copy to (n, oh, kh, kw, ow, c) first: each offset's slice is then
        # contiguous over (ow, c), so the adds below stream long runs instead of c-long
        # fragments (about twice as fast overall for small channel counts).
        g6 = cols.reshape(n, oh, ow, kh, kw, c).transpose(0, 1, 3, 4, 2, 5).copy()
        xp = np.zeros((n, hp, wp, c), dtype=cols.dtype)
        for i in range(kh):
            for j in range(kw):
                xp[:, rows_of[i], cols_of[j], :] += g6[:, :, i, j]
        return np.ascontiguousarray(xp[:, pt:pt + h, pl:pl + wd, :].transpose(0, 3, 1, 2))
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

    @staticmethod
    def forward(ctx, x, window, pad_value, layout):
        ctx.window, ctx.pad_value, ctx.layout = window, pad_value, layout
        return im2col_array(x, window, pad_value, layout)

    @staticmethod
    def backward(ctx, grad):
        # Each input pixel's delta is the sum of the deltas of every window entry it was
        # copied into; entries that came from padding have no input to go back to.
        return Col2im.apply(grad, ctx.window, ctx.layout), None, None, None

    def describe(self) -> str:
        return f"im2col({self.window.describe()})"


class Col2im(Function):
    """windows in ``layout`` -> (N, C, H, W), overlapping windows summed."""

    __slots__ = ("window", "layout")

    @staticmethod
    def forward(ctx, cols, window, layout):
        ctx.window, ctx.layout = window, layout
        return col2im_array(cols, window, layout)

    @staticmethod
    def backward(ctx, grad):
        # col2im is linear and its adjoint is im2col (padding reads as zero).
        return Im2col.apply(grad, ctx.window, 0.0, ctx.layout), None, None

    def describe(self) -> str:
        return f"col2im({self.window.describe()})"


def im2col(x: Tensor, window: Window, pad_value: float = 0.0,
           layout: str = "unfold") -> Tensor:
    """Differentiable im2col of a 4-D tensor (no argument checks: callers do them).

    layout "unfold": (N, C*kh*kw, L); "rows": (N*L, kh*kw*C).
    """
    return Im2col.apply(x, window, float(pad_value), layout)


def col2im(cols: Tensor, window: Window, layout: str = "unfold") -> Tensor:
    """Differentiable col2im (no argument checks: callers do them)."""
    return Col2im.apply(cols, window, layout)
