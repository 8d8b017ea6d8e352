"""ConstantLR, PolynomialLR, MultiplicativeLR, CosineAnnealingWarmRestarts, CyclicLR,
SequentialLR and ChainedScheduler against torch.optim.lr_scheduler.

As in tests/test_lr_scheduler.py (whose helpers are reused): each configuration is
stepped for 100 epochs on an optimizer with two parameter groups; after every epoch
``get_last_lr()``, each group's lr, momentum and beta1 must equal PyTorch's exactly.
Saving and loading mid-way (pickle and autograd_core.save) continues the same sequence,
the state_dict keys are PyTorch's, and bad arguments raise PyTorch's errors.
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Callable
from typing import Any

import pytest
import torch
from test_lr_scheduler import EPOCHS, _load, _optimizers, _record, _same_error, _save, _sequence

from optim import lr_scheduler

Build = Callable[[Any, Any], Any]  # (scheduler module, optimizer) -> scheduler


def _plain(name: str, **kw: Any) -> Build:
    return lambda L, opt: getattr(L, name)(opt, **kw)


def _shrink(epoch: int) -> float:
    return 0.99 if epoch % 3 else 0.9


class Halving:
    """A callable object with state: saved through its ``__dict__``."""

    def __init__(self, every: int) -> None:
        self.every = every
        self.calls = 0

    def __call__(self, x: float) -> float:
        self.calls += 1
        return 0.5 ** (x // self.every)


def _sequential_warmup_cosine(L: Any, opt: Any) -> Any:
    warm = L.LinearLR(opt, start_factor=0.1, total_iters=5)
    return L.SequentialLR(opt, [warm, L.CosineAnnealingLR(opt, T_max=95)], milestones=[5])


def _sequential_constant_exponential(L: Any, opt: Any) -> Any:
    first = L.ConstantLR(opt, factor=0.1, total_iters=20)
    return L.SequentialLR(opt, [first, L.ExponentialLR(opt, gamma=0.9)], milestones=[20])


def _sequential_three(L: Any, opt: Any) -> Any:
    scheds = [
        L.LinearLR(opt, start_factor=0.25, total_iters=8),
        L.StepLR(opt, step_size=10, gamma=0.5),
        L.CosineAnnealingWarmRestarts(opt, T_0=7, T_mult=2, eta_min=1e-3),
    ]
    return L.SequentialLR(opt, scheds, milestones=[10, 40])


def _sequential_lambdas(L: Any, opt: Any) -> Any:
    scheds = [L.MultiplicativeLR(opt, lr_lambda=_shrink), L.PolynomialLR(opt, 50, power=2.0)]
    return L.SequentialLR(opt, scheds, milestones=[30])


def _sequential_then_cyclic(L: Any, opt: Any) -> Any:
    warm = L.ConstantLR(opt, factor=0.5, total_iters=10)
    cyc = L.CyclicLR(opt, base_lr=0.01, max_lr=0.1, step_size_up=6, cycle_momentum=False)
    return L.SequentialLR(opt, [warm, cyc], milestones=[10])


def _sequential_of_chained(L: Any, opt: Any) -> Any:
    chain = L.ChainedScheduler([L.ConstantLR(opt, 0.2, 10), L.ExponentialLR(opt, 0.95)])
    with warnings.catch_warnings():
        # Restarting the chain steps its schedulers before any optimizer.step(): both
        # libraries warn about that order here.
        warnings.simplefilter("ignore", UserWarning)
        return L.SequentialLR(opt, [chain, L.CosineAnnealingLR(opt, T_max=30)], milestones=[25])


def _chained_constant_exponential(L: Any, opt: Any) -> Any:
    first = L.ConstantLR(opt, factor=0.1, total_iters=20)
    return L.ChainedScheduler([first, L.ExponentialLR(opt, gamma=0.9)], optimizer=opt)


def _chained_three(L: Any, opt: Any) -> Any:
    scheds = [
        L.StepLR(opt, step_size=10, gamma=0.5),
        L.LinearLR(opt, start_factor=0.2, total_iters=30),
        L.MultiplicativeLR(opt, lr_lambda=lambda e: 0.99),
    ]
    return L.ChainedScheduler(scheds)


def _chained_restarts(L: Any, opt: Any) -> Any:
    scheds = [L.CosineAnnealingWarmRestarts(opt, T_0=10), L.ExponentialLR(opt, gamma=0.98)]
    return L.ChainedScheduler(scheds)


def _chained_cyclic_polynomial(L: Any, opt: Any) -> Any:
    cyc = L.CyclicLR(opt, base_lr=0.02, max_lr=0.2, step_size_up=5, mode="triangular2")
    return L.ChainedScheduler([cyc, L.PolynomialLR(opt, total_iters=90, power=0.7)])


# (id, optimizer, optimizer kwargs, builder)
CASES: list[tuple[str, str, dict[str, Any], Build]] = [
    ("ConstantLR-default", "SGD", {}, _plain("ConstantLR")),
    ("ConstantLR-0.5-40", "SGD", {}, _plain("ConstantLR", factor=0.5, total_iters=40)),
    ("ConstantLR-0.1-1", "Adam", {}, _plain("ConstantLR", factor=0.1, total_iters=1)),
    ("PolynomialLR-default", "SGD", {}, _plain("PolynomialLR")),
    ("PolynomialLR-50-0.9", "SGD", {}, _plain("PolynomialLR", total_iters=50, power=0.9)),
    ("PolynomialLR-100-2", "SGD", {}, _plain("PolynomialLR", total_iters=100, power=2.0)),
    ("PolynomialLR-30-0.5", "Adam", {}, _plain("PolynomialLR", total_iters=30, power=0.5)),
    ("MultiplicativeLR-const", "SGD", {}, _plain("MultiplicativeLR", lr_lambda=lambda e: 0.95)),
    ("MultiplicativeLR-list", "SGD", {},
     _plain("MultiplicativeLR", lr_lambda=[_shrink, lambda e: 1.0 + 0.01 * (e % 2) - 0.008])),
    ("WarmRestarts-10", "SGD", {}, _plain("CosineAnnealingWarmRestarts", T_0=10)),
    ("WarmRestarts-5-x2", "SGD", {}, _plain("CosineAnnealingWarmRestarts", T_0=5, T_mult=2)),
    ("WarmRestarts-3-x3-min", "SGD", {},
     _plain("CosineAnnealingWarmRestarts", T_0=3, T_mult=3, eta_min=0.001)),
    ("WarmRestarts-7-min", "Adam", {},
     _plain("CosineAnnealingWarmRestarts", T_0=7, eta_min=0.01)),
    ("CyclicLR-triangular-SGD", "SGD", {"momentum": 0.9},
     _plain("CyclicLR", base_lr=0.01, max_lr=0.1, step_size_up=10)),
    ("CyclicLR-triangular2-down", "SGD", {"momentum": 0.5},
     _plain("CyclicLR", base_lr=[0.01, 0.001], max_lr=[0.1, 0.05], step_size_up=4,
            step_size_down=9, mode="triangular2")),
    ("CyclicLR-exp_range-Adam", "Adam", {"betas": (0.9, 0.98)},
     _plain("CyclicLR", base_lr=0.001, max_lr=0.01, step_size_up=7, mode="exp_range",
            gamma=0.97, base_momentum=0.85, max_momentum=0.95)),
    ("CyclicLR-exp_range-no-momentum", "Adagrad", {},
     _plain("CyclicLR", base_lr=0.01, max_lr=0.03, step_size_up=3, step_size_down=2,
            mode="exp_range", gamma=0.99, cycle_momentum=False)),
    ("CyclicLR-scale_fn-cycle", "RMSprop", {"momentum": 0.5},
     _plain("CyclicLR", base_lr=0.001, max_lr=0.004, step_size_up=5,
            scale_fn=lambda x: 1 / x, base_momentum=[0.7, 0.6], max_momentum=[0.9, 0.95])),
    ("CyclicLR-scale_fn-iterations", "Adam", {},
     _plain("CyclicLR", base_lr=0.002, max_lr=0.02, step_size_up=8, scale_fn=Halving(20),
            scale_mode="iterations")),
    ("CyclicLR-bad-mode-with-scale_fn", "SGD", {},
     _plain("CyclicLR", base_lr=0.01, max_lr=0.1, step_size_up=5, mode="nonsense",
            scale_fn=lambda x: 0.9**x, cycle_momentum=False)),
    ("SequentialLR-warmup-cosine", "SGD", {}, _sequential_warmup_cosine),
    ("SequentialLR-constant-exponential", "Adam", {}, _sequential_constant_exponential),
    ("SequentialLR-three", "SGD", {}, _sequential_three),
    ("SequentialLR-lambdas", "SGD", {}, _sequential_lambdas),
    ("SequentialLR-then-cyclic", "SGD", {}, _sequential_then_cyclic),
    ("SequentialLR-of-chained", "SGD", {}, _sequential_of_chained),
    ("ChainedScheduler-constant-exponential", "SGD", {}, _chained_constant_exponential),
    ("ChainedScheduler-three", "RMSprop", {}, _chained_three),
    ("ChainedScheduler-restarts", "SGD", {}, _chained_restarts),
    ("ChainedScheduler-cyclic-polynomial", "SGD", {"momentum": 0.9}, _chained_cyclic_polynomial),
]  # fmt: skip

IDS = [c[0] for c in CASES]


def _both(case: tuple) -> tuple[Any, Any, Any, Any]:
    _, opt_name, opt_kw, build = case
    opt, topt = _optimizers(opt_name, **opt_kw)
    return opt, build(lr_scheduler, opt), topt, build(torch.optim.lr_scheduler, topt)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_lr_sequence_matches_torch(case: tuple) -> None:
    opt, sched, topt, tsched = _both(case)
    start = _record(sched, opt)
    assert start == _record(tsched, topt)
    ours = _sequence(sched, opt, None, 0, EPOCHS)
    theirs = _sequence(tsched, topt, None, 0, EPOCHS)
    assert ours == theirs
    assert len({r[0] for r in [start, *ours]}) > 1, "the schedule never changed the lr"
    assert all(type(v) is float for v in sched.get_last_lr())


def test_cyclic_momentum_moves_against_the_lr() -> None:
    """CyclicLR's momentum cycling is exercised: it takes many values, lowest at max lr."""
    opt, topt = _optimizers("SGD", momentum=0.9)
    sched = lr_scheduler.CyclicLR(opt, base_lr=0.01, max_lr=0.1, step_size_up=10)
    records = _sequence(sched, opt, None, 0, 40)
    momenta = [r[2][0] for r in records]
    lrs = [r[0][0] for r in records]
    assert len(set(momenta)) > 5
    assert momenta[lrs.index(max(lrs))] == pytest.approx(0.8)
    assert momenta[lrs.index(min(lrs))] == pytest.approx(0.9)


