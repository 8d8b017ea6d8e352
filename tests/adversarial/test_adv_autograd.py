"""Adversarial cases on autograd semantics, each against torch 2.13: hooks that return
the wrong thing or keep what they see, ``.grad`` assignments, repeated and partial
backward passes, and integer tensors."""

from __future__ import annotations

import pytest
from _oracle import same

HOOK_RESULTS = {
    "double": lambda g: g.double(),
    "half": lambda g: g.half(),
    "sum": lambda g: g.sum(),
    "bigger": lambda g: g.repeat(2) if hasattr(g, "repeat") else g.expand(2, 3),
    "reshaped": lambda g: g.reshape(3, 1),
    "int": lambda g: 5,
    "list": lambda g: [1.0, 1.0, 1.0],
    "none": lambda g: None,
    "scaled": lambda g: g * 10,
}


def _bigger(L, g):
    return L.t.stack([g, g])


@pytest.mark.parametrize("where", ("leaf", "nonleaf"))
@pytest.mark.parametrize("result", HOOK_RESULTS)
def test_hook_results(result, where):
    def fn(L):
        x = L.t.ones(3, requires_grad=True)
        y = x * 2
        target = x if where == "leaf" else y
        hook = HOOK_RESULTS[result]
        if result == "bigger":
            def hook(g):
                return _bigger(L, g)
        target.register_hook(hook)
        (y * L.t.tensor([1.0, 2.0, 3.0])).sum().backward()
        return x.grad

    same(fn, f"{where} hook -> {result}")


@pytest.mark.parametrize("where", ("leaf", "nonleaf"))
def test_gradients_seen_by_hooks_are_not_changed_afterwards(where):
    def fn(L):
        x = L.t.ones(2, requires_grad=True)
        seen = []
        y = x * 1
        (x if where == "leaf" else y).register_hook(lambda g: seen.append(g))
        (y * 2).sum().backward()
        (x * 3).sum().backward()  # accumulates into x.grad
        (y * 5).sum().backward() if where == "leaf" else None
        return [s.clone() for s in seen] + [seen[0], x.grad]

    same(fn, f"{where} hook keeps its gradient")


def test_retained_grad_is_not_changed_by_a_later_backward():
    def fn(L):
        x = L.t.ones(2, requires_grad=True)
        y = x * 2
        y.retain_grad()
        z = (y * 3).sum()
        z.backward(retain_graph=True)
        first = y.grad
        z.backward()
        return first, y.grad, x.grad

    same(fn, "retain_grad twice")


GRAD_ASSIGN = {
    "wrong shape": lambda L: L.t.ones(1),
    "transposed": lambda L: L.t.ones(3, 2),
    "float64": lambda L: L.t.ones(2, 3, dtype=L.dt("float64")),
    "int64": lambda L: L.t.ones(2, 3, dtype=L.dt("int64")),
    "python int": lambda L: 3,
    "list": lambda L: [[1.0] * 3] * 2,
    "numpy": lambda L: __import__("numpy").ones((2, 3), "float32"),
    "none": lambda L: None,
    "right": lambda L: L.t.full((2, 3), 2.0),
    "needs grad": lambda L: L.t.ones(2, 3, requires_grad=True),
}


@pytest.mark.parametrize("value", GRAD_ASSIGN)
def test_grad_assignment(value):
    def fn(L):
        x = L.t.zeros(2, 3, requires_grad=True)
        x.grad = GRAD_ASSIGN[value](L)
        (x * 2).sum().backward()  # accumulates into what was assigned
        return x.grad

    same(fn, f".grad = {value}")


def test_grad_assignment_to_itself():
    def fn(L):
        x = L.t.zeros(2, requires_grad=True)
        x.grad = x
        return x.grad

    same(fn, "x.grad = x")


@pytest.mark.parametrize("opt", ("SGD", "Adam"))
def test_wrong_shape_grad_never_reaches_an_optimizer_step(opt):
    def fn(L):
        w = L.t.ones(3, requires_grad=True)
        o = getattr(L.optim, opt)([w], lr=0.1)
        w.grad = L.t.ones(1)
        o.step()
        return w

    same(fn, f"{opt} with a (1,) grad on a (3,) weight")


