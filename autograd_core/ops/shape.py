"""Shape ops: reshape/view, permute/transpose, unsqueeze/squeeze, expand, flatten, cat,
stack. Their backward only moves the gradient back into the input's shape."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from typing_extensions import override

from .. import notation as nt
from ..function import Function
from ..inplace import ViewFunction
from ..tensor import Tensor
from ._broadcast import unbroadcast


def _norm_dim(dim: int, ndim: int, name: str = "dim") -> int:
    """A possibly negative dimension index, checked against ``ndim``."""
    lo, hi = -max(ndim, 1), max(ndim, 1) - 1
    if not isinstance(dim, (int, np.integer)) or isinstance(dim, bool):
        raise TypeError(f"{name} must be an int, got {type(dim).__name__}")
    if dim < lo or dim > hi:
        raise IndexError(
            f"Dimension out of range (expected to be in range of [{lo}, {hi}], but got {dim})"
        )
    return int(dim) % max(ndim, 1)


def _shape_arg(shape: tuple) -> tuple:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(shape[0])
    if len(shape) == 1 and isinstance(shape[0], Tensor):
        return tuple(int(s) for s in shape[0]._data.tolist())
    return tuple(int(s) for s in shape)


def _shape_text(shape: tuple) -> str:
    return "(" + ", ".join(str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"


class Reshape(ViewFunction):
    """The same elements in a new shape; the delta is reshaped back."""

    __slots__ = ()

    @staticmethod
    @override
    def forward(ctx, a, shape):
        return a.reshape(shape)

    @staticmethod
    @override
    def backward(ctx, grad):
        return Reshape.apply(grad, ctx.inputs[0]._data.shape), None

    @staticmethod
    @override
    def fast_backward(ctx, grad):
        # The array's own reshape, without a node's bookkeeping.
        return Tensor._wrap(grad._data.reshape(ctx.inputs[0]._data.shape)), None

    @override
    def label(self) -> str:
        return "reshape"

    @override
    def trace_rule(self, k, operands, out, numbers):
        shape = _shape_text(self.inputs[0]._data.shape)
        return ("custom", lambda u: nt.call("reshape", u, shape))


class Permute(ViewFunction):
    """Dimensions reordered; the delta is permuted back by the inverse order."""

    __slots__ = ("dims",)

    @staticmethod
    @override
    def forward(ctx, a, dims):
        ctx.dims = dims
        return a.transpose(dims)

    @staticmethod
    @override
    def backward(ctx, grad):
        return Permute.apply(grad, tuple(np.argsort(ctx.dims))), None

    @staticmethod
    @override
    def fast_backward(ctx, grad):
        return Tensor._wrap(grad._data.transpose(tuple(np.argsort(ctx.dims)))), None

    @override
    def label(self) -> str:
        return f"permute(dims={self.dims})"

    @override
    def trace_rule(self, k, operands, out, numbers):
        inverse = _shape_text(tuple(int(i) for i in np.argsort(self.dims)))
        return ("custom", lambda u: nt.call("permute", u, inverse))


class Expand(ViewFunction):
    """Broadcast to a larger shape; the delta is summed back over the new dimensions."""

    __slots__ = ()
    arg_names = ("input", "size")

    @staticmethod
    @override
    def forward(ctx, a, shape):
        return np.broadcast_to(a, shape)

    @staticmethod
    @override
    def backward(ctx, grad):
        return unbroadcast(grad, ctx.inputs[0]._data.shape), None

    @override
    def formula(self, operands):
        return nt.call("expand", operands[0])

    @override
    def trace_rule(self, k, operands, out, numbers):
        return ("custom", lambda u: nt.call("unbroadcast", u))


class Cat(Function):
    """Tensors joined along dim; each gets its own slice of the delta."""

    __slots__ = ("dim", "sizes")
    _reads_inputs = False  # backward needs only shapes

    @staticmethod
    @override
    def forward(ctx, dim, *arrays):
        ctx.dim = dim
        ctx.sizes = [x.shape[dim] for x in arrays]
        return np.concatenate(arrays, axis=dim)

    @staticmethod
    @override
    def backward(ctx, grad):
        from .index import getitem

        grads: list = [None]
        start = 0
        nd = grad._data.ndim
        for inp, size in zip(ctx.inputs[1:], ctx.sizes):
            if isinstance(inp, Tensor) and inp.requires_grad:
                idx = (slice(None),) * ctx.dim + (slice(start, start + size),)
                grads.append(getitem(grad, idx) if nd else grad)
            else:
                grads.append(None)
            start += size
        return tuple(grads)

    @override
    def label(self) -> str:
        return f"cat(dim={self.dim})"

    @override
    def formula(self, operands):
        return nt.call("cat", *[o for o in operands[1:] if o is not None])

    @override
    def trace_rule(self, k, operands, out, numbers):
        start = sum(self.sizes[: k - 1])
        index = ":, " * self.dim + f"{start}:{start + self.sizes[k - 1]}"
        return ("custom", lambda u: nt.indexed(u, index))


def reshape(a: Tensor, *shape: Any) -> Tensor:
    """Same elements in a new shape; one dimension may be -1 (inferred)."""
    shape = _shape_arg(shape)
    n = a._data.size
    if shape.count(-1) > 1:
        raise RuntimeError("only one dimension can be inferred")
    known = math.prod([s for s in shape if s != -1]) if shape else 1
    if -1 in shape:
        if known == 0 or n % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {n}")
        shape = tuple(n // known if s == -1 else s for s in shape)
    elif known != n:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {n}")
    # Even an unchanged shape gives a new tensor (a view in the graph), as in PyTorch.
    return Reshape.apply(a, shape)


def permute(a: Tensor, *dims: Any) -> Tensor:
    """Reorder dimensions: out.shape[i] == a.shape[dims[i]]."""
    dims = _shape_arg(dims)
    nd = a._data.ndim
    if len(dims) != nd:
        raise RuntimeError(
            f"permute(sparse_coo): number of dimensions in the tensor input does not match "
            f"the length of the desired ordering of dimensions i.e. input.dim() = {nd} is "
            f"not equal to len(dims) = {len(dims)}"
        )
    dims = tuple(_norm_dim(d, nd) for d in dims)
    if len(set(dims)) != nd:
        raise RuntimeError(f"permute(): duplicate dims are not allowed: {list(dims)}")
    return Permute.apply(a, dims)


def transpose(a: Tensor, dim0: int, dim1: int) -> Tensor:
    """Swap two dimensions."""
    nd = a._data.ndim
    if nd == 0:
        return Reshape.apply(a, ())
    d0, d1 = _norm_dim(dim0, nd), _norm_dim(dim1, nd)
    dims = list(range(nd))
    dims[d0], dims[d1] = dims[d1], dims[d0]
    return permute(a, *dims)


def unsqueeze(a: Tensor, dim: int) -> Tensor:
    """Insert a size-1 dimension at ``dim`` (negative counts from the new end)."""
    nd = a._data.ndim + 1
    d = _norm_dim(dim, nd)
    shape = a._data.shape[:d] + (1,) + a._data.shape[d:]
    return Reshape.apply(a, shape)


def squeeze(a: Tensor, dim: Any = None) -> Tensor:
    """Drop size-1 dimensions (all of them, or those named by ``dim``)."""
    shape = a._data.shape
    if dim is None:
        new = tuple(s for s in shape if s != 1)
    else:
        dims = dim if isinstance(dim, (tuple, list)) else (dim,)
        drop = {_norm_dim(d, a._data.ndim) for d in dims} if a._data.ndim else set()
        new = tuple(s for i, s in enumerate(shape) if not (i in drop and s == 1))
    return Reshape.apply(a, new)


def expand(a: Tensor, *sizes: Any) -> Tensor:
    """Broadcast to a larger shape without copying; -1 keeps a dimension's size."""
    sizes = _shape_arg(sizes)
    shape = a._data.shape
    lead = len(sizes) - len(shape)
    if lead < 0:
        raise RuntimeError(
            f"expand: the number of sizes provided ({len(sizes)}) must be greater or equal "
            f"to the number of dimensions in the tensor ({len(shape)})"
        )
    target = []
    for i, s in enumerate(sizes):
        if s == -1:
            if i < lead:
                raise RuntimeError("expand: -1 is not allowed in a leading, new dimension")
            s = shape[i - lead]
        elif i >= lead and shape[i - lead] != 1 and shape[i - lead] != s:
            raise RuntimeError(
                f"The expanded size of the tensor ({s}) must match the existing size "
                f"({shape[i - lead]}) at non-singleton dimension {i}.  Target sizes: "
                f"{list(sizes)}.  Tensor sizes: {list(shape)}"
            )
        target.append(s)
    target_t = tuple(target)
    return Expand.apply(a, target_t)


