"""Tensor factories with PyTorch's names and arguments, and the random samplers.

Every factory takes PyTorch's keywords: ``dtype`` (float factories default to
``get_default_dtype()``, float32 unless changed), ``device`` ("cpu", "cpu:0" or a
``device``; another device raises, as only the CPU exists here), ``requires_grad``, and
accepts ``pin_memory``, ``layout`` and ``memory_format`` for compatibility (they change
nothing on the CPU). Sizes are given as ``zeros(2, 3)``, ``zeros((2, 3))`` or
``zeros(size=(2, 3))``.

The random ones (``rand``, ``randn``, ``randint``, ``randperm``, ``normal``,
``multinomial``, ``bernoulli``, ``*_like``) take ``generator=`` (None: the global
generator, seeded by ``manual_seed``). Same seed, same numbers in this library; the
numbers are not PyTorch's for that seed, only the distributions are.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import device as _device
from . import dtypes as _dt
from . import grad_mode as _grad_mode
from . import ops as _ops
from .dtypes import np_dtype_of as _npdt
from .random import default_generator, manual_seed, numpy_rng
from .tensor import Tensor, _check_can_require_grad, _tensor_input

__all__ = [
    "arange", "as_tensor", "bernoulli", "default_generator", "empty", "empty_like", "eye",
    "from_numpy", "full", "full_like", "linspace", "logspace", "manual_seed",
    "multinomial", "normal", "ones", "ones_like", "rand", "rand_like", "randint",
    "randint_like", "randn", "randn_like", "randperm", "tensor", "zeros", "zeros_like",
]


# ----- argument handling shared by the factories -----------------------------------------

def _size(size: tuple) -> tuple[int, ...]:
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    for s in size:
        if not isinstance(s, (int, np.integer)) or isinstance(s, bool):
            raise TypeError(
                f"size must be a tuple of ints, but got an element of type {type(s).__name__}"
            )
    out = tuple(int(s) for s in size)
    if any(s < 0 for s in out):
        raise RuntimeError(f"Trying to create tensor with negative dimension: {list(out)}")
    return out


def _shape(name: str, args: tuple, size: Any) -> tuple[int, ...]:
    """The shape from ``f(2, 3)``, ``f((2, 3))`` or ``f(size=(2, 3))``."""
    if size is not None:
        if args:
            raise TypeError(f"{name}(): got multiple values for argument 'size'")
        args = (size,) if isinstance(size, (tuple, list)) else (size,)
    return _size(args)


def _float_dtype(dtype: Any) -> np.dtype:
    """``dtype`` as a NumPy dtype; None is the default float dtype."""
    return _dt.DEFAULT_FLOAT if dtype is None else _dt.to_dtype(dtype)


def _check_number(name: str, value: Any) -> None:
    if isinstance(value, Tensor) and value.ndim == 0:
        return
    if not isinstance(value, (int, float, bool, np.number, np.bool_)):
        raise TypeError(
            f"{name}(): argument 'fill_value' must be Number, not {type(value).__name__}"
        )


def _make(arr: np.ndarray, dtype: Any, requires_grad: bool) -> Tensor:
    if dtype is not None:
        arr = arr.astype(_dt.to_dtype(dtype), copy=False)
    t = Tensor._wrap(arr)
    if requires_grad:
        _check_can_require_grad(arr.dtype)
        t.requires_grad = True
    return t


def _array(t: Tensor) -> np.ndarray:
    return t.numpy() if not t.requires_grad else t.detach().numpy()


# ----- from data ----------------------------------------------------------------------------

def tensor(data: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False,
           pin_memory: bool = False) -> Tensor:
    """A new leaf tensor holding a copy of ``data`` (number, list, ndarray or Tensor)."""
    _device.check(device, "tensor")
    return Tensor(data, requires_grad=requires_grad, dtype=dtype)


def as_tensor(data: Any, dtype: Any = None, device: Any = None) -> Tensor:
    """Like ``tensor`` but shares an ndarray's (or a Tensor's) memory when no cast is
    needed."""
    _device.check(device, "as_tensor")
    if isinstance(data, Tensor):
        return data if dtype is None else data.to(dtype)
    if isinstance(data, np.ndarray) and (dtype is None or data.dtype == _dt.to_dtype(dtype)):
        return Tensor._wrap(data)
    return Tensor(data, dtype=dtype)


def from_numpy(arr: np.ndarray) -> Tensor:
    """A tensor sharing ``arr``'s memory."""
    if not isinstance(arr, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(arr).__name__})")
    return Tensor._wrap(arr)


