"""Helpers shared by the engine tests: the torch oracle, comparisons, and the op table.

Every op case is written once as ``fn(L, *tensors)`` where ``L`` is either the
``autograd_core`` module or ``TORCH`` (torch with the few differently placed names
mapped), so the same expression runs in both libraries.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

import autograd_core as ac
import nn as ac_nn

torch.set_default_dtype(torch.float32)

# Relative/absolute tolerances against torch: float64 agrees to rounding; float32 sums
# and products are accumulated in a different order, so allow a few ulps more.
TOLS = {
    np.dtype(np.float32): {"rtol": 1e-5, "atol": 1e-6},
    np.dtype(np.float64): {"rtol": 1e-10, "atol": 1e-12},
}


class _TorchNamespace:
    """torch, with the functions autograd_core keeps at top level but torch keeps in F."""

    leaky_relu = staticmethod(torch.nn.functional.leaky_relu)

    def __getattr__(self, name: str) -> Any:
        return getattr(torch, name)


TORCH = _TorchNamespace()


def nn_of(L: Any) -> Any:
    """The ``nn`` package of ``L``: torch.nn for TORCH, this project's ``nn`` otherwise."""
    return torch.nn if L is TORCH else ac_nn


def to_numpy(x: Any) -> np.ndarray:
    """The values of an autograd_core Tensor, a torch tensor or anything array-like."""
    if isinstance(x, ac.Tensor):
        return x._data
    if isinstance(x, torch.Tensor):
        return x.detach().numpy()
    return np.asarray(x)


def assert_close(
    ours: Any, theirs: Any, dtype: Any = None, what: str = "value", tol: dict | None = None
) -> None:
    """Same shape, same dtype and close values (tolerance by ``dtype`` or ours's dtype)."""
    a, b = to_numpy(ours), to_numpy(theirs)
    assert a.shape == b.shape, f"{what}: shape {a.shape} != torch {b.shape}"
    assert a.dtype == b.dtype, f"{what}: dtype {a.dtype} != torch {b.dtype}"
    if a.dtype.kind != "f":
        np.testing.assert_array_equal(a, b, err_msg=what)
        return
    tol = tol or TOLS[np.dtype(dtype) if dtype is not None else a.dtype]
    np.testing.assert_allclose(a, b, err_msg=what, equal_nan=True, **tol)


def pair(arr: np.ndarray, requires_grad: bool = True) -> tuple[ac.Tensor, torch.Tensor]:
    """The same values as an autograd_core leaf and a torch leaf."""
    rg = requires_grad and arr.dtype.kind == "f"
    return ac.tensor(arr, requires_grad=rg), torch.tensor(arr, requires_grad=rg)


def random_array(rng: np.random.Generator, shape: tuple, domain: str, dtype: Any) -> np.ndarray:
    """Random values for an op input.

    normal: N(0, 1); pos: U(0.5, 2) (log, sqrt, pow bases); nonzero: +-U(0.5, 2)
    (divisors, kinks of abs/relu); unit: U(-0.9, 0.9).
    """
    if domain == "normal":
        x = rng.standard_normal(shape)
    elif domain == "pos":
        x = rng.uniform(0.5, 2.0, shape)
    elif domain == "nonzero":
        x = rng.uniform(0.5, 2.0, shape) * rng.choice([-1.0, 1.0], shape)
    elif domain == "unit":
        x = rng.uniform(-0.9, 0.9, shape)
    else:
        raise ValueError(domain)
    return np.asarray(x, dtype=dtype)


def outputs_of(out: Any) -> list:
    """A result as a flat list of tensors (max(dim) gives a (values, indices) pair)."""
    return list(out) if isinstance(out, (tuple, list)) else [out]