def flatten(a: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge dimensions start_dim..end_dim into one."""
    nd = a._data.ndim
    if nd == 0:
        return reshape(a, 1)
    s, e = _norm_dim(start_dim, nd), _norm_dim(end_dim, nd)
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    shape = a._data.shape
    new = shape[:s] + (math.prod(shape[s : e + 1]),) + shape[e + 1 :]
    return reshape(a, new)


def cat(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Join tensors along an existing dimension; all other sizes must agree."""
    from ._binary import as_operand

    ts = [as_operand(t) for t in tensors]
    if not ts:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    if any(not isinstance(t, Tensor) for t in ts):
        raise TypeError("cat(): expected a sequence of Tensors")
    nd = ts[0]._data.ndim
    if nd == 0:
        raise RuntimeError("zero-dimensional tensor cannot be concatenated")
    d = _norm_dim(dim, nd)
    for i, t in enumerate(ts):
        if t._data.ndim != nd:
            raise RuntimeError(
                f"Tensors must have same number of dimensions: got {nd} and {t._data.ndim}"
            )
        for k in range(nd):
            if k != d and t._data.shape[k] != ts[0]._data.shape[k]:
                raise RuntimeError(
                    f"Sizes of tensors must match except in dimension {d}. Expected size "
                    f"{ts[0]._data.shape[k]} but got size {t._data.shape[k]} for tensor "
                    f"number {i} in the list."
                )
    from .. import dtypes as _dt

    # PyTorch's promotion (int64 with float32 gives float32), not NumPy's (float64).
    dt = ts[0]._data.dtype
    for t in ts[1:]:
        dt = _dt.promote(dt, nd, t._data.dtype, nd)
    ts = [t if t._data.dtype == dt else t.to(dt) for t in ts]
    return Cat.apply(d, *ts)


def stack(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Join same-shaped tensors along a new dimension."""
    from ._binary import as_operand

    ts = [as_operand(t) for t in tensors]
    if not ts:
        raise RuntimeError("stack expects a non-empty TensorList")
    if any(not isinstance(t, Tensor) for t in ts):
        raise TypeError("stack(): expected a sequence of Tensors")
    shape = ts[0]._data.shape
    for i, t in enumerate(ts):
        if t._data.shape != shape:
            raise RuntimeError(
                f"stack expects each tensor to be equal size, but got {list(shape)} at "
                f"entry 0 and {list(t._data.shape)} at entry {i}"
            )
    d = _norm_dim(dim, len(shape) + 1)
    return cat([unsqueeze(t, d) for t in ts], d)
