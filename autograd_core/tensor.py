"""``Tensor``: a NumPy array that remembers how it was made.

A Tensor holds ``._data`` (an ndarray), ``.grad`` (a Tensor or None), ``.requires_grad``
and ``.grad_fn`` (the graph node that made it; None for leaves). Every operation is a
``Function`` in ``autograd_core/ops``; the methods here only forward to them, so the
PyTorch spelling (``x.sum(dim=1)``, ``x @ w``, ``x.relu()``) works.
"""

from __future__ import annotations

import copy
import weakref
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from . import device as _device
from . import dtypes as _dt
from . import grad_mode as _grad_mode
from . import version as _version
from .size import Size

_FLOAT_KINDS = "f"


# bfloat16 (from ml_dtypes) stores and converts, and NumPy computes on it, but the ops'
# gradients are written for float16/32/64: refuse it in a graph rather than cut the graph.
_BF16_NO_GRAD = (
    "bfloat16 tensors cannot take part in autograd in autograd_core (bfloat16 is for "
    "storage and conversion here): compute and differentiate in float32, e.g. x.float()")


def _check_can_require_grad(dtype: np.dtype) -> None:
    if dtype.kind not in _FLOAT_KINDS and _dt.is_float(dtype):
        raise RuntimeError(_BF16_NO_GRAD)
    if dtype.kind not in _FLOAT_KINDS:
        raise RuntimeError(
            f"Only Tensors of floating point dtype can require gradients (got {dtype})"
        )


def _tensor_input(name: str, a: Any) -> Tensor:
    """``a`` itself, or PyTorch's TypeError when an op's ``input`` is not a Tensor."""
    if not isinstance(a, Tensor):
        raise TypeError(f"{name}(): argument 'input' must be Tensor, not {type(a).__name__}")
    return a


def _check_number(name: str, arg: str, value: Any) -> None:
    """PyTorch's TypeError when a real-number argument (not a bool) is something else."""
    if not isinstance(value, (int, float, np.number)) or isinstance(value, bool):
        raise TypeError(f"{name}(): argument '{arg}' must be Number, not {type(value).__name__}")


def _check_alpha(name: str, alpha: Any) -> None:
    _check_number(name, "alpha", alpha)


def _to_array(data: Any, dtype: np.dtype | None) -> np.ndarray:
    """Array for a new tensor: Python floats and lists become float32, as in PyTorch."""
    if isinstance(data, Tensor):
        arr = data._data.copy()
    elif isinstance(data, np.ndarray):
        arr = data.copy()
    elif isinstance(data, np.generic):
        arr = np.array(data)
    else:
        try:
            arr = np.array(data)
        except ValueError:
            raise ValueError(
                "tensor(): nested sequences must have the same length at every level "
                f"(got a ragged {type(data).__name__})"
            ) from None
        if arr.dtype == np.float64 and dtype is None:
            # Only without an explicit dtype: tensor(0.1, dtype=float64) keeps 0.1 exactly.
            arr = arr.astype(_dt.DEFAULT_FLOAT)
        elif arr.dtype.kind == "O":
            raise TypeError(f"cannot make a tensor from {type(data).__name__}: {data!r}")
    if dtype is not None:
        arr = arr.astype(_dt.to_dtype(dtype), copy=False)
    if arr.dtype.kind not in "biuf" and not _dt.is_float(arr.dtype):
        raise TypeError(f"unsupported dtype {arr.dtype} for a tensor")
    return arr


# What a deep copy does not inherit: it owns new memory (its own version counter, no view
# link to the original's root) and is a new leaf (its own AccumulateGrad node).
_FRESH_IN_A_COPY = frozenset(("_version_counter", "_base", "_accumulator"))