# ----- filled ---------------------------------------------------------------------------------

def zeros(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False,
          **kw: Any) -> Tensor:
    """A tensor of zeros of the given shape (default float dtype unless ``dtype``)."""
    _device.check(device, "zeros")
    shape = _shape("zeros", size, kw.pop("size", None))
    _ignore(kw, "zeros")
    return _make(np.zeros(shape, dtype=_float_dtype(dtype)), None, requires_grad)


def ones(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False,
         **kw: Any) -> Tensor:
    """A tensor of ones of the given shape (default float dtype unless ``dtype``)."""
    _device.check(device, "ones")
    shape = _shape("ones", size, kw.pop("size", None))
    _ignore(kw, "ones")
    return _make(np.ones(shape, dtype=_float_dtype(dtype)), None, requires_grad)


def empty(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False,
          **kw: Any) -> Tensor:
    """An "uninitialised" tensor: here zeros, so nothing is ever left undefined."""
    _device.check(device, "empty")
    shape = _shape("empty", size, kw.pop("size", None))
    _ignore(kw, "empty")
    return _make(np.zeros(shape, dtype=_float_dtype(dtype)), None, requires_grad)


def full(size: Any, fill_value: float, dtype: Any = None, device: Any = None,
         requires_grad: bool = False, **kw: Any) -> Tensor:
    """A tensor of ``size`` filled with ``fill_value``; dtype inferred as PyTorch does
    (bool, int64, or the default float dtype)."""
    _check_number("full", fill_value)
    _device.check(device, "full")
    _ignore(kw, "full")
    if dtype is None:
        if isinstance(fill_value, bool):
            dtype = _dt.bool_
        elif isinstance(fill_value, int):
            dtype = _dt.int64
        else:
            dtype = _dt.DEFAULT_FLOAT
    dt = _dt.to_dtype(dtype)
    return _make(np.full(_size((size,) if isinstance(size, int) else (size,)),
                         _dt.fill_scalar(fill_value, dt), dtype=dt), None, requires_grad)


def _like(name: str, t: Any, dtype: Any, device: Any, kw: dict) -> np.dtype:
    """Checks shared by the ``*_like`` factories; returns the result's NumPy dtype."""
    _tensor_input(name, t)
    _device.check(device, name)
    _ignore(kw, name)
    return _npdt(t) if dtype is None else _dt.to_dtype(dtype)


def zeros_like(input: Tensor, dtype: Any = None, device: Any = None,  # noqa: A002
               requires_grad: bool = False, **kw: Any) -> Tensor:
    """Zeros with ``input``'s shape (and dtype unless ``dtype``)."""
    dt = _like("zeros_like", input, dtype, device, kw)
    return _make(np.zeros(input.shape, dtype=dt), None, requires_grad)


def ones_like(input: Tensor, dtype: Any = None, device: Any = None,  # noqa: A002
              requires_grad: bool = False, **kw: Any) -> Tensor:
    """Ones with ``input``'s shape (and dtype unless ``dtype``)."""
    dt = _like("ones_like", input, dtype, device, kw)
    return _make(np.ones(input.shape, dtype=dt), None, requires_grad)


def empty_like(input: Tensor, dtype: Any = None, device: Any = None,  # noqa: A002
               requires_grad: bool = False, **kw: Any) -> Tensor:
    """An "uninitialised" tensor with ``input``'s shape: here zeros."""
    dt = _like("empty_like", input, dtype, device, kw)
    return _make(np.zeros(input.shape, dtype=dt), None, requires_grad)


def full_like(input: Tensor, fill_value: float, dtype: Any = None,  # noqa: A002
              device: Any = None, requires_grad: bool = False, **kw: Any) -> Tensor:
    """``fill_value`` everywhere, with ``input``'s shape (and dtype unless ``dtype``)."""
    _tensor_input("full_like", input)
    _check_number("full_like", fill_value)
    dt = _like("full_like", input, dtype, device, kw)
    return _make(np.full(input.shape, _dt.fill_scalar(fill_value, dt), dtype=dt), None,
                 requires_grad)


