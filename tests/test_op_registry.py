"""An op is one class: every ``Function`` subclass has a parity row, a gradcheck and a
trace rule, and where it has a NumPy fast path, that path equals its formula.

A *row* of an op is a case of ``_helpers.OP_CASES`` whose graph holds a node of that op:
either the forward graph, or the graph that ``create_graph=True`` records of the
backward pass (indexing's backward is ``IndexAdd``, which no forward call makes). The
case is then compared with PyTorch (tests/test_ops_parity.py) and, unless it is marked
``gradcheck=False``, checked by finite differences to first and second order
(tests/test_gradcheck_ops.py). So a new op needs one row, and nothing else in the tests.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil

import numpy as np
import pytest
from _helpers import OP_CASES, TOLS, outputs_of

import autograd_core as ac
import nn
import optim
from autograd_core.function import Function
from autograd_core.graph import reverse_topological
from autograd_core.viz.walk import GraphWalk

# Function subclasses that need no row, with the reason. Only internal helpers that are
# never differentiated belong here; an op that users can reach gets a row instead.
EXEMPT: dict[str, str] = {}

DIFFERENTIABLE = [c for c in OP_CASES if c.differentiable]


def _all_function_classes() -> list[type[Function]]:
    """Every concrete Function subclass in autograd_core, nn and optim (all imported)."""
    for pkg in (ac, nn, optim):
        for mod in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + "."):
            importlib.import_module(mod.name)
    found: list[type[Function]] = []
    stack = [Function]
    while stack:
        for sub in stack.pop().__subclasses__():
            if sub not in found:
                found.append(sub)
                stack.append(sub)
    # Abstract bases (ViewFunction, shared drawing data) define no forward of their own.
    # Test modules define small Functions of their own (to probe the engine): only the
    # package's ops must have rows.
    return [c for c in found if c.forward is not Function.forward
            and c.__module__.split(".")[0] in ("autograd_core", "nn", "optim")]


def _qualname(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


OPS = _all_function_classes()


def _nodes(tensors) -> list[Function]:
    roots = [t.grad_fn for t in tensors if t is not None and t.grad_fn is not None]
    return [n for n in reverse_topological(roots) if isinstance(n, Function)]


def _run(case, rng):
    """The case in float64 with inputs that require grad: (inputs, outputs, the scalar
    sum(w * out), its gradients made with create_graph, the scalar they feed).

    The weights w require grad too, so that the recorded backward graph keeps the nodes
    that act on the delta alone (IndexAdd, Col2im, ...).
    """
    xs = [ac.tensor(a, requires_grad=True) for a in case.arrays(rng, np.float64)]
    outs = [o for o in outputs_of(case.fn(ac, *xs)) if o.requires_grad]
    ws = [ac.tensor(rng.standard_normal(o.shape), requires_grad=True) for o in outs]
    total = sum((o * w).sum() for o, w in zip(outs, ws))
    grads = [g for g in ac.grad(total, xs, create_graph=True, allow_unused=True)
             if g is not None]
    second = sum((g * ac.tensor(rng.standard_normal(g.shape))).sum() for g in grads)
    return xs, outs, total, grads, second


@functools.lru_cache(maxsize=1)
def _coverage() -> tuple[dict, dict]:
    """op class -> names of the cases whose graphs hold it; the same for gradcheck."""
    rows: dict[type, list[str]] = {}
    checked: dict[type, list[str]] = {}
    rng = np.random.default_rng(0)
    for case in DIFFERENTIABLE:
        _, outs, _, grads, _ = _run(case, rng)
        for node in _nodes(outs) + _nodes(grads):
            rows.setdefault(type(node), []).append(case.name)
            if case.gradcheck:
                checked.setdefault(type(node), []).append(case.name)
    return rows, checked


def test_every_op_class_is_found():
    names = {c.__name__ for c in OPS}
    # A sample from each package: if the search broke, these would be missing.
    assert {"Add", "MatMul", "CopySlices", "Linear2d", "Im2col", "_InputsHook"} <= names


@pytest.mark.parametrize("op", OPS, ids=_qualname)
def test_every_op_has_a_parity_row_and_a_gradcheck(op):
    if _qualname(op) in EXEMPT:
        pytest.skip(EXEMPT[_qualname(op)])
    rows, checked = _coverage()
    assert op in rows, (
        f"{_qualname(op)} has no row in _helpers.OP_CASES: add a case whose graph "
        "holds it (it is then compared with PyTorch and gradchecked)")
    assert op in checked, (
        f"{_qualname(op)} is only in cases marked gradcheck=False ({rows[op]}): add one "
        "that finite differences can check")


@pytest.mark.parametrize("op", OPS, ids=_qualname)
def test_every_op_has_a_trace_rule(op):
    if _qualname(op) in EXEMPT:
        pytest.skip(EXEMPT[_qualname(op)])
    assert op.trace_rule is not Function.trace_rule, (
        f"{_qualname(op)} does not define trace_rule (its symbolic local derivative)")


@pytest.mark.parametrize("case", DIFFERENTIABLE, ids=lambda c: c.name)
def test_every_traced_gradient_has_a_formula(case):
    # The trace of the case and of its second derivative: every gradient any step sends
    # is written as a formula (an op without a rule would leave only numbers).
    _, _, total, _, second = _run(case, np.random.default_rng(1))
    for root in (total, second):
        if not isinstance(root, ac.Tensor) or not root.requires_grad:
            continue
        for step in ac.trace_backward(root):
            for got in step.inputs:
                assert got.expr is not None, (
                    f"{type(step.node).__name__} gave no formula for input "
                    f"{got.position}: {got.line}")


# ----- fast paths equal formulas ------------------------------------------------------

FAST = [op for op in OPS if op.fast_backward is not None]


def _as_arrays(res) -> tuple:
    res = res if isinstance(res, tuple) else (res,)
    return tuple(None if r is None else r._data for r in res)


def _assert_same(fast, slow, what: str, dtype) -> None:
    assert len(fast) == len(slow), f"{what}: {len(fast)} gradients, formula {len(slow)}"
    for i, (f, s) in enumerate(zip(fast, slow)):
        assert (f is None) == (s is None), f"{what}, input {i}: None differs"
        if f is None:
            continue
        assert f.shape == s.shape, f"{what}, input {i}: shape {f.shape} != {s.shape}"
        assert f.dtype == s.dtype, f"{what}, input {i}: dtype {f.dtype} != {s.dtype}"
        layout_f = (f.flags.c_contiguous, f.flags.f_contiguous)
        layout_s = (s.flags.c_contiguous, s.flags.f_contiguous)
        assert layout_f == layout_s, (
            f"{what}, input {i}: layout (C, F) {layout_f} != formula's {layout_s}")
        np.testing.assert_allclose(f, s, err_msg=f"{what}, input {i}", **TOLS[dtype])


def _deltas(shape, dtype, rng) -> list[np.ndarray]:
    """Random deltas in C order and, for matrices and up, in Fortran order too (a
    transposed delta reaches a node after a transpose)."""
    g = rng.standard_normal(shape).astype(dtype)
    return [g, np.asfortranarray(g)] if len(shape) >= 2 else [g]


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
def test_fast_backward_equals_backward_on_every_case(dtype):
    rng = np.random.default_rng(2)
    compared: set[type] = set()
    for case in DIFFERENTIABLE:
        xs = [ac.tensor(a, requires_grad=True) for a in case.arrays(rng, dtype)]
        outs = [o for o in outputs_of(case.fn(ac, *xs)) if o.requires_grad]
        walk = GraphWalk(outs)
        for i, node in enumerate(walk.ops):
            cls = type(node)
            if cls.fast_backward is None:
                continue
            out = walk.output_entry(i).tensor._data
            for g in _deltas(out.shape, out.dtype, rng):
                order = "F" if g.ndim > 1 and g.flags.f_contiguous else "C"
                what = f"{case.name}: {cls.__name__} (delta in {order} order)"
                with ac.no_grad():
                    slow = _as_arrays(cls.backward(node, ac.Tensor._wrap(g.copy(order="K"))))
                    fast = _as_arrays(cls.fast_backward(node, ac.Tensor._wrap(g.copy(order="K"))))
                    _assert_same(fast, slow, what, np.dtype(dtype))
                    if cls._fresh_grads:
                        # With a delta only it holds, the node may write into it.
                        node.owns_grad = True
                        try:
                            owned = _as_arrays(cls.fast_backward(
                                node, ac.Tensor._wrap(g.copy(order="K"))))
                        finally:
                            node.owns_grad = False
                        _assert_same(owned, slow, what + ", owned", np.dtype(dtype))
            compared.add(cls)
    missing = [c.__name__ for c in FAST if c not in compared]
    assert not missing, f"fast paths that no case reaches: {missing}"
