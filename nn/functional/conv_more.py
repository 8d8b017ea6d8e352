"""conv1d, conv_transpose2d and conv_transpose1d, on the same im2col / col2im primitive
as conv2d.

conv1d is conv2d on a 1 x L image (kernel 1 x k). A transposed convolution is the
gradient of a convolution with respect to its input: every input pixel scatters
W^T x (one kh x kw patch per output channel) onto the output, patches overlapping
where the stride is smaller than the kernel. So it is cols = W' @ x (a GEMM whose rows
are (kernel row, kernel column, output channel)) followed by col2im, which sums the
patches into the image and crops ``padding``; ``output_padding`` adds rows/columns at
the bottom/right. No backward is written here: the matmul's and col2im's (im2col) are.
"""

from __future__ import annotations

import operator
from typing import Any

import numpy as np

from autograd_core import Tensor

from ..im2col import col2im, make_window
from ._utils import check_tensor, pair, same_dtype
from .conv import conv2d
from .padding import pad as _pad


def _single(value: Any, name: str, op: str) -> int:
    """An int or a one-element sequence, as PyTorch's 1-d convolutions take it."""
    if isinstance(value, (list, tuple)):
        if len(value) != 1:
            raise RuntimeError(
                f"expected {name} to be a single integer value or a list of 1 values to "
                f"match the convolution dimensions, but got {name}={list(value)}")
        value = value[0]
    try:
        return operator.index(value)
    except TypeError:
        raise TypeError(f"{op}(): argument '{name}' must be tuple of ints, not "
                        f"{type(value).__name__}") from None


def conv1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,
           padding: Any = 0, dilation: Any = 1, groups: int = 1) -> Tensor:
    """1-D cross-correlation, as ``torch.nn.functional.conv1d``.

    input (N, C_in, L) or (C_in, L); weight (C_out, C_in/groups, k); bias (C_out,).
    Returns (N, C_out, L_out), L_out = floor((L + 2 pad - dil (k-1) - 1) / stride) + 1.
    padding: int, 1-tuple, "valid" or "same" (stride 1 only).
    """
    check_tensor(input, "input", "conv1d")
    check_tensor(weight, "weight", "conv1d")
    if input.ndim not in (2, 3):
        raise RuntimeError(
            "Expected 2D (unbatched) or 3D (batched) input to conv1d, but got input of "
            f"size: {list(input.shape)}")
    if weight.ndim != 3:
        raise RuntimeError(
            f"Expected {weight.ndim}-dimensional input for {weight.ndim}-dimensional weight "
            f"{list(weight.shape)}, but got 3-dimensional input of size "
            f"{list(input.shape)} instead")
    s = _single(stride, "stride", "conv1d")
    d = _single(dilation, "dilation", "conv1d")
    if isinstance(padding, str):
        p2: Any = padding
        if padding == "same" and s != 1:
            raise RuntimeError("padding='same' is not supported for strided convolutions")
    else:
        p = _single(padding, "padding", "conv1d")
        p2 = (0, p)
        if not isinstance(groups, int) or groups <= 0:
            raise RuntimeError("non-positive groups is not supported")
        c = input.shape[-2]
        c_out, c_g, k = weight.shape
        if c == c_g * groups and c_out % groups == 0:
            length = input.shape[-1] + 2 * p
            eff = d * (k - 1) + 1
            if eff > length:
                raise RuntimeError(
                    f"Calculated padded input size per channel: ({length}). Kernel size: "
                    f"({eff}). Kernel size can't be greater than actual input size")
    c_out, c_g, k = weight.shape
    if isinstance(groups, int) and groups > 0 and input.shape[-2] != c_g * groups:
        x_shape = list(input.shape) if input.ndim == 3 else [1] + list(input.shape)
        raise RuntimeError(
            f"Given groups={groups}, weight of size {list(weight.shape)}, expected "
            f"input{x_shape} to have {c_g * groups} channels, but got {input.shape[-2]} "
            "channels instead")
    out = conv2d(input.unsqueeze(-2), weight.unsqueeze(-2), bias, (1, s), p2, (1, d), groups)
    return out.squeeze(-2)