# ----- ranges ---------------------------------------------------------------------------------

def arange(start: float, end: float | None = None, step: float = 1, dtype: Any = None,
           device: Any = None, requires_grad: bool = False, **kw: Any) -> Tensor:
    """Values start, start+step, ... below end; int64 for integer arguments, else the
    default float dtype."""
    _device.check(device, "arange")
    _ignore(kw, "arange")
    if end is None:
        start, end = 0, start
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (end - start) * step < 0:
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    if dtype is None:
        all_int = all(isinstance(v, (int, np.integer)) for v in (start, end, step))
        dtype = _dt.int64 if all_int else _dt.DEFAULT_FLOAT
    arr = np.arange(start, end, step, dtype=np.float64)
    return _make(arr.astype(_dt.to_dtype(dtype)), None, requires_grad)


def _steps(name: str, steps: Any) -> int:
    if not isinstance(steps, (int, np.integer)) or isinstance(steps, bool):
        raise TypeError(f"{name}(): argument 'steps' must be int, not {type(steps).__name__}")
    if int(steps) < 0:
        raise RuntimeError(f"number of steps must be non-negative, got {steps}")
    return int(steps)


def linspace(start: float, end: float, steps: int, dtype: Any = None, device: Any = None,
             requires_grad: bool = False, **kw: Any) -> Tensor:
    """``steps`` evenly spaced values from start to end inclusive (default float dtype)."""
    _device.check(device, "linspace")
    _ignore(kw, "linspace")
    arr = np.linspace(float(start), float(end), _steps("linspace", steps))
    return _make(arr.astype(_float_dtype(dtype)), None, requires_grad)


def logspace(start: float, end: float, steps: int, base: float = 10.0, dtype: Any = None,
             device: Any = None, requires_grad: bool = False, **kw: Any) -> Tensor:
    """base ** linspace(start, end, steps): ``steps`` values spaced evenly on a log scale
    (default float dtype)."""
    _device.check(device, "logspace")
    _ignore(kw, "logspace")
    exps = np.linspace(float(start), float(end), _steps("logspace", steps))
    return _make(np.power(float(base), exps).astype(_float_dtype(dtype)), None, requires_grad)


def eye(n: int, m: int | None = None, dtype: Any = None, device: Any = None,
        requires_grad: bool = False, **kw: Any) -> Tensor:
    """Identity matrix (n, m) (default float dtype)."""
    _device.check(device, "eye")
    _ignore(kw, "eye")
    for name, v in (("n", n), ("m", m)):
        if v is not None and v < 0:
            raise RuntimeError(f"{name} must be greater or equal to 0, got {v}")
    return _make(np.eye(n, m, dtype=_float_dtype(dtype)), None, requires_grad)


# ----- random ---------------------------------------------------------------------------------

def _random_float_dtype(name: str, kernel: str, dtype: Any) -> np.dtype:
    dt = _float_dtype(dtype)
    if not _dt.is_float(dt):
        raise NotImplementedError(
            f'"{kernel}" not implemented for \'{_dt._torch_name(dt)}\' ({name} samples '
            "floating point values)")
    return dt


def rand(*size: Any, generator: Any = None, dtype: Any = None, device: Any = None,
         requires_grad: bool = False, **kw: Any) -> Tensor:
    """Uniform samples in [0, 1) of the given shape (default float dtype)."""
    _device.check(device, "rand")
    shape = _shape("rand", size, kw.pop("size", None))
    _ignore(kw, "rand")
    dt = _random_float_dtype("rand", "check_uniform_bounds", dtype)
    return _make(numpy_rng(generator, "rand").random(shape).astype(dt), None, requires_grad)


def randn(*size: Any, generator: Any = None, dtype: Any = None, device: Any = None,
          requires_grad: bool = False, **kw: Any) -> Tensor:
    """Standard normal samples of the given shape (default float dtype)."""
    _device.check(device, "randn")
    shape = _shape("randn", size, kw.pop("size", None))
    _ignore(kw, "randn")
    dt = _random_float_dtype("randn", "normal_kernel_cpu", dtype)
    return _make(numpy_rng(generator, "randn").standard_normal(shape).astype(dt), None,
                 requires_grad)


