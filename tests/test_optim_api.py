"""Optimizer API: errors in PyTorch's words, parameter groups, zero_grad, closures, layers."""

from __future__ import annotations

import pathlib
import re
from typing import Any

import numpy as np
import pytest
import torch

import autograd_core as ac
import optim

OPTIMIZERS = ["SGD", "Adam", "AdamW", "Adagrad", "RMSprop"]


def _pair(shape: tuple[int, ...] = (3,)) -> tuple[ac.Tensor, torch.Tensor]:
    a = np.arange(np.prod(shape), dtype=np.float64).reshape(shape) / 7 + 0.5
    return ac.Tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)


def _same_error(make_ours: Any, make_theirs: Any, kind: type[Exception] = ValueError) -> str:
    """Both raise ``kind`` with the same message; returns the message."""
    with pytest.raises(kind) as theirs:
        make_theirs()
    with pytest.raises(kind, match=re.escape(str(theirs.value))):
        make_ours()
    return str(theirs.value)


BAD_HYPER_PARAMETERS = [
    ("SGD", {"lr": -0.1}),
    ("SGD", {"lr": 0.1, "momentum": -0.5}),
    ("SGD", {"lr": 0.1, "weight_decay": -1e-4}),
    ("SGD", {"lr": 0.1, "nesterov": True}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "dampening": 0.1, "nesterov": True}),
    ("Adam", {"lr": -1e-3}),
    ("Adam", {"eps": -1e-8}),
    ("Adam", {"betas": (1.0, 0.999)}),
    ("Adam", {"betas": (-0.1, 0.999)}),
    ("Adam", {"betas": (0.9, 1.0)}),
    ("Adam", {"betas": (0.9, 1.5)}),
    ("Adam", {"weight_decay": -0.1}),
    ("AdamW", {"lr": -1.0}),
    ("AdamW", {"betas": (0.9, 1.0)}),
    ("AdamW", {"weight_decay": -0.01}),
    ("AdamW", {"eps": -1.0}),
    ("Adagrad", {"lr": -0.01}),
    ("Adagrad", {"lr_decay": -0.1}),
    ("Adagrad", {"weight_decay": -0.1}),
    ("Adagrad", {"initial_accumulator_value": -0.1}),
    ("Adagrad", {"eps": -1e-10}),
    ("RMSprop", {"lr": -0.01}),
    ("RMSprop", {"alpha": -0.5}),
    ("RMSprop", {"eps": -1e-8}),
    ("RMSprop", {"momentum": -0.9}),
    ("RMSprop", {"weight_decay": -0.1}),
]


@pytest.mark.parametrize("name,kw", BAD_HYPER_PARAMETERS)
def test_bad_hyper_parameter_raises_like_torch(name: str, kw: dict[str, Any]) -> None:
    p, tp = _pair()
    _same_error(
        lambda: getattr(optim, name)([p], **kw), lambda: getattr(torch.optim, name)([tp], **kw)
    )


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_empty_parameter_list(name: str) -> None:
    _same_error(lambda: getattr(optim, name)([]), lambda: getattr(torch.optim, name)([]))


def test_params_given_as_a_single_tensor() -> None:
    p, tp = _pair()
    with pytest.raises(TypeError, match="should be an iterable of Tensors or dicts, but got"):
        optim.SGD(p, lr=0.1)
    with pytest.raises(TypeError, match="should be an iterable of Tensors or dicts, but got"):
        torch.optim.SGD(tp, lr=0.1)


def test_non_tensor_parameter() -> None:
    with pytest.raises(TypeError, match="optimizer can only optimize Tensors, but one of the"):
        optim.SGD([np.zeros(3)], lr=0.1)
    with pytest.raises(TypeError, match="optimizer can only optimize Tensors, but one of the"):
        torch.optim.SGD([np.zeros(3)], lr=0.1)


def test_non_leaf_parameter() -> None:
    p, tp = _pair()
    _same_error(lambda: optim.SGD([p * 2], lr=0.1), lambda: torch.optim.SGD([tp * 2], lr=0.1))


def test_non_leaf_that_retains_grad_is_accepted() -> None:
    p, _ = _pair()
    q = p * 2
    q.retain_grad()
    optim.SGD([q], lr=0.1)


