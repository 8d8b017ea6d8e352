"""dtypes and type promotion, following PyTorch's rules.

Each PyTorch dtype name (``float32``, ``float``, ``long``, ``bool``, ...) is a ``dtype``
object here: it prints as PyTorch's (``torch.float32``), compares equal to the NumPy dtype
the tensor's array holds (``ac.float32 == np.float32``), hashes like it (so either finds
the other in a dict) and is accepted by NumPy wherever a dtype is (``np.zeros(3,
ac.float64)``), through NumPy's ``.dtype`` attribute protocol. ``to_dtype`` turns any
spelling into the NumPy dtype the engine computes with.

PyTorch promotes by category (bool < integer < floating). A Python number is "weak":
it only raises the category (an int tensor times 2.5 is float32, the default float
dtype), never the width. A 0-d tensor is weaker than a tensor with dimensions of the
same category (float32 (3,) + float64 () stays float32).

``bfloat16`` comes from the ``ml_dtypes`` package (NumPy has no bfloat16) when it is
installed; without it the name exists but using it raises an error saying so.
"""

from __future__ import annotations

import builtins as _b
from typing import Any

import numpy as np

try:  # optional: NumPy itself has no bfloat16
    import ml_dtypes as _ml_dtypes
except ImportError:  # pragma: no cover - exercised by monkeypatching in the tests
    _ml_dtypes = None

_BF16_NP: np.dtype | None = np.dtype(_ml_dtypes.bfloat16) if _ml_dtypes is not None else None
_BF16_MISSING = (
    "torch.bfloat16 needs the ml_dtypes package (pip install ml_dtypes): NumPy has no "
    "bfloat16 of its own")


class dtype:
    """A PyTorch dtype (``torch.float32``, ...) standing for one NumPy dtype.

    Attributes as PyTorch's: ``is_floating_point``, ``is_complex`` (always False here),
    ``is_signed``, ``itemsize``. NumPy sees it as its dtype (``np.dtype(ac.float32)``,
    ``arr.astype(ac.int64)``), and it equals that dtype and NumPy's scalar type
    (``ac.float32 == np.float32``); unlike a NumPy dtype, and like PyTorch's, it does not
    equal a string. Other NumPy dtype attributes (``kind``, ``name``, ``type``) are read
    through to the NumPy dtype.
    """

    __slots__ = ("_np", "_name", "is_floating_point", "is_signed", "itemsize")
    is_complex = False

    def __init__(self, name: str, np_dtype: np.dtype | None, *, floating: bool,
                 signed: bool, itemsize: int) -> None:
        self._np = np_dtype
        self._name = name
        self.is_floating_point = floating
        self.is_signed = signed
        self.itemsize = itemsize

    @property
    def dtype(self) -> np.dtype:
        """The NumPy dtype (what NumPy reads when it is handed this object)."""
        if self._np is None:
            raise TypeError(_BF16_MISSING)
        return self._np

    def to_real(self) -> dtype:
        """Itself: there are no complex dtypes here."""
        return self

    def to_complex(self) -> dtype:
        """Raise: there are no complex dtypes here (PyTorch gives the complex partner)."""
        raise TypeError(f"{self}: complex dtypes are not supported by autograd_core")

    def __repr__(self) -> str:
        return f"torch.{self._name}"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        if isinstance(other, dtype):
            return self._name == other._name
        if self._np is None:
            return NotImplemented
        if isinstance(other, np.dtype):
            return self._np == other
        if isinstance(other, type) and issubclass(other, np.generic):
            return self._np == np.dtype(other)
        return NotImplemented

    def __ne__(self, other: object) -> bool:
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else not eq

    def __hash__(self) -> int:
        return hash(self._np) if self._np is not None else hash(self._name)

    def __reduce__(self) -> tuple:
        # Unpickles to the module's own object, so identity and equality survive.
        return (_by_name, (self._name,))

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name in dtype.__slots__:
            raise AttributeError(name)
        return getattr(self.dtype, name)


def _by_name(name: str) -> dtype:
    return _TORCH[name]


def _make(name: str, np_type: Any, floating: bool = False) -> dtype:
    npdt = np.dtype(np_type) if np_type is not None else None
    signed = floating or (npdt is not None and npdt.kind == "i")
    size = npdt.itemsize if npdt is not None else 2
    return dtype(name, npdt, floating=floating, signed=signed, itemsize=size)


