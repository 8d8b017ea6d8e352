"""Adversarial cases on optimizers and gradient clipping, each against torch 2.13: a
Tensor learning rate, clip_grad_norm_ with every kind of norm (negative, zero and
infinite orders, empty gradients), and hyper-parameters out of range."""

from __future__ import annotations

import math

import numpy as np
import pytest
from _oracle import OURS, same

OPTIMIZERS = {
    "SGD": {"momentum": 0.9},
    "Adam": {},
    "AdamW": {"weight_decay": 0.1},
    "RMSprop": {"momentum": 0.5},
    "Adagrad": {},
}
LR_FORMS = {
    "0-d tensor": lambda L: L.t.tensor(0.1),
    "(1,) tensor": lambda L: L.t.tensor([0.1]),
    "float64 tensor": lambda L: L.t.tensor(0.1, dtype=L.dt("float64")),
    "(2,) tensor": lambda L: L.t.tensor([0.1, 0.2]),
    "negative tensor": lambda L: L.t.tensor(-0.1),
}


def _trajectory(L, name, lr, steps=3):
    w = L.t.tensor([1.0, -2.0, 3.0], requires_grad=True)
    opt = getattr(L.optim, name)([w], lr=lr, **OPTIMIZERS[name])
    out = []
    for k in range(steps):
        opt.zero_grad()
        ((w * w).sum() * (k + 1)).backward()
        opt.step()
        out.append(w.detach().clone())
    return out


@pytest.mark.parametrize("form", LR_FORMS)
@pytest.mark.parametrize("name", OPTIMIZERS)
def test_tensor_learning_rate(name, form):
    same(lambda L: _trajectory(L, name, LR_FORMS[form](L)), f"{name} lr={form}")


@pytest.mark.parametrize("name", ("SGD", "Adam"))
def test_tensor_learning_rate_changed_in_place_between_steps(name):
    def fn(L):
        w = L.t.tensor([1.0, -2.0], requires_grad=True)
        lr = L.t.tensor(0.1)
        opt = getattr(L.optim, name)([w], lr=lr)
        for k in range(3):
            opt.zero_grad()
            (w * w).sum().backward()
            opt.step()
            lr.mul_(0.5) if name == "SGD" else lr.fill_(0.01 * (k + 1))
        return w, opt.param_groups[0]["lr"]

    same(fn, f"{name} with lr changed in place")


def test_tensor_learning_rate_with_a_scheduler():
    def fn(L):
        w = L.t.tensor([1.0, -2.0], requires_grad=True)
        opt = L.optim.SGD([w], lr=L.t.tensor(0.5))
        sched = L.optim.lr_scheduler.StepLR(opt, 1, gamma=0.5)
        for _ in range(3):
            opt.zero_grad()
            (w * w).sum().backward()
            opt.step()
            sched.step()
        return w, float(opt.param_groups[0]["lr"])

    same(fn, "StepLR over a Tensor lr")


def test_param_group_with_a_tensor_lr():
    def fn(L):
        a = L.t.ones(2, requires_grad=True)
        b = L.t.ones(2, requires_grad=True)
        opt = L.optim.SGD([{"params": [a], "lr": L.t.tensor([0.3, 0.1])}, {"params": [b]}],
                          lr=0.1)
        (a.sum() + b.sum()).backward()
        opt.step()
        return a, b

    same(fn, "param group with a (2,) lr")


HYPER = {
    "SGD lr -1": lambda L: L.optim.SGD([L.t.ones(1, requires_grad=True)], lr=-1.0),
    "SGD nesterov no momentum": lambda L: L.optim.SGD(
        [L.t.ones(1, requires_grad=True)], lr=0.1, nesterov=True),
    "Adam beta 1.0": lambda L: L.optim.Adam(
        [L.t.ones(1, requires_grad=True)], betas=(1.0, 0.9)),
    "Adam eps -1": lambda L: L.optim.Adam([L.t.ones(1, requires_grad=True)], eps=-1.0),
    "RMSprop alpha -1": lambda L: L.optim.RMSprop([L.t.ones(1, requires_grad=True)], alpha=-1.0),
    "Adagrad lr_decay -1": lambda L: L.optim.Adagrad(
        [L.t.ones(1, requires_grad=True)], lr_decay=-1.0),
    "empty params": lambda L: L.optim.SGD([], lr=0.1),
    "non-leaf param": lambda L: L.optim.SGD([L.t.ones(1, requires_grad=True) * 2], lr=0.1),
    "tensor as params": lambda L: L.optim.SGD(L.t.ones(1, requires_grad=True), lr=0.1),
}


@pytest.mark.parametrize("name", HYPER)
def test_hyper_parameters_out_of_range(name):
    same(HYPER[name], name)


NORMS = (2.0, 1.0, 3.0, 0.5, 0.0, -1.0, -2.0, math.inf, -math.inf)
GRAD_SETS = {
    "mixed": ([1.0, -3.0, 0.5], [0.2, 0.0]),
    "one all zero": ([0.0, 0.0], [1.0, 2.0]),
    "all zero": ([0.0, 0.0],),
    "with empty": ([], [1.0]),
    "large": ([1e20, -1e20], [3e19]),
}


@pytest.mark.parametrize("grads", GRAD_SETS)
@pytest.mark.parametrize("norm", NORMS, ids=str)
def test_clip_grad_norm(norm, grads):
    def fn(L):
        params = []
        for g in GRAD_SETS[grads]:
            p = L.t.tensor(g, requires_grad=True) if g else L.t.zeros(0, requires_grad=True)
            p.grad = L.t.tensor(g) if g else L.t.zeros(0)
            params.append(p)
        total = L.nn.utils.clip_grad_norm_(params, 1.0, norm_type=norm)
        return total, [p.grad for p in params]

    if grads == "large" and norm in (2.0, 3.0):
        # torch 2.13 sums |g|^p in float32, which overflows to inf, and then scales every
        # gradient by 1/inf = 0. Ours sums in float64: the true norm, finite in float32.
        total, clipped = fn(OURS)
        exact = sum(abs(v) ** norm for v in (1e20, -1e20, 3e19)) ** (1 / norm)
        assert math.isclose(float(total), exact, rel_tol=1e-6)
        scale = 1.0 / (exact + 1e-6)
        for g, ref in zip(clipped, GRAD_SETS[grads]):
            np.testing.assert_allclose(g._data, np.array(ref) * scale, rtol=1e-5)
        return
    same(fn, f"clip_grad_norm_ {norm} {grads}", rtol=1e-5)


@pytest.mark.parametrize("norm", (2.0, math.inf))
def test_clip_grad_norm_nonfinite(norm):
    def fn(L):
        p = L.t.ones(2, requires_grad=True)
        p.grad = L.t.tensor([float("nan"), 1.0])
        return L.nn.utils.clip_grad_norm_([p], 1.0, norm_type=norm, error_if_nonfinite=True)

    same(fn, f"clip_grad_norm_ error_if_nonfinite {norm}")


@pytest.mark.parametrize("value", (0.5, 0.0, 10.0))
def test_clip_grad_value(value):
    def fn(L):
        p = L.t.ones(3, requires_grad=True)
        p.grad = L.t.tensor([-2.0, 0.25, 3.0])
        L.nn.utils.clip_grad_value_([p], value)
        return p.grad

    same(fn, f"clip_grad_value_ {value}")