def test_parameter_in_two_groups() -> None:
    (p, tp), (r, tr) = _pair(), _pair()
    _same_error(
        lambda: optim.SGD([{"params": [p, r]}, {"params": [r]}], lr=0.1),
        lambda: torch.optim.SGD([{"params": [tp, tr]}, {"params": [tr]}], lr=0.1),
    )
    opt = optim.SGD([p], lr=0.1)
    with pytest.raises(ValueError, match="some parameters appear in more than one"):
        opt.add_param_group({"params": [r, p]})
    assert len(opt.param_groups) == 1


def test_duplicate_parameter_in_one_group_warns() -> None:
    p, tp = _pair()
    with pytest.warns(UserWarning, match="duplicate parameters"):
        optim.SGD([p, p], lr=0.1)
    with pytest.warns(UserWarning, match="duplicate parameters"):
        torch.optim.SGD([tp, tp], lr=0.1)


def test_set_of_parameters_is_refused() -> None:
    p, tp = _pair()
    _same_error(
        lambda: optim.SGD([{"params": {p}}], lr=0.1),
        lambda: torch.optim.SGD([{"params": {tp}}], lr=0.1),
        TypeError,
    )


def test_param_group_not_a_dict() -> None:
    p, tp = _pair()
    opt, topt = optim.SGD([p], lr=0.1), torch.optim.SGD([tp], lr=0.1)
    _same_error(lambda: opt.add_param_group([p]), lambda: topt.add_param_group([tp]), TypeError)


def test_add_param_group_fills_defaults_and_keeps_own_options() -> None:
    (p, _), (r, _) = _pair(), _pair()
    opt = optim.SGD([p], lr=0.1, momentum=0.9)
    given = {"params": r, "lr": 0.01}
    opt.add_param_group(given)
    g = opt.param_groups[1]
    assert g["params"][0] is r and g["lr"] == 0.01 and g["momentum"] == 0.9
    assert g.keys() == opt.param_groups[0].keys()
    assert given == {"params": r, "lr": 0.01}  # the caller's dict is left alone


def test_named_parameters_are_accepted() -> None:
    (p, tp), (r, tr) = _pair(), _pair()
    opt = optim.Adam([("w", p), ("b", r)], lr=0.1)
    topt = torch.optim.Adam([("w", tp), ("b", tr)], lr=0.1)
    assert opt.param_groups[0]["param_names"] == topt.param_groups[0]["param_names"]
    assert opt.state_dict()["param_groups"][0]["param_names"] == ["w", "b"]


