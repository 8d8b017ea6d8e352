"""Optimizers against torch.optim: same weights, same mini-batches, same trajectory.

A tiny two-layer tanh network on fixed random mini-batches is trained for 100 steps by
our optimizer (gradients from autograd_core) and by torch.optim (gradients from torch
autograd), from the same float64 weights. After every step each parameter must agree
with PyTorch's to relative 1e-10 (max |ours - torch| <= 1e-10 max |torch|, per tensor).
PyTorch's CPU kernels fuse a*b + c (FMA) where NumPy rounds twice, so the last bit can
differ; the measured error stays near 1e-15.

Stopping mid-training, saving parameters and optimizer (and scheduler) state to a file,
loading them into fresh objects and continuing must give exactly the trajectory of a
run that never stopped.
"""

from __future__ import annotations

import itertools
import pickle
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch

import autograd_core as ac
import optim
from optim import lr_scheduler

STEPS = 100
RTOL = 1e-10

_rng = np.random.default_rng(1234)
N_BATCHES = 5
X = _rng.standard_normal((N_BATCHES, 8, 3))
Y = _rng.standard_normal((N_BATCHES, 8, 2))
INIT = [
    _rng.standard_normal((3, 5)) * 0.5,  # W1
    _rng.standard_normal(5) * 0.1,  # b1
    _rng.standard_normal((5, 2)) * 0.5,  # W2
    _rng.standard_normal(2) * 0.1,  # b2
]


def _loss_ours(ps: list[ac.Tensor], i: int, sign: float) -> ac.Tensor:
    W1, b1, W2, b2 = ps
    x = ac.Tensor(X[i % N_BATCHES].astype(W1.dtype))
    y = ac.Tensor(Y[i % N_BATCHES].astype(W1.dtype))
    h = (x @ W1 + b1).tanh()
    return (((h @ W2 + b2) - y) ** 2).mean() * sign


def _loss_torch(ps: list[torch.Tensor], i: int, sign: float) -> torch.Tensor:
    W1, b1, W2, b2 = ps
    x = torch.from_numpy(X[i % N_BATCHES]).to(W1.dtype)
    y = torch.from_numpy(Y[i % N_BATCHES]).to(W1.dtype)
    h = torch.tanh(x @ W1 + b1)
    return ((h @ W2 + b2 - y) ** 2).mean() * sign


def _params(dtype: Any = np.float64) -> tuple[list[ac.Tensor], list[torch.Tensor]]:
    ours = [ac.Tensor(a.astype(dtype), requires_grad=True) for a in INIT]
    theirs = [torch.tensor(a.astype(dtype), requires_grad=True) for a in INIT]
    return ours, theirs


def _grid(**options: list[Any]) -> list[dict[str, Any]]:
    keys = list(options)
    return [dict(zip(keys, vals)) for vals in itertools.product(*options.values())]


def _cases() -> list[tuple[str, dict[str, Any]]]:
    cases = []
    for kw in _grid(
        lr=[0.05],
        momentum=[0, 0.9],
        dampening=[0, 0.3],
        nesterov=[False, True],
        weight_decay=[0, 0.05],
        maximize=[False, True],
    ):
        if kw["nesterov"] and (kw["momentum"] == 0 or kw["dampening"] != 0):
            continue  # an invalid combination (tested among the errors)
        cases.append(("SGD", kw))
    for kw in _grid(
        lr=[0.02],
        betas=[(0.9, 0.999), (0.5, 0.9)],
        weight_decay=[0, 0.05],
        amsgrad=[False, True],
        maximize=[False, True],
    ):
        cases.append(("Adam", kw))
        cases.append(("AdamW", kw))
    for kw in _grid(
        lr=[0.05],
        lr_decay=[0, 0.02],
        weight_decay=[0, 0.05],
        initial_accumulator_value=[0, 0.1],
        eps=[1e-10, 1e-3],
        maximize=[False, True],
    ):
        cases.append(("Adagrad", kw))
    for kw in _grid(
        lr=[0.005],
        alpha=[0.99, 0.9],
        centered=[False, True],
        momentum=[0, 0.5],
        weight_decay=[0, 0.05],
        maximize=[False, True],
    ):
        cases.append(("RMSprop", kw))
    return cases