def _transposed_window(op: str, size: tuple[int, int], kernel: tuple[int, int],
                       stride: tuple[int, int], padding: tuple[int, int],
                       output_padding: tuple[int, int], dilation: tuple[int, int]):
    """The col2im window of a transposed convolution, and the rows/columns of zeros to
    add at the bottom/right.

    The full result (no cropping) has (n-1)*s + d*(k-1) + 1 pixels along an axis. The
    output drops ``padding`` at the start and padding - output_padding at the end; where
    output_padding exceeds padding, the surplus is new zero rows (no window reaches them).
    """
    outs, pads, extra = [], [], []
    for a in (0, 1):
        n, k, s, p, op, d = size[a], kernel[a], stride[a], padding[a], output_padding[a], \
            dilation[a]
        full = (n - 1) * s + d * (k - 1) + 1
        out = full - 2 * p + op
        outs.append(out)
        lo, hi = p, max(p - op, 0)
        pads.append((lo, hi))
        extra.append(max(op - p, 0))
    if min(outs) <= 0:
        raise RuntimeError(
            f"Given input size per channel: ({size[0]} x {size[1]}). Calculated output size "
            f"per channel: ({outs[0]} x {outs[1]}). Output size is too small")
    crop_size = tuple(o - e for o, e in zip(outs, extra))
    win = make_window(crop_size, kernel, dilation, tuple(pads), stride)  # type: ignore[arg-type]
    return win, tuple(outs), tuple(extra)


def _transposed_options(op: str, stride: Any, padding: Any, output_padding: Any,
                        dilation: Any) -> tuple[tuple[int, int], ...]:
    """(stride, padding, output_padding, dilation) of a 2-D transposed convolution as
    pairs, checked as PyTorch checks them."""
    st, pd, opd, dl = (pair(stride, "stride", op), pair(padding, "padding", op),
                       pair(output_padding, "output_padding", op),
                       pair(dilation, "dilation", op))
    if min(st) <= 0:
        raise RuntimeError("non-positive stride is not supported")
    if min(dl) <= 0:
        raise RuntimeError("dilation should be greater than zero")
    if min(pd) < 0:
        raise RuntimeError("negative padding is not supported")
    if min(opd) < 0:
        raise RuntimeError("negative output_padding is not supported")
    if any(opd[a] >= st[a] and opd[a] >= dl[a] for a in (0, 1)):
        raise RuntimeError(
            "output padding must be smaller than either stride or dilation, but got "
            f"output_padding_height: {opd[0]} output_padding_width: {opd[1]} stride_height: "
            f"{st[0]} stride_width: {st[1]} dilation_height: {dl[0]} dilation_width: {dl[1]}")
    return st, pd, opd, dl


def _transposed_columns(x: Tensor, weight: Tensor, groups: int) -> Tensor:
    """The columns col2im sums into the output: (kh*kw*C_out, H*W*N) in its "kcln"
    layout, from x (N, C_in, H, W) and weight (C_in, C_out/groups, kh, kw)."""
    n, c_in, h, w = x.shape
    _, c_og, kh, kw = weight.shape
    c_out = c_og * groups
    m = h * w * n
    # x as (C_in, H*W*N), the batch innermost: the column layout col2im's "kcln" reads.
    xm = x.permute(1, 2, 3, 0).reshape(c_in, m)
    if groups == 1:
        # rows (kh, kw, C_out): patch entries of every output channel per input pixel
        wm = weight.permute(2, 3, 1, 0).reshape(kh * kw * c_out, c_in)
        return wm @ xm
    c_ig = c_in // groups
    wg = weight.reshape(groups, c_ig, c_og, kh, kw).permute(0, 3, 4, 2, 1)
    wg = wg.reshape(groups, kh * kw * c_og, c_ig)
    cg = wg @ xm.reshape(groups, c_ig, m)  # (G, kh*kw*C_out/G, M)
    cols = cg.reshape(groups, kh * kw, c_og, m).permute(1, 0, 2, 3)
    return cols.reshape(kh * kw * c_out, m)