def randint(*args: Any, generator: Any = None, dtype: Any = None, device: Any = None,
            requires_grad: bool = False, **kw: Any) -> Tensor:
    """Integers uniform in [low, high), int64 unless ``dtype``, as ``torch.randint``:
    ``randint(high, size)``, ``randint(low, high, size)``, and the keywords ``low=``,
    ``high=``, ``size=``."""
    _device.check(device, "randint")
    names = ("low", "high", "size")
    given = dict(kw)
    extra = set(given) - set(names) - _IGNORED
    if extra:
        raise TypeError(f"randint() got an unexpected keyword argument '{sorted(extra)[0]}'")
    if len(args) > 3:
        raise TypeError(f"randint() takes at most 3 positional arguments ({len(args)} given)")
    pos = list(args)
    if len(pos) == 2 and "size" not in given and not isinstance(pos[1], (int, np.integer)):
        pos = [0, *pos]  # randint(high, size)
    elif len(pos) == 1 and "high" not in given and "size" in given:
        pos = [0, *pos]  # randint(high, size=...)
    low = given.get("low", pos[0] if len(pos) > 0 else 0)
    high = given.get("high", pos[1] if len(pos) > 1 else None)
    size = given.get("size", pos[2] if len(pos) > 2 else None)
    if high is None or size is None:
        raise TypeError("randint() missing required arguments: randint(high, size) or "
                        "randint(low, high, size), size a tuple of ints")
    if not isinstance(size, (tuple, list)):
        raise TypeError(f"randint(): argument 'size' must be tuple of ints, not "
                        f"{type(size).__name__}")
    low, high = int(low), int(high)
    if low >= high:
        raise RuntimeError(
            f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}"
        )
    arr = numpy_rng(generator, "randint").integers(low, high, size=_size((size,)))
    return _make(arr.astype(_dt.to_dtype(dtype) if dtype is not None else np.int64), None,
                 requires_grad)


def randperm(n: int, generator: Any = None, dtype: Any = None, device: Any = None,
             requires_grad: bool = False, **kw: Any) -> Tensor:
    """A random permutation of 0..n-1 (int64 unless ``dtype``)."""
    _device.check(device, "randperm")
    _ignore(kw, "randperm")
    if int(n) < 0:
        raise RuntimeError(f"Trying to create tensor with negative dimension {n}: [{n}]")
    perm = numpy_rng(generator, "randperm").permutation(int(n))
    return _make(perm.astype(_dt.to_dtype(dtype) if dtype is not None else np.int64), None,
                 requires_grad)


def rand_like(input: Tensor, generator: Any = None, dtype: Any = None,  # noqa: A002
              device: Any = None, requires_grad: bool = False, **kw: Any) -> Tensor:
    """Uniform [0, 1) samples with ``input``'s shape (and dtype unless ``dtype``)."""
    dt = _like("rand_like", input, dtype, device, kw)
    return rand(input.shape, generator=generator, dtype=dt, requires_grad=requires_grad)


def randn_like(input: Tensor, generator: Any = None, dtype: Any = None,  # noqa: A002
               device: Any = None, requires_grad: bool = False, **kw: Any) -> Tensor:
    """Standard normal samples with ``input``'s shape (and dtype unless ``dtype``)."""
    dt = _like("randn_like", input, dtype, device, kw)
    return randn(input.shape, generator=generator, dtype=dt, requires_grad=requires_grad)


def randint_like(input: Tensor, low: int = 0, high: int | None = None,  # noqa: A002
                 generator: Any = None, dtype: Any = None, device: Any = None,
                 requires_grad: bool = False, **kw: Any) -> Tensor:
    """Integers uniform in [low, high) with ``input``'s shape and dtype (``randint_like(
    input, high)`` or ``randint_like(input, low, high)``)."""
    dt = _like("randint_like", input, dtype, device, kw)
    if high is None:
        low, high = 0, low
    return randint(low, high, tuple(input.shape), generator=generator, dtype=dt,
                   requires_grad=requires_grad)