CASES = _cases()


def _case_id(case: tuple[str, dict[str, Any]]) -> str:
    name, kw = case
    return name + "-" + ",".join(f"{k}={v}" for k, v in kw.items() if k != "lr")


def _close(ours: np.ndarray, theirs: torch.Tensor, rtol: float) -> float:
    """Relative error max|a - b| / max|b|; asserts it is at most rtol."""
    t = theirs.detach().numpy()
    err = float(np.max(np.abs(ours - t)) / max(np.max(np.abs(t)), 1e-300))
    assert err <= rtol, f"relative error {err:.3e} > {rtol:.0e}"
    return err


def _train_both(
    make_ours: Callable[[list[ac.Tensor]], Any],
    make_theirs: Callable[[list[torch.Tensor]], Any],
    sign: float = 1.0,
    steps: int = STEPS,
    dtype: Any = np.float64,
    rtol: float = RTOL,
    sched: tuple[Callable[[Any], Any], Callable[[Any], Any]] | None = None,
) -> float:
    """Train both libraries side by side; assert after every step; return the worst error."""
    ours, theirs = _params(dtype)
    opt, topt = make_ours(ours), make_theirs(theirs)
    s = ts = None
    if sched is not None:
        s, ts = sched[0](opt), sched[1](topt)
    worst = 0.0
    for i in range(steps):
        opt.zero_grad()
        _loss_ours(ours, i, sign).backward()
        opt.step()
        topt.zero_grad()
        _loss_torch(theirs, i, sign).backward()
        topt.step()
        if s is not None:
            s.step()
            ts.step()
            assert s.get_last_lr() == ts.get_last_lr()
        for p, q in zip(ours, theirs):
            assert p._data.dtype == np.dtype(dtype)
            worst = max(worst, _close(p._data, q, rtol))
    return worst


@pytest.mark.parametrize("case", CASES, ids=[_case_id(c) for c in CASES])
def test_trajectory_matches_torch(case: tuple[str, dict[str, Any]]) -> None:
    name, kw = case
    # Ascending -L with maximize=True retraces descending L: the run stays stable, so
    # the check compares the update rules rather than amplified rounding.
    sign = -1.0 if kw["maximize"] else 1.0
    _train_both(
        lambda ps: getattr(optim, name)(ps, **kw),
        lambda ps: getattr(torch.optim, name)(ps, **kw),
        sign=sign,
    )


def test_maximize_ascends() -> None:
    """maximize=True on L moves the weights the opposite way to plain descent."""
    for name in ("SGD", "Adam", "AdamW", "Adagrad", "RMSprop"):
        up, _ = _params()
        down, _ = _params()
        for ps, flag in ((up, True), (down, False)):
            opt = getattr(optim, name)(ps, lr=0.01, weight_decay=0, maximize=flag)
            _loss_ours(ps, 0, 1.0).backward()
            opt.step()
        for u, d, w0 in zip(up, down, INIT):
            np.testing.assert_allclose(u._data - w0, -(d._data - w0), rtol=1e-6, atol=1e-14)


PARAM_GROUP_CASES = [
    (
        "SGD",
        [{"lr": 0.05, "momentum": 0.9, "nesterov": True}, {"weight_decay": 0.1}],
        {"lr": 0.02, "momentum": 0.5},
    ),
    ("Adam", [{"lr": 0.05, "amsgrad": True}, {"betas": (0.8, 0.99)}], {"lr": 0.01}),
    ("AdamW", [{"weight_decay": 0.5}, {"lr": 0.003}], {"lr": 0.01, "amsgrad": True}),
    # A group's own initial_accumulator_value is not used by PyTorch; it is not by us either.
    (
        "Adagrad",
        [{"lr_decay": 0.1}, {"lr": 0.2, "eps": 1e-4, "initial_accumulator_value": 0.5}],
        {"lr": 0.05, "initial_accumulator_value": 0.1},
    ),
    ("RMSprop", [{"centered": True}, {"momentum": 0.3, "lr": 0.001}], {"lr": 0.005}),
]