def conv_transpose2d(input: Tensor, weight: Tensor, bias: Tensor | None = None,
                     stride: Any = 1, padding: Any = 0, output_padding: Any = 0,
                     groups: int = 1, dilation: Any = 1) -> Tensor:
    """2-D transposed convolution ("deconvolution"), as
    ``torch.nn.functional.conv_transpose2d``.

    input (N, C_in, H, W) or (C_in, H, W); weight (C_in, C_out/groups, kh, kw); bias
    (C_out,). Output (N, C_out, H_out, W_out) with
    H_out = (H - 1) stride - 2 padding + dilation (kh - 1) + output_padding + 1.
    output_padding must be smaller than stride or dilation (per axis).
    """
    op = "conv_transpose2d"
    check_tensor(input, "input", op)
    check_tensor(weight, "weight", op)
    if input.ndim not in (3, 4):
        raise RuntimeError(
            f"Expected 3D (unbatched) or 4D (batched) input to {op}, but got input of "
            f"size: {list(input.shape)}")
    if weight.ndim != 4:
        raise RuntimeError(
            f"Expected 4-dimensional weight for 4-dimensional input {list(input.shape)}, "
            f"but got {weight.ndim}-dimensional weight of size {list(weight.shape)}")
    if isinstance(padding, str):
        raise TypeError(f"{op}(): argument 'padding' must be tuple of ints, not str")
    if not isinstance(groups, int) or groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    st, pd, opd, dl = _transposed_options(op, stride, padding, output_padding, dilation)
    unbatched = input.ndim == 3
    x = input.unsqueeze(0) if unbatched else input
    n, c_in, h, w = x.shape
    wc_in, c_og, kh, kw = weight.shape
    if wc_in % groups:
        raise RuntimeError(
            f"Given groups={groups}, expected weight to be divisible by {groups} at "
            f"dimension 0, but got weight of size [{list(weight.shape)}] instead")
    if c_in != wc_in:
        raise RuntimeError(
            f"Given transposed=1, weight of size {list(weight.shape)}, expected "
            f"input{list(x.shape)} to have {wc_in} channels, but got {c_in} channels instead")
    c_out = c_og * groups
    if bias is not None:
        check_tensor(bias, "bias", op)
        if bias.shape != (c_out,):
            raise RuntimeError(
                f"Given transposed=1, weight of size {list(weight.shape)}, expected bias to "
                f"be 1-dimensional with {c_out} elements, but got bias of size "
                f"{list(bias.shape)} instead")
    same_dtype(op, ("input", input), ("weight", weight), ("bias", bias))
    win, out_hw, extra = _transposed_window(op, (h, w), (kh, kw), st, pd, opd, dl)
    if min(win.size) <= 0:
        # Every window lands in the cropped border: the output is bias alone (zero
        # gradients reach x and weight, as in PyTorch).
        zero = (x.sum() + weight.sum()) * 0.0
        out = zero + Tensor._wrap(np.zeros((n, c_out) + out_hw, dtype=x.dtype))
    else:
        out = col2im(_transposed_columns(x, weight, groups), win, layout="kcln")
        if extra[0] or extra[1]:
            out = _pad(out, [0, extra[1], 0, extra[0]])
    if bias is not None:
        out = out + bias.reshape(c_out, 1, 1)
    return out.squeeze(0) if unbatched else out


def conv_transpose1d(input: Tensor, weight: Tensor, bias: Tensor | None = None,
                     stride: Any = 1, padding: Any = 0, output_padding: Any = 0,
                     groups: int = 1, dilation: Any = 1) -> Tensor:
    """1-D transposed convolution, as ``torch.nn.functional.conv_transpose1d``.

    input (N, C_in, L) or (C_in, L); weight (C_in, C_out/groups, k); bias (C_out,).
    L_out = (L - 1) stride - 2 padding + dilation (k - 1) + output_padding + 1.
    """
    op = "conv_transpose1d"
    check_tensor(input, "input", op)
    check_tensor(weight, "weight", op)
    if input.ndim not in (2, 3):
        raise RuntimeError(
            f"Expected 2D (unbatched) or 3D (batched) input to {op}, but got input of "
            f"size: {list(input.shape)}")
    if weight.ndim != 3:
        raise RuntimeError(
            f"Expected 3-dimensional weight for 3-dimensional input {list(input.shape)}, "
            f"but got {weight.ndim}-dimensional weight of size {list(weight.shape)}")
    if isinstance(padding, str):
        raise TypeError(f"{op}(): argument 'padding' must be tuple of ints, not str")
    s, p, o, d = (_single(stride, "stride", op), _single(padding, "padding", op),
                  _single(output_padding, "output_padding", op),
                  _single(dilation, "dilation", op))
    wc_in = weight.shape[0]
    if isinstance(groups, int) and groups > 0 and wc_in % groups == 0 \
            and input.shape[-2] != wc_in:
        x_shape = list(input.shape) if input.ndim == 3 else [1] + list(input.shape)
        raise RuntimeError(
            f"Given transposed=1, weight of size {list(weight.shape)}, expected "
            f"input{x_shape} to have {wc_in} channels, but got {input.shape[-2]} channels "
            "instead")
    out = conv_transpose2d(input.unsqueeze(-2), weight.unsqueeze(-2), bias, (1, s), (0, p),
                           (0, o), groups, (1, d))
    return out.squeeze(-2)