class Tensor:
    """An n-dimensional array with reverse-mode automatic differentiation.

    ``Tensor(data, requires_grad=False, dtype=None)``: ``data`` is a number, a (nested)
    list, an ndarray (its dtype is kept) or a Tensor; it is copied. Python floats and
    lists of floats become float32. Only floating-point tensors may require grad.
    """

    __slots__ = (
        "_data",
        "_grad",
        "requires_grad",
        "grad_fn",
        "_version_counter",
        "_hooks",
        "_retains",
        "_base",
        "_accumulator",
        "__weakref__",
    )
    # NumPy defers to our reflected operators (ndarray + Tensor -> Tensor.__radd__).
    __array_ufunc__ = None
    __array_priority__ = 1000

    def __init__(self, data: Any, requires_grad: bool = False, dtype: Any = None) -> None:
        self._data = _to_array(data, dtype)
        self._grad: Tensor | None = None
        self.grad_fn = None
        self._version_counter = None  # made on first need: see version.py
        self._hooks: list | None = None
        self._retains = False
        self._base = None
        self._accumulator = None  # weak reference to this leaf's AccumulateGrad node
        self.requires_grad = False
        if requires_grad:
            _check_can_require_grad(self._data.dtype)
            self.requires_grad = True

    @staticmethod
    def _wrap(arr: np.ndarray) -> Tensor:
        """A constant tensor around ``arr`` without copying (engine-internal)."""
        t = Tensor.__new__(Tensor)
        t._data = arr
        t._grad = None
        t.requires_grad = False
        t.grad_fn = None
        t._version_counter = None
        t._hooks = None
        t._retains = False
        t._base = None
        t._accumulator = None
        return t

    # ----- copying and pickling --------------------------------------------------------
    def __reduce_ex__(self, protocol: Any) -> Any:
        # As PyTorch pickles a tensor: its values and requires_grad (and here its .grad),
        # not the graph that made it, view links or hooks; a non-leaf loads as a leaf.
        # (Graph nodes refuse to be pickled: see Function.__reduce_ex__.)
        if type(self) is not Tensor:  # a subclass: Python's default, slots and all
            return object.__reduce_ex__(self, protocol)
        return (_rebuild_tensor, (self._data, self.requires_grad, self.grad))

    def __deepcopy__(self, memo: dict) -> Tensor:
        """A copy of a leaf, as in PyTorch; a tensor with a graph refuses, as there."""
        if self.grad_fn is not None:
            raise RuntimeError(
                "Only Tensors created explicitly by the user (graph leaves) support the "
                "deepcopy protocol at the moment."
            )
        hit = memo.get(id(self))
        if hit is not None:
            return hit
        out = type(self).__new__(type(self))
        memo[id(self)] = out
        for name in Tensor.__slots__:
            if name in _FRESH_IN_A_COPY:
                setattr(out, name, None)
            elif name != "__weakref__":
                setattr(out, name, copy.deepcopy(getattr(self, name), memo))
        if hasattr(self, "__dict__"):  # a subclass's own attributes
            out.__dict__.update(copy.deepcopy(self.__dict__, memo))
        return out

    # ----- .grad ---------------------------------------------------------------------
    @property
    def grad(self) -> Tensor | None:
        """The gradient accumulated by backward (None until one reaches this tensor)."""
        return self._grad

    @grad.setter
    def grad(self, value: Tensor | None) -> None:
        # Checked here, as PyTorch does, so that a wrong gradient is refused when it is
        # assigned, not broadcast later by backward's accumulation or an optimizer step.
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(
                    "assigned grad expected to be a Tensor or None but got grad of type "
                    f"{type(value).__name__}")
            if value is self:
                raise RuntimeError("can't assign Variable as its own grad")
            gd, d = value._data, self._data
            if gd.dtype != d.dtype:
                raise RuntimeError(
                    f"attempting to assign a gradient with dtype '{gd.dtype}' to a tensor "
                    f"with dtype '{d.dtype}'. The gradient must match the tensor's dtype")
            if gd.shape != d.shape:
                raise RuntimeError(
                    f"attempting to assign a gradient of size '{list(gd.shape)}' to a "
                    f"tensor of size '{list(d.shape)}'. Please ensure that the gradient "
                    "and the tensor are the same size")
        self._grad = value

    # ----- facts ----------------------------------------------------------------------
    @property
    def shape(self) -> Size:
        """The size of each dimension, a ``torch.Size`` (a tuple of ints)."""
        return Size(self._data.shape)

    @property
    def ndim(self) -> int:
        """The number of dimensions."""
        return self._data.ndim

    @property
    def dtype(self) -> _dt.dtype:
        """The element type, printed as PyTorch's (``torch.float32``); it equals the
        NumPy dtype of the array (``t.dtype == np.float32``)."""
        return _dt.wrap(self._data.dtype)

    @property
    def is_leaf(self) -> bool:
        """True for tensors the user made (not the result of a recorded operation)."""
        return self.grad_fn is None

    @property
    def T(self) -> Tensor:
        """All dimensions reversed (for 2-D: the transpose)."""
        return self.permute(*range(self.ndim - 1, -1, -1))

    @property
    def mT(self) -> Tensor:
        """The last two dimensions swapped."""
        return self.transpose(-2, -1)

    @property
    def device(self) -> _device.device:
        """Where the tensor lives: always ``device(type='cpu')`` here."""
        return _device.CPU

    def size(self, dim: int | None = None) -> tuple[int, ...] | int:
        """Shape as a ``torch.Size``, or one dimension's length when ``dim`` is given."""
        if dim is None:
            return Size(self._data.shape)
        return self._data.shape[dim]

    def dim(self) -> int:
        """The number of dimensions (``ndim``)."""
        return self._data.ndim

    def numel(self) -> int:
        """The number of elements."""
        return int(self._data.size)

    def item(self) -> float | int | bool:
        """The single element as a Python number."""
        d = self._data
        if d.size != 1:
            raise RuntimeError(f"a Tensor with {d.size} elements cannot be converted to Scalar")
        return d.item()  # (ndarray.item takes any shape with one element)

    def numpy(self) -> np.ndarray:
        """The underlying array (shared, not copied), as ``torch.Tensor.numpy``."""
        if self.requires_grad:
            raise RuntimeError(
                "Can't call numpy() on Tensor that requires grad. "
                "Use tensor.detach().numpy() instead."
            )
        return self._data

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        # np.asarray(t) and np.array([t0, t1]) see the values, as with torch tensors;
        # without this NumPy would build an object array of element Tensors.
        arr = self.numpy()
        if dtype is not None and arr.dtype != dtype:
            return arr.astype(dtype)
        return arr.copy() if copy else arr

    def tolist(self) -> Any:
        """The values as nested Python lists (a Python number for a 0-d tensor)."""
        return self._data.tolist()

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self) -> Iterator[Tensor]:
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self._data.shape[0]))

    def __bool__(self) -> bool:
        if self._data.size != 1:
            raise RuntimeError(
                f"Boolean value of Tensor with {self._data.size} values is ambiguous"
            )
        return bool(self._data.reshape(()))

    def __float__(self) -> float:
        if self._data.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return float(self.item())

    def __int__(self) -> int:
        if self._data.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return int(self.item())

    def __index__(self) -> int:
        if self._data.dtype.kind not in "iu" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be an index")
        return int(self.item())

    __hash__ = object.__hash__

    # ----- autograd -----------------------------------------------------------------
    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set ``requires_grad`` in place on a leaf; returns self."""
        if not self.is_leaf and not requires_grad:
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables. If you want "
                "to use a computed variable in a subgraph that doesn't require "
                "differentiation use var_no_grad = var.detach()."
            )
        if requires_grad:
            _check_can_require_grad(self._data.dtype)
        self.requires_grad = bool(requires_grad)
        return self

    def detach(self) -> Tensor:
        """A new leaf sharing this tensor's data, cut off from the graph.

        It shares the version counter too (as in PyTorch): changing it in place is seen
        by the backward of any graph that saved this tensor. It does not keep this
        tensor, or the graph that made it, alive.
        """
        return _version.make_alias(self)

    @property
    def _version(self) -> int:
        """How many in-place writes this tensor's memory has had (``torch.Tensor._version``).

        Read-only: a write is counted with ``autograd_core.version.mark_modified``.
        """
        c = self._version_counter
        return 0 if c is None else c.value

    def detach_(self) -> Tensor:
        """Cut this tensor off from the graph in place (it becomes a leaf); returns it."""
        self.grad_fn = None
        self.requires_grad = False
        return self

    def clone(self) -> Tensor:
        """A copy of the data that stays in the graph (gradient flows back unchanged)."""
        return _ops.clone(self)

    def retain_grad(self) -> None:
        """Keep ``.grad`` for this non-leaf tensor after backward."""
        if not self.requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.grad_fn is None:
            return
        self._retains = True
        self._ensure_out_ref()

    @property
    def retains_grad(self) -> bool:
        """True when ``retain_grad()`` was called on this non-leaf tensor."""
        return self._retains

    def _ensure_out_ref(self) -> None:
        node = self.grad_fn
        if node is not None and node._out_ref is None:
            node._out_ref = weakref.ref(self)

    def register_hook(self, hook: Callable[[Tensor], Tensor | None]) -> _HookHandle:
        """Call ``hook(grad)`` when this tensor's gradient is computed.

        The hook may return a new gradient to use instead. Returns a handle whose
        ``remove()`` unregisters it.
        """
        if not self.requires_grad:
            raise RuntimeError(
                "cannot register a hook on a tensor that doesn't require gradient"
            )
        if self._hooks is None:
            self._hooks = []
        self._hooks.append(hook)
        self._ensure_out_ref()
        return _HookHandle(self, hook)

    def _run_hooks(self, g: Tensor) -> Tensor:
        for hook in list(self._hooks or ()):
            r = hook(g)
            if r is not None:
                _check_hook_result(hook, g, r)
                g = r
        return g

    def backward(
        self,
        gradient: Any = None,
        retain_graph: bool | None = None,
        create_graph: bool = False,
        inputs: Any = None,
    ) -> None:
        """Backpropagate from this tensor, accumulating into the leaves' ``.grad``.

        gradient: delta = dL/d(self), same shape as self; may be omitted for a scalar.
        retain_graph: keep saved buffers for another backward (default: create_graph).
        create_graph: record the backward pass itself (for higher derivatives).
        """
        if inputs is not None:
            raise NotImplementedError("backward(inputs=...) is not supported; use grad()")
        # What autograd_core.backward does for one tensor, without its argument handling.
        _run_backward((self,), (gradient,),
                      create_graph if retain_graph is None else retain_graph, create_graph)

    # ----- repr ---------------------------------------------------------------------
    def __repr__(self) -> str:
        return _format.tensor_repr(self)

    # ----- conversions (to, cpu, float, ...: see the devices/dtypes area below) ------
    def contiguous(self) -> Tensor:
        """Self when the data is C-contiguous, else a C-ordered copy that stays in the graph."""
        if self._data.flags.c_contiguous:
            return self
        return _ops.clone(self)

    def is_floating_point(self) -> bool:
        """True for float16, bfloat16, float32 and float64 tensors."""
        return _dt.is_float(self._data.dtype)

    # ----- arithmetic operators -------------------------------------------------------
    def __add__(self, other: Any) -> Tensor:
        return _ops.add(self, other)

    def __radd__(self, other: Any) -> Tensor:
        return _ops.add(other, self)

    def __sub__(self, other: Any) -> Tensor:
        return _ops.sub(self, other)

    def __rsub__(self, other: Any) -> Tensor:
        return _ops.sub(other, self)

    def __mul__(self, other: Any) -> Tensor:
        return _ops.mul(self, other)

    def __rmul__(self, other: Any) -> Tensor:
        return _ops.mul(other, self)

    def __truediv__(self, other: Any) -> Tensor:
        return _ops.div(self, other)

    def __rtruediv__(self, other: Any) -> Tensor:
        return _ops.div(other, self)

    def __pow__(self, other: Any) -> Tensor:
        return _ops.pow(self, other)

    def __rpow__(self, other: Any) -> Tensor:
        return _ops.pow(other, self)

    def __matmul__(self, other: Any) -> Tensor:
        return _ops.matmul(self, other)

    def __rmatmul__(self, other: Any) -> Tensor:
        return _ops.matmul(other, self)

    def __neg__(self) -> Tensor:
        return _ops.neg(self)

    def __pos__(self) -> Tensor:
        return self

    def __abs__(self) -> Tensor:
        return _ops.abs(self)

    def __getitem__(self, index: Any) -> Tensor:
        return _ops.getitem(self, index)

    # ----- comparisons (no gradient) ------------------------------------------------
    def __eq__(self, other: Any) -> Tensor:  # type: ignore[override]
        return _ops.compare(self, other, np.equal)

    def __ne__(self, other: Any) -> Tensor:  # type: ignore[override]
        return _ops.compare(self, other, np.not_equal)

    def __lt__(self, other: Any) -> Tensor:
        return _ops.compare(self, other, np.less)

    def __le__(self, other: Any) -> Tensor:
        return _ops.compare(self, other, np.less_equal)

    def __gt__(self, other: Any) -> Tensor:
        return _ops.compare(self, other, np.greater)

    def __ge__(self, other: Any) -> Tensor:
        return _ops.compare(self, other, np.greater_equal)

    def __and__(self, other: Any) -> Tensor:
        fn = np.logical_and if self.dtype.kind == "b" else np.bitwise_and
        return _ops.compare(self, other, fn)

    def __or__(self, other: Any) -> Tensor:
        fn = np.logical_or if self.dtype.kind == "b" else np.bitwise_or
        return _ops.compare(self, other, fn)

    def __invert__(self) -> Tensor:
        if self.dtype.kind == "b":
            return Tensor._wrap(np.logical_not(self._data))
        return Tensor._wrap(np.invert(self._data))

    def eq(self, other: Any) -> Tensor:
        """``self == other`` elementwise, broadcast: a bool tensor."""
        return self == other

    def ne(self, other: Any) -> Tensor:
        """``self != other`` elementwise, broadcast: a bool tensor."""
        return self != other

    def lt(self, other: Any) -> Tensor:
        """``self < other`` elementwise, broadcast: a bool tensor."""
        return self < other

    def le(self, other: Any) -> Tensor:
        """``self <= other`` elementwise, broadcast: a bool tensor."""
        return self <= other

    def gt(self, other: Any) -> Tensor:
        """``self > other`` elementwise, broadcast: a bool tensor."""
        return self > other

    def ge(self, other: Any) -> Tensor:
        """``self >= other`` elementwise, broadcast: a bool tensor."""
        return self >= other

    def isnan(self) -> Tensor:
        """Which elements are NaN: a bool tensor of the same shape."""
        return Tensor._wrap(np.isnan(self._data))

    def isinf(self) -> Tensor:
        """Which elements are +inf or -inf: a bool tensor of the same shape."""
        return Tensor._wrap(np.isinf(self._data))

    def isfinite(self) -> Tensor:
        """Which elements are finite (not inf, not NaN): a bool tensor of the same shape."""
        return Tensor._wrap(np.isfinite(self._data))

    # ----- differentiable methods (PyTorch names) -----------------------------------
    def add(self, other: Any, alpha: float = 1) -> Tensor:
        """self + alpha * other, broadcast; see ``autograd_core.add``."""
        _check_alpha("add", alpha)
        return _ops.add(self, other if alpha == 1 else other * alpha)

    def sub(self, other: Any, alpha: float = 1) -> Tensor:
        """self - alpha * other, broadcast; see ``autograd_core.sub``."""
        _check_alpha("sub", alpha)
        return _ops.sub(self, other if alpha == 1 else other * alpha)

    def mul(self, other: Any) -> Tensor:
        """self * other elementwise, broadcast."""
        return _ops.mul(self, other)

    def div(self, other: Any) -> Tensor:
        """self / other elementwise, broadcast (true division)."""
        return _ops.div(self, other)

    def pow(self, exponent: Any) -> Tensor:
        """self ** exponent elementwise (a number or a tensor, broadcast)."""
        return _ops.pow(self, exponent)

    def neg(self) -> Tensor:
        """-self elementwise."""
        return _ops.neg(self)

    def exp(self) -> Tensor:
        """e ** self elementwise."""
        return _ops.exp(self)

    def log(self) -> Tensor:
        """The natural logarithm, elementwise."""
        return _ops.log(self)

    def sqrt(self) -> Tensor:
        """The square root, elementwise."""
        return _ops.sqrt(self)

    def abs(self) -> Tensor:
        """The absolute value, elementwise."""
        return _ops.abs(self)

    def sin(self) -> Tensor:
        """The sine, elementwise (radians)."""
        return _ops.sin(self)

    def cos(self) -> Tensor:
        """The cosine, elementwise (radians)."""
        return _ops.cos(self)

    def tanh(self) -> Tensor:
        """The hyperbolic tangent, elementwise."""
        return _ops.tanh(self)

    def sigmoid(self) -> Tensor:
        """1 / (1 + exp(-self)), elementwise."""
        return _ops.sigmoid(self)

    def relu(self) -> Tensor:
        """max(self, 0), elementwise."""
        return _ops.relu(self)

    def maximum(self, other: Tensor) -> Tensor:
        """The larger of self and other elementwise, broadcast (ties share the gradient)."""
        return _ops.maximum(self, other)

    def minimum(self, other: Tensor) -> Tensor:
        """The smaller of self and other elementwise, broadcast (ties share the gradient)."""
        return _ops.minimum(self, other)

    def where(self, condition: Any, other: Any) -> Tensor:
        """self where ``condition`` is True, else ``other`` (all three broadcast)."""
        return _ops.where(condition, self, other)

    def clamp(self, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002
        """Each element limited to [min, max] (either may be None); ``clip`` too."""
        return _ops.clamp(self, min, max)

    clip = clamp

    def matmul(self, other: Tensor) -> Tensor:
        """The matrix product ``self @ other`` (1-D, 2-D or batched, as ``matmul``)."""
        return _ops.matmul(self, other)

    def addmm(self, mat1: Tensor, mat2: Tensor, *, beta: float = 1,
              alpha: float = 1) -> Tensor:
        """beta * self + alpha * (mat1 @ mat2); see ``autograd_core.addmm``."""
        return _ops.addmm(self, mat1, mat2, beta=beta, alpha=alpha)

    def sum(self, dim: Any = None, keepdim: bool = False, dtype: Any = None) -> Tensor:
        """The sum over ``dim`` (all elements when None); see ``autograd_core.sum``."""
        return _ops.sum(self, dim, keepdim, dtype)

    def mean(self, dim: Any = None, keepdim: bool = False) -> Tensor:
        """The mean over ``dim`` (all elements when None)."""
        return _ops.mean(self, dim, keepdim)

    def var(
        self, dim: Any = None, unbiased: bool = True, keepdim: bool = False, *,
        correction: float | None = None,
    ) -> Tensor:
        """The variance over ``dim`` (Bessel-corrected unless unbiased=False or ``correction``)."""
        return _ops.var(self, dim, unbiased, keepdim, correction=correction)

    def std(
        self, dim: Any = None, unbiased: bool = True, keepdim: bool = False, *,
        correction: float | None = None,
    ) -> Tensor:
        """The standard deviation over ``dim`` (corrected as ``var``)."""
        return _ops.std(self, dim, unbiased, keepdim, correction=correction)

    def max(self, dim: Any = None, keepdim: bool = False) -> Any:
        """The largest element, or with ``dim`` a (values, indices) pair along it."""
        return _ops.max(self, dim, keepdim)

    def min(self, dim: Any = None, keepdim: bool = False) -> Any:
        """The smallest element, or with ``dim`` a (values, indices) pair along it."""
        return _ops.min(self, dim, keepdim)

    def amax(self, dim: Any = None, keepdim: bool = False) -> Tensor:
        """The largest values over ``dim`` (ties share the gradient)."""
        return _ops.amax(self, dim, keepdim)

    def amin(self, dim: Any = None, keepdim: bool = False) -> Tensor:
        """The smallest values over ``dim`` (ties share the gradient)."""
        return _ops.amin(self, dim, keepdim)

    def argmax(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        """The index of the largest element (of the flattened tensor, or along ``dim``)."""
        return _ops.argmax(self, dim, keepdim)

    def argmin(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        """The index of the smallest element (of the flattened tensor, or along ``dim``)."""
        return _ops.argmin(self, dim, keepdim)

    def logsumexp(self, dim: Any, keepdim: bool = False) -> Tensor:
        """log(sum(exp(self))) over ``dim``, computed without overflow."""
        return _ops.logsumexp(self, dim, keepdim)

    def softmax(self, dim: int) -> Tensor:
        """exp(self) normalised to sum to 1 along ``dim``; same shape."""
        return _ops.softmax(self, dim)

    def log_softmax(self, dim: int) -> Tensor:
        """log(softmax(self, dim)), computed stably; same shape."""
        return _ops.log_softmax(self, dim)

    def reshape(self, *shape: Any) -> Tensor:
        """The same elements in a new shape (a view when the layout allows, else a copy)."""
        return _ops.reshape(self, *shape)

    def view(self, *shape: Any) -> Tensor:
        """This tensor's elements in a new shape, sharing its memory (``torch.Tensor.view``).

        Where the memory layout has no such view (a transposed tensor; a convolution's
        output or an ``nn.Linear`` weight, which this library lays out batch-last and
        column-major), the result is a copy marked read-only: an in-place change through
        it could not reach this tensor, so it raises instead of being silently lost.
        """
        out = _ops.reshape(self, *shape)
        # Reshape records _base exactly when its result shares this tensor's memory.
        if out._base is None and out._data.size:
            _version.mark_copied_view(out._data)
        return out

    def view_as(self, other: Tensor) -> Tensor:
        """``view(other.shape)``: this tensor's elements in other's shape."""
        return self.view(other.shape)

    def reshape_as(self, other: Tensor) -> Tensor:
        """``reshape(other.shape)``: this tensor's elements in other's shape."""
        return _ops.reshape(self, other.shape)

    def transpose(self, dim0: int, dim1: int) -> Tensor:
        """Dimensions ``dim0`` and ``dim1`` swapped (a view)."""
        return _ops.transpose(self, dim0, dim1)

    def t(self) -> Tensor:
        """The transpose of a tensor of at most 2 dimensions (0-d and 1-d come back as they are)."""
        if self.ndim > 2:
            raise RuntimeError(
                f"t() expects a tensor with <= 2 dimensions, but self is {self.ndim}D"
            )
        return self.T

    def permute(self, *dims: Any) -> Tensor:
        """The dimensions reordered as ``dims`` (a view)."""
        return _ops.permute(self, *dims)

    def unsqueeze(self, dim: int) -> Tensor:
        """A new dimension of size 1 inserted at ``dim`` (a view)."""
        return _ops.unsqueeze(self, dim)

    def squeeze(self, dim: Any = None) -> Tensor:
        """The dimensions of size 1 removed (all, or those in ``dim``); a view."""
        return _ops.squeeze(self, dim)

    def expand(self, *sizes: Any) -> Tensor:
        """A view with size-1 dimensions repeated to ``sizes`` (-1 keeps a size)."""
        return _ops.expand(self, *sizes)

    def expand_as(self, other: Tensor) -> Tensor:
        """``expand(other.shape)``: a view broadcast to other's shape."""
        return _ops.expand(self, other.shape)

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Tensor:
        """Dimensions ``start_dim`` to ``end_dim`` merged into one."""
        return _ops.flatten(self, start_dim, end_dim)

    def gather(self, dim: int, index: Tensor) -> Tensor:
        """Values picked along ``dim`` at ``index`` (an int64 tensor of the output's shape)."""
        return _ops.gather(self, dim, index)

    def scatter_add(self, dim: int, index: Tensor, src: Tensor) -> Tensor:
        """A copy of self with ``src`` added at ``index`` along ``dim``."""
        return _ops.scatter_add(self, dim, index, src)

    def masked_fill(self, mask: Any, value: Any) -> Tensor:
        """``value`` where the bool ``mask`` is True, else self; keeps self's dtype."""
        return _ops.masked_fill(self, mask, value)

    # ----- in-place operations (the logic, version counting and views: inplace.py) ----
    def add_(self, other: Any, alpha: float = 1) -> Tensor:
        """self += alpha * other in place (other broadcasts to self's shape); returns self."""
        return _ops.add_(self, other, alpha)

    def sub_(self, other: Any, alpha: float = 1) -> Tensor:
        """self -= alpha * other in place; returns self."""
        return _ops.sub_(self, other, alpha)

    def mul_(self, other: Any) -> Tensor:
        """self *= other in place; returns self."""
        return _ops.mul_(self, other)

    def div_(self, other: Any) -> Tensor:
        """self /= other in place (true division); returns self."""
        return _ops.div_(self, other)

    def zero_(self) -> Tensor:
        """Fill with zeros in place; returns self."""
        return _ops.fill_(self, 0)

    def fill_(self, value: Any) -> Tensor:
        """Fill with ``value`` (a number or a 0-d tensor) in place; returns self."""
        return _ops.fill_(self, value)

    def clamp_(self, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002
        """Clamp into [min, max] in place; returns self."""
        return _ops.clamp_(self, min, max)

    clip_ = clamp_

    def copy_(self, src: Any) -> Tensor:
        """Copy ``src`` (broadcast to self's shape, cast to self's dtype) in; returns self."""
        return _ops.copy_(self, src)

    def __iadd__(self, other: Any) -> Tensor:
        return _ops.add_(self, other, 1)

    def __isub__(self, other: Any) -> Tensor:
        return _ops.sub_(self, other, 1)

    def __imul__(self, other: Any) -> Tensor:
        return _ops.mul_(self, other)

    def __itruediv__(self, other: Any) -> Tensor:
        return _ops.div_(self, other)

    # ----- area: elementwise and linear algebra (issue 15) ----------------------------
    # Elementwise functions (autograd_core/ops/elementwise.py); see each for dtypes.
    def erf(self) -> Tensor:
        """The error function, elementwise."""
        return _ops.erf(self)

    def erfc(self) -> Tensor:
        """1 - erf(self), elementwise (accurate for large inputs)."""
        return _ops.erfc(self)

    def sinh(self) -> Tensor:
        """The hyperbolic sine, elementwise."""
        return _ops.sinh(self)

    def cosh(self) -> Tensor:
        """The hyperbolic cosine, elementwise."""
        return _ops.cosh(self)

    def asin(self) -> Tensor:
        """The inverse sine, elementwise (``arcsin`` too)."""
        return _ops.asin(self)

    def acos(self) -> Tensor:
        """The inverse cosine, elementwise (``arccos`` too)."""
        return _ops.acos(self)

    def atan(self) -> Tensor:
        """The inverse tangent, elementwise (``arctan`` too)."""
        return _ops.atan(self)

    arcsin, arccos, arctan = asin, acos, atan

    def atan2(self, other: Tensor) -> Tensor:
        """The angle of the point (other, self), i.e. atan(self / other) by quadrant, broadcast."""
        return _ops.atan2(self, other)

    def arctan2(self, other: Tensor) -> Tensor:
        """``atan2``: the angle of the point (other, self), broadcast."""
        return _ops.arctan2(self, other)

    def log2(self) -> Tensor:
        """The base-2 logarithm, elementwise."""
        return _ops.log2(self)

    def log10(self) -> Tensor:
        """The base-10 logarithm, elementwise."""
        return _ops.log10(self)

    def log1p(self) -> Tensor:
        """log(1 + self), elementwise (accurate near 0)."""
        return _ops.log1p(self)

    def expm1(self) -> Tensor:
        """exp(self) - 1, elementwise (accurate near 0)."""
        return _ops.expm1(self)

    def exp2(self) -> Tensor:
        """2 ** self, elementwise."""
        return _ops.exp2(self)

    def rsqrt(self) -> Tensor:
        """1 / sqrt(self), elementwise."""
        return _ops.rsqrt(self)

    def reciprocal(self) -> Tensor:
        """1 / self, elementwise."""
        return _ops.reciprocal(self)

    def square(self) -> Tensor:
        """self * self, elementwise."""
        return _ops.square(self)

    def floor(self) -> Tensor:
        """Rounded down, elementwise (gradient 0)."""
        return _ops.floor(self)

    def ceil(self) -> Tensor:
        """Rounded up, elementwise (gradient 0)."""
        return _ops.ceil(self)

    def trunc(self) -> Tensor:
        """Rounded towards zero, elementwise (gradient 0); ``fix`` too."""
        return _ops.trunc(self)

    fix = trunc

    def round(self, *, decimals: int = 0) -> Tensor:
        """Round to ``decimals`` places, halves to even (gradient 0)."""
        return _ops.round(self, decimals=decimals)

    def frac(self) -> Tensor:
        """self - trunc(self): the fractional part with the sign of self."""
        return _ops.frac(self)

    def sign(self) -> Tensor:
        """-1, 0 or 1 by the sign of each element (gradient 0)."""
        return _ops.sign(self)

    def sgn(self) -> Tensor:
        """The sign of each element (``sign`` for real tensors)."""
        return _ops.sgn(self)

    def remainder(self, other: Any) -> Tensor:
        """self modulo other with the sign of other (Python's %), broadcast."""
        return _ops.remainder(self, other)

    def fmod(self, other: Any) -> Tensor:
        """self modulo other with the sign of self (C's fmod), broadcast."""
        return _ops.fmod(self, other)

    def __mod__(self, other: Any) -> Tensor:
        return _ops.remainder(self, other)

    def __rmod__(self, other: Any) -> Tensor:
        return _ops.remainder(other, self)

    def hypot(self, other: Tensor) -> Tensor:
        """sqrt(self**2 + other**2) elementwise, broadcast."""
        return _ops.hypot(self, other)

    def logaddexp(self, other: Tensor) -> Tensor:
        """log(exp(self) + exp(other)) elementwise, computed stably."""
        return _ops.logaddexp(self, other)

    def lerp(self, end: Tensor, weight: Any) -> Tensor:
        """self + weight * (end - self), broadcast."""
        return _ops.lerp(self, end, weight)

    # Products (autograd_core/ops/linalg.py).
    def mm(self, mat2: Tensor) -> Tensor:
        """The matrix product of two 2-D tensors: (n, m) @ (m, p) -> (n, p)."""
        return _ops.mm(self, mat2)

    def bmm(self, mat2: Tensor) -> Tensor:
        """Batched matrix product: (b, n, m) @ (b, m, p) -> (b, n, p)."""
        return _ops.bmm(self, mat2)

    def mv(self, vec: Tensor) -> Tensor:
        """Matrix-vector product: (n, m) @ (m,) -> (n,)."""
        return _ops.mv(self, vec)

    def dot(self, other: Tensor) -> Tensor:
        """The inner product of two 1-D tensors of one length (a 0-d tensor)."""
        return _ops.dot(self, other)

    def outer(self, vec2: Tensor) -> Tensor:
        """The outer product of two 1-D tensors: (n,) and (m,) -> (n, m); ``ger`` too."""
        return _ops.outer(self, vec2)

    ger = outer

    def baddbmm(self, batch1: Tensor, batch2: Tensor, *, beta: float = 1,
                alpha: float = 1) -> Tensor:
        """beta * self + alpha * bmm(batch1, batch2); see ``autograd_core.baddbmm``."""
        return _ops.baddbmm(self, batch1, batch2, beta=beta, alpha=alpha)

    # New tensors like this one (autograd_core/tensor_new.py).
    def new_zeros(self, *size: Any, **kw: Any) -> Tensor:
        """Zeros of ``size`` in this tensor's dtype (``dtype=``, ``requires_grad=``)."""
        from .tensor_new import new_zeros
        return new_zeros(self, *size, **kw)

    def new_ones(self, *size: Any, **kw: Any) -> Tensor:
        """Ones of ``size`` in this tensor's dtype (``dtype=``, ``requires_grad=``)."""
        from .tensor_new import new_ones
        return new_ones(self, *size, **kw)

    def new_empty(self, *size: Any, **kw: Any) -> Tensor:
        """A tensor of ``size`` in this tensor's dtype (zeros here)."""
        from .tensor_new import new_empty
        return new_empty(self, *size, **kw)

    def new_full(self, size: Any, fill_value: Any, **kw: Any) -> Tensor:
        """``fill_value`` everywhere, ``size`` a tuple, in this tensor's dtype."""
        from .tensor_new import new_full
        return new_full(self, size, fill_value, **kw)

    def new_tensor(self, data: Any, **kw: Any) -> Tensor:
        """A new leaf copy of ``data`` in this tensor's dtype unless ``dtype=``."""
        from .tensor_new import new_tensor
        return new_tensor(self, data, **kw)

    def type_as(self, other: Tensor) -> Tensor:
        """This tensor in other's dtype (differentiable)."""
        from .tensor_new import type_as
        return type_as(self, other)

    def nelement(self) -> int:
        """The number of elements (``numel``)."""
        return int(self._data.size)

    # ----- area: reductions, sorting, indexing and shapes (issue 15) ------------------
    # Pieces and views (autograd_core/ops/index_more.py).
    def split(self, split_size: Any, dim: int = 0) -> tuple[Tensor, ...]:
        """Pieces of ``split_size`` along ``dim`` (or of the given sizes, a list); views."""
        return _ops.split(self, split_size, dim)

    def chunk(self, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
        """``chunks`` pieces of (nearly) equal size along ``dim`` (the last may be smaller)."""
        return _ops.chunk(self, chunks, dim)

    def unbind(self, dim: int = 0) -> tuple[Tensor, ...]:
        """The slices along ``dim``, each without that dimension (a tuple)."""
        return _ops.unbind(self, dim)

    def narrow(self, dim: int, start: Any, length: int) -> Tensor:
        """Elements ``start`` to ``start + length`` along ``dim`` (a view)."""
        return _ops.narrow(self, dim, start, length)

    def diagonal(self, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
        """The diagonal of the (dim1, dim2) planes, offset by ``offset``, as the last dim."""
        return _ops.diagonal(self, offset, dim1, dim2)

    def diag(self, diagonal: int = 0) -> Tensor:
        """1-D: a square matrix with it on a diagonal; 2-D: the diagonal as a 1-D tensor."""
        return _ops.diag(self, diagonal)

    def trace(self) -> Tensor:
        """The sum of the main diagonal of a 2-D tensor."""
        return _ops.trace(self)

    def tril(self, diagonal: int = 0) -> Tensor:
        """The lower triangle (from ``diagonal`` down) kept, the rest zero."""
        return _ops.tril(self, diagonal)

    def triu(self, diagonal: int = 0) -> Tensor:
        """The upper triangle (from ``diagonal`` up) kept, the rest zero."""
        return _ops.triu(self, diagonal)

    def flip(self, *dims: Any) -> Tensor:
        """The order of elements reversed along ``dims``."""
        return _ops.flip(self, *dims)

    def roll(self, shifts: Any, dims: Any = None) -> Tensor:
        """Elements shifted along ``dims`` by ``shifts``, wrapping around."""
        return _ops.roll(self, shifts, dims)

    def repeat(self, *sizes: Any) -> Tensor:
        """The tensor tiled ``sizes`` times along each dimension (more leading ones allowed)."""
        return _ops.repeat(self, *sizes)

    def repeat_interleave(self, repeats: Any, dim: int | None = None, *,
                          output_size: int | None = None) -> Tensor:
        """Each element repeated ``repeats`` times along ``dim`` (flattened if None)."""
        return _ops.repeat_interleave(self, repeats, dim, output_size=output_size)

    def broadcast_to(self, *shape: Any) -> Tensor:
        """A view broadcast to ``shape`` (as ``expand``)."""
        return _ops.broadcast_to(self, *shape)

    # Selecting and placing by index or mask.
    def index_select(self, dim: int, index: Tensor) -> Tensor:
        """The entries along ``dim`` at the positions in 1-D ``index``."""
        return _ops.index_select(self, dim, index)

    def masked_select(self, mask: Tensor) -> Tensor:
        """The elements where bool ``mask`` (broadcast) is True, as a 1-D tensor."""
        return _ops.masked_select(self, mask)

    def masked_fill_(self, mask: Any, value: Any) -> Tensor:
        """Set the elements where ``mask`` is True to ``value``, in place; returns self."""
        return _ops.masked_fill_(self, mask, value)

    def index_add(self, dim: int, index: Tensor, source: Tensor, *, alpha: Any = 1) -> Tensor:
        """A copy with alpha * ``source`` added at ``index`` along ``dim``."""
        return _ops.index_add(self, dim, index, source, alpha=alpha)

    def index_add_(self, dim: int, index: Tensor, source: Tensor, *, alpha: Any = 1) -> Tensor:
        """``index_add`` in place; returns self."""
        return _ops.index_add_(self, dim, index, source, alpha=alpha)

    def scatter(self, dim: int, index: Tensor, src: Any = None, *, value: Any = None,
                reduce: str | None = None) -> Tensor:
        """A copy with ``src`` (or ``value``) written at ``index`` along ``dim``."""
        return _ops.scatter(self, dim, index, src, value=value, reduce=reduce)

    def scatter_(self, dim: int, index: Tensor, src: Any = None, *, value: Any = None,
                 reduce: str | None = None) -> Tensor:
        """``scatter`` in place; returns self."""
        return _ops.scatter_(self, dim, index, src, value=value, reduce=reduce)

    def nonzero(self, *, as_tuple: bool = False) -> Any:
        """The indices of the non-zero elements: (n, ndim), or one 1-D tensor per dim."""
        return _ops.nonzero(self, as_tuple=as_tuple)

    # Scans and reductions (autograd_core/ops/reduce_more.py).
    def cumsum(self, dim: int, *, dtype: Any = None) -> Tensor:
        """The running sum along ``dim``; same shape."""
        return _ops.cumsum(self, dim, dtype=dtype)

    def cumprod(self, dim: int, *, dtype: Any = None) -> Tensor:
        """The running product along ``dim``; same shape."""
        return _ops.cumprod(self, dim, dtype=dtype)

    def prod(self, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
        """The product over ``dim`` (all elements when None)."""
        return _ops.prod(self, dim, keepdim, dtype=dtype)

    def norm(self, p: Any = "fro", dim: Any = None, keepdim: bool = False,
             dtype: Any = None) -> Tensor:
        """The vector or Frobenius norm (``p``) over ``dim``; see ``autograd_core.norm``."""
        return _ops.norm(self, p, dim, keepdim, dtype)

    def all(self, dim: Any = None, keepdim: bool = False) -> Tensor:
        """True where every element (over ``dim``) is non-zero: a bool tensor."""
        return _ops.all(self, dim, keepdim)

    def any(self, dim: Any = None, keepdim: bool = False) -> Tensor:
        """True where some element (over ``dim``) is non-zero: a bool tensor."""
        return _ops.any(self, dim, keepdim)

    def count_nonzero(self, dim: Any = None) -> Tensor:
        """The number of non-zero elements (over ``dim``): an int64 tensor."""
        return _ops.count_nonzero(self, dim)

    def isclose(self, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08,
                equal_nan: bool = False) -> Tensor:
        """|self - other| <= atol + rtol * |other| elementwise, broadcast: a bool tensor."""
        return _ops.isclose(self, other, rtol, atol, equal_nan)

    def allclose(self, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08,
                 equal_nan: bool = False) -> bool:
        """True when ``isclose`` holds for every element (a Python bool)."""
        return _ops.allclose(self, other, rtol, atol, equal_nan)

    def equal(self, other: Tensor) -> bool:
        """True when both tensors have the same shape and values (a Python bool)."""
        return _ops.equal(self, other)

    # Sorting and counting (autograd_core/ops/sorting.py).
    def sort(self, dim: int = -1, descending: bool = False, *, stable: bool = False) -> Any:
        """(values, indices) sorted along ``dim``; ``stable`` keeps ties in order."""
        return _ops.sort(self, dim, descending, stable=stable)

    def argsort(self, dim: int = -1, descending: bool = False, *,
                stable: bool = False) -> Tensor:
        """The indices that sort along ``dim`` (the indices of ``sort``)."""
        return _ops.argsort(self, dim, descending, stable=stable)

    def topk(self, k: int, dim: int = -1, largest: bool = True, sorted: bool = True) -> Any:  # noqa: A002
        """(values, indices) of the ``k`` largest (or smallest) along ``dim``."""
        return _ops.topk(self, k, dim, largest, sorted)

    def unique(self, sorted: bool = True, return_inverse: bool = False,  # noqa: A002
               return_counts: bool = False, dim: int | None = None) -> Any:
        """The distinct values (sorted), with inverse indices and counts on request."""
        return _ops.unique(self, sorted, return_inverse, return_counts, dim)

    def bincount(self, weights: Tensor | None = None, minlength: int = 0) -> Tensor:
        """How often each value 0..max occurs in a 1-D non-negative int tensor (weighted)."""
        return _ops.bincount(self, weights, minlength)

    def histc(self, bins: int = 100, min: float = 0, max: float = 0) -> Tensor:  # noqa: A002
        """Counts in ``bins`` equal bins over [min, max]; see ``autograd_core.histc``."""
        return _ops.histc(self, bins, min, max)

    def histogram(self, bins: Any, *, range: Any = None, weight: Tensor | None = None,  # noqa: A002
                  density: bool = False) -> Any:
        """(hist, bin_edges) of the elements; see ``autograd_core.histogram``."""
        return _ops.histogram(self, bins, range=range, weight=weight, density=density)

    # ----- area: devices, dtypes and conversions (issue 15) ---------------------------
    def to(self, *args: Any, **kwargs: Any) -> Tensor:
        """This tensor with another dtype (and on a device: only the CPU exists here), as
        ``torch.Tensor.to``: ``to(dtype)``, ``to(device, dtype=None)``, ``to(other)``
        (other's dtype), and the keywords ``dtype``, ``device``, ``non_blocking`` (no
        effect), ``copy`` (a new tensor even when nothing changes), ``memory_format``.

        Returns self when nothing changes and ``copy`` is False. A cast between float
        dtypes stays in the graph (the gradient is cast back); a non-CUDA device other
        than the CPU, or CUDA, raises.
        """
        dtype, dev = kwargs.pop("dtype", None), kwargs.pop("device", None)
        copy = kwargs.pop("copy", False)
        kwargs.pop("non_blocking", None)
        kwargs.pop("memory_format", None)
        if kwargs:
            raise TypeError(f"to() got an unexpected keyword argument '{next(iter(kwargs))}'")
        rest = list(args)
        if rest:
            first = rest.pop(0)
            if isinstance(first, Tensor):
                dtype = first._data.dtype
            elif _is_dtype_like(first):
                dtype = first
            else:
                dev = first
                if rest and _is_dtype_like(rest[0]):
                    dtype = rest.pop(0)
            if len(rest) > 2 or not all(isinstance(r, bool) for r in rest):
                raise TypeError(
                    "to() received an invalid combination of arguments: expected to(dtype, "
                    "non_blocking=False, copy=False), to(device, dtype=None, ...) or "
                    f"to(tensor, ...), got {tuple(type(a).__name__ for a in args)}")
            if len(rest) == 2:
                copy = rest[1]
        _device.check(dev, "to")
        if dtype is not None:
            dtype = _dt.to_dtype(dtype)
            if (self.requires_grad and dtype.kind != "f" and _dt.is_float(dtype)
                    and _grad_mode.is_grad_enabled()):
                raise RuntimeError(_BF16_NO_GRAD)
        out = self if dtype is None else _ops.to_dtype(self, dtype)
        if copy and out is self:
            out = _ops.clone(self)
        return out

    def type(self, dtype: Any = None, non_blocking: bool = False, **kwargs: Any) -> Any:
        """Without ``dtype``: the type name, as PyTorch ("torch.FloatTensor"). With one
        (a dtype or a name such as "torch.DoubleTensor"): ``to(dtype)``."""
        if dtype is None:
            return _torch_type_name(self._data.dtype)
        if isinstance(dtype, str) and dtype in _TYPE_NAMES:
            dtype = _TYPE_NAMES[dtype]
        return self.to(dtype)

    def float(self) -> Tensor:
        """As float32."""
        return self.to(_dt.float32)

    def double(self) -> Tensor:
        """As float64."""
        return self.to(_dt.float64)

    def half(self) -> Tensor:
        """As float16."""
        return self.to(_dt.float16)

    def bfloat16(self) -> Tensor:
        """As bfloat16 (needs the ml_dtypes package)."""
        return self.to(_dt.bfloat16)

    def long(self) -> Tensor:
        """As int64."""
        return self.to(_dt.int64)

    def int(self) -> Tensor:
        """As int32."""
        return self.to(_dt.int32)

    def short(self) -> Tensor:
        """As int16."""
        return self.to(_dt.int16)

    def char(self) -> Tensor:
        """As int8."""
        return self.to(_dt.int8)

    def byte(self) -> Tensor:
        """As uint8."""
        return self.to(_dt.uint8)

    def bool(self) -> Tensor:
        """As bool."""
        return self.to(_dt.bool_)

    def cpu(self, memory_format: Any = None) -> Tensor:
        """Self: the tensor is on the CPU already."""
        return self

    def cuda(self, device: Any = None, non_blocking: bool = False, **kwargs: Any) -> Tensor:
        """Always raises: this engine runs on the CPU only."""
        dev = (_device.device("cuda", device) if isinstance(device, int)
               else _device.as_device("cuda" if device is None else device))
        raise _device.cpu_only_error(dev, "cuda")

    @property
    def is_cuda(self) -> bool:
        """False: tensors live on the CPU."""
        return False

    @property
    def is_cpu(self) -> bool:
        """True: tensors live on the CPU."""
        return True

    def get_device(self) -> int:
        """-1, PyTorch's answer for a CPU tensor."""
        return -1

    def pin_memory(self, device: Any = None) -> Tensor:
        """Self: pinned (page-locked) memory matters only for copies to a GPU."""
        return self

    def is_pinned(self, device: Any = None) -> bool:
        """False: nothing is pinned here."""
        return False

    def element_size(self) -> int:
        """Bytes per element."""
        return int(self._data.dtype.itemsize)

    def is_complex(self) -> bool:
        """False: there are no complex dtypes here."""
        return False

    def is_signed(self) -> bool:
        """True unless the dtype is unsigned (uint8, ...) or bool."""
        return _dt.wrap(self._data.dtype).is_signed

    # Random samples (autograd_core/creation.py): generator= as in PyTorch.
    def multinomial(self, num_samples: int, replacement: bool = False, *,
                    generator: Any = None) -> Tensor:
        """Category indices drawn from this tensor's rows of weights; see
        ``autograd_core.multinomial``."""
        from .creation import multinomial
        return multinomial(self, num_samples, replacement, generator=generator)

    def bernoulli(self, p: Any = None, *, generator: Any = None) -> Tensor:
        """1 with probability self (elementwise), else 0; see ``autograd_core.bernoulli``."""
        from .creation import bernoulli
        return bernoulli(self, p, generator=generator)

    def _fill_random(self, sample: np.ndarray) -> Tensor:
        # Through copy_: the version counter, views and the graph (the old values get
        # no gradient) are handled as for any in-place write.
        return _ops.copy_(self, Tensor._wrap(sample.astype(self._data.dtype, copy=False)))

    def uniform_(self, from_: float = 0.0, to: float = 1.0, *, generator: Any = None,
                 **kw: Any) -> Tensor:
        """Fill in place with uniform samples in [from, to); returns self."""
        from .random import numpy_rng
        lo = float(kw.pop("from", from_))
        if kw:
            raise TypeError(f"uniform_() got an unexpected keyword argument '{next(iter(kw))}'")
        if not _dt.is_float(self._data.dtype):
            raise NotImplementedError(f'"check_uniform_bounds" not implemented for '
                                      f"'{_dt._torch_name(self._data.dtype)}'")
        if lo > float(to):
            raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found "
                               f"from={lo} > to={to}")
        u = numpy_rng(generator, "uniform_").random(self._data.shape)
        return self._fill_random(lo + (float(to) - lo) * u)

    def normal_(self, mean: float = 0.0, std: float = 1.0, *,
                generator: Any = None) -> Tensor:
        """Fill in place with normal samples N(mean, std**2); returns self."""
        from .random import numpy_rng
        if not _dt.is_float(self._data.dtype):
            raise NotImplementedError(f'"normal_kernel_cpu" not implemented for '
                                      f"'{_dt._torch_name(self._data.dtype)}'")
        if std < 0:
            raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
        z = numpy_rng(generator, "normal_").standard_normal(self._data.shape)
        return self._fill_random(float(mean) + float(std) * z)

    def bernoulli_(self, p: Any = 0.5, *, generator: Any = None) -> Tensor:
        """Fill in place with 1 (probability ``p``, a number or a tensor) or 0."""
        from .creation import bernoulli
        if isinstance(p, Tensor):
            draws = bernoulli(p.expand(self.shape), generator=generator)
        else:
            draws = bernoulli(Tensor._wrap(np.empty(self._data.shape)), p, generator=generator)
        return self._fill_random(draws.numpy())

    def random_(self, from_: int = 0, to: int | None = None, *,
                generator: Any = None, **kw: Any) -> Tensor:
        """Fill in place with integers uniform in [from, to - 1] (``random_(to)`` means
        [0, to - 1]; without ``to``, up to the largest integer the dtype holds exactly)."""
        from .random import numpy_rng
        from_kw = kw.pop("from", None)
        if kw:
            raise TypeError(f"random_() got an unexpected keyword argument '{next(iter(kw))}'")
        lo = int(from_ if from_kw is None else from_kw)
        if to is None and from_kw is None and from_ != 0:
            lo, hi = 0, int(from_)  # random_(to)
        elif to is None:
            dt = self._data.dtype
            hi = (2 ** (np.finfo(dt).nmant + 1) + 1 if dt.kind == "f" else
                  2 if dt.kind == "b" else int(np.iinfo(dt).max) + 1)
        else:
            hi = int(to)
        if lo >= hi:
            raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got "
                               f"from={lo} >= to={hi}")
        draws = numpy_rng(generator, "random_").integers(lo, hi, size=self._data.shape)
        return self._fill_random(draws)

    def exponential_(self, lambd: float = 1.0, *, generator: Any = None) -> Tensor:
        """Fill in place with exponential samples of rate ``lambd``; returns self."""
        from .random import numpy_rng
        if lambd <= 0:
            raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={lambd}")
        e = numpy_rng(generator, "exponential_").standard_exponential(self._data.shape)
        return self._fill_random(e / float(lambd))


    # ----- area: tensor semantics (.data, __setitem__, Size, format) (issue 15) -------
    @property
    def data(self) -> Tensor:
        """This tensor's values as a new tensor without history, sharing memory.

        As in PyTorch: ``p.data`` is a leaf that does not require grad, and a change
        through it is not counted by the version counter, so autograd does not see it:
        the one deliberate way around the in-place checks (``p.data -= lr * p.grad``).
        The NumPy array itself is ``detach().numpy()``.
        """
        return Tensor._wrap(self._data)

    @data.setter
    def data(self, value: Any) -> None:
        # ``w.data = t`` swaps the values (any shape or dtype, as PyTorch allows) and
        # keeps w's identity, history and requires_grad.
        if not isinstance(value, Tensor):
            raise TypeError(
                f"data must be a Tensor, got {type(value).__name__} (use torch.tensor(...))")
        self._data = value._data

    def __setitem__(self, index: Any, value: Any) -> None:
        """``self[index] = value``, recorded (differentiable) and version-counted.

        index: as for ``__getitem__`` (ints, slices, None, ..., bool masks, int tensors,
        lists, ranges); value: a number or a tensor broadcasting to ``self[index]``.
        """
        _ops.setitem(self, index, value)

    def __format__(self, spec: str) -> str:
        """``format(t, '.4f')`` formats a one-element tensor's number, as PyTorch does."""
        if self._data.size == 1 and spec:
            return format(self._data.reshape(()).item(), spec)
        if spec:
            raise TypeError("unsupported format string passed to Tensor.__format__")
        return str(self)


class _HookHandle:
    """Returned by ``register_hook``; ``remove()`` takes the hook off again."""

    __slots__ = ("_ref", "_hook")

    def __init__(self, tensor: Tensor, hook: Callable) -> None:
        self._ref = weakref.ref(tensor)
        self._hook = hook

    def remove(self) -> None:
        t = self._ref()
        if t is not None and t._hooks and self._hook in t._hooks:
            t._hooks.remove(self._hook)


def _is_dtype_like(x: Any) -> bool:
    """Whether a positional argument of ``to`` names a dtype (not a device)."""
    return (isinstance(x, (_dt.dtype, np.dtype)) or x in (float, int, bool)
            or (isinstance(x, type) and issubclass(x, np.generic)))


# Tensor.type("torch.DoubleTensor") names, as PyTorch spells them.
_TYPE_NAMES = {f"torch.{n}Tensor": d for n, d in (
    ("Float", _dt.float32), ("Double", _dt.float64), ("Half", _dt.float16),
    ("BFloat16", _dt.bfloat16), ("Long", _dt.int64), ("Int", _dt.int32),
    ("Short", _dt.int16), ("Char", _dt.int8), ("Byte", _dt.uint8), ("Bool", _dt.bool_))}


def _torch_type_name(dt: np.dtype) -> str:
    return f"torch.{_dt._torch_name(np.dtype(dt))}Tensor"


def _check_hook_result(hook: Callable, g: Tensor, r: Any) -> None:
    """A gradient hook may replace the gradient only by a Tensor of its shape and dtype
    (PyTorch's checks and words): anything else would reach ``.grad`` or the next node."""
    name = getattr(hook, "__name__", repr(hook))
    if not isinstance(r, Tensor):
        raise TypeError(f"expected Variable, but hook returned '{type(r).__name__}' "
                        f"(hook '{name}')")
    if r._data.dtype != g._data.dtype:
        raise RuntimeError(
            f"hook '{name}' has changed the type of value (was "
            f"{_torch_type_name(g._data.dtype)} got {_torch_type_name(r._data.dtype)})")
    if r._data.shape != g._data.shape:
        raise RuntimeError(
            f"hook '{name}' has changed the size of value (was {list(g._data.shape)} got "
            f"{list(r._data.shape)}; a hook must return a gradient of the tensor's shape)")


def _rebuild_tensor(data: np.ndarray, requires_grad: bool, grad: Any) -> Tensor:
    """Unpickling: a leaf around the unpickled array (already a private copy)."""
    t = Tensor._wrap(data)
    t.requires_grad = requires_grad
    t.grad = grad
    return t


# The ops import Tensor, so they are bound here, after the class exists. (The in-place
# ops come through ops too: inplace.py builds on Function, which imports Tensor.)
from . import _format  # noqa: E402
from . import ops as _ops  # noqa: E402
from ._aliases import install as _install_aliases  # noqa: E402

_install_aliases(Tensor)  # x.sum(axis=0, keepdims=True), as torch accepts


def _run_backward(*args: Any) -> Any:
    """``engine.run_backward``, imported on the first backward and bound in its place.

    The engine builds on Tensor, so importing it here while Tensor loads would make an
    import cycle; binding it on first use keeps each later backward a plain call.
    """
    global _run_backward
    from .engine import run_backward

    _run_backward = run_backward
    return run_backward(*args)