float16 = half = _make("float16", np.float16, True)
bfloat16 = _make("bfloat16", _BF16_NP, True)
float32 = float = _make("float32", np.float32, True)  # noqa: A001 - PyTorch's alias
float64 = double = _make("float64", np.float64, True)
int8 = _make("int8", np.int8)
int16 = short = _make("int16", np.int16)
int32 = int = _make("int32", np.int32)  # noqa: A001
int64 = long = _make("int64", np.int64)
uint8 = _make("uint8", np.uint8)
uint16 = _make("uint16", np.uint16)
uint32 = _make("uint32", np.uint32)
uint64 = _make("uint64", np.uint64)
bool_ = _make("bool", np.bool_)

# The canonical object of each dtype, by PyTorch name and by NumPy dtype.
_TORCH: dict[str, dtype] = {d._name: d for d in (
    float16, bfloat16, float32, float64, int8, int16, int32, int64, uint8, uint16, uint32,
    uint64, bool_)}
_BY_NP: dict[np.dtype, dtype] = {d._np: d for d in _TORCH.values() if d._np is not None}
# Every alias PyTorch spells (``torch.float``, ``torch.long``, ...), for name lookups.
_NAMES: dict[str, dtype] = dict(_TORCH, half=float16, float=float32, double=float64,
                                short=int16, int=int32, long=int64)

DEFAULT_FLOAT: np.dtype = np.dtype(np.float32)


def wrap(np_dtype: np.dtype) -> dtype:
    """The ``dtype`` object for a NumPy dtype (what ``Tensor.dtype`` returns)."""
    d = _BY_NP.get(np_dtype)
    if d is None:  # a NumPy dtype PyTorch has no name for: keep NumPy's name
        d = _make(np_dtype.name, np_dtype, np_dtype.kind == "f")
    return d


def np_dtype_of(t: Any) -> np.dtype:
    """The NumPy dtype of a tensor's values (from its ``dtype``, whatever it holds)."""
    return to_dtype(t.dtype)


def is_float(dt: np.dtype) -> bool:
    """True for the floating-point NumPy dtypes, bfloat16 included."""
    return dt.kind == "f" or (_BF16_NP is not None and dt == _BF16_NP)


def to_dtype(dtype: Any) -> np.dtype:
    """The NumPy dtype for ``dtype`` given as a dtype object, np.dtype, NumPy type,
    Python type (float -> float64, int -> int64, bool -> bool, as in PyTorch) or name
    ("float32", "torch.long")."""
    if isinstance(dtype, np.dtype):
        return dtype
    if isinstance(dtype, _DTYPE_CLASS):
        return dtype.dtype
    if isinstance(dtype, str):
        name = dtype.replace("torch.", "")
        if name in _NAMES:
            return _NAMES[name].dtype
    if dtype is _b.float:
        return float64.dtype
    if dtype is _b.bool:
        return bool_.dtype
    if dtype is _b.int:
        return int64.dtype
    if dtype is None:
        raise TypeError("unknown dtype None")
    try:
        return np.dtype(dtype)
    except TypeError:
        raise TypeError(f"unknown dtype {dtype!r}") from None


_DTYPE_CLASS = dtype


def category(dt: np.dtype) -> int:
    """0 for bool, 1 for integers, 2 for floating point."""
    k = dt.kind
    if k == "b":
        return 0
    if k in "iu":
        return 1
    if k == "f" or (_BF16_NP is not None and dt == _BF16_NP):
        return 2
    raise TypeError(f"unsupported dtype {dt}")


def scalar_category(x: Any) -> int:
    """``category`` of a Python number: 0 for bool, 1 for int, 2 for anything else."""
    if isinstance(x, _b.bool):
        return 0
    if isinstance(x, _b.int):
        return 1
    return 2


