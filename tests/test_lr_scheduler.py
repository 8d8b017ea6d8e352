"""Learning-rate schedulers against torch.optim.lr_scheduler.

Every scheduler, in several configurations, is stepped for 100 epochs on an optimizer
with two parameter groups (different base lrs); after each epoch its ``get_last_lr()``,
each group's lr and (where a scheduler cycles it) momentum / beta1 must equal PyTorch's
exactly (the same float operations in the same order). ReduceLROnPlateau is fed fixed
metric sequences. Saving and loading a scheduler mid-way continues the same sequence.
"""

from __future__ import annotations

import math
import pickle
import re
import warnings
from typing import Any

import numpy as np
import pytest
import torch

import autograd_core as ac
import optim
from optim import lr_scheduler

EPOCHS = 100


def _optimizers(
    name: str = "SGD", lrs: tuple[float, float] = (0.1, 0.03), **kw: Any
) -> tuple[Any, Any]:
    """Ours and PyTorch's optimizer, each with two one-parameter groups."""
    ps = [ac.Tensor(np.ones(2), requires_grad=True) for _ in lrs]
    ts = [torch.ones(2, dtype=torch.float64, requires_grad=True) for _ in lrs]
    ours = getattr(optim, name)([{"params": [p], "lr": lr} for p, lr in zip(ps, lrs)], **kw)
    theirs = getattr(torch.optim, name)([{"params": [p], "lr": lr} for p, lr in zip(ts, lrs)], **kw)
    return ours, theirs


def _record(sched: Any, opt: Any) -> tuple:
    """What a step decides: last lrs, each group's lr, momentum and beta1."""
    groups = opt.param_groups
    return (
        tuple(sched.get_last_lr()),
        tuple(g["lr"] for g in groups),
        tuple(g.get("momentum") for g in groups),
        tuple(g["betas"][0] if "betas" in g else None for g in groups),
    )


def _step(sched: Any, opt: Any, metric: float | None) -> None:
    opt.step()  # no gradients: nothing moves, but the order is the one PyTorch expects
    if metric is None:
        sched.step()
    else:
        sched.step(metric)


def _sequence(sched: Any, opt: Any, metrics: list[float] | None, start: int, stop: int):
    out = []
    for e in range(start, stop):
        _step(sched, opt, None if metrics is None else metrics[e])
        out.append(_record(sched, opt))
    return out


# ----- fixed metric sequences for ReduceLROnPlateau --------------------------------------


def _loss_curve(e: int) -> float:
    """Falls until epoch 40, then plateaus; a deterministic wobble on top."""
    return 1.0 / (1.0 + 0.05 * min(e, 40)) + 0.004 * ((e * 37) % 7) / 7


LOSSES = [_loss_curve(e) for e in range(EPOCHS)]
ACCURACIES = [1.0 - v for v in LOSSES]


def _decay(epoch: int) -> float:
    return 0.97**epoch


def _warm_then_cos(epoch: int) -> float:
    return (epoch + 1) / 10 if epoch < 10 else 0.5 * (1 + math.cos(math.pi * (epoch - 10) / 90))