def _normal_of_floats(mean: Any, std: Any, size: Any, rng: np.random.Generator, dtype: Any,
                      requires_grad: bool) -> Tensor:
    """``normal(mean: float, std: float, size)``: a new leaf of shape ``size``."""
    for arg, v in (("mean", mean), ("std", std)):
        if not isinstance(v, (int, float, np.number)) or isinstance(v, bool):
            raise TypeError(f"normal(): argument '{arg}' must be float, not "
                            f"{type(v).__name__}")
    if size is None:
        raise TypeError("normal() received an invalid combination of arguments: with "
                        "a float mean and std it needs a size, normal(mean, std, size)")
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
    dt = _random_float_dtype("normal", "normal_kernel_cpu", dtype)
    shape = _size(tuple(size) if isinstance(size, (tuple, list)) else (size,))
    arr = float(mean) + float(std) * rng.standard_normal(shape)
    return _make(arr.astype(dt), None, requires_grad)


def normal(mean: Any = 0.0, std: Any = 1.0, size: Any = None, *, generator: Any = None,
           dtype: Any = None, device: Any = None, requires_grad: bool = False,
           **kw: Any) -> Tensor:
    """Normal samples, as ``torch.normal``'s four forms:

    - ``normal(mean: Tensor, std: Tensor)``: one sample per element, shapes broadcast;
    - ``normal(mean: Tensor, std=1.0)`` and ``normal(mean: float, std: Tensor)``: the
      tensor's shape;
    - ``normal(mean: float, std: float, size)``: a new tensor of ``size`` (default float
      dtype unless ``dtype``).

    With tensor arguments that require grad the result is recorded in the graph, with
    zero gradients for ``mean`` and ``std``, as PyTorch's ``normal`` (it is not
    reparameterised; write ``mean + std * randn_like(mean)`` for that).
    """
    _device.check(device, "normal")
    _ignore(kw, "normal")
    rng = numpy_rng(generator, "normal")
    m_t, s_t = isinstance(mean, Tensor), isinstance(std, Tensor)
    if not m_t and not s_t:
        return _normal_of_floats(mean, std, size, rng, dtype, requires_grad)
    if size is not None:
        raise TypeError("normal(): size is only taken with a float mean and std; with a "
                        "tensor mean or std the result has its shape")
    for t in (mean, std):
        if isinstance(t, Tensor) and not _dt.is_float(_npdt(t)):
            raise NotImplementedError(
                f"\"normal_kernel_cpu\" not implemented for "
                f"'{_dt._torch_name(_npdt(t))}' (normal takes floating point tensors)")
    if s_t:
        if (_array(std) < 0).any():
            raise RuntimeError("normal expects all elements of std >= 0.0")
    elif not isinstance(std, (int, float, np.number)) or isinstance(std, bool):
        raise TypeError(f"normal(): argument 'std' must be float, not {type(std).__name__}")
    elif std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
    if m_t and s_t:
        shape = np.broadcast_shapes(mean.shape, std.shape)
        dt = _dt.promote(_npdt(mean), mean.ndim, _npdt(std), std.ndim)
    else:
        ref = mean if m_t else std
        shape, dt = ref.shape, _npdt(ref)
    m = _array(mean) if m_t else mean
    sd = _array(std) if s_t else std
    out = Tensor._wrap((m + sd * rng.standard_normal(shape)).astype(dt))
    if _grad_mode.is_grad_enabled() and any(
            isinstance(t, Tensor) and t.requires_grad for t in (mean, std)):
        # Joined to the graph with zero gradients, as PyTorch's NormalBackward: where()
        # takes every value from the sample and routes no gradient to the other input.
        everywhere = Tensor._wrap(np.ones(shape, dtype=bool))
        for t in (mean, std):
            if isinstance(t, Tensor) and t.requires_grad:
                out = _ops.where(everywhere, out, t)
    return out