@pytest.mark.parametrize("name,group_opts,defaults", PARAM_GROUP_CASES)
def test_param_groups_with_different_options(
    name: str, group_opts: list[dict[str, Any]], defaults: dict[str, Any]
) -> None:
    """Two groups (layer 1, layer 2), each with its own options over the defaults."""

    def groups(ps: list[Any]) -> list[dict[str, Any]]:
        return [{"params": ps[:2], **group_opts[0]}, {"params": ps[2:], **group_opts[1]}]

    _train_both(
        lambda ps: getattr(optim, name)(groups(ps), **defaults),
        lambda ps: getattr(torch.optim, name)(groups(ps), **defaults),
    )


@pytest.mark.parametrize(
    "name,kw,sched_name,sched_kw",
    [
        ("SGD", {"lr": 0.1, "momentum": 0.9}, "StepLR", {"step_size": 20, "gamma": 0.5}),
        ("Adam", {"lr": 0.01}, "OneCycleLR", {"max_lr": 0.05, "total_steps": STEPS}),
        ("SGD", {"lr": 0.1, "momentum": 0.9}, "OneCycleLR", {"max_lr": 0.2, "total_steps": 100}),
        ("RMSprop", {"lr": 0.01, "momentum": 0.5}, "CosineAnnealingLR", {"T_max": 30}),
        ("Adagrad", {"lr": 0.1}, "ExponentialLR", {"gamma": 0.97}),
    ],
)
def test_trajectory_with_scheduler_matches_torch(
    name: str, kw: dict[str, Any], sched_name: str, sched_kw: dict[str, Any]
) -> None:
    """Optimizer and scheduler together (OneCycleLR also cycles momentum / beta1)."""
    _train_both(
        lambda ps: getattr(optim, name)(ps, **kw),
        lambda ps: getattr(torch.optim, name)(ps, **kw),
        sched=(
            lambda o: getattr(lr_scheduler, sched_name)(o, **sched_kw),
            lambda o: getattr(torch.optim.lr_scheduler, sched_name)(o, **sched_kw),
        ),
    )


@pytest.mark.parametrize(
    "name,kw",
    [
        ("SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01}),
        ("Adam", {"lr": 0.01, "amsgrad": True, "weight_decay": 0.01}),
        ("AdamW", {"lr": 0.01}),
        ("Adagrad", {"lr": 0.05, "lr_decay": 0.01, "initial_accumulator_value": 0.1}),
        ("RMSprop", {"lr": 0.005, "centered": True, "momentum": 0.5}),
    ],
)
def test_float32_stays_float32_and_follows_torch(name: str, kw: dict[str, Any]) -> None:
    ours, _ = _params(np.float32)
    opt = getattr(optim, name)(ours, **kw)
    _loss_ours(ours, 0, 1.0).backward()
    opt.step()
    for p in ours:
        assert p._data.dtype == np.float32
        for buf in opt.state[p].values():
            if isinstance(buf, np.ndarray):
                assert buf.dtype == np.float32
    _train_both(
        lambda ps: getattr(optim, name)(ps, **kw),
        lambda ps: getattr(torch.optim, name)(ps, **kw),
        dtype=np.float32,
        rtol=1e-4,
    )


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "Adagrad", "RMSprop"])
def test_parameter_without_grad_is_skipped(name: str) -> None:
    """A parameter the loss does not use keeps .grad None: no update and no new state."""
    kw = {"lr": 0.05, "weight_decay": 0.1}
    if name in ("SGD", "RMSprop"):
        kw["momentum"] = 0.9
    ours, theirs = _params()
    extra = ac.Tensor(np.ones(3), requires_grad=True)
    textra = torch.ones(3, dtype=torch.float64, requires_grad=True)
    opt = getattr(optim, name)([*ours, extra], **kw)
    topt = getattr(torch.optim, name)([*theirs, textra], **kw)
    for i in range(3):
        _loss_ours(ours, i, 1.0).backward()
        opt.step()
        _loss_torch(theirs, i, 1.0).backward()
        topt.step()
    np.testing.assert_array_equal(extra._data, np.ones(3))
    assert extra.grad is None
    assert sorted(opt.state_dict()["state"]) == sorted(topt.state_dict()["state"])
    for p, q in zip(ours, theirs):
        _close(p._data, q, RTOL)