def test_adagrad_parameter_added_later_gets_state() -> None:
    (p, tp), (r, tr) = _pair(), _pair()
    opt = optim.Adagrad([p], lr=0.1, initial_accumulator_value=0.2)
    topt = torch.optim.Adagrad([tp], lr=0.1, initial_accumulator_value=0.2)
    opt.add_param_group({"params": [r], "lr": 0.3})
    topt.add_param_group({"params": [tr], "lr": 0.3})
    for _ in range(3):
        opt.zero_grad()
        topt.zero_grad()
        ((p * r) ** 2).sum().backward()
        opt.step()
        ((tp * tr) ** 2).sum().backward()
        topt.step()
    np.testing.assert_allclose(r._data, tr.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(p._data, tp.detach().numpy(), rtol=1e-12)


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_zero_grad_set_to_none(name: str) -> None:
    p, _ = _pair()
    opt = getattr(optim, name)([p], lr=0.1)
    (p * p).sum().backward()
    assert p.grad is not None
    opt.zero_grad()
    assert p.grad is None
    opt.zero_grad()  # nothing to reset: still fine


def test_zero_grad_to_zeros_keeps_the_array() -> None:
    p, tp = _pair()
    opt = optim.SGD([p], lr=0.1, weight_decay=0.5)
    topt = torch.optim.SGD([tp], lr=0.1, weight_decay=0.5)
    (p * p).sum().backward()
    (tp * tp).sum().backward()
    g = p.grad
    opt.zero_grad(set_to_none=False)
    topt.zero_grad(set_to_none=False)
    assert p.grad is g
    np.testing.assert_array_equal(p.grad._data, np.zeros(3))
    # A zero gradient still takes a step (weight decay acts); None would skip it.
    opt.step()
    topt.step()
    np.testing.assert_allclose(p._data, tp.detach().numpy(), rtol=1e-15)


def test_zero_grad_to_zeros_detaches_a_graph_gradient() -> None:
    p, _ = _pair()
    (p * p * p).sum().backward(create_graph=True)
    assert p.grad.requires_grad
    optim.SGD([p], lr=0.1).zero_grad(set_to_none=False)
    assert p.grad.grad_fn is None and not p.grad.requires_grad
    np.testing.assert_array_equal(p.grad._data, np.zeros(3))


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_step_with_closure_returns_loss_with_grad_enabled(name: str) -> None:
    p, tp = _pair()
    opt = getattr(optim, name)([p], lr=0.1)
    topt = getattr(torch.optim, name)([tp], lr=0.1)

    def closure() -> ac.Tensor:
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss

    def tclosure() -> torch.Tensor:
        topt.zero_grad()
        loss = (tp * tp).sum()
        loss.backward()
        return loss

    with ac.no_grad():
        loss = opt.step(closure)
    with torch.no_grad():
        tloss = topt.step(tclosure)
    assert float(loss) == pytest.approx(float(tloss.detach()), rel=1e-15)
    np.testing.assert_allclose(p._data, tp.detach().numpy(), rtol=1e-14)
    assert opt.step() is None


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_step_updates_in_place_without_graph(name: str) -> None:
    p, _ = _pair()
    opt = getattr(optim, name)([p], lr=0.1)
    arr, version = p._data, p._version
    (p * p).sum().backward()
    opt.step()
    assert p._data is arr  # the same array, changed in place
    assert p.grad_fn is None and p.is_leaf and p.requires_grad
    assert p._version > version  # in-place change is visible to version checks


def test_load_state_dict_mismatch_errors() -> None:
    (p, tp), (r, tr) = _pair(), _pair()
    two = optim.SGD([{"params": [p]}, {"params": [r]}], lr=0.1).state_dict()
    ttwo = torch.optim.SGD([{"params": [tp]}, {"params": [tr]}], lr=0.1).state_dict()
    _same_error(
        lambda: optim.SGD([p, r], lr=0.1).load_state_dict(two),
        lambda: torch.optim.SGD([tp, tr], lr=0.1).load_state_dict(ttwo),
    )
    one = optim.SGD([p], lr=0.1).state_dict()
    tone = torch.optim.SGD([tp], lr=0.1).state_dict()
    _same_error(
        lambda: optim.SGD([p, r], lr=0.1).load_state_dict(one),
        lambda: torch.optim.SGD([tp, tr], lr=0.1).load_state_dict(tone),
    )


def test_adamw_stays_decoupled_after_loading_adam_state() -> None:
    p, _ = _pair()
    sd = optim.Adam([p], lr=0.1).state_dict()
    opt = optim.AdamW([p], lr=0.1)
    opt.load_state_dict(sd)
    assert opt.param_groups[0]["decoupled_weight_decay"] is True


def test_adam_decoupled_weight_decay_is_adamw() -> None:
    (p, _), (r, _) = _pair(), _pair()
    a = optim.Adam([p], lr=0.1, weight_decay=0.1, decoupled_weight_decay=True)
    w = optim.AdamW([r], lr=0.1, weight_decay=0.1)
    for _ in range(3):
        (p * p).sum().backward()
        a.step()
        (r * r).sum().backward()
        w.step()
    np.testing.assert_array_equal(p._data, r._data)


def test_repr_lists_group_options() -> None:
    p, _ = _pair()
    text = repr(optim.SGD([p], lr=0.1, momentum=0.9))
    assert text.startswith("SGD (") and "Parameter Group 0" in text and "momentum: 0.9" in text


def test_optim_never_imports_nn() -> None:
    """The layering rule of DESIGN.md: optim depends on autograd_core only."""
    root = pathlib.Path(optim.__file__).parent
    for path in root.rglob("*.py"):
        text = path.read_text()
        assert not re.search(r"^\s*(from\s+nn\b|import\s+nn\b|from\s+\.\.nn)", text, re.M), path