@pytest.mark.parametrize("saver", ["pickle", "ac.save"])
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_resume_from_saved_state_continues_the_sequence(
    case: tuple, tmp_path: Any, saver: str
) -> None:
    _, opt_name, opt_kw, build = case

    def fresh() -> tuple[Any, Any]:
        opt, _ = _optimizers(opt_name, **opt_kw)
        return opt, build(lr_scheduler, opt)

    opt, sched = fresh()
    straight = _sequence(sched, opt, None, 0, EPOCHS)

    stop = 37
    opt, sched = fresh()
    first = _sequence(sched, opt, None, 0, stop)
    path = tmp_path / "sched.npz"
    _save({"opt": opt.state_dict(), "sched": sched.state_dict()}, path, saver)
    _sequence(sched, opt, None, stop, stop + 3)  # the saved state must not follow

    ckpt = _load(path, saver)
    opt, sched = fresh()  # construct first, then load (as torch)
    opt.load_state_dict(ckpt["opt"])
    sched.load_state_dict(ckpt["sched"])
    assert _record(sched, opt) == first[-1]
    second = _sequence(sched, opt, None, stop, EPOCHS)
    assert first + second == straight


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_state_dict_keys_match_torch(case: tuple) -> None:
    opt, sched, topt, tsched = _both(case)
    for _ in range(3):
        opt.step()
        topt.step()
        sched.step()
        tsched.step()
    sd, tsd = sched.state_dict(), tsched.state_dict()
    assert sd.keys() == tsd.keys()
    for key in ("base_lrs", "last_epoch", "_last_lr", "_step_count", "T_cur", "T_i",
                "total_size", "step_ratio", "max_lrs", "base_momentums", "max_momentums",
                "scale_mode", "_milestones", "factor", "total_iters", "power"):  # fmt: skip
        if key in tsd:
            assert sd[key] == tsd[key], key
    if "_schedulers" in tsd:
        for child, tchild in zip(sd["_schedulers"], tsd["_schedulers"]):
            assert child.keys() == tchild.keys()