class Warmup:
    """A callable object: LambdaLR saves its ``__dict__`` in the state."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.calls = 0

    def __call__(self, epoch: int) -> float:
        self.calls += 1
        return min(1.0, (epoch + 1) / self.n)


# (scheduler, its kwargs, optimizer, optimizer kwargs, metrics or None)
CASES: list[tuple[str, dict[str, Any], str, dict[str, Any], list[float] | None]] = [
    ("StepLR", {"step_size": 1}, "SGD", {}, None),
    ("StepLR", {"step_size": 7, "gamma": 0.5}, "SGD", {}, None),
    ("StepLR", {"step_size": 30}, "Adam", {}, None),
    ("MultiStepLR", {"milestones": [10, 30, 80]}, "SGD", {}, None),
    ("MultiStepLR", {"milestones": [50, 5, 30, 30], "gamma": 0.5}, "SGD", {}, None),
    ("MultiStepLR", {"milestones": [1], "gamma": 0.3}, "RMSprop", {}, None),
    ("ExponentialLR", {"gamma": 0.95}, "SGD", {}, None),
    ("ExponentialLR", {"gamma": 0.999}, "Adagrad", {}, None),
    ("ExponentialLR", {"gamma": 1.01}, "SGD", {}, None),
    ("CosineAnnealingLR", {"T_max": 100}, "SGD", {}, None),
    ("CosineAnnealingLR", {"T_max": 10}, "SGD", {}, None),
    ("CosineAnnealingLR", {"T_max": 7, "eta_min": 0.001}, "Adam", {}, None),
    ("CosineAnnealingLR", {"T_max": 33, "eta_min": 0.01}, "SGD", {}, None),
    ("LambdaLR", {"lr_lambda": _decay}, "SGD", {}, None),
    ("LambdaLR", {"lr_lambda": [_decay, _warm_then_cos]}, "SGD", {}, None),
    ("LinearLR", {}, "SGD", {}, None),
    ("LinearLR", {"start_factor": 0.1, "total_iters": 40}, "SGD", {}, None),
    ("LinearLR", {"start_factor": 1.0, "end_factor": 0.05, "total_iters": 100}, "SGD", {}, None),
    ("LinearLR", {"start_factor": 0.5, "end_factor": 0.0, "total_iters": 10}, "Adam", {}, None),
    ("OneCycleLR", {"max_lr": 0.5, "total_steps": EPOCHS}, "SGD", {"momentum": 0.9}, None),
    (
        "OneCycleLR",
        {"max_lr": [0.5, 0.2], "total_steps": EPOCHS, "anneal_strategy": "linear"},
        "SGD",
        {},
        None,
    ),
    (
        "OneCycleLR",
        {"max_lr": 0.1, "total_steps": EPOCHS, "three_phase": True},
        "SGD",
        {"momentum": 0.9},
        None,
    ),
    (
        "OneCycleLR",
        {"max_lr": 0.1, "epochs": 10, "steps_per_epoch": 10, "three_phase": True,
         "anneal_strategy": "linear", "pct_start": 0.25},
        "SGD",
        {"momentum": 0.9},
        None,
    ),
    (
        "OneCycleLR",
        {"max_lr": 0.01, "total_steps": 120, "pct_start": 0.4, "div_factor": 10.0,
         "final_div_factor": 100.0, "base_momentum": 0.8, "max_momentum": [0.9, 0.95]},
        "Adam",
        {},
        None,
    ),
    (
        "OneCycleLR",
        {"max_lr": 0.05, "total_steps": EPOCHS, "cycle_momentum": False},
        "Adagrad",
        {},
        None,
    ),
    ("ReduceLROnPlateau", {}, "SGD", {}, LOSSES),
    (
        "ReduceLROnPlateau",
        {"threshold": 1e-2, "patience": 2, "cooldown": 3, "factor": 0.5, "min_lr": 1e-4},
        "SGD",
        {},
        LOSSES,
    ),
    (
        "ReduceLROnPlateau",
        {"threshold_mode": "abs", "threshold": 1e-2, "patience": 0, "factor": 0.5,
         "min_lr": [1e-3, 1e-4]},
        "Adam",
        {},
        LOSSES,
    ),
    (
        "ReduceLROnPlateau",
        {"threshold_mode": "abs", "threshold": 0.0, "patience": 3, "cooldown": 2,
         "factor": 0.3, "eps": 1e-3},
        "SGD",
        {},
        LOSSES,
    ),
    ("ReduceLROnPlateau", {"mode": "max", "patience": 5}, "SGD", {}, ACCURACIES),
    (
        "ReduceLROnPlateau",
        {"mode": "max", "threshold": 1e-2, "patience": 1, "cooldown": 4, "factor": 0.7,
         "min_lr": 0.02},
        "SGD",
        {},
        ACCURACIES,
    ),
    (
        "ReduceLROnPlateau",
        {"mode": "max", "threshold_mode": "abs", "threshold": 5e-3, "patience": 2,
         "cooldown": 1},
        "RMSprop",
        {},
        ACCURACIES,
    ),
    (
        "ReduceLROnPlateau",
        {"mode": "max", "threshold_mode": "abs", "threshold": 0.0, "patience": 0,
         "factor": 0.9},
        "SGD",
        {},
        ACCURACIES,
    ),
]  # fmt: skip


def _case_id(case: tuple) -> str:
    name, kw, opt_name = case[:3]
    text = ",".join(f"{k}={getattr(v, '__name__', v)}" for k, v in kw.items())
    return f"{name}-{opt_name}-{text}"


@pytest.mark.parametrize("case", CASES, ids=[_case_id(c) for c in CASES])
def test_lr_sequence_matches_torch(case: tuple) -> None:
    name, kw, opt_name, opt_kw, metrics = case
    opt, topt = _optimizers(opt_name, **opt_kw)
    sched = getattr(lr_scheduler, name)(opt, **kw)
    tsched = getattr(torch.optim.lr_scheduler, name)(topt, **kw)
    start = _record(sched, opt)
    assert start == _record(tsched, topt)
    ours = _sequence(sched, opt, metrics, 0, EPOCHS)
    theirs = _sequence(tsched, topt, metrics, 0, EPOCHS)
    assert ours == theirs
    assert len({r[0] for r in [start, *ours]}) > 1, "the schedule never changed the lr"
    assert all(type(v) is float for v in sched.get_last_lr())


def _save(obj: Any, path: Any, saver: str) -> None:
    if saver == "pickle":
        path.write_bytes(pickle.dumps(obj))
    else:
        ac.save(obj, path)


def _load(path: Any, saver: str) -> Any:
    return pickle.loads(path.read_bytes()) if saver == "pickle" else ac.load(path)


@pytest.mark.parametrize("saver", ["pickle", "ac.save"])
@pytest.mark.parametrize("case", CASES, ids=[_case_id(c) for c in CASES])
def test_resume_from_saved_state_continues_the_sequence(
    case: tuple, tmp_path: Any, saver: str
) -> None:
    name, kw, opt_name, opt_kw, metrics = case
    opt, _ = _optimizers(opt_name, **opt_kw)
    straight = _sequence(getattr(lr_scheduler, name)(opt, **kw), opt, metrics, 0, EPOCHS)

    stop = 37
    opt, _ = _optimizers(opt_name, **opt_kw)
    sched = getattr(lr_scheduler, name)(opt, **kw)
    first = _sequence(sched, opt, metrics, 0, stop)
    path = tmp_path / "sched.npz"
    _save({"opt": opt.state_dict(), "sched": sched.state_dict()}, path, saver)
    _sequence(sched, opt, metrics, stop, stop + 3)  # the saved state must not follow

    ckpt = _load(path, saver)
    opt, _ = _optimizers(opt_name, **opt_kw)
    sched = getattr(lr_scheduler, name)(opt, **kw)  # construct first, then load (as torch)
    opt.load_state_dict(ckpt["opt"])
    sched.load_state_dict(ckpt["sched"])
    assert _record(sched, opt) == first[-1]
    second = _sequence(sched, opt, metrics, stop, EPOCHS)
    assert first + second == straight


def test_state_dict_keys_match_torch() -> None:
    for name, kw, opt_name, opt_kw, _ in CASES:
        opt, topt = _optimizers(opt_name, **opt_kw)
        sd = getattr(lr_scheduler, name)(opt, **kw).state_dict()
        tsd = getattr(torch.optim.lr_scheduler, name)(topt, **kw).state_dict()
        assert sd.keys() == tsd.keys(), name
        for key in (
            "base_lrs",
            "last_epoch",
            "_last_lr",
            "_step_count",
            "best",
            "min_lrs",
            "_schedule_phases",
            "milestones",
            "total_steps",
        ):
            if key in tsd:
                assert sd[key] == tsd[key], (name, key)


def test_lambda_lr_saves_callable_objects_only() -> None:
    opt, topt = _optimizers()
    ours = lr_scheduler.LambdaLR(opt, [_decay, Warmup(5)])
    theirs = torch.optim.lr_scheduler.LambdaLR(topt, [_decay, Warmup(5)])
    for _ in range(3):
        _step(ours, opt, None)
        _step(theirs, topt, None)
    sd = ours.state_dict()
    assert sd["lr_lambdas"] == theirs.state_dict()["lr_lambdas"] == [None, {"n": 5, "calls": 4}]
    fresh_opt, _ = _optimizers()
    fresh = lr_scheduler.LambdaLR(fresh_opt, [_decay, Warmup(5)])
    fresh.load_state_dict(sd)
    assert fresh.lr_lambdas[1].calls == 4 and fresh.lr_lambdas[0] is _decay
    assert fresh.last_epoch == 3


@pytest.mark.parametrize(
    "name,kw",
    [
        ("StepLR", {"step_size": 7, "gamma": 0.5}),
        ("MultiStepLR", {"milestones": [3, 9, 9, 20]}),
        ("ExponentialLR", {"gamma": 0.9}),
        ("CosineAnnealingLR", {"T_max": 12, "eta_min": 0.001}),
        ("LinearLR", {"start_factor": 0.2, "total_iters": 15}),
    ],
)
def test_step_with_epoch_uses_the_closed_form(name: str, kw: dict[str, Any]) -> None:
    opt, topt = _optimizers()
    sched = getattr(lr_scheduler, name)(opt, **kw)
    tsched = getattr(torch.optim.lr_scheduler, name)(topt, **kw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for epoch in (5, 9, 30, 2, 17):
            opt.step()
            topt.step()
            sched.step(epoch)
            tsched.step(epoch)
            assert sched.get_last_lr() == tsched.get_last_lr()
            assert sched.last_epoch == epoch


def test_plateau_accepts_a_tensor_metric() -> None:
    opt, _ = _optimizers()
    sched = lr_scheduler.ReduceLROnPlateau(opt, patience=0)
    sched.step(ac.tensor(1.0))
    sched.step(ac.tensor(2.0))
    assert sched.get_last_lr() == pytest.approx([0.01, 0.003])


def test_one_cycle_momentum_with_adam_moves_beta1_only() -> None:
    opt, _ = _optimizers("Adam", betas=(0.9, 0.98))
    lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=10)
    assert opt.param_groups[0]["betas"] == (0.95, 0.98)


# ----- errors and warnings ---------------------------------------------------------------


def _same_error(make_ours: Any, make_theirs: Any, kind: type[Exception] = ValueError) -> None:
    with pytest.raises(kind) as theirs:
        make_theirs()
    with pytest.raises(kind, match=re.escape(str(theirs.value))):
        make_ours()


BAD_ARGUMENTS = [
    ("ReduceLROnPlateau", {"factor": 1.0}),
    ("ReduceLROnPlateau", {"mode": "avg"}),
    ("ReduceLROnPlateau", {"threshold_mode": "relative"}),
    ("ReduceLROnPlateau", {"min_lr": [0.1]}),
    ("LinearLR", {"start_factor": 0.0}),
    ("LinearLR", {"start_factor": 1.5}),
    ("LinearLR", {"end_factor": -0.1}),
    ("LambdaLR", {"lr_lambda": [_decay, _decay, _decay]}),
    ("OneCycleLR", {"max_lr": 0.1}),
    ("OneCycleLR", {"max_lr": 0.1, "total_steps": 0}),
    ("OneCycleLR", {"max_lr": 0.1, "total_steps": 10.0}),
    ("OneCycleLR", {"max_lr": 0.1, "epochs": 0, "steps_per_epoch": 4}),
    ("OneCycleLR", {"max_lr": 0.1, "epochs": 3, "steps_per_epoch": -4}),
    ("OneCycleLR", {"max_lr": 0.1, "total_steps": 10, "pct_start": 1.5}),
    ("OneCycleLR", {"max_lr": 0.1, "total_steps": 10, "pct_start": 0}),
    ("OneCycleLR", {"max_lr": 0.1, "total_steps": 10, "anneal_strategy": "exp"}),
    ("OneCycleLR", {"max_lr": [0.1, 0.2, 0.3], "total_steps": 10}),
]


@pytest.mark.parametrize("name,kw", BAD_ARGUMENTS)
def test_bad_arguments_raise_like_torch(name: str, kw: dict[str, Any]) -> None:
    opt, topt = _optimizers()
    _same_error(
        lambda: getattr(lr_scheduler, name)(opt, **kw),
        lambda: getattr(torch.optim.lr_scheduler, name)(topt, **kw),
    )


def test_one_cycle_needs_momentum_to_cycle() -> None:
    opt, topt = _optimizers("Adagrad")
    _same_error(
        lambda: lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=10),
        lambda: torch.optim.lr_scheduler.OneCycleLR(topt, max_lr=0.1, total_steps=10),
    )


def test_one_cycle_refuses_to_step_past_total_steps() -> None:
    def past_the_end(module: Any, opt: Any) -> None:
        sched = module.OneCycleLR(opt, max_lr=0.1, total_steps=5)
        for _ in range(6):
            opt.step()
            sched.step()

    opt, topt = _optimizers()
    _same_error(
        lambda: past_the_end(lr_scheduler, opt),
        lambda: past_the_end(torch.optim.lr_scheduler, topt),
    )


def test_not_an_optimizer() -> None:
    kw = {"StepLR": {"step_size": 3}, "OneCycleLR": {"max_lr": 0.1, "total_steps": 3}}
    for name in ("StepLR", "OneCycleLR", "ReduceLROnPlateau"):
        _same_error(
            lambda n=name: getattr(lr_scheduler, n)(object(), **kw.get(n, {})),
            lambda n=name: getattr(torch.optim.lr_scheduler, n)(object(), **kw.get(n, {})),
            TypeError,
        )


def test_resuming_without_initial_lr() -> None:
    opt, topt = _optimizers()
    msg = "param 'initial_lr' is not specified in param_groups[0] when resuming"
    with pytest.raises(KeyError, match=re.escape(msg)):
        lr_scheduler.StepLR(opt, step_size=3, last_epoch=4)
    with pytest.raises(KeyError, match=re.escape(msg)):
        torch.optim.lr_scheduler.StepLR(topt, step_size=3, last_epoch=4)


def test_scheduler_stepped_before_optimizer_warns() -> None:
    opt, _ = _optimizers()
    sched = lr_scheduler.StepLR(opt, step_size=3)
    with pytest.warns(UserWarning, match=re.escape("optimizer.step()")):
        sched.step()
    opt, _ = _optimizers()
    sched = lr_scheduler.StepLR(opt, step_size=3)
    opt.step()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sched.step()


def test_get_lr_outside_step_warns() -> None:
    opt, _ = _optimizers()
    sched = lr_scheduler.ExponentialLR(opt, gamma=0.5)
    with pytest.warns(UserWarning, match=re.escape("get_last_lr()")):
        sched.get_lr()


def test_multistep_milestones_survive_a_plain_dict_round_trip() -> None:
    """A format without Counter (autograd_core.save) gives a dict back; step(epoch) works."""
    opt, topt = _optimizers()
    sched = lr_scheduler.MultiStepLR(opt, milestones=[2, 4, 4])
    tsched = torch.optim.lr_scheduler.MultiStepLR(topt, milestones=[2, 4, 4])
    state = sched.state_dict()
    state["milestones"] = dict(state["milestones"])
    sched.load_state_dict(state)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for epoch in (1, 3, 5):
            opt.step()
            topt.step()
            sched.step(epoch)
            tsched.step(epoch)
            assert sched.get_last_lr() == tsched.get_last_lr()