# PyTorch-only switches (kernels, devices, graph capture) that our groups do not carry.
_TORCH_ONLY_KEYS = {"foreach", "differentiable", "fused", "capturable"}


@pytest.mark.parametrize(
    "name,kw",
    [
        ("SGD", {"lr": 0.05, "momentum": 0.9}),
        ("SGD", {"lr": 0.05}),
        ("Adam", {"lr": 0.01, "amsgrad": True}),
        ("AdamW", {"lr": 0.01}),
        ("Adagrad", {"lr": 0.05}),
        ("RMSprop", {"lr": 0.005, "centered": True, "momentum": 0.5}),
    ],
)
def test_state_dict_layout_matches_torch(name: str, kw: dict[str, Any]) -> None:
    """Same keys, same parameter numbering, same buffer names and values as PyTorch."""
    ours, theirs = _params()
    opt = getattr(optim, name)([{"params": ours[:1]}, {"params": ours[1:], "lr": 0.001}], **kw)
    topt = getattr(torch.optim, name)(
        [{"params": theirs[:1]}, {"params": theirs[1:], "lr": 0.001}], **kw
    )
    for i in range(4):
        _loss_ours(ours, i, 1.0).backward()
        opt.step()
        _loss_torch(theirs, i, 1.0).backward()
        topt.step()
    sd, tsd = opt.state_dict(), topt.state_dict()
    assert sd.keys() == tsd.keys()
    for g, tg in zip(sd["param_groups"], tsd["param_groups"]):
        assert g.keys() == tg.keys() - _TORCH_ONLY_KEYS
        for k in g:
            assert g[k] == tg[k], k
    assert sd["state"].keys() == tsd["state"].keys()
    for idx, st in sd["state"].items():
        tst = tsd["state"][idx]
        assert st.keys() == tst.keys()
        for k, v in st.items():
            if k == "step":
                assert float(v) == float(tst[k])
            else:
                _close(v, tst[k], 1e-12)


# ----- stopping, saving to a file, resuming ---------------------------------------------

RESUME_CASES = [
    ("SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01}, "StepLR",
     {"step_size": 25, "gamma": 0.5}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "dampening": 0.2}, "OneCycleLR",
     {"max_lr": 0.1, "total_steps": STEPS}),
    ("Adam", {"lr": 0.01, "amsgrad": True, "weight_decay": 0.01}, "CosineAnnealingLR",
     {"T_max": 40, "eta_min": 1e-4}),
    ("AdamW", {"lr": 0.01, "weight_decay": 0.1}, "OneCycleLR",
     {"max_lr": 0.02, "total_steps": STEPS, "three_phase": True}),
    ("Adagrad", {"lr": 0.05, "lr_decay": 0.01, "initial_accumulator_value": 0.1},
     "ExponentialLR", {"gamma": 0.98}),
    ("RMSprop", {"lr": 0.005, "centered": True, "momentum": 0.5}, "LinearLR",
     {"start_factor": 0.25, "total_iters": 60}),
    ("Adam", {"lr": 0.01}, "MultiStepLR", {"milestones": [30, 45, 70], "gamma": 0.5}),
]  # fmt: skip


def _make(name: str, kw: dict[str, Any], sname: str, skw: dict[str, Any], ps: list[ac.Tensor]):
    opt = getattr(optim, name)([{"params": ps[:2]}, {"params": ps[2:], "lr": kw["lr"] / 2}], **kw)
    return opt, getattr(lr_scheduler, sname)(opt, **skw)