def _prob_rows(name: str, input: Any) -> np.ndarray:  # noqa: A002
    """The probability (or weight) rows of ``input`` as float64, checked as PyTorch
    checks them."""
    _tensor_input(name, input)
    arr = _array(input)
    if not _dt.is_float(arr.dtype):
        raise RuntimeError(f"{name} only supports floating-point dtypes for input, got: "
                           f"{_dt._torch_name(arr.dtype)}")
    if arr.ndim not in (1, 2):
        raise RuntimeError(f"prob_dist must be 1 or 2 dim (got a {arr.ndim}-d tensor of "
                           f"shape {list(arr.shape)})")
    p = arr.astype(np.float64)
    if not np.isfinite(p).all() or (p < 0).any():
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    return p


def multinomial(input: Tensor, num_samples: int, replacement: bool = False,  # noqa: A002
                *, generator: Any = None) -> Tensor:
    """Indices drawn from the categories of each row of ``input`` (non-negative weights,
    not necessarily summing to 1), as ``torch.multinomial``. (n,) -> (num_samples,) and
    (B, n) -> (B, num_samples), int64.

    With ``replacement`` each draw is independent (inverse CDF); without, the draws are
    distinct and follow sequential sampling without replacement (the largest
    p_i / E_i, E_i ~ Exp(1), which is equivalent). Zero-weight categories come only
    after all positive ones are used, as in PyTorch.
    """
    p = _prob_rows("multinomial", input)
    if not isinstance(num_samples, (int, np.integer)) or isinstance(num_samples, bool):
        raise TypeError(f"multinomial(): argument 'num_samples' must be int, not "
                        f"{type(num_samples).__name__}")
    k = int(num_samples)
    if k <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    rows = p.reshape(-1, p.shape[-1])
    n = rows.shape[1]
    if not replacement and k > n:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without "
                           f"replacement (n_sample={k}, size(-1)={n})")
    total = rows.sum(axis=1)
    if (total <= 0).any():
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    rng = numpy_rng(generator, "multinomial")
    if replacement:
        cdf = np.cumsum(rows, axis=1)
        u = rng.random((rows.shape[0], k))
        # u * total < total, so a draw never lands on a trailing zero-weight category.
        out = np.stack([np.searchsorted(c, ur * c[-1], side="right")
                        for c, ur in zip(cdf, u)])
    else:
        with np.errstate(divide="ignore"):
            keys = rows / rng.standard_exponential(rows.shape)
        out = np.argsort(-keys, axis=1, kind="stable")[:, :k]
    return Tensor._wrap(out.astype(np.int64).reshape(p.shape[:-1] + (k,)))


def bernoulli(input: Tensor, p: float | None = None, *, generator: Any = None,  # noqa: A002
              **kw: Any) -> Tensor:
    """1 with probability ``input`` (elementwise), else 0, in ``input``'s shape and dtype,
    as ``torch.bernoulli``; with ``p`` every element uses that probability."""
    _tensor_input("bernoulli", input)
    _ignore(kw, "bernoulli")
    arr = _array(input)
    if not _dt.is_float(arr.dtype):
        raise NotImplementedError(f'"bernoulli_tensor_cpu_p_" not implemented for '
                                  f"'{_dt._torch_name(arr.dtype)}' (bernoulli takes "
                                  "floating point probabilities)")
    if p is None:
        prob = arr.astype(np.float64)
        if not ((prob >= 0) & (prob <= 1)).all():
            raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false. "
                               "(bernoulli: every probability must lie in [0, 1])")
    else:
        prob = float(p)
        if not 0 <= prob <= 1:
            raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p}")
    draws = numpy_rng(generator, "bernoulli").random(arr.shape) < prob
    return Tensor._wrap(draws.astype(arr.dtype))


# ----- keywords accepted for compatibility ------------------------------------------------

# PyTorch factory keywords that change nothing here: pinned memory and memory formats
# have no meaning without a GPU, and only the strided layout exists.
_IGNORED = frozenset(("pin_memory", "layout", "memory_format", "non_blocking"))


def _ignore(kw: dict, name: str) -> None:
    """Accept PyTorch's no-op keywords; refuse anything else (and ``out=``)."""
    if "out" in kw and kw["out"] is not None:
        raise TypeError(f"{name}(): out= is not supported by autograd_core; use the "
                        "returned tensor")
    extra = set(kw) - _IGNORED - {"out"}
    if extra:
        raise TypeError(f"{name}() got an unexpected keyword argument '{sorted(extra)[0]}'")