def promote(a_dtype: np.dtype, a_ndim: int, b_dtype: np.dtype, b_ndim: int) -> np.dtype:
    """Result dtype of a binary op between two tensors, as PyTorch computes it."""
    if a_dtype == b_dtype:
        return a_dtype
    ca, cb = category(a_dtype), category(b_dtype)
    a_dim, b_dim = a_ndim > 0, b_ndim > 0
    if a_dim == b_dim:
        if ca == cb:
            return _promote_within(a_dtype, b_dtype)
        return a_dtype if ca > cb else b_dtype
    # One has dimensions, the other is 0-d: the 0-d one counts only if its category is
    # higher.
    dim_dt, zero_dt, cdim, czero = (a_dtype, b_dtype, ca, cb) if a_dim else (
        b_dtype, a_dtype, cb, ca)
    if czero > cdim:
        return zero_dt
    return dim_dt


def promote_scalar(t_dtype: np.dtype, scalar: Any) -> np.dtype:
    """Result dtype of a tensor combined with a Python number."""
    ct, cs = category(t_dtype), scalar_category(scalar)
    if cs <= ct:
        return t_dtype
    return DEFAULT_FLOAT if cs == 2 else int64.dtype


def _promote_within(a: np.dtype, b: np.dtype) -> np.dtype:
    """The wider of two dtypes of one category, as PyTorch widens them."""
    if _BF16_NP is not None and _BF16_NP in (a, b):
        # bfloat16 with float16: neither holds the other, so float32 (as PyTorch).
        other = b if a == _BF16_NP else a
        return _BF16_NP if other == _BF16_NP else (other if other.itemsize > 2 else
                                                   np.dtype(np.float32))
    if a != b and any(d.kind == "u" and d.itemsize > 1 for d in (a, b)):
        raise RuntimeError(
            f"Promotion for uint16, uint32, uint64 types is not supported, attempted to "
            f"promote {_torch_name(a)} and {_torch_name(b)}")
    return np.promote_types(a, b)


def _torch_name(dt: np.dtype) -> str:
    """PyTorch's scalar type name (Float, Long, UInt64, ...) used in its messages."""
    names = {"float16": "Half", "bfloat16": "BFloat16", "float32": "Float",
             "float64": "Double", "int8": "Char", "int16": "Short", "int32": "Int",
             "int64": "Long", "uint8": "Byte", "uint16": "UInt16", "uint32": "UInt32",
             "uint64": "UInt64", "bool": "Bool"}
    return names.get(dt.name, dt.name)


# The C type names PyTorch uses in "value cannot be converted" messages.
_C_TYPES = {"int8": "int8_t", "int16": "int16_t", "int32": "int", "int64": "int64_t",
            "uint8": "uint8_t", "float32": "float", "float64": "double",
            "float16": "c10::Half"}


def fill_scalar(value: Any, dtype: np.dtype) -> Any:
    """``value`` (a Python or NumPy number) converted to ``dtype`` as PyTorch's fills
    (``full``, ``fill_``, ``masked_fill``) convert it, or its RuntimeError.

    A float going into an integer dtype is truncated toward zero, but only if it lies
    within the dtype's range (127.5 does not fit int8; NaN and inf fit no integer). An
    integer may also be negative for an unsigned dtype down to -max, and wraps (-1 is
    255 in uint8), as in PyTorch. Anything goes into bool (nonzero is True); a finite
    float beyond float32's range is refused, float16 rounds it to inf.
    """
    dt = np.dtype(dtype)
    kind = dt.kind
    if kind == "b":
        return _b.bool(value)
    if isinstance(value, (_b.bool, np.bool_)):
        return _b.int(value) if kind in "iu" else _b.float(value)
    fits = True
    if kind in "iu":
        info = np.iinfo(dt)
        if isinstance(value, (_b.int, np.integer)):
            v = _b.int(value)
            low = -_b.int(info.max) if info.min == 0 else _b.int(info.min)
            if low <= v <= info.max:
                return v % (_b.int(info.max) + 1) if v < 0 and info.min == 0 else v
            fits = False
        else:
            f = _b.float(value)
            if f == f and info.min <= f <= info.max:
                return _b.int(f)  # int() truncates toward zero, as a C cast does
            fits = False
    elif kind == "f" and dt != float16.dtype:
        f = _b.float(value)
        big = _b.float(np.finfo(dt).max)
        fits = not (f == f and abs(f) != _b.float("inf") and abs(f) > big)
        if fits:
            return value
    else:
        return value
    raise RuntimeError(f"value cannot be converted to type {_C_TYPES.get(dt.name, dt.name)} "
                       f"without overflow (got {value!r})")