def test_state_dict_saves_callable_objects_only() -> None:
    """MultiplicativeLR's lr_lambdas and CyclicLR's scale_fn: None for plain functions and
    lambdas, the object's __dict__ for callable objects (the state follows on load)."""
    opt, topt = _optimizers()
    pair = [
        lr_scheduler.MultiplicativeLR(opt, [_shrink, Halving(3)]),
        torch.optim.lr_scheduler.MultiplicativeLR(topt, [_shrink, Halving(3)]),
    ]
    for _ in range(4):
        for o in (opt, topt):
            o.step()
        for s in pair:
            s.step()
    assert pair[0].state_dict()["lr_lambdas"] == pair[1].state_dict()["lr_lambdas"]
    assert pair[0].state_dict()["lr_lambdas"] == [None, {"every": 3, "calls": 4}]

    fresh_opt, _ = _optimizers()
    fresh = lr_scheduler.MultiplicativeLR(fresh_opt, [_shrink, Halving(3)])
    fresh.load_state_dict(pair[0].state_dict())
    assert fresh.lr_lambdas[1].calls == 4 and fresh.lr_lambdas[0] is _shrink

    opt, topt = _optimizers("SGD", momentum=0.9)
    kw = {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 4, "scale_mode": "iterations"}
    ours = lr_scheduler.CyclicLR(opt, scale_fn=Halving(5), **kw)
    theirs = torch.optim.lr_scheduler.CyclicLR(topt, scale_fn=Halving(5), **kw)
    for _ in range(6):
        opt.step()
        topt.step()
        ours.step()
        theirs.step()
    sd, tsd = ours.state_dict(), theirs.state_dict()
    assert sd["_scale_fn_custom"] == tsd["_scale_fn_custom"] == {"every": 5, "calls": 28}
    fresh_opt, _ = _optimizers("SGD", momentum=0.9)
    fresh = lr_scheduler.CyclicLR(fresh_opt, scale_fn=Halving(5), **kw)
    fresh.load_state_dict(sd)
    assert fresh._scale_fn_custom.calls == 28
    assert "_scale_fn_custom" in sd  # loading did not consume the caller's dict
    lam = lr_scheduler.CyclicLR(_optimizers()[0], scale_fn=lambda x: 1.0, **kw)
    assert lam.state_dict()["_scale_fn_custom"] is None


