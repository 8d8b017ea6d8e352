"""``torch.Size``: a tensor's shape, a tuple of ints that prints as PyTorch's."""

from __future__ import annotations

from typing import Any, SupportsIndex


class Size(tuple):
    """The sizes of a tensor's dimensions: ``x.shape``, ``x.size()``.

    A tuple (compares equal to plain tuples, unpacks, indexes) that prints as
    ``torch.Size([2, 3])``; slicing gives a Size, and ``numel()`` is the product.
    """

    __slots__ = ()

    def __new__(cls, sizes: Any = ()) -> Size:
        """Sizes from any iterable of ints (``Size([2, 3])``)."""
        if type(sizes) is tuple:  # a NumPy shape: ints already (the common, hot case)
            return super().__new__(cls, sizes)
        vals = tuple(sizes)
        for v in vals:
            if not isinstance(v, int) and not hasattr(v, "__index__"):
                raise TypeError(
                    f"torch.Size() takes an iterable of 'int' (item 0 is '{type(v).__name__}')")
        return super().__new__(cls, (int(v) for v in vals))

    def __repr__(self) -> str:
        return f"torch.Size({list(self)})"

    __str__ = __repr__

    def __getitem__(self, key: SupportsIndex | slice) -> Any:
        out = super().__getitem__(key)
        return Size(out) if isinstance(key, slice) else out

    def __add__(self, other: Any) -> Size:
        return Size(tuple(self) + tuple(other))

    def numel(self) -> int:
        """The number of elements a tensor of this shape holds (the product)."""
        n = 1
        for s in self:
            n *= s
        return n
