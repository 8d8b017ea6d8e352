"""``pad``: constant, reflect, replicate and circular padding of the last dimensions.

Constant padding is one op whose backward crops the gradient; the other modes gather
input pixels by an index array per padded dimension (the gradient of such a gather is a
scatter-add, so pixels copied into the border collect the border's delta too).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from typing_extensions import override

from autograd_core import Tensor
from autograd_core import notation as nt
from autograd_core.function import Function

from ._utils import check_tensor

MODES = ("constant", "reflect", "replicate", "circular")


class ConstantPad(Function):
    """Pad with a constant value; ``widths`` is one (before, after) pair per dimension."""

    __slots__ = ("widths",)

    @staticmethod
    @override
    def forward(ctx, x, widths, value):
        ctx.widths = widths
        return np.pad(x, widths, mode="constant", constant_values=value)

    @staticmethod
    @override
    def backward(ctx, grad):
        crop = tuple(slice(b, grad.shape[i] - a) for i, (b, a) in enumerate(ctx.widths))
        return grad[crop], None, None

    @override
    def label(self) -> str:
        return "constant_pad"

    @override
    def formula(self, operands):
        return nt.call("pad", operands[0], nt.number(self.inputs[2]))

    @override
    def trace_rule(self, k, operands, out, numbers):
        # The delta without the border: the slices that forward padded around x.
        crop = ", ".join(f"{b}:{-a if a else ''}" for b, a in self.widths)
        return ("custom", lambda u: nt.indexed(u, crop))


def _border_index(n: int, before: int, after: int, mode: str) -> np.ndarray:
    """Source index along one dimension for each padded position (a negative width
    starts or ends the range inside the input)."""
    pos = np.arange(-before, n + after)
    if mode == "replicate":
        return np.clip(pos, 0, n - 1)
    if mode == "circular":
        return pos % n
    # reflect: mirror about the edge pixels without repeating them.
    period = 2 * (n - 1)
    if period == 0:
        return np.zeros_like(pos)
    m = np.abs(pos) % period
    return np.where(m >= n, period - m, m)


def pad(input: Tensor, pad: Sequence[int], mode: str = "constant",
        value: float | None = None) -> Tensor:
    """Pad the last len(pad)//2 dimensions: pad = (left, right, top, bottom, ...), the last
    dimension first, as ``torch.nn.functional.pad``. Negative constant pads crop.

    mode "constant" fills with ``value`` (0); "reflect", "replicate" and "circular" pad
    the last one or two dimensions of a 2-D to 4-D input. The output has the input's
    leading dimensions; a padded dimension of size n becomes n + before + after.
    """
    pairs = _checked_pairs(input, pad, mode)
    if mode == "constant":
        return _pad_constant(input, pairs, value)
    return _pad_by_index(input, pairs, mode)


def _checked_pairs(input: Tensor, pad: Sequence[int], mode: str) -> list[tuple[int, int]]:
    """``pad``'s (before, after) pairs, last dimension first, after PyTorch's checks of
    the arguments."""
    check_tensor(input, "input", "pad")
    if not isinstance(pad, (tuple, list)):
        raise TypeError(f"pad(): argument 'pad' (position 2) must be tuple of ints, not "
                        f"{type(pad).__name__}")
    for i, p in enumerate(pad):
        if isinstance(p, bool) or not isinstance(p, (int, np.integer)):
            raise TypeError(f"pad(): argument 'pad' (position 2) must be tuple of ints, but "
                            f"found element of type {type(p).__name__} at pos {i}")
    pad = [int(p) for p in pad]
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    nd = input.ndim
    k = len(pad) // 2
    if k > nd:
        raise RuntimeError(
            f"Padding length should be less than or equal to two times the input "
            f"dimension but got padding length {len(pad)} and input of dimension {nd}")
    if mode not in MODES:
        raise NotImplementedError(
            f"Unrecognised padding mode {mode}; expected one of {', '.join(MODES)}")
    return [(pad[2 * i], pad[2 * i + 1]) for i in range(k)]


def _pad_constant(input: Tensor, pairs: list[tuple[int, int]], value: float | None) -> Tensor:
    """Constant padding: negative widths crop first; the rest is one ``ConstantPad``."""
    nd = input.ndim
    x = input
    crop = [slice(None)] * nd
    for i, (b, a) in enumerate(pairs):
        d = nd - 1 - i
        if b < 0 or a < 0:
            n = x.shape[d]
            if max(-b, 0) + max(-a, 0) > n:
                # PyTorch crops with narrow(), which refuses a negative length.
                raise RuntimeError(
                    f"narrow(): length must be non-negative. (pad: cropping "
                    f"({b}, {a}) at dimension {d} removes more than its size {n})")
            crop[d] = slice(max(-b, 0), n - max(-a, 0))
    if any(s != slice(None) for s in crop):
        x = x[tuple(crop)]
    widths = [(0, 0)] * nd
    for i, (b, a) in enumerate(pairs):
        widths[nd - 1 - i] = (max(b, 0), max(a, 0))
    if not any(b or a for b, a in widths):
        return x
    fill = 0.0 if value is None else value
    return ConstantPad.apply(x, tuple(widths), fill)


def _pad_by_index(input: Tensor, pairs: list[tuple[int, int]], mode: str) -> Tensor:
    """Reflect, replicate or circular padding: one gather per padded dimension."""
    nd, k = input.ndim, len(pairs)
    if k > 2 or nd - k not in (1, 2):
        raise NotImplementedError(
            f"Padding size {2 * k} is not supported for {nd}D input tensor in mode "
            f"'{mode}': reflect, replicate and circular pad the last 1 or 2 dimensions "
            "of a 2-D to 4-D input")
    x = input
    for i, (b, a) in enumerate(pairs):
        x = _pad_dim_by_index(x, nd - 1 - i, b, a, mode, input.shape)
    return x


def _pad_dim_by_index(x: Tensor, d: int, b: int, a: int, mode: str,
                      input_shape: tuple[int, ...]) -> Tensor:
    """``x`` padded by (b, a) along dimension ``d`` in ``mode`` (not constant), checked
    as PyTorch checks it; ``input_shape`` (of the original input) is for the messages."""
    n = x.shape[d]
    if mode == "circular" and (b < 0 or a < 0):
        # A negative width crops first; the rest wraps around what is left.
        lo, hi = max(-b, 0), n - max(-a, 0)
        if hi < lo:
            raise RuntimeError(
                f"circular padding ({b}, {a}) at dimension {d} crops away more than "
                f"the {n} elements of input {list(input_shape)}")
        x = x[(slice(None),) * d + (slice(lo, hi),)]
        b, a, n = max(b, 0), max(a, 0), hi - lo
    elif n + b + a <= 0:
        # reflect and replicate index the input itself: a negative width starts or
        # ends inside it, so only the output's size can go wrong.
        raise RuntimeError(f"input (W: {n}) is too small. Calculated output W: "
                           f"{n + b + a} ({mode} padding ({b}, {a}) at dimension {d})")
    if mode == "replicate" and n == 0:
        raise RuntimeError(
            f"Expected 2D or 3D (batch mode) tensor with possibly 0 batch size and other "
            f"non-zero dimensions for input, but got: {list(input_shape)}")
    if mode == "reflect" and (b >= n or a >= n):
        raise RuntimeError(
            f"Argument #4: Padding size should be less than the corresponding input "
            f"dimension, but got: padding ({b}, {a}) at dimension {d} of input "
            f"{list(input_shape)}")
    if mode == "circular" and (b > n or a > n):
        raise RuntimeError(
            "Padding value causes wrapping around more than once: circular padding "
            f"({b}, {a}) at dimension {d} of input {list(input_shape)}")
    idx = _border_index(n, b, a, mode)
    return x[(slice(None),) * d + (idx,)]