# ----- the default float dtype, finfo/iinfo, promote_types (PyTorch's public API) ---------

def get_default_dtype() -> dtype:
    """The dtype Python floats, float lists and the float factories (zeros, rand, ...)
    produce: ``float32`` until ``set_default_dtype`` changes it."""
    return wrap(DEFAULT_FLOAT)


def set_default_dtype(d: Any) -> None:
    """Make ``d`` (float16, bfloat16, float32 or float64) the default float dtype.

    As in PyTorch this is process-wide and affects tensors made from Python floats and
    lists, the float factories, and the result of an integer tensor combined with a
    Python float. Tensors that already exist keep their dtype.
    """
    global DEFAULT_FLOAT
    dt = to_dtype(d)
    if not is_float(dt):
        raise TypeError("only floating-point types are supported as the default type")
    DEFAULT_FLOAT = dt


def _float_info(dt: np.dtype) -> Any:
    if _BF16_NP is not None and dt == _BF16_NP:
        return _ml_dtypes.finfo(dt)
    return np.finfo(dt)


class finfo:
    """Machine limits of a floating-point dtype, as ``torch.finfo(dtype)`` (default: the
    default dtype). Python floats: ``bits``, ``eps`` (smallest x with 1 + x != 1),
    ``max``, ``min`` (= -max), ``tiny`` (= ``smallest_normal``), ``resolution``
    (10 ** -decimal digits); ``dtype`` is the name ("float32")."""

    __slots__ = ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution",
                 "dtype")

    def __init__(self, type: Any = None) -> None:  # noqa: A002 - PyTorch's argument name
        dt = DEFAULT_FLOAT if type is None else to_dtype(type)
        if not is_float(dt):
            raise TypeError("torch.finfo() requires a floating point input type. Use "
                            "torch.iinfo to handle 'torch.finfo'")
        info = _float_info(dt)
        self.bits = _b.int(dt.itemsize * 8)
        self.eps = _b.float(info.eps)
        self.max = _b.float(info.max)
        self.min = _b.float(info.min)
        self.tiny = self.smallest_normal = _b.float(info.smallest_normal)
        self.resolution = 10.0 ** -_b.int(info.precision)
        self.dtype = dt.name

    def __repr__(self) -> str:
        return (f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, "
                f"eps={self.eps:g}, smallest_normal={self.smallest_normal:g}, "
                f"tiny={self.tiny:g}, dtype={self.dtype})")


class iinfo:
    """Limits of an integer dtype, as ``torch.iinfo(dtype)``: ``bits``, ``max``, ``min``
    (Python ints) and ``dtype`` (the name, "int64")."""

    __slots__ = ("bits", "max", "min", "dtype")

    def __init__(self, type: Any) -> None:  # noqa: A002 - PyTorch's argument name
        dt = to_dtype(type)
        if dt.kind not in "iu":
            raise TypeError("torch.iinfo() requires an integer input type. Use torch.finfo "
                            "to handle 'torch.iinfo'")
        info = np.iinfo(dt)
        self.bits = _b.int(info.bits)
        self.max = _b.int(info.max)
        self.min = _b.int(info.min)
        self.dtype = dt.name

    def __repr__(self) -> str:
        return f"iinfo(min={self.min:g}, max={self.max:g}, dtype={self.dtype})"


def promote_types(type1: Any, type2: Any) -> dtype:
    """The smallest dtype both ``type1`` and ``type2`` convert to without leaving their
    category (bool < integer < floating), as ``torch.promote_types``:
    (int32, float16) -> float16, (uint8, int8) -> int16, (bfloat16, float16) -> float32."""
    a, b = to_dtype(type1), to_dtype(type2)
    ca, cb = category(a), category(b)
    if {ca, cb} == {0, 1}:
        integer = a if ca == 1 else b
        if integer.kind == "u" and integer.itemsize > 1:  # PyTorch has no rule here either
            raise RuntimeError(
                "Promotion for uint16, uint32, uint64 types is not supported, attempted to "
                f"promote {_torch_name(a)} and {_torch_name(b)}")
    if ca != cb:
        return wrap(a if ca > cb else b)
    return wrap(_promote_within(a, b))
