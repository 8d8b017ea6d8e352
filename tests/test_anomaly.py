"""detect_anomaly(): NaN/inf produced in backward is reported with the op's creation site."""

from __future__ import annotations

import inspect
import warnings

import numpy as np
import pytest
import torch

import autograd_core as ac
from autograd_core.anomaly import creation_site

# NaN and inf are the point here; NumPy's warnings about making them are expected.
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


def _here() -> str:
    """file:line of the caller (the line that builds the op under test)."""
    frame = inspect.currentframe().f_back
    return f"{frame.f_code.co_filename}:{frame.f_lineno}"


def test_nan_in_backward_names_op_and_line():
    x = ac.tensor([-1.0, 4.0], requires_grad=True)
    with ac.detect_anomaly():
        y = x.sqrt(); where = _here()  # noqa: E702 - the op and its expected site, one line
        with pytest.raises(RuntimeError) as err:
            (y * 2).sum().backward()
    msg = str(err.value)
    assert msg == (
        f"Function 'SqrtBackward' returned nan values in its 0th output; "
        f"the forward op was created at {where}"
    )


def test_inf_in_backward_is_reported():
    x = ac.tensor([0.0, 1.0], requires_grad=True)
    with ac.detect_anomaly():
        y = x.log(); where = _here()  # noqa: E702
        with pytest.raises(RuntimeError, match="'LogBackward' returned inf values") as err:
            y.sum().backward()
    assert where in str(err.value)


def test_torch_reports_the_same_node():
    # The same program in torch also fails in the sqrt node's backward.
    xt = torch.tensor([-1.0, 4.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="SqrtBackward0' returned nan"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torch warns with the forward traceback
            with torch.autograd.detect_anomaly():
                (xt.sqrt() * 2).sum().backward()


def test_off_by_default_gradients_just_hold_nan():
    assert not ac.is_anomaly_enabled()
    x = ac.tensor([-1.0, 4.0], requires_grad=True)
    x.sqrt().sum().backward()
    assert np.isnan(x.grad._data[0]) and x.grad._data[1] == pytest.approx(0.25)
    assert creation_site(x.sqrt().grad_fn) is None


def test_site_is_user_code_not_library():
    import nn

    lin = nn.Linear(3, 2)
    with ac.detect_anomaly():
        out = lin(ac.ones(1, 3)); where = _here()  # noqa: E702
    site = creation_site(out.grad_fn)
    assert site == where
    assert "nn/" not in site and "autograd_core/" not in site


def test_nan_from_module_forward_points_at_call_line():
    import nn

    lin = nn.Linear(2, 2)
    with ac.detect_anomaly():
        h = lin(ac.tensor([[1.0, -3.0]]))
        z = h.clamp(min=-1.0, max=1.0) * 0 - 1.0
        r = z.sqrt(); where = _here()  # noqa: E702
        with pytest.raises(RuntimeError, match="SqrtBackward") as err:
            r.sum().backward()
    assert where in str(err.value)


def test_check_nan_false_only_records_sites():
    x = ac.tensor([-1.0], requires_grad=True)
    with ac.detect_anomaly(check_nan=False):
        y = x.sqrt()
        y.sum().backward()
    assert creation_site(y.grad_fn) is not None
    assert np.isnan(x.grad._data[0])


def test_nested_and_restored_and_decorator():
    with ac.detect_anomaly():
        with ac.detect_anomaly(check_nan=False):
            assert ac.is_anomaly_enabled()
        assert ac.is_anomaly_enabled()
    assert not ac.is_anomaly_enabled()

    @ac.detect_anomaly()
    def run(x):
        assert ac.is_anomaly_enabled()
        return x.log().sum()

    x = ac.tensor([0.0], requires_grad=True)
    loss = run(x)
    assert not ac.is_anomaly_enabled()
    loss.backward()  # mode off at backward: no check, as in torch
    assert np.isinf(x.grad._data[0])
    ac.set_detect_anomaly(True)
    try:
        assert ac.is_anomaly_enabled()
    finally:
        ac.set_detect_anomaly(False)
    assert not ac.is_anomaly_enabled()


def test_restored_after_exception():
    with pytest.raises(ValueError):
        with ac.detect_anomaly():
            raise ValueError("boom")
    assert not ac.is_anomaly_enabled()


def test_errors_in_backward_name_creation_site():
    x = ac.tensor([1.0, 2.0], requires_grad=True)
    with ac.detect_anomaly():
        y = x * 2
        z = y * y; where = _here()  # noqa: E702
        y.add_(1)
        with pytest.raises(RuntimeError, match="modified by an inplace operation") as err:
            z.sum().backward()
    assert where in str(err.value)


def test_exception_inside_custom_backward_gets_note():
    class Bad(ac.Function):
        __slots__ = ()

        @staticmethod
        def forward(ctx, a):
            return a * 1

        @staticmethod
        def backward(ctx, grad):
            raise ValueError("bad backward")

    x = ac.tensor([1.0], requires_grad=True)
    with ac.detect_anomaly():
        y = Bad.apply(x); where = _here()  # noqa: E702
        with pytest.raises(ValueError) as err:
            y.sum().backward()
    notes = getattr(err.value, "__notes__", [])
    assert any(where in n and "BadBackward" in n for n in notes)


def test_finite_gradients_pass_in_anomaly_mode():
    rng = np.random.default_rng(0)
    arr = rng.standard_normal((4, 3))
    with ac.detect_anomaly():
        x = ac.tensor(arr, requires_grad=True)
        loss = (x.tanh() @ x.T).softmax(dim=1).log().sum()
        loss.backward()
    xt = torch.tensor(arr, requires_grad=True)
    (xt.tanh() @ xt.T).softmax(dim=1).log().sum().backward()
    np.testing.assert_allclose(x.grad._data, xt.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_mode_off_records_nothing(monkeypatch):
    from autograd_core import anomaly

    def fail(node):
        raise AssertionError("note_creation called while anomaly mode is off")

    monkeypatch.setattr(anomaly, "note_creation", fail)
    x = ac.tensor([1.0, 2.0], requires_grad=True)
    (x.exp() * x).sum().backward()
    assert x.grad is not None