# ----- stepping to an epoch ------------------------------------------------------------------


@pytest.mark.parametrize(
    "name,kw",
    [
        ("ConstantLR", {"factor": 0.2, "total_iters": 15}),
        ("PolynomialLR", {"total_iters": 20, "power": 1.5}),
    ],
)
def test_step_with_epoch_uses_the_closed_form(name: str, kw: dict[str, Any]) -> None:
    opt, topt = _optimizers()
    sched = getattr(lr_scheduler, name)(opt, **kw)
    tsched = getattr(torch.optim.lr_scheduler, name)(topt, **kw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for epoch in (5, 9, 30, 2, 17, 15):
            opt.step()
            topt.step()
            sched.step(epoch)
            tsched.step(epoch)
            assert sched.get_last_lr() == tsched.get_last_lr()
            assert sched.last_epoch == epoch


@pytest.mark.parametrize("T_mult", [1, 2, 3])
def test_warm_restarts_fractional_epochs_match_torch_without_warning(T_mult: int) -> None:
    """step(epoch + i / iters) inside an epoch, jumps and going back, as in PyTorch's docs."""
    opt, topt = _optimizers()
    sched = lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=4, T_mult=T_mult, eta_min=0.001)
    tsched = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(
        topt, T_0=4, T_mult=T_mult, eta_min=0.001
    )
    iters = 5
    epochs = [e + i / iters for e in range(30) for i in range(iters)] + [100, 7.5, 3, 61]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # neither library warns here
        for epoch in epochs:
            opt.step()
            topt.step()
            sched.step(epoch)
            tsched.step(epoch)
            assert sched.get_last_lr() == tsched.get_last_lr(), epoch
            assert (sched.T_cur, sched.T_i, sched.last_epoch) == (
                tsched.T_cur,
                tsched.T_i,
                tsched.last_epoch,
            )
        for _ in range(20):  # plain steps after jumps continue from there
            sched.step()
            tsched.step()
            assert sched.get_last_lr() == tsched.get_last_lr()
    assert sched.get_last_lr() != [0.1, 0.03]


