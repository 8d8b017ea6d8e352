"""max_pool2d and avg_pool2d: im2col followed by a max or a mean over each window.

max pooling: the gradient of ``max(dim)`` reaches the argmax of each window through
gather (whose backward is a scatter), then col2im returns it to the pixel it came from;
padding is filled with -inf so it never wins. Average pooling sums each window and
divides by PyTorch's divisor (the window area, clipped to the padded input, or only its
in-image part when ``count_include_pad=False``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd_core import Tensor, is_grad_enabled
from autograd_core.composite import composite

from ..im2col import Window, im2col, make_window
from ..max_pool_tiles import PickWindows, tiles_apply, window_argmax, window_max
from ._utils import check_tensor, memoized, pair


def _pool_out(size: int, k: int, p: int, s: int, d: int, ceil_mode: bool) -> int:
    eff = d * (k - 1) + 1
    num = size + 2 * p - eff + ((s - 1) if ceil_mode else 0)
    out = num // s + 1
    # With ceil_mode the last window must start inside the image or its left padding.
    if ceil_mode and (out - 1) * s >= size + p:
        out -= 1
    return out


def _pool_window(op: str, x: Tensor, kernel_size: Any, stride: Any, padding: Any,
                 dilation: Any, ceil_mode: bool) -> Window:
    if x.ndim not in (3, 4) or x._data.size == 0:
        raise RuntimeError(
            f"{op}: non-empty 3D or 4D (batch mode) tensor expected for input, got a tensor "
            f"of shape {list(x.shape)}")
    c, h, w = x._data.shape[-3:]
    return _pool_geometry(op, c, h, w, kernel_size, stride, padding, dilation, ceil_mode)


@memoized
def _pool_geometry(op: str, c: int, h: int, w: int, kernel_size: Any, stride: Any,
                   padding: Any, dilation: Any, ceil_mode: bool) -> Window:
    """The pooling window over a (c, h, w) image, the options checked as PyTorch does."""
    k = pair(kernel_size, "kernel_size", op)
    s = k if stride is None or (isinstance(stride, (list, tuple)) and len(stride) == 0) \
        else pair(stride, "stride", op)
    p = pair(padding, "padding", op)
    d = pair(dilation, "dilation", op)
    if min(k) <= 0:
        raise RuntimeError(f"{op}: kernel_size must be greater than zero, but got {k}")
    if min(s) <= 0:
        raise RuntimeError(f"{op}: stride should not be zero, got stride={s}")
    if min(d) <= 0:
        raise RuntimeError(f"{op}: dilation must be greater than zero, but got {d}")
    if min(p) < 0:
        raise RuntimeError(f"{op}: pad must be non-negative, got padding={p}")
    for a in (0, 1):
        eff = d[a] * (k[a] - 1) + 1
        if p[a] > eff // 2:
            raise RuntimeError(
                f"pad should be at most half of effective kernel size, but got pad={p[a]}, "
                f"kernel_size={k[a]} and dilation={d[a]}")
    out = (_pool_out(h, k[0], p[0], s[0], d[0], ceil_mode),
           _pool_out(w, k[1], p[1], s[1], d[1], ceil_mode))
    if min(out) < 1:
        raise RuntimeError(
            f"Given input size: ({c}x{h}x{w}). Calculated output size: "
            f"({c}x{out[0]}x{out[1]}). Output size is too small")
    # ceil_mode may need windows that run past the padded image: pad further after.
    extra = [max(0, (out[a] - 1) * s[a] + d[a] * (k[a] - 1) + 1 - ((h, w)[a] + 2 * p[a]))
             for a in (0, 1)]
    pads = ((p[0], p[0] + extra[0]), (p[1], p[1] + extra[1]))
    win = make_window((h, w), k, d, pads, s)
    assert win.out == out
    return win


@composite("max_pool2d", grads={"input": "col2im({delta} to each window's max)"})
def max_pool2d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
               dilation: Any = 1, ceil_mode: bool = False,
               return_indices: bool = False) -> Any:
    """Max over each (dilated) kernel window, as ``torch.nn.functional.max_pool2d``.

    input (N, C, H, W) or (C, H, W) -> (N, C, oh, ow); stride defaults to kernel_size.
    With ``return_indices`` also returns, per output, the flat index (row * W + col) of
    the chosen input pixel. The gradient goes to the first maximum of each window.
    """
    check_tensor(input, "input", "max_pool2d")
    win = _pool_window("max_pool2d", input, kernel_size, stride, padding, dilation, ceil_mode)
    unbatched = input.ndim == 3
    x = input.unsqueeze(0) if unbatched else input
    n, c, h, w = x._data.shape
    kh, kw = win.kernel
    oh, ow = win.out
    dt = x._data.dtype
    if not return_indices and tiles_apply(win):
        # Windows that do not overlap: strided views of the input instead of copies of
        # every window (nn/max_pool_tiles.py); the same numbers as below.
        if not (x.requires_grad and is_grad_enabled()):
            out = Tensor._wrap(window_max(x._data, win))
            return out.squeeze(0) if unbatched else out
        found = window_argmax(x._data, win) if dt.kind == "f" else None
        if found is not None:
            out = PickWindows.apply(x, win, *found)
            return out.squeeze(0) if unbatched else out
    fill = -np.inf if dt.kind == "f" else np.iinfo(dt).min if dt.kind in "iu" else False
    # Windows as columns, (kh*kw, C*L*N): the max runs down contiguous rows, one per
    # kernel offset, and the result is laid out (C, oh, ow, N), viewed as NCHW.
    cols = im2col(x, win, fill, layout="kcln").reshape(kh * kw, c * oh * ow * n)
    if return_indices or (x.requires_grad and is_grad_enabled()):
        values, arg = cols.max(dim=0)
    else:
        # Nothing will be differentiated (inference): the window maxima alone, one NumPy
        # reduction, without the argmax that routes gradients (NaN propagates, as in max).
        values = Tensor._wrap(np.maximum.reduce(cols._data, axis=0))
    out = values.reshape(c, oh, ow, n).permute(3, 0, 1, 2)
    if unbatched:
        out = out.squeeze(0)
    if not return_indices:
        return out
    # Window offset -> input pixel: row = i*sh - pad_top + ki*dh, likewise for columns.
    a = arg._data.reshape(c, oh, ow, n).transpose(3, 0, 1, 2)
    ki, kj = a // kw, a % kw
    rows = np.arange(oh)[:, None] * win.stride[0] - win.pads[0][0] + ki * win.dilation[0]
    colsi = np.arange(ow)[None, :] * win.stride[1] - win.pads[1][0] + kj * win.dilation[1]
    idx = Tensor._wrap((rows * w + colsi).astype(np.int64))
    return out, (Tensor._wrap(idx._data[0]) if unbatched else idx)


def _divisor_1d(size: int, k: int, p: int, s: int, n_out: int,
                include_pad: bool) -> np.ndarray:
    start = np.arange(n_out) * s - p
    end = np.minimum(start + k, size + p)
    if include_pad:
        return end - start
    return np.minimum(end, size) - np.maximum(start, 0)


@composite("avg_pool2d", grads={"input": "col2im({delta} / window size)"})
def avg_pool2d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
               ceil_mode: bool = False, count_include_pad: bool = True,
               divisor_override: int | None = None) -> Tensor:
    """Mean over each kernel window, as ``torch.nn.functional.avg_pool2d``.

    input (N, C, H, W) or (C, H, W) -> (N, C, oh, ow). Zero padding counts towards the
    divisor when ``count_include_pad`` (the default); ``divisor_override`` replaces it.
    """
    check_tensor(input, "input", "avg_pool2d")
    if input._data.dtype.kind != "f":
        raise RuntimeError(
            f"avg_pool2d: expected a floating point input, got dtype {input._data.dtype}")
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    win = _pool_window("avg_pool2d", input, kernel_size, stride, padding, 1, ceil_mode)
    unbatched = input.ndim == 3
    x = input.unsqueeze(0) if unbatched else input
    n, c, h, w = x._data.shape
    kh, kw = win.kernel
    oh, ow = win.out
    sums = im2col(x, win, layout="kcln").reshape(kh * kw, c, oh * ow, n).sum(dim=0)
    sums = sums.permute(2, 0, 1)  # (N, C, L)
    if divisor_override is not None:
        div = np.full((oh * ow,), float(divisor_override))
    else:
        ph, pw = win.pads[0][0], win.pads[1][0]
        dh = _divisor_1d(h, kh, ph, win.stride[0], oh, count_include_pad)
        dw = _divisor_1d(w, kw, pw, win.stride[1], ow, count_include_pad)
        div = (dh[:, None] * dw[None, :]).reshape(-1).astype(np.float64)
    out = (sums / Tensor._wrap(div.astype(x._data.dtype))).reshape(n, c, oh, ow)
    return out.squeeze(0) if unbatched else out
