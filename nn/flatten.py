"""``Flatten`` and ``Unflatten``."""

from __future__ import annotations

from collections.abc import Sequence

from typing_extensions import override

from autograd_core import Tensor

from .module import Module


class Flatten(Module):
    """Merge dims start_dim..end_dim into one: (N, C, H, W) -> (N, C*H*W) by default."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    @override
    def forward(self, input: Tensor) -> Tensor:
        return input.flatten(self.start_dim, self.end_dim)

    @override
    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Split dimension ``dim`` into ``unflattened_size``: (N, 12) -> (N, 3, 4).

    One entry of ``unflattened_size`` may be -1 (inferred); the sizes must multiply to
    the size of ``dim``. Errors are PyTorch's.
    """

    def __init__(self, dim: int, unflattened_size: Sequence[int]) -> None:
        super().__init__()
        if isinstance(dim, bool) or not isinstance(dim, int):
            raise TypeError(f"unflatten(): argument 'dim' (position 1) must be int, not "
                            f"{type(dim).__name__}")
        if not isinstance(unflattened_size, (tuple, list)):
            raise TypeError(f"unflattened_size must be a tuple of ints, but found type "
                            f"{type(unflattened_size).__name__}")
        for i, v in enumerate(unflattened_size):
            if isinstance(v, bool) or not isinstance(v, int):
                raise TypeError(f"unflattened_size must be tuple of ints, but found element "
                                f"of type {type(v).__name__} at pos {i}")
        self.dim = dim
        self.unflattened_size = tuple(unflattened_size)

    @override
    def forward(self, input: Tensor) -> Tensor:
        n = input.ndim
        if n == 0:
            raise RuntimeError(f"unflatten: Dimension specified as {self.dim} but tensor "
                               "has no dimensions")
        lo, hi = -n, n - 1
        if not lo <= self.dim <= hi:
            raise IndexError(f"Dimension out of range (expected to be in range of "
                             f"[{lo}, {hi}], but got {self.dim})")
        d = self.dim % n
        return input.reshape(input.shape[:d] + _unflat_sizes(self.unflattened_size,
                                                                 input.shape[d], d)
                             + input.shape[d + 1:])

    @override
    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"


def _unflat_sizes(sizes: tuple[int, ...], size: int, dim: int) -> tuple[int, ...]:
    """``sizes`` with a -1 inferred, checked to multiply up to ``size``."""
    if not sizes:
        raise RuntimeError("unflatten: sizes must be non-empty")
    for i, v in enumerate(sizes):
        if v < -1:
            raise RuntimeError(f"unflatten: invalid shape dimension {v} at index {i} of "
                               f"shape {list(sizes)}")
    if sizes.count(-1) > 1:
        raise RuntimeError("unflatten: only one dimension can be inferred")
    known = 1
    for v in sizes:
        if v != -1:
            known *= v
    if -1 in sizes:
        if known == 0:
            raise RuntimeError(
                f"unflatten: cannot infer the -1 in {list(sizes)}: the other sizes "
                f"multiply to 0, so the size of dim {dim} ({size}) does not fix it")
        if size % known == 0:
            return tuple(size // known if v == -1 else v for v in sizes)
    elif known == size:
        return sizes
    raise RuntimeError(f"unflatten: Provided sizes {list(sizes)} don't multiply up to the "
                       f"size of dim {dim} ({size}) in the input tensor")