def compare_with_torch(
    fn: Callable[..., Any],
    arrays: Sequence[np.ndarray],
    rng: np.random.Generator,
    grad: bool = True,
    tol: dict | None = None,
) -> None:
    """Run ``fn`` in both libraries on the same inputs; compare values, dtypes and grads.

    The backward pass starts from the same random delta in both, so that every output
    element's gradient path is exercised (not only a sum's all-ones delta).
    """
    pairs = [pair(a, requires_grad=grad) for a in arrays]
    ours_in = [p[0] for p in pairs]
    theirs_in = [p[1] for p in pairs]
    ours = outputs_of(fn(ac, *ours_in))
    theirs = outputs_of(fn(TORCH, *theirs_in))
    assert len(ours) == len(theirs)
    dtype = arrays[0].dtype if arrays else None
    for i, (o, t) in enumerate(zip(ours, theirs)):
        assert_close(o, t, dtype=dtype if to_numpy(o).dtype.kind == "f" else None,
                     what=f"output {i}", tol=tol)
        assert o.requires_grad == t.requires_grad, f"output {i}: requires_grad differs"
    if not grad:
        return
    diff = [(o, t) for o, t in zip(ours, theirs) if t.requires_grad]
    if not diff:
        return
    deltas = [rng.standard_normal(t.shape).astype(to_numpy(t).dtype) for _, t in diff]
    ac.backward([o for o, _ in diff], [ac.tensor(d) for d in deltas])
    torch.autograd.backward([t for _, t in diff], [torch.tensor(d) for d in deltas])
    for i, (x, tx) in enumerate(zip(ours_in, theirs_in)):
        if tx.grad is None:
            assert x.grad is None, f"grad of input {i}: torch has none, ours has one"
            continue
        assert x.grad is not None, f"grad of input {i} is None; torch has one"
        assert_close(x.grad, tx.grad, what=f"grad of input {i}", tol=tol)


# ----- the op table ---------------------------------------------------------------------


@dataclass(frozen=True)
class OpCase:
    """One op call: ``fn(L, *tensors)`` on inputs of ``shapes`` drawn from ``domains``."""

    name: str
    fn: Callable[..., Any]
    shapes: tuple
    domains: tuple = ()
    differentiable: bool = True
    gradcheck: bool = True  # False where finite differences cannot check the case
    # gradcheck's eps/atol/rtol where the defaults do not fit: a case that passes through
    # float32 has rounding errors of ~1e-7 relative, which a step of 1e-6 would magnify.
    gradcheck_opts: tuple = ()

    def arrays(self, rng: np.random.Generator, dtype: Any) -> list[np.ndarray]:
        doms = self.domains or ("normal",) * len(self.shapes)
        return [random_array(rng, s, d, dtype) for s, d in zip(self.shapes, doms)]


def shape_id(shape: tuple) -> str:
    return "x".join(map(str, shape)) if shape else "scalar"


BROADCAST_SHAPES = [
    ((3, 1, 5), (4, 5)),
    ((), (5,)),
    ((5,), ()),
    ((2, 3), (2, 3)),
    ((4, 1), (1, 3)),
    ((2, 1, 3), (1, 4, 1)),
]

_BINARY = {
    "add": (lambda L, a, b: a + b, ("normal", "normal")),
    "sub": (lambda L, a, b: a - b, ("normal", "normal")),
    "mul": (lambda L, a, b: a * b, ("normal", "normal")),
    "div": (lambda L, a, b: a / b, ("normal", "nonzero")),
    "pow": (lambda L, a, b: a**b, ("pos", "normal")),
    "maximum": (lambda L, a, b: L.maximum(a, b), ("normal", "normal")),
    "minimum": (lambda L, a, b: L.minimum(a, b), ("normal", "normal")),
    "add_method": (lambda L, a, b: L.add(a, b), ("normal", "normal")),
    "mul_method": (lambda L, a, b: a.mul(b), ("normal", "normal")),
    "div_method": (lambda L, a, b: a.div(b), ("normal", "nonzero")),
    "pow_method": (lambda L, a, b: a.pow(b), ("pos", "unit")),
}

_G3 = np.array([[0, 0, 3], [1, 1, 1], [2, 0, 2]])  # repeated indices in each row
_G0 = np.array([[2, 0, 1, 2], [2, 2, 0, 0]])
_G3D = np.array([[[1, 1], [0, 2]], [[2, 2], [1, 0]]])
_COND = np.array([[True], [False], [True]])
_MASK0 = np.array([True, False, True, True])
_T5 = np.array([1, 0, 3, 3, 2])  # class indices for 5 rows of 4 logits


def _copy_into_view(L: Any, a: Any, b: Any) -> Any:
    y = a * 1.0
    y[:, 1:3].mul_(b)  # in place through a view: the root gets a CopySlices node
    return y