def test_warm_restarts_negative_epoch() -> None:
    opt, topt = _optimizers()
    _same_error(
        lambda: lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=3).step(-1),
        lambda: torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(topt, T_0=3).step(-1),
    )


def test_polynomial_reaches_zero_and_stays() -> None:
    opt, _ = _optimizers()
    sched = lr_scheduler.PolynomialLR(opt, total_iters=10, power=1.0)
    lrs = [r[0][0] for r in _sequence(sched, opt, None, 0, 20)]
    assert lrs[9] == 0.0 and lrs[-1] == 0.0 and lrs[0] == pytest.approx(0.09)
    assert math.isclose(lrs[4], 0.05)


# ----- errors ------------------------------------------------------------------------------

BAD_ARGUMENTS = [
    ("ConstantLR", {"factor": 1.5}),
    ("ConstantLR", {"factor": -0.1}),
    ("CosineAnnealingWarmRestarts", {"T_0": 0}),
    ("CosineAnnealingWarmRestarts", {"T_0": 2.5}),
    ("CosineAnnealingWarmRestarts", {"T_0": 3, "T_mult": 0}),
    ("CosineAnnealingWarmRestarts", {"T_0": 3, "T_mult": 1.5}),
    ("CosineAnnealingWarmRestarts", {"T_0": 3, "eta_min": "0"}),
    ("CyclicLR", {"base_lr": 0.01, "max_lr": 0.1, "mode": "triangle"}),
    ("CyclicLR", {"base_lr": [0.01], "max_lr": 0.1}),
    ("CyclicLR", {"base_lr": 0.01, "max_lr": [0.1, 0.2, 0.3]}),
    ("CyclicLR", {"base_lr": 0.01, "max_lr": 0.1, "base_momentum": [0.8]}),
    ("MultiplicativeLR", {"lr_lambda": [_shrink]}),
]


@pytest.mark.parametrize("name,kw", BAD_ARGUMENTS)
def test_bad_arguments_raise_like_torch(name: str, kw: dict[str, Any]) -> None:
    opt, topt = _optimizers()
    _same_error(
        lambda: getattr(lr_scheduler, name)(opt, **kw),
        lambda: getattr(torch.optim.lr_scheduler, name)(topt, **kw),
    )


