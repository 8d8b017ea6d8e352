"""Adadelta, Adamax, NAdam and RAdam against torch.optim, step for step.

The same two-layer tanh network and mini-batches as tests/test_optim_parity.py (its
helpers are reused): from the same float64 weights, our optimizer and PyTorch's run 100
steps and every parameter must agree to relative 1e-10 after every step, for every
combination of the options in the grids below. Then: parameter groups with different
options, state_dict layout equal to PyTorch's, resuming from a file gives the identical
trajectory, float32 stays float32, PyTorch's kernel switches (foreach accepted and
changing nothing; capturable/differentiable refused), and bad hyper-parameters raise
PyTorch's errors.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
import torch
from test_optim_parity import (
    RTOL,
    SAVERS,
    STEPS,
    _close,
    _grid,
    _loss_ours,
    _loss_torch,
    _params,
    _train_both,
)

import autograd_core as ac
import optim
from optim import lr_scheduler

NAMES = ["Adadelta", "Adamax", "NAdam", "RAdam"]


def _cases() -> list[tuple[str, dict[str, Any]]]:
    cases = []
    for kw in _grid(
        lr=[1.0, 0.3],
        rho=[0.9, 0.5],
        eps=[1e-6, 1e-3],
        weight_decay=[0, 0.05],
        maximize=[False, True],
    ):
        cases.append(("Adadelta", kw))
    for kw in _grid(
        lr=[0.02],
        betas=[(0.9, 0.999), (0.5, 0.9)],
        eps=[1e-8, 1e-2],
        weight_decay=[0, 0.05],
        maximize=[False, True],
    ):
        cases.append(("Adamax", kw))
    for kw in _grid(
        lr=[0.02],
        betas=[(0.9, 0.999), (0.5, 0.9)],
        eps=[1e-8, 1e-3],
        weight_decay=[0, 0.05],
        momentum_decay=[4e-3, 0.05],
        decoupled_weight_decay=[False, True],
        maximize=[False, True],
    ):
        if kw["decoupled_weight_decay"] and kw["weight_decay"] == 0:
            continue  # the same run as the undecoupled one
        cases.append(("NAdam", kw))
    for kw in _grid(
        lr=[0.02],
        betas=[(0.9, 0.999), (0.5, 0.9)],
        eps=[1e-8, 1e-3],
        weight_decay=[0, 0.05],
        decoupled_weight_decay=[False, True],
        maximize=[False, True],
    ):
        if kw["decoupled_weight_decay"] and kw["weight_decay"] == 0:
            continue
        cases.append(("RAdam", kw))
    return cases


CASES = _cases()


def _case_id(case: tuple[str, dict[str, Any]]) -> str:
    name, kw = case
    return name + "-" + ",".join(f"{k}={v}" for k, v in kw.items())


@pytest.mark.parametrize("case", CASES, ids=[_case_id(c) for c in CASES])
def test_trajectory_matches_torch(case: tuple[str, dict[str, Any]]) -> None:
    name, kw = case
    # Ascending -L with maximize=True retraces descending L, so the run stays stable.
    sign = -1.0 if kw["maximize"] else 1.0
    _train_both(
        lambda ps: getattr(optim, name)(ps, **kw),
        lambda ps: getattr(torch.optim, name)(ps, **kw),
        sign=sign,
    )


def test_exported_like_torch() -> None:
    for name in NAMES:
        assert name in optim.__all__ and issubclass(getattr(optim, name), optim.Optimizer)


def test_defaults_match_torch() -> None:
    """Constructed with nothing but the parameters, both hold the same defaults."""
    for name in NAMES:
        ours, theirs = _params()
        assert getattr(optim, name)(ours).defaults == getattr(torch.optim, name)(theirs).defaults
        _train_both(lambda ps, n=name: getattr(optim, n)(ps), lambda ps, n=name: getattr(
            torch.optim, n)(ps), steps=20)


def test_radam_uses_both_branches() -> None:
    """With beta2 = 0.999 the first steps skip the adaptive factor (rho_t <= 5), later
    ones use it: the parity runs above cover both sides of the switch."""
    beta2 = 0.999
    rho_inf = 2 / (1 - beta2) - 1
    rho = [rho_inf - 2 * t * beta2**t / (1 - beta2**t) for t in range(1, STEPS + 1)]
    assert rho[0] <= 5 and rho[-1] > 5


@contextlib.contextmanager
def _default_dtype(dtype: np.dtype) -> Iterator[None]:
    """Set the default float dtype of both libraries for the duration."""
    old_torch = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64 if dtype == np.float64 else torch.float32)
    setter = getattr(ac, "set_default_dtype", None)
    if setter is not None:
        old = ac.get_default_dtype()
        setter(dtype)
    else:
        old = ac.dtypes.DEFAULT_FLOAT
        ac.dtypes.DEFAULT_FLOAT = np.dtype(dtype)
    try:
        yield
    finally:
        torch.set_default_dtype(old_torch)
        if setter is not None:
            setter(old)
        else:
            ac.dtypes.DEFAULT_FLOAT = old


@pytest.mark.parametrize("default", [np.float32, np.float64])
def test_nadam_mu_product_is_kept_in_the_default_dtype(default: Any) -> None:
    """PyTorch keeps mu_product as a 0-d tensor of the default dtype: rounded to float32
    after every step under the float32 default, not under float64. The difference reaches
    the update through 1 / (1 - mu_product), far above 1e-10, so each run needs the
    matching rounding (momentum_decay is large so that mu_product moves a lot)."""
    kw = {"lr": 0.02, "momentum_decay": 0.3, "betas": (0.99, 0.999)}
    with _default_dtype(np.dtype(default)):
        ours, theirs = _params()
        opt, topt = optim.NAdam(ours, **kw), torch.optim.NAdam(theirs, **kw)
        for i in range(STEPS):
            opt.zero_grad()
            _loss_ours(ours, i, 1.0).backward()
            opt.step()
            topt.zero_grad()
            _loss_torch(theirs, i, 1.0).backward()
            topt.step()
            for p, q in zip(ours, theirs):
                _close(p._data, q, RTOL)
            want = topt.state[theirs[0]]["mu_product"]
            assert want.dtype == (torch.float64 if default == np.float64 else torch.float32)
            assert opt.state[ours[0]]["mu_product"] == want.item()


PARAM_GROUP_CASES = [
    ("Adadelta", [{"rho": 0.5, "weight_decay": 0.1}, {"lr": 0.2, "eps": 1e-4}], {"lr": 0.8}),
    ("Adamax", [{"betas": (0.5, 0.9)}, {"lr": 0.005, "weight_decay": 0.1}], {"lr": 0.02}),
    (
        "NAdam",
        [{"momentum_decay": 0.1, "weight_decay": 0.1}, {"decoupled_weight_decay": True}],
        {"lr": 0.01, "weight_decay": 0.05},
    ),
    (
        "RAdam",
        [{"betas": (0.8, 0.9)}, {"weight_decay": 0.1, "decoupled_weight_decay": True}],
        {"lr": 0.01},
    ),
]


@pytest.mark.parametrize("name,group_opts,defaults", PARAM_GROUP_CASES)
def test_param_groups_with_different_options(
    name: str, group_opts: list[dict[str, Any]], defaults: dict[str, Any]
) -> None:
    def groups(ps: list[Any]) -> list[dict[str, Any]]:
        return [{"params": ps[:2], **group_opts[0]}, {"params": ps[2:], **group_opts[1]}]

    _train_both(
        lambda ps: getattr(optim, name)(groups(ps), **defaults),
        lambda ps: getattr(torch.optim, name)(groups(ps), **defaults),
    )


# ----- PyTorch's kernel switches -----------------------------------------------------------


@pytest.mark.parametrize("foreach", [None, False, True])
@pytest.mark.parametrize(
    "name,kw",
    [
        ("Adadelta", {"lr": 0.5, "weight_decay": 0.05}),
        ("Adamax", {"lr": 0.02, "weight_decay": 0.05, "maximize": True}),
        ("NAdam", {"lr": 0.02, "weight_decay": 0.05, "decoupled_weight_decay": True}),
        ("RAdam", {"lr": 0.02, "weight_decay": 0.05}),
    ],
)
def test_foreach_is_accepted_and_matches_torch_with_it(
    name: str, kw: dict[str, Any], foreach: bool | None
) -> None:
    """foreach only picks PyTorch's multi-tensor kernels: with foreach=True PyTorch's
    trajectory stays within 1e-10 of ours (which ignores the switch)."""
    sign = -1.0 if kw.get("maximize") else 1.0
    _train_both(
        lambda ps: getattr(optim, name)(ps, foreach=foreach, **kw),
        lambda ps: getattr(torch.optim, name)(ps, foreach=foreach, **kw),
        sign=sign,
    )


@pytest.mark.parametrize("name", NAMES)
def test_flags_set_to_off_are_accepted_and_kept_in_the_groups(name: str) -> None:
    ours, theirs = _params()
    opt = getattr(optim, name)(ours, foreach=False, capturable=False, differentiable=False)
    topt = getattr(torch.optim, name)(theirs, foreach=False, capturable=False, differentiable=False)
    assert opt.param_groups[0].keys() == topt.param_groups[0].keys()
    for key in ("foreach", "capturable", "differentiable"):
        assert opt.param_groups[0][key] is False


@pytest.mark.parametrize("name", NAMES)
def test_capturable_true_is_refused(name: str) -> None:
    ours, theirs = _params()
    with pytest.raises(ValueError, match=f"{name}: capturable=True .* runs on CPU"):
        getattr(optim, name)(ours, capturable=True)
    # PyTorch refuses it for CPU parameters as well, at the first step.
    topt = getattr(torch.optim, name)(theirs, capturable=True)
    _loss_torch(theirs, 0, 1.0).backward()
    with pytest.raises(Exception, match="capturable=True"):
        topt.step()
    # A group that asks for it is refused at the step, before anything moves.
    opt = getattr(optim, name)([{"params": ours[:2]}, {"params": ours[2:], "capturable": True}])
    _loss_ours(ours, 0, 1.0).backward()
    before = [p._data.copy() for p in ours]
    with pytest.raises(ValueError, match="capturable=True"):
        opt.step()
    for p, b in zip(ours[2:], before[2:]):
        np.testing.assert_array_equal(p._data, b)


@pytest.mark.parametrize("name", NAMES)
def test_differentiable_true_is_refused(name: str) -> None:
    ours, _ = _params()
    with pytest.raises(ValueError, match=f"{name}: differentiable=True .* not supported"):
        getattr(optim, name)(ours, differentiable=True)


@pytest.mark.parametrize("name", NAMES)
def test_tensor_lr_is_refused(name: str) -> None:
    ours, _ = _params()
    with pytest.raises(TypeError, match=f"{name}: a Tensor lr is not supported"):
        getattr(optim, name)(ours, lr=ac.tensor(0.01))


@pytest.mark.parametrize("name", NAMES)
def test_fused_is_not_an_argument_as_in_torch(name: str) -> None:
    ours, theirs = _params()
    with pytest.raises(TypeError, match="fused"):
        getattr(torch.optim, name)(theirs, fused=False)
    with pytest.raises(TypeError, match="fused"):
        getattr(optim, name)(ours, fused=False)


# ----- errors ------------------------------------------------------------------------------

BAD_HYPER_PARAMETERS = [
    ("Adadelta", {"lr": -1.0}),
    ("Adadelta", {"rho": -0.1}),
    ("Adadelta", {"rho": 1.1}),
    ("Adadelta", {"eps": -1e-6}),
    ("Adadelta", {"weight_decay": -0.1}),
    ("Adamax", {"lr": -1e-3}),
    ("Adamax", {"eps": -1e-8}),
    ("Adamax", {"betas": (1.0, 0.999)}),
    ("Adamax", {"betas": (0.9, -0.1)}),
    ("Adamax", {"weight_decay": -0.1}),
    ("NAdam", {"lr": -1e-3}),
    ("NAdam", {"eps": -1e-8}),
    ("NAdam", {"betas": (-0.1, 0.999)}),
    ("NAdam", {"betas": (0.9, 1.0)}),
    ("NAdam", {"weight_decay": -0.1}),
    ("NAdam", {"momentum_decay": -4e-3}),
    ("RAdam", {"lr": -1e-3}),
    ("RAdam", {"eps": -1e-8}),
    ("RAdam", {"betas": (1.5, 0.999)}),
    ("RAdam", {"betas": (0.9, 1.0)}),
    ("RAdam", {"weight_decay": -0.1}),
]


@pytest.mark.parametrize("name,kw", BAD_HYPER_PARAMETERS)
def test_bad_hyper_parameter_raises_like_torch(name: str, kw: dict[str, Any]) -> None:
    ours, theirs = _params()
    with pytest.raises(ValueError) as want:
        getattr(torch.optim, name)(theirs, **kw)
    with pytest.raises(ValueError, match=re.escape(str(want.value))):
        getattr(optim, name)(ours, **kw)


@pytest.mark.parametrize("name", NAMES)
def test_empty_parameter_list_raises_like_torch(name: str) -> None:
    with pytest.raises(ValueError) as want:
        getattr(torch.optim, name)([])
    with pytest.raises(ValueError, match=re.escape(str(want.value))):
        getattr(optim, name)([])


# ----- API: closures, in-place updates, parameters without gradients ----------------------


@pytest.mark.parametrize("name", NAMES)
def test_step_with_closure_and_in_place_update(name: str) -> None:
    ours, theirs = _params()
    opt, topt = getattr(optim, name)(ours, lr=0.05), getattr(torch.optim, name)(theirs, lr=0.05)
    arrays, versions = [p._data for p in ours], [p._version for p in ours]

    def closure() -> ac.Tensor:
        opt.zero_grad()
        loss = _loss_ours(ours, 0, 1.0)
        loss.backward()
        return loss

    def tclosure() -> torch.Tensor:
        topt.zero_grad()
        loss = _loss_torch(theirs, 0, 1.0)
        loss.backward()
        return loss

    with ac.no_grad():
        loss = opt.step(closure)
    with torch.no_grad():
        tloss = topt.step(tclosure)
    assert float(loss) == pytest.approx(float(tloss.detach()), rel=1e-14)
    for p, q, arr, version in zip(ours, theirs, arrays, versions):
        _close(p._data, q, RTOL)
        assert p._data is arr  # changed in place
        assert p._version > version  # and visible to version checks
        assert p.grad_fn is None and p.is_leaf and p.requires_grad
    assert opt.step() is None


@pytest.mark.parametrize("name", NAMES)
def test_parameter_without_grad_is_skipped(name: str) -> None:
    kw = {"lr": 0.05, "weight_decay": 0.1}
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


@pytest.mark.parametrize(
    "name,kw",
    [
        ("Adadelta", {"lr": 0.5, "rho": 0.8}),
        ("Adamax", {"lr": 0.01}),
        ("NAdam", {"lr": 0.01, "decoupled_weight_decay": True, "weight_decay": 0.1}),
        ("RAdam", {"lr": 0.01}),
    ],
)
def test_state_dict_layout_matches_torch(name: str, kw: dict[str, Any]) -> None:
    """Same keys (group options included), numbering, buffer names and values."""
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
        assert g == tg
    assert sd["state"].keys() == tsd["state"].keys()
    for idx, st in sd["state"].items():
        tst = tsd["state"][idx]
        assert st.keys() == tst.keys()
        for k, v in st.items():
            if k in ("step", "mu_product"):
                assert float(v) == tst[k].item(), k
            else:
                _close(v, tst[k], 1e-12)


@pytest.mark.parametrize(
    "name,kw",
    [
        ("Adadelta", {"lr": 0.5, "weight_decay": 0.01}),
        ("Adamax", {"lr": 0.01, "weight_decay": 0.01}),
        ("NAdam", {"lr": 0.01, "momentum_decay": 0.05}),
        ("RAdam", {"lr": 0.01, "weight_decay": 0.01, "decoupled_weight_decay": True}),
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


# ----- with schedulers; stopping, saving to a file, resuming -----------------------------


def _sched_pair(name: str, kw: dict[str, Any]) -> tuple[Any, Any]:
    return (
        lambda o: getattr(lr_scheduler, name)(o, **kw),
        lambda o: getattr(torch.optim.lr_scheduler, name)(o, **kw),
    )


@pytest.mark.parametrize(
    "name,kw,sname,skw",
    [
        ("Adamax", {"lr": 0.01}, "CyclicLR", {"base_lr": 0.005, "max_lr": 0.05,
                                              "step_size_up": 15, "mode": "triangular2"}),
        ("NAdam", {"lr": 0.01}, "OneCycleLR", {"max_lr": 0.05, "total_steps": STEPS}),
        ("RAdam", {"lr": 0.02}, "CosineAnnealingWarmRestarts", {"T_0": 10, "T_mult": 2}),
        ("Adadelta", {"lr": 1.0}, "PolynomialLR", {"total_iters": 80, "power": 2.0}),
        ("NAdam", {"lr": 0.02, "decoupled_weight_decay": True, "weight_decay": 0.1},
         "ConstantLR", {"factor": 0.25, "total_iters": 30}),
    ],
)  # fmt: skip
def test_trajectory_with_scheduler_matches_torch(
    name: str, kw: dict[str, Any], sname: str, skw: dict[str, Any]
) -> None:
    """Optimizer and scheduler together (CyclicLR and OneCycleLR also cycle beta1)."""
    _train_both(
        lambda ps: getattr(optim, name)(ps, **kw),
        lambda ps: getattr(torch.optim, name)(ps, **kw),
        sched=_sched_pair(sname, skw),
    )


RESUME_CASES = [
    ("Adadelta", {"lr": 1.0, "rho": 0.8, "weight_decay": 0.01}, "MultiplicativeLR",
     {"lr_lambda": lambda epoch: 0.99}),
    ("Adamax", {"lr": 0.01, "weight_decay": 0.01}, "CyclicLR",
     {"base_lr": 0.002, "max_lr": 0.02, "step_size_up": 7, "step_size_down": 13,
      "mode": "exp_range", "gamma": 0.99}),
    ("NAdam", {"lr": 0.01, "momentum_decay": 0.05}, "CosineAnnealingWarmRestarts",
     {"T_0": 8, "T_mult": 2, "eta_min": 1e-4}),
    ("NAdam", {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True}, "StepLR",
     {"step_size": 20, "gamma": 0.5}),
    ("RAdam", {"lr": 0.01, "weight_decay": 0.01}, "PolynomialLR",
     {"total_iters": 70, "power": 0.5}),
    ("RAdam", {"lr": 0.01, "decoupled_weight_decay": True, "weight_decay": 0.1}, "ConstantLR",
     {"factor": 0.5, "total_iters": 45}),
]  # fmt: skip


@pytest.mark.parametrize("saver", list(SAVERS))
@pytest.mark.parametrize("name,kw,sname,skw", RESUME_CASES, ids=[c[0] + "-" + c[2] for c in
                                                                  RESUME_CASES])
def test_resume_from_file_gives_identical_trajectory(
    tmp_path: Any, name: str, kw: dict[str, Any], sname: str, skw: dict[str, Any], saver: str
) -> None:
    def make(ps: list[ac.Tensor]) -> tuple[Any, Any]:
        groups = [{"params": ps[:2]}, {"params": ps[2:], "lr": kw["lr"] / 2}]
        opt = getattr(optim, name)(groups, **kw)
        return opt, getattr(lr_scheduler, sname)(opt, **skw)

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
    straight = run(ps, *make(ps), 0, STEPS)

    stop = 37
    ps, _ = _params()
    opt, sched = make(ps)
    first = run(ps, opt, sched, 0, stop)
    save, load = SAVERS[saver]
    path = tmp_path / "checkpoint.npz"
    save({"params": [p._data for p in ps], "optimizer": opt.state_dict(),
          "scheduler": sched.state_dict()}, path)  # fmt: skip
    run(ps, opt, sched, stop, stop + 5)  # the file must not follow
    del ps, opt, sched

    ckpt = load(path)
    ps = [ac.Tensor(a, requires_grad=True) for a in ckpt["params"]]
    opt, sched = make(ps)
    opt.load_state_dict(ckpt["optimizer"])
    sched.load_state_dict(ckpt["scheduler"])
    second = run(ps, opt, sched, stop, STEPS)
    assert len(first) + len(second) == len(straight)
    for got, want in zip(first + second, straight):
        for a, b in zip(got, want):
            np.testing.assert_array_equal(a, b)
