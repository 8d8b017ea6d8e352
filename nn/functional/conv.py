"""conv2d, unfold and fold, all built on the im2col / col2im primitive.

conv2d: cols = im2col(x) (kh*kw*C, N*L), one window per column; out = W' @ cols with W'
the weight laid out the same way, (out_channels, kh*kw*C) (per group), then reshaped
to (N, out_channels, oh, ow). The backward is the matmul's (delta_W' = delta cols^T,
delta_cols = W'^T delta) followed by col2im, so no convolution backward is written by hand.
"""

from __future__ import annotations

from typing import Any

from autograd_core import Tensor, addmm, is_grad_enabled
from autograd_core.composite import composite

from ..conv_blocked import conv2d_blocked, use_blocked
from ..im2col import Window, col2im, im2col, im2col_array, make_window
from ._utils import check_tensor, memoized, pair, same_dtype


def _check_positive(name: str, vals: tuple[int, int], allow_zero: bool = False) -> None:
    if allow_zero:
        if min(vals) < 0:
            raise RuntimeError(f"negative {name} is not supported")
    elif min(vals) <= 0:
        raise RuntimeError(f"non-positive {name} is not supported")


@memoized
def _conv_window(op: str, size: tuple, kernel: tuple[int, int], stride: Any,
                 padding: Any, dilation: Any) -> Window:
    """The window over an image of ``size`` (H, W), the options checked as PyTorch does."""
    stride_t = pair(stride, "stride", op)
    dilation_t = pair(dilation, "dilation", op)
    _check_positive("stride", stride_t)
    _check_positive("dilation", dilation_t)
    if isinstance(padding, str):
        if padding == "valid":
            pads = ((0, 0), (0, 0))
        elif padding == "same":
            if stride_t != (1, 1):
                raise RuntimeError("padding='same' is not supported for strided convolutions")
            # Total d*(k-1); the extra pixel of an odd total goes after, as PyTorch.
            tot = [dilation_t[a] * (kernel[a] - 1) for a in (0, 1)]
            pads = ((tot[0] // 2, tot[0] - tot[0] // 2), (tot[1] // 2, tot[1] - tot[1] // 2))
        else:
            raise ValueError(
                f"Invalid padding string '{padding}', should be one of {{'valid', 'same'}}")
    else:
        p = pair(padding, "padding", op)
        _check_positive("padding", p, allow_zero=True)
        pads = ((p[0], p[0]), (p[1], p[1]))
    h, w = size
    hp, wp = h + sum(pads[0]), w + sum(pads[1])
    eff = tuple(dilation_t[a] * (kernel[a] - 1) + 1 for a in (0, 1))
    if eff[0] > hp or eff[1] > wp:
        raise RuntimeError(
            f"Calculated padded input size per channel: ({hp} x {wp}). Kernel size: "
            f"({eff[0]} x {eff[1]}). Kernel size can't be greater than actual input size")
    return make_window((h, w), kernel, dilation_t, pads, stride_t)


# Pictures fold the call into one "conv2d" box and one backward step (the J of the notes
# is im2col(input)).
@composite("conv2d", grads={"input": "col2im({weight}^T @ {delta})",
                           "weight": "im2col({input}) @ {delta}", "bias": "sum({delta})"})
def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,
           padding: Any = 0, dilation: Any = 1, groups: int = 1) -> Tensor:
    """2-D cross-correlation, as ``torch.nn.functional.conv2d``.

    input (N, C_in, H, W) or unbatched (C_in, H, W); weight (C_out, C_in/groups, kh, kw);
    bias (C_out,). Returns (N, C_out, oh, ow) with
    oh = floor((H + 2*pad_h - dil_h*(kh-1) - 1) / stride_h) + 1 (likewise ow).
    padding: int, pair, "valid" or "same" (stride 1 only).
    """
    check_tensor(input, "input", "conv2d")
    check_tensor(weight, "weight", "conv2d")
    if input.ndim not in (3, 4):
        raise RuntimeError(
            "Expected 3D (unbatched) or 4D (batched) input to conv2d, but got input of "
            f"size: {list(input.shape)}")
    if weight.ndim != 4:
        raise RuntimeError(
            f"Expected 4-dimensional weight for 4-dimensional input {list(input.shape)}, "
            f"but got {weight.ndim}-dimensional weight of size {list(weight.shape)}")
    if not isinstance(groups, int) or groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    unbatched = input.ndim == 3
    x = input.unsqueeze(0) if unbatched else input
    n, c, h, w = x._data.shape
    c_out, c_g, kh, kw = weight._data.shape
    if c_out % groups:
        raise RuntimeError(
            f"Given groups={groups}, expected weight to be divisible by {groups} at "
            f"dimension 0, but got weight of size {list(weight.shape)} instead")
    if c != c_g * groups:
        raise RuntimeError(
            f"Given groups={groups}, weight of size {list(weight.shape)}, expected "
            f"input{list(x.shape)} to have {c_g * groups} channels, but got {c} channels "
            "instead")
    if bias is not None:
        check_tensor(bias, "bias", "conv2d")
        if bias._data.shape != (c_out,):
            raise RuntimeError(
                f"Given weight of size {list(weight.shape)}, expected bias to be "
                f"1-dimensional with {c_out} elements, but got bias of size "
                f"{list(bias.shape)} instead")
    same_dtype("conv2d", ("input", input), ("weight", weight), ("bias", bias))
    win = _conv_window("conv2d", x._data.shape[-2:], (kh, kw), stride, padding, dilation)
    oh, ow = win.out
    if use_blocked(x, weight, win, groups):
        # Large columns: the same im2col + GEMM, a cache-sized block at a time and the
        # batch shared between cores (nn/conv_blocked.py), as one graph node.
        out = conv2d_blocked(x, weight, bias, win)
        return out.squeeze(0) if unbatched else out
    k = kh * kw * c_g
    m = oh * ow * n
    if groups == 1 and not (is_grad_enabled() and (
            x.requires_grad or weight.requires_grad
            or (bias is not None and bias.requires_grad))):
        # Nothing to differentiate (inference): the same im2col and GEMM on the arrays,
        # one tensor made at the end instead of a dozen graph ops (batch-1 inference
        # spent more in them than in the arithmetic).
        w_arr = weight._data.transpose(0, 2, 3, 1).reshape(c_out, k)
        res = w_arr @ im2col_array(x._data, win, 0.0, "kcln")
        if bias is not None:
            res += bias._data.reshape(c_out, 1)
        out = Tensor._wrap(res.reshape(c_out, oh, ow, n).transpose(3, 0, 1, 2))
        return out.squeeze(0) if unbatched else out
    # Windows as columns with the batch innermost: (kh*kw*C, oh*ow*N). The weight is
    # laid out the same way, (C_out, kh*kw*C_in/groups), so the layer is one GEMM.
    cols = im2col(x, win, layout="kcln")
    w_mat = weight.permute(0, 2, 3, 1)  # (C_out, kh, kw, C_in/groups), rows match cols
    if groups == 1:
        # (C_out, oh*ow*N); the bias is added into the product's fresh array (addmm).
        out = (addmm(bias.reshape(c_out, 1), w_mat.reshape(c_out, k), cols)
               if bias is not None else w_mat.reshape(c_out, k) @ cols)
    else:
        g_cols = cols.reshape(kh * kw, groups, c_g, m).permute(1, 0, 2, 3)
        g_cols = g_cols.reshape(groups, k, m)
        g_w = w_mat.reshape(groups, c_out // groups, k)
        out = (g_w @ g_cols).reshape(c_out, m)
        if bias is not None:
            out = out + bias.reshape(c_out, 1)
    # (C_out, oh, ow, N) -> (N, C_out, oh, ow) is a transposed view, not a copy: later
    # elementwise ops keep this batch-last memory and the next im2col reads it directly.
    out = out.reshape(c_out, oh, ow, n).permute(3, 0, 1, 2)
    return out.squeeze(0) if unbatched else out


def _block_args(op: str, kernel_size: Any, dilation: Any, padding: Any,
                stride: Any) -> tuple[tuple[int, int], ...]:
    """unfold/fold's window arguments as checked pairs: kernel, dilation, padding, stride."""
    kernel = pair(kernel_size, "kernel_size", op)
    dil, pad, st = (pair(dilation, "dilation", op), pair(padding, "padding", op),
                    pair(stride, "stride", op))
    _check_positive("kernel_size", kernel)
    _check_positive("dilation", dil)
    _check_positive("stride", st)
    _check_positive("padding", pad, allow_zero=True)
    return kernel, dil, pad, st


def unfold(input: Tensor, kernel_size: Any, dilation: Any = 1, padding: Any = 0,
           stride: Any = 1) -> Tensor:
    """Sliding blocks as columns, as ``torch.nn.functional.unfold``.

    input (N, C, H, W) or (C, H, W) -> (N, C*kh*kw, L) or (C*kh*kw, L), L = oh*ow.
    """
    check_tensor(input, "input", "unfold")
    if input.ndim not in (3, 4):
        raise RuntimeError(
            "Input Error: Only 3D or 4D input Tensors are supported (got "
            f"{input.ndim}D)")
    kernel, dil, pad, st = _block_args("unfold", kernel_size, dilation, padding, stride)
    unbatched = input.ndim == 3
    x = input.unsqueeze(0) if unbatched else input
    win = make_window(x.shape[-2:], kernel, dil, ((pad[0], pad[0]), (pad[1], pad[1])), st)
    if min(win.out) < 1:
        raise RuntimeError(
            f"Given input with spatial size {tuple(x.shape[-2:])}, kernel_size={kernel}, "
            f"dilation={dil}, padding={pad}, calculated shape of the array of sliding "
            f"blocks as {win.out}, but its components must be at least one.")
    out = im2col(x, win)
    return out.squeeze(0) if unbatched else out


def fold(input: Tensor, output_size: Any, kernel_size: Any, dilation: Any = 1,
         padding: Any = 0, stride: Any = 1) -> Tensor:
    """Sum columns back into an image, as ``torch.nn.functional.fold`` (unfold's adjoint).

    input (N, C*kh*kw, L) or (C*kh*kw, L) -> (N, C, H, W) or (C, H, W), (H, W) =
    output_size; overlapping entries are summed.
    """
    check_tensor(input, "input", "fold")
    if input.ndim not in (2, 3):
        raise RuntimeError(
            "Input Error: Only unbatched (2D) or batched (3D) input Tensors are supported "
            f"(got {input.ndim}D)")
    size = pair(output_size, "output_size", "fold")
    kernel, dil, pad, st = _block_args("fold", kernel_size, dilation, padding, stride)
    unbatched = input.ndim == 2
    x = input.unsqueeze(0) if unbatched else input
    kk = kernel[0] * kernel[1]
    if x.shape[1] % kk:
        raise RuntimeError(
            "Expected size of input's dimension 1 to be divisible by the product of "
            f"kernel_size, but got input.size(1)={x.shape[1]} and kernel_size={kernel}.")
    win = make_window(size, kernel, dil, ((pad[0], pad[0]), (pad[1], pad[1])), st)
    if min(win.out) < 1:
        raise RuntimeError(
            f"Given output_size={size}, kernel_size={kernel}, dilation={dil}, "
            f"padding={pad}, stride={st}, calculated shape of the array of sliding blocks "
            f"as {win.out}, but its components must be at least one.")
    blocks = win.out[0] * win.out[1]
    if x.shape[2] != blocks:
        raise RuntimeError(
            f"Given output_size={size}, kernel_size={kernel}, dilation={dil}, "
            f"padding={pad}, stride={st}, expected size of input's dimension 2 to match "
            f"the calculated number of sliding blocks {win.out[0]} * {win.out[1]} = "
            f"{blocks}, but got input.size(2)={x.shape[2]}.")
    out = col2im(x, win)
    return out.squeeze(0) if unbatched else out