def _save_pickle(obj: Any, path: Any) -> None:
    with open(path, "wb") as f:
        pickle.dump(obj, f)


def _load_pickle(path: Any) -> Any:
    with open(path, "rb") as f:
        return pickle.load(f)


def _save_ac(obj: Any, path: Any) -> None:
    ac.save(obj, path)


def _load_ac(path: Any) -> Any:
    return ac.load(path)


SAVERS = {"pickle": (_save_pickle, _load_pickle), "ac.save": (_save_ac, _load_ac)}


@pytest.mark.parametrize("saver", list(SAVERS))
@pytest.mark.parametrize("name,kw,sname,skw", RESUME_CASES)
def test_resume_from_file_gives_identical_trajectory(
    tmp_path: Any, name: str, kw: dict[str, Any], sname: str, skw: dict[str, Any], saver: str
) -> None:
    def run(ps: list[ac.Tensor], opt: Any, sched: Any, start: int, stop: int) -> list:
        out = []
        for i in range(start, stop):
            opt.zero_grad()
            _loss_ours(ps, i, 1.0).backward()
            opt.step()
            sched.step()
            out.append([p._data.copy() for p in ps])
        return out

    ps, _ = _params()
    opt, sched = _make(name, kw, sname, skw, ps)
    straight = run(ps, opt, sched, 0, STEPS)

    stop = 37
    ps, _ = _params()
    opt, sched = _make(name, kw, sname, skw, ps)
    first = run(ps, opt, sched, 0, stop)
    save, load = SAVERS[saver]
    path = tmp_path / "checkpoint.npz"
    save(
        {
            "params": [p._data for p in ps],
            "optimizer": opt.state_dict(),
            "scheduler": sched.state_dict(),
        },
        path,
    )
    # Training goes on after the save: the file (and state_dict's copies) must not follow.
    run(ps, opt, sched, stop, stop + 5)
    del ps, opt, sched

    ckpt = load(path)
    ps = [ac.Tensor(a, requires_grad=True) for a in ckpt["params"]]
    opt, sched = _make(name, kw, sname, skw, ps)  # the scheduler first, then load (as torch)
    opt.load_state_dict(ckpt["optimizer"])
    sched.load_state_dict(ckpt["scheduler"])
    second = run(ps, opt, sched, stop, STEPS)

    assert len(first) + len(second) == len(straight)
    for got, want in zip(first + second, straight):
        for a, b in zip(got, want):
            np.testing.assert_array_equal(a, b)


def test_state_dict_is_a_copy_and_load_deep_copies() -> None:
    ps, _ = _params()
    opt = optim.Adam(ps, lr=0.01)
    _loss_ours(ps, 0, 1.0).backward()
    opt.step()
    sd = opt.state_dict()
    saved = sd["state"][0]["exp_avg"].copy()
    opt.step()
    np.testing.assert_array_equal(sd["state"][0]["exp_avg"], saved)
    sd["param_groups"][0]["lr"] = 0.5
    assert opt.param_groups[0]["lr"] == 0.01

    opt2 = optim.Adam(ps, lr=0.01)
    opt2.load_state_dict(sd)
    assert opt2.param_groups[0]["lr"] == 0.5
    assert opt2.param_groups[0]["params"][0] is ps[0]
    opt2.state[ps[0]]["exp_avg"][...] = 7.0
    np.testing.assert_array_equal(sd["state"][0]["exp_avg"], saved)


def test_load_state_dict_casts_buffers_to_parameter_dtype() -> None:
    ps, _ = _params()
    opt = optim.SGD(ps, lr=0.01, momentum=0.9)
    _loss_ours(ps, 0, 1.0).backward()
    opt.step()
    sd = opt.state_dict()
    ps32, _ = _params(np.float32)
    opt32 = optim.SGD(ps32, lr=0.01, momentum=0.9)
    opt32.load_state_dict(sd)
    assert opt32.state[ps32[0]]["momentum_buffer"].dtype == np.float32