def test_non_callable_lambda_and_non_optimizer() -> None:
    opt, topt = _optimizers()
    _same_error(
        lambda: lr_scheduler.MultiplicativeLR(opt, [_shrink, 0.5]),
        lambda: torch.optim.lr_scheduler.MultiplicativeLR(topt, [_shrink, 0.5]),
        TypeError,
    )
    _same_error(
        lambda: lr_scheduler.CyclicLR(object(), base_lr=0.1, max_lr=1.0),
        lambda: torch.optim.lr_scheduler.CyclicLR(object(), base_lr=0.1, max_lr=1.0),
        TypeError,
    )


def test_cyclic_momentum_needs_an_optimizer_with_momentum() -> None:
    opt, topt = _optimizers("Adagrad")
    _same_error(
        lambda: lr_scheduler.CyclicLR(opt, base_lr=0.01, max_lr=0.1),
        lambda: torch.optim.lr_scheduler.CyclicLR(topt, base_lr=0.01, max_lr=0.1),
    )


def _composite_errors(L: Any, opt: Any, other: Any, which: str) -> None:
    step = L.StepLR(opt, step_size=3)
    if which == "empty-sequential":
        L.SequentialLR(opt, [], milestones=[])
    elif which == "empty-chained":
        L.ChainedScheduler([])
    elif which == "milestones":
        L.SequentialLR(opt, [step, L.ExponentialLR(opt, 0.9)], milestones=[3, 6])
    elif which == "plateau-sequential":
        L.SequentialLR(opt, [step, L.ReduceLROnPlateau(opt)], milestones=[3])
    elif which == "plateau-chained":
        L.ChainedScheduler([L.ReduceLROnPlateau(opt), step])
    elif which == "no-optimizer":
        L.SequentialLR(opt, [step, object()], milestones=[3])
    elif which == "no-optimizer-chained":
        L.ChainedScheduler([step, object()])


@pytest.mark.parametrize(
    "which,kind",
    [
        ("empty-sequential", ValueError),
        ("empty-chained", ValueError),
        ("milestones", ValueError),
        ("plateau-sequential", ValueError),
        ("plateau-chained", ValueError),
        ("no-optimizer", TypeError),
        ("no-optimizer-chained", TypeError),
    ],
)
def test_composite_errors_like_torch(which: str, kind: type[Exception]) -> None:
    opt, topt = _optimizers()
    _same_error(
        lambda: _composite_errors(lr_scheduler, opt, None, which),
        lambda: _composite_errors(torch.optim.lr_scheduler, topt, None, which),
        kind,
    )


@pytest.mark.parametrize("composite", ["SequentialLR", "ChainedScheduler"])
def test_composite_of_two_optimizers_is_refused(composite: str) -> None:
    prefix = f"{composite} expects all schedulers to belong to the same optimizer, but got "
    for L, pair in ((lr_scheduler, _optimizers()), (torch.optim.lr_scheduler, _optimizers())):
        opt = pair[0] if L is lr_scheduler else pair[1]
        other_pair = _optimizers()
        other = other_pair[0] if L is lr_scheduler else other_pair[1]
        scheds = [L.StepLR(opt, step_size=3), L.StepLR(other, step_size=3)]
        with pytest.raises(ValueError, match=re.escape(prefix + "scheduler StepLR at index 1")):
            if composite == "SequentialLR":
                L.SequentialLR(opt, scheds, milestones=[3])
            else:
                L.ChainedScheduler(scheds, optimizer=opt)


def test_exported_like_torch() -> None:
    for name in ("ConstantLR", "PolynomialLR", "MultiplicativeLR", "CosineAnnealingWarmRestarts",
                 "CyclicLR", "SequentialLR", "ChainedScheduler"):  # fmt: skip
        assert name in lr_scheduler.__all__ and hasattr(torch.optim.lr_scheduler, name)
        assert issubclass(getattr(lr_scheduler, name), lr_scheduler.LRScheduler)