SEMANTICS = {
    "backward twice": lambda L: _twice(L, retain=False),
    "backward twice retained": lambda L: _twice(L, retain=True),
    "backward of non-scalar": lambda L: (L.t.ones(3, requires_grad=True) * 2).backward(),
    "backward wrong gradient shape": lambda L: (L.t.ones(3, requires_grad=True) * 2).backward(
        L.t.ones(4)),
    "backward no grad_fn": lambda L: L.t.ones(3).sum().backward(),
    "int requires_grad": lambda L: L.t.ones(3, dtype=L.dt("int64")).requires_grad_(),
    "int tensor requires_grad=True": lambda L: L.t.tensor([1, 2], requires_grad=True),
    "grad accumulates": lambda L: _accumulate(L),
    "grad under no_grad": lambda L: _under_no_grad(L),
    "set_grad_enabled(False)": lambda L: _set_grad_enabled(L),
    "detach cuts": lambda L: _detach(L),
    "grad unused input": lambda L: L.grad(
        (L.t.ones(2, requires_grad=True) * 2).sum(), [L.t.ones(2, requires_grad=True)]),
    "grad allow_unused": lambda L: L.grad(
        (L.t.ones(2, requires_grad=True) * 2).sum(), [L.t.ones(2, requires_grad=True)],
        allow_unused=True),
    "grad create_graph second order": lambda L: _second_order(L),
    "inplace on leaf": lambda L: L.t.ones(2, requires_grad=True).mul_(2),
    "inplace on saved": lambda L: _inplace_saved(L),
    "hook on non-requires-grad": lambda L: L.t.ones(2).register_hook(lambda g: g),
    "retain_grad on non-requires-grad": lambda L: L.t.ones(2).retain_grad(),
    "zero-size backward": lambda L: _zero_size(L),
    "nan passes through": lambda L: _nan_grad(L),
}


def _twice(L, retain):
    x = L.t.ones(3, requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=retain)
    y.backward()
    return x.grad


def _accumulate(L):
    x = L.t.ones(2, requires_grad=True)
    for k in range(3):
        (x * (k + 1)).sum().backward()
    return x.grad


def _under_no_grad(L):
    x = L.t.ones(2, requires_grad=True)
    with L.t.no_grad():
        y = x * 2
    return y.requires_grad, y.grad_fn is None


def _set_grad_enabled(L):
    x = L.t.ones(2, requires_grad=True)
    L.t.set_grad_enabled(False)
    try:
        y = x * 2
    finally:
        L.t.set_grad_enabled(True)
    return y.requires_grad, L.t.is_grad_enabled()


def _detach(L):
    x = L.t.ones(2, requires_grad=True)
    y = (x * 2).detach() * x
    y.sum().backward()
    return x.grad


def _second_order(L):
    x = L.t.tensor([0.5, 2.0], requires_grad=True)
    (g,) = L.grad((x ** 3).sum(), x, create_graph=True)
    (h,) = L.grad(g.sum(), x)
    return g, h


def _inplace_saved(L):
    x = L.t.ones(2, requires_grad=True)
    y = x.exp()
    z = (y * y).sum()
    y.mul_(2)
    z.backward()
    return x.grad


def _zero_size(L):
    x = L.t.ones(0, 3, requires_grad=True)
    (x * 2).sum().backward()
    return x.grad


def _nan_grad(L):
    x = L.t.tensor([0.0, 1.0], requires_grad=True)
    (x.sqrt() * 0).sum().backward()
    return x.grad


@pytest.mark.parametrize("name", SEMANTICS)
def test_autograd_semantics(name):
    same(SEMANTICS[name], name)


MODULE_HOOKS = {
    "grad_input wrong shape": ("full", lambda L, gi: (L.t.ones(5, 3),)),
    "grad_input float64": ("full", lambda L, gi: (gi[0].double(),)),
    "grad_input two for one": ("full", lambda L, gi: (gi[0], gi[0])),
    "grad_input None": ("full", lambda L, gi: None),
    "grad_input scaled": ("full", lambda L, gi: (gi[0] * 3,)),
    "grad_output wrong shape": ("pre", lambda L, go: (L.t.ones(4, 5),)),
    "grad_output float64": ("pre", lambda L, go: (go[0].double(),)),
    "grad_output scaled": ("pre", lambda L, go: (go[0] * -1,)),
}


@pytest.mark.parametrize("name", MODULE_HOOKS)
def test_module_backward_hook_results(name):
    kind, result = MODULE_HOOKS[name]

    def fn(L):
        L.t.manual_seed(0)
        m = L.nn.Linear(3, 2)
        with L.t.no_grad():
            m.weight.copy_(L.t.arange(6.0).reshape(2, 3))
        if kind == "full":
            m.register_full_backward_hook(lambda mod, gi, go: result(L, gi))
        else:
            m.register_full_backward_pre_hook(lambda mod, go: result(L, go))
        x = L.t.ones(4, 3, requires_grad=True)
        (m(x) * L.t.tensor([1.0, 2.0])).sum().backward()
        return x.grad

    same(fn, f"module hook: {name}")