def _fill_row(L: Any, a: Any, v: Any) -> Any:
    y = a * 1.0
    y[1].fill_(v)  # fill_ with a 0-d tensor value, through a view
    return y * a


def _copy_broadcast(L: Any, a: Any, b: Any) -> Any:
    y = a * 1.0
    y.copy_(b)  # b broadcast over the rows; a's old value gets no gradient from here
    return y + a


def _hooked_tanh(L: Any, a: Any) -> Any:
    m = nn_of(L).Tanh()
    # A full backward hook that only looks: the module's call goes through the identity
    # nodes that hand the hook all input and output gradients at once.
    m.register_full_backward_hook(lambda mod, gin, gout: None)
    return m(a)


def _cases() -> list[OpCase]:
    c: list[OpCase] = []
    add = c.append
    # Binary ops on broadcast shape pairs.
    for op, (fn, doms) in _BINARY.items():
        shapes = BROADCAST_SHAPES if "method" not in op else BROADCAST_SHAPES[:1]
        for sa, sb in shapes:
            add(OpCase(f"{op}-{shape_id(sa)}-{shape_id(sb)}", fn, (sa, sb), doms))
    # Binary ops with Python numbers on either side (reflected operators).
    scalar_ops = {
        "add_scalar": (lambda L, a: a + 2.5, "normal"),
        "radd_scalar": (lambda L, a: 2.5 + a, "normal"),
        "sub_scalar": (lambda L, a: a - 1.5, "normal"),
        "rsub_scalar": (lambda L, a: 1.5 - a, "normal"),
        "mul_scalar": (lambda L, a: a * -3.0, "normal"),
        "rmul_int": (lambda L, a: 3 * a, "normal"),
        "div_scalar": (lambda L, a: a / 4.0, "normal"),
        "rdiv_scalar": (lambda L, a: 2.0 / a, "nonzero"),
        "pow_0": (lambda L, a: a**0, "normal"),
        "pow_1": (lambda L, a: a**1, "normal"),
        "pow_2": (lambda L, a: a**2, "normal"),
        "pow_3": (lambda L, a: a**3, "normal"),
        "pow_half": (lambda L, a: a**0.5, "pos"),
        "pow_neg": (lambda L, a: a**-1.5, "pos"),
        "rpow": (lambda L, a: 2.0**a, "normal"),
        "neg": (lambda L, a: -a, "normal"),
        "neg_method": (lambda L, a: a.neg(), "normal"),
        "add_alpha": (lambda L, a: a.add(a * 2, alpha=0.5), "normal"),
    }
    for name, (fn, dom) in scalar_ops.items():
        add(OpCase(name, fn, ((3, 4),), (dom,)))
    # Elementwise unary ops.
    unary = {
        "exp": (lambda L, a: a.exp(), "normal"),
        "log": (lambda L, a: a.log(), "pos"),
        "sqrt": (lambda L, a: a.sqrt(), "pos"),
        "abs": (lambda L, a: a.abs(), "nonzero"),
        "tanh": (lambda L, a: a.tanh(), "normal"),
        "sigmoid": (lambda L, a: a.sigmoid(), "normal"),
        "relu": (lambda L, a: a.relu(), "nonzero"),
        "leaky_relu": (lambda L, a: L.leaky_relu(a), "nonzero"),
        "leaky_relu_0.2": (lambda L, a: L.leaky_relu(a, 0.2), "nonzero"),
        "sin": (lambda L, a: a.sin(), "normal"),
        "cos": (lambda L, a: a.cos(), "normal"),
        "clone": (lambda L, a: a.clone(), "normal"),
        "fn_exp": (lambda L, a: L.exp(a), "normal"),
        "fn_tanh": (lambda L, a: L.tanh(a), "normal"),
        "fn_sigmoid": (lambda L, a: L.sigmoid(a), "normal"),
        "fn_relu": (lambda L, a: L.relu(a), "nonzero"),
        "fn_log": (lambda L, a: L.log(a), "pos"),
        "fn_sqrt": (lambda L, a: L.sqrt(a), "pos"),
        "fn_abs": (lambda L, a: L.abs(a), "nonzero"),
    }
    for name, (fn, dom) in unary.items():
        add(OpCase(f"{name}-3x4", fn, ((3, 4),), (dom,)))
    for name in ("exp", "log", "tanh", "sigmoid"):
        fn, dom = unary[name]
        add(OpCase(f"{name}-scalar", fn, ((),), (dom,)))
    # where / clamp.
    add(OpCase("where-cond3x1-3x4-4", lambda L, a, b: L.where(L.tensor(_COND), a, b),
               ((3, 4), (4,))))
    add(OpCase("where-data_cond", lambda L, a, b: L.where(a > 0, a, b), ((3, 4), (3, 4))))
    add(OpCase("where-scalar_other", lambda L, a: L.where(a > 0, a, 0.5), ((3, 4),)))
    add(OpCase("where-scalar_input", lambda L, a: L.where(a > 0, -1.0, a), ((3, 4),)))
    add(OpCase("where-method", lambda L, a, b: a.where(a < 0, b), ((3, 1, 5), (4, 5))))
    add(OpCase("clamp-both", lambda L, a: a.clamp(-0.5, 0.5), ((3, 4),)))
    add(OpCase("clamp-min", lambda L, a: a.clamp(min=0.1), ((3, 4),)))
    add(OpCase("clamp-max", lambda L, a: L.clamp(a, max=-0.2), ((3, 4),)))
    add(OpCase("clamp-tensor_min", lambda L, a, lo: a.clamp(min=lo), ((3, 4), (4,))))
    add(OpCase("clamp-tensor_bounds_broadcast", lambda L, a, lo: L.clamp(a, lo, lo + 1.0),
               ((4,), (3, 4))))
    add(OpCase("where-two_scalars", lambda L, a: L.where(a > 0, 1.0, -2.0) * a, ((3, 4),)))
    # matmul: 1-D, 2-D, batched with broadcasting.
    for sa, sb in [((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)), ((2, 3), (3, 4)),
                   ((5, 2, 3), (3, 4)), ((2, 3), (5, 3, 4)), ((2, 1, 2, 3), (3, 3, 4)),
                   ((5, 2, 3), (3,)), ((3,), (5, 3, 4)), ((1, 2, 3), (4, 3, 2))]:
        add(OpCase(f"matmul-{shape_id(sa)}-{shape_id(sb)}", lambda L, a, b: a @ b, (sa, sb)))
    add(OpCase("matmul-fn", lambda L, a, b: L.matmul(a, b), ((2, 3), (3, 4))))
    add(OpCase("matmul-method", lambda L, a, b: a.matmul(b), ((4, 2, 3), (4, 3, 2))))
    # Reductions on (3, 4, 5).
    s345 = ((3, 4, 5),)
    red = {
        "sum": lambda L, a: a.sum(),
        "sum-dim1": lambda L, a: a.sum(dim=1),
        "sum-dimneg1-keepdim": lambda L, a: a.sum(dim=-1, keepdim=True),
        "sum-dim0_2": lambda L, a: a.sum(dim=(0, 2)),
        "sum-dim0_neg1-keepdim": lambda L, a: a.sum(dim=(0, -1), keepdim=True),
        "sum-fn": lambda L, a: L.sum(a, 1),
        "mean": lambda L, a: a.mean(),
        "mean-dim1": lambda L, a: a.mean(dim=1),
        "mean-dimneg2-keepdim": lambda L, a: a.mean(dim=-2, keepdim=True),
        "mean-dim1_2": lambda L, a: a.mean(dim=(1, 2)),
        "mean-fn": lambda L, a: L.mean(a, dim=(0, 1), keepdim=True),
        "var": lambda L, a: a.var(),
        "var-dim1": lambda L, a: a.var(dim=1),
        "var-dimneg1-keepdim": lambda L, a: a.var(dim=-1, keepdim=True),
        "var-dim0_2-unbiased_false": lambda L, a: a.var(dim=(0, 2), unbiased=False),
        "var-correction0": lambda L, a: a.var(dim=1, correction=0),
        "std-dim1": lambda L, a: a.std(dim=1),
        "max": lambda L, a: a.max(),
        "min": lambda L, a: a.min(),
        "max-dim1": lambda L, a: a.max(dim=1),
        "max-dimneg1-keepdim": lambda L, a: a.max(dim=-1, keepdim=True),
        "max-dim0-positional": lambda L, a: a.max(0),
        "min-dim2": lambda L, a: a.min(dim=2),
        "min-dimneg3-keepdim": lambda L, a: a.min(-3, keepdim=True),
        "max-fn-dim": lambda L, a: L.max(a, 1),
        "amax-dim0_2": lambda L, a: a.amax(dim=(0, 2)),
        "amin-dim1-keepdim": lambda L, a: a.amin(dim=1, keepdim=True),
        "logsumexp-dim1": lambda L, a: a.logsumexp(dim=1),
        "logsumexp-dimneg1-keepdim": lambda L, a: a.logsumexp(dim=-1, keepdim=True),
        "logsumexp-dim0_2": lambda L, a: L.logsumexp(a, dim=(0, 2)),
        "softmax-dim0": lambda L, a: a.softmax(dim=0),
        "softmax-dimneg1": lambda L, a: L.softmax(a, dim=-1),
        "log_softmax-dim1": lambda L, a: a.log_softmax(dim=1),
        "log_softmax-dimneg1": lambda L, a: L.log_softmax(a, dim=-1),
    }
    for name, fn in red.items():
        add(OpCase(name, fn, s345))
    add(OpCase("sum-scalar", lambda L, a: a.sum(), ((),)))
    add(OpCase("softmax-1d", lambda L, a: a.softmax(0), ((6,),)))
    add(OpCase("softmax-scalar", lambda L, a: a.softmax(0) * a, ((),)))
    add(OpCase("log_softmax-scalar", lambda L, a: a.log_softmax(-1) + a, ((),)))
    add(OpCase("logsumexp-scalar", lambda L, a: a.logsumexp(0), ((),)))
    # Index-valued results (no gradient).
    args = {
        "argmax": lambda L, a: a.argmax(),
        "argmax-dim1": lambda L, a: a.argmax(dim=1),
        "argmax-dimneg1-keepdim": lambda L, a: a.argmax(dim=-1, keepdim=True),
        "argmax-fn": lambda L, a: L.argmax(a, 0),
        "argmin": lambda L, a: a.argmin(),
        "argmin-dim2": lambda L, a: a.argmin(dim=2),
    }
    for name, fn in args.items():
        add(OpCase(name, fn, s345, differentiable=False))
    # Shape ops.
    shp = {
        "reshape": (lambda L, a: a.reshape(12, 5), (3, 4, 5)),
        "reshape-infer": (lambda L, a: a.reshape(5, -1, 2), (3, 4, 5)),
        "reshape-tuple": (lambda L, a: a.reshape((-1,)), (3, 4, 5)),
        "reshape-fn": (lambda L, a: L.reshape(a, (4, 15)), (3, 4, 5)),
        "view": (lambda L, a: a.view(6, 10), (3, 4, 5)),
        "view-infer": (lambda L, a: a.view(-1, 5), (3, 4, 5)),
        "transpose-0_2": (lambda L, a: a.transpose(0, 2), (3, 4, 5)),
        "transpose-neg": (lambda L, a: a.transpose(-1, -2), (3, 4, 5)),
        "transpose-fn": (lambda L, a: L.transpose(a, 0, 1), (3, 4, 5)),
        "permute": (lambda L, a: a.permute(2, 0, 1), (3, 4, 5)),
        "permute-tuple-neg": (lambda L, a: a.permute((-1, 0, 1)), (3, 4, 5)),
        "permute-fn": (lambda L, a: L.permute(a, (1, 2, 0)), (3, 4, 5)),
        "T": (lambda L, a: a.T, (3, 4)),
        "mT": (lambda L, a: a.mT, (2, 3, 4)),
        "t": (lambda L, a: a.t(), (3, 4)),
        "unsqueeze-0": (lambda L, a: a.unsqueeze(0), (3, 4)),
        "unsqueeze-2": (lambda L, a: a.unsqueeze(2), (3, 4)),
        "unsqueeze-neg1": (lambda L, a: a.unsqueeze(-1), (3, 4)),
        "unsqueeze-neg2": (lambda L, a: L.unsqueeze(a, -2), (3, 4)),
        "squeeze-all": (lambda L, a: a.squeeze(), (3, 1, 5, 1)),
        "squeeze-1": (lambda L, a: a.squeeze(1), (3, 1, 5, 1)),
        "squeeze-neg1": (lambda L, a: a.squeeze(-1), (3, 1, 5, 1)),
        "squeeze-noop": (lambda L, a: a.squeeze(0) * 1.0, (3, 1, 5, 1)),
        "squeeze-tuple": (lambda L, a: a.squeeze((1, 3)), (3, 1, 5, 1)),
        "expand": (lambda L, a: a.expand(2, 3, 4), (3, 1)),
        "expand-keep": (lambda L, a: a.expand(-1, 4), (3, 1)),
        "expand-tuple": (lambda L, a: a.expand((2, 5, 3)), (5, 1)),
        "expand_as": (lambda L, a: a.expand_as(L.zeros(2, 3, 4)), (1, 4)),
        "flatten": (lambda L, a: a.flatten(), (3, 4, 5)),
        "flatten-1": (lambda L, a: a.flatten(1), (3, 4, 5)),
        "flatten-0_1": (lambda L, a: a.flatten(0, 1), (3, 4, 5)),
        "flatten-neg": (lambda L, a: L.flatten(a, -2, -1), (3, 4, 5)),
        "flatten-scalar": (lambda L, a: a.flatten(), ()),
    }
    for name, (fn, s) in shp.items():
        add(OpCase(name, fn, (s,)))
    add(OpCase("cat-dim0", lambda L, a, b: L.cat([a, b]), ((2, 3), (4, 3))))
    add(OpCase("cat-dimneg1", lambda L, a, b: L.cat([a, b], dim=-1), ((2, 3), (2, 5))))
    add(OpCase("cat-three-dim1", lambda L, a, b, d: L.cat((a, b, d), 1),
               ((2, 1, 3), (2, 4, 3), (2, 2, 3))))
    add(OpCase("cat-same-twice", lambda L, a: L.cat([a, a * 2, a], 0), ((2, 3),)))
    add(OpCase("stack-dim0", lambda L, a, b: L.stack([a, b]), ((2, 3), (2, 3))))
    add(OpCase("stack-dim1", lambda L, a, b: L.stack([a, b], dim=1), ((2, 3), (2, 3))))
    add(OpCase("stack-dimneg1", lambda L, a, b, d: L.stack((a, b, d), -1),
               ((2, 3), (2, 3), (2, 3))))
    add(OpCase("stack-same-twice", lambda L, a: L.stack([a, a], 0), ((4,),)))
    add(OpCase("stack-scalars", lambda L, a, b: L.stack([a, b]), ((), ())))
    # Indexing on (4, 5, 3): basic, advanced, mixed, repeated indices.
    idx = {
        "int": lambda L, a: a[1],
        "negative_int": lambda L, a: a[-1],
        "slice": lambda L, a: a[1:3],
        "slice-step": lambda L, a: a[::2, 1::2],
        "slice-dim1-neg": lambda L, a: a[:, -2:],
        "ellipsis": lambda L, a: a[..., 0],
        "none": lambda L, a: a[None, 1],
        "int_slice_none": lambda L, a: a[1, :, None],
        "list-repeated": lambda L, a: a[[0, 0, 2]],
        "two_lists-repeated": lambda L, a: a[[0, 2, 0], [1, 1, 1]],
        "slice_then_list": lambda L, a: a[1:, [0, 0, 3]],
        "list_then_int": lambda L, a: a[:, [1, 1], 0],
        "index2d": lambda L, a: a[L.tensor(np.array([[0, 1], [1, 0]]))],
        "tensor_index": lambda L, a: a[L.tensor(np.array([3, 3, 0]))],
        "ellipsis_list": lambda L, a: a[..., [2, 0, 2]],
        "bool_mask_data": lambda L, a: a[a > 0],
        "bool_mask_dim0": lambda L, a: a[L.tensor(_MASK0)],
        "scalar_tensor_index": lambda L, a: a[L.tensor(2)],
    }
    for name, fn in idx.items():
        add(OpCase(f"getitem-{name}", fn, ((4, 5, 3),)))
    # gather / scatter_add.
    add(OpCase("gather-dim1-repeated", lambda L, a: a.gather(1, L.tensor(_G3)), ((3, 4),)))
    add(OpCase("gather-dim0", lambda L, a: a.gather(0, L.tensor(_G0)), ((3, 4),)))
    add(OpCase("gather-dimneg1-small_index", lambda L, a: L.gather(a, -1, L.tensor(_G3[:2, :2])),
               ((3, 4),)))
    add(OpCase("gather-3d", lambda L, a: a.gather(2, L.tensor(_G3D)), ((2, 2, 3),)))
    add(OpCase("scatter_add", lambda L, a, s: a.scatter_add(1, L.tensor(_G3), s),
               ((3, 4), (3, 3))))
    # dtype casts.
    add(OpCase("to-float64", lambda L, a: a.to(L.float64) * 2, ((3, 4),)))
    add(OpCase("double-float", lambda L, a: a.double().float() * 2, ((3, 4),),
               gradcheck_opts=(("eps", 1e-3), ("atol", 1e-3))))
    # matrix products with a transposed (column-major) operand, and addmm.
    add(OpCase("matmul-transposed_rhs", lambda L, a, b: a @ b.t(), ((2, 3), (4, 3))))
    add(OpCase("matmul-transposed_lhs", lambda L, a, b: a.t() @ b, ((3, 2), (3, 4))))
    add(OpCase("addmm", lambda L, c, a, b: L.addmm(c, a, b), ((2, 4), (2, 3), (3, 4))))
    add(OpCase("addmm-broadcast-beta-alpha",
               lambda L, c, a, b: L.addmm(c, a, b.t(), beta=0.5, alpha=-2.0),
               ((4,), (2, 3), (4, 3))))
    # In place: through a view (CopySlices), fill_ with a tensor value, copy_.
    add(OpCase("inplace-mul_-view", _copy_into_view, ((3, 4), (3, 2))))
    add(OpCase("inplace-fill_-tensor", _fill_row, ((3, 4), ())))
    add(OpCase("inplace-copy_-broadcast", _copy_broadcast, ((3, 4), (4,))))
    # nn.functional ops that are one node each.
    F = lambda L: nn_of(L).functional  # noqa: E731
    add(OpCase("linear", lambda L, x, w, b: F(L).linear(x, w, b), ((5, 3), (4, 3), (4,))))
    add(OpCase("linear-no_bias", lambda L, x, w: F(L).linear(x, w), ((5, 3), (4, 3))))
    # nn.Linear keeps its weight column-major: the weight here is a transposed view.
    add(OpCase("linear-weight_transposed", lambda L, x, wt, b: F(L).linear(x, wt.t(), b),
               ((5, 3), (3, 4), (4,))))
    for red in ("mean", "sum", "none"):
        add(OpCase(f"cross_entropy-{red}", lambda L, x, red=red: F(L).cross_entropy(
            x, L.tensor(_T5), reduction=red), ((5, 4),)))
    add(OpCase("cross_entropy-ignore_index", lambda L, x: F(L).cross_entropy(
        x, L.tensor(_T5), ignore_index=3), ((5, 4),)))
    add(OpCase("pad-constant", lambda L, x: F(L).pad(x, (1, 2, 0, 1), value=0.5),
               ((2, 3, 4),)))
    add(OpCase("unfold", lambda L, x: F(L).unfold(x, 2, padding=1, stride=(1, 2)),
               ((2, 2, 4, 5),)))
    add(OpCase("fold", lambda L, x: F(L).fold(x, (4, 5), 2, padding=1, stride=(1, 2)),
               ((2, 8, 15),)))
    add(OpCase("conv2d", lambda L, x, w, b: F(L).conv2d(x, w, b, padding=1),
               ((2, 3, 5, 5), (4, 3, 3, 3), (4,))))
    add(OpCase("max_pool2d", lambda L, x: F(L).max_pool2d(x, 2), ((2, 3, 4, 6),)))
    add(OpCase("avg_pool2d", lambda L, x: F(L).avg_pool2d(x, 3, stride=2, padding=1),
               ((2, 3, 5, 5),)))
    add(OpCase("module-full_backward_hook", _hooked_tanh, ((3, 4),)))
    return c


def _area_cases() -> list[OpCase]:
    """Rows kept beside the ops of one area: every ``tests/cases_*.py`` module's
    ``CASES`` list (one file per area, so that areas grow without touching this one)."""
    import importlib
    import pathlib

    out: list[OpCase] = []
    for path in sorted(pathlib.Path(__file__).parent.glob("cases_*.py")):
        out.extend(importlib.import_module(path.stem).CASES)
    return out


OP_CASES = _cases() + _area_cases()
assert len({c.name for c in OP_CASES}) == len(OP_CASES), "duplicate op case names"
