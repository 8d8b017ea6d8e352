"""Linear, activations, Dropout, BatchNorm1d/2d, Flatten/Unflatten/Identity, F.pad and
F.one_hot against torch: outputs, input and parameter gradients, running statistics."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from _nn_helpers import assert_close, compare_module, copy_weights, pair

import autograd_core as ag
import nn
import nn.functional as F

DTYPES = [np.float64, np.float32]


def _tdt(dtype):
    return torch.float64 if dtype == np.float64 else torch.float32


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape,bias", [((4, 3), True), ((1, 3), False), ((2, 5, 3), True),
                                        ((3,), True)])
def test_linear_matches_torch(shape, bias, dtype, rng):
    ours = nn.Linear(3, 4, bias=bias, dtype=dtype)
    theirs = torch.nn.Linear(3, 4, bias=bias, dtype=_tdt(dtype))
    copy_weights(ours, theirs)
    compare_module(ours, theirs, [rng.standard_normal(shape).astype(dtype)], dtype)


def test_linear_errors_name_shapes():
    with pytest.raises(RuntimeError, match=r"mat1 and mat2 shapes cannot be multiplied "
                                           r"\(10x3 and 4x5\)"):
        F.linear(ag.zeros(2, 5, 3), ag.zeros(5, 4))
    with pytest.raises(RuntimeError,
                       match=r"same dtype, but got: (torch\.)?float32 != (torch\.)?float64"):
        F.linear(ag.zeros(2, 3), ag.zeros(5, 3, dtype=ag.float64))
    assert repr(nn.Linear(2, 3)) == repr(torch.nn.Linear(2, 3))
    assert repr(nn.Linear(2, 3, bias=False)) == repr(torch.nn.Linear(2, 3, bias=False))


ACTIVATIONS = [
    (lambda: nn.ReLU(), lambda: torch.nn.ReLU()),
    (lambda: nn.LeakyReLU(), lambda: torch.nn.LeakyReLU()),
    (lambda: nn.LeakyReLU(0.2), lambda: torch.nn.LeakyReLU(0.2)),
    (lambda: nn.Sigmoid(), lambda: torch.nn.Sigmoid()),
    (lambda: nn.Tanh(), lambda: torch.nn.Tanh()),
    (lambda: nn.Softmax(dim=1), lambda: torch.nn.Softmax(dim=1)),
    (lambda: nn.Softmax(dim=-1), lambda: torch.nn.Softmax(dim=-1)),
    (lambda: nn.LogSoftmax(dim=1), lambda: torch.nn.LogSoftmax(dim=1)),
    (lambda: nn.LogSoftmax(dim=0), lambda: torch.nn.LogSoftmax(dim=0)),
    (lambda: nn.Identity(54, unused="x"), lambda: torch.nn.Identity(54, unused="x")),
    (lambda: nn.Flatten(), lambda: torch.nn.Flatten()),
    (lambda: nn.Flatten(0, 2), lambda: torch.nn.Flatten(0, 2)),
    (lambda: nn.Unflatten(2, (2, 2)), lambda: torch.nn.Unflatten(2, (2, 2))),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("make", ACTIVATIONS)
def test_activation_layers_match_torch(make, dtype, rng):
    ours, theirs = make[0](), make[1]()
    x = (rng.standard_normal((2, 3, 4)) * 3).astype(dtype)
    compare_module(ours, theirs, [x], dtype)
    assert repr(ours) == repr(theirs)


@pytest.mark.filterwarnings("ignore:Implicit dimension")
def test_softmax_implicit_dim_and_functional_forms(rng):
    for shape in [(5,), (2, 5), (2, 3, 4), (2, 3, 4, 2)]:
        x = rng.standard_normal(shape)
        assert_close(F.softmax(ag.tensor(x)), TF.softmax(torch.tensor(x)))
        assert_close(F.log_softmax(ag.tensor(x)), TF.log_softmax(torch.tensor(x)))
    x = rng.standard_normal((3, 4))
    assert_close(F.softmax(ag.tensor(x), 1, dtype=ag.float32),
                 TF.softmax(torch.tensor(x), 1, dtype=torch.float32), np.float32)
    assert_close(F.relu(ag.tensor(x), inplace=True), TF.relu(torch.tensor(x)))
    assert_close(F.leaky_relu(ag.tensor(x), 0.3), TF.leaky_relu(torch.tensor(x), 0.3))
    assert_close(F.sigmoid(ag.tensor(x)), torch.sigmoid(torch.tensor(x)))
    assert_close(F.tanh(ag.tensor(x)), torch.tanh(torch.tensor(x)))


# ----- Dropout -------------------------------------------------------------------------


def test_dropout_keeps_expected_fraction_and_scales(rng):
    ag.manual_seed(1)
    x = ag.ones(200, 500, requires_grad=True)
    y = F.dropout(x, p=0.3)
    kept = y._data != 0
    assert abs(kept.mean() - 0.7) < 0.005
    np.testing.assert_allclose(y._data[kept], 1 / 0.7, rtol=1e-6)
    y.sum().backward()
    # delta_x = mask / (1 - p): the same mask, the same scale.
    np.testing.assert_array_equal(x.grad._data, y._data)


def test_dropout_eval_p0_p1_and_errors():
    x = ag.randn(4, 5)
    layer = nn.Dropout(0.5)
    layer.eval()
    assert layer(x) is x
    assert F.dropout(x, 0.0) is x
    assert np.all(F.dropout(x, 1.0)._data == 0)
    assert F.dropout(x, 0.5, training=False) is x
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1, "
                                         "but got 1.5"):
        F.dropout(x, 1.5)
    with pytest.raises(ValueError, match="but got -0.1"):
        nn.Dropout(-0.1)
    assert repr(nn.Dropout()) == repr(torch.nn.Dropout())


def test_dropout_is_seeded_by_manual_seed():
    ag.manual_seed(7)
    a = F.dropout(ag.ones(50), 0.5)._data
    ag.manual_seed(7)
    b = F.dropout(ag.ones(50), 0.5)._data
    np.testing.assert_array_equal(a, b)


# ----- BatchNorm ---------------------------------------------------------------------

BN_CASES = [
    (nn.BatchNorm1d, torch.nn.BatchNorm1d, (6, 3), {}),
    (nn.BatchNorm1d, torch.nn.BatchNorm1d, (4, 3, 5), dict(momentum=0.3)),
    (nn.BatchNorm1d, torch.nn.BatchNorm1d, (5, 3), dict(momentum=None)),
    (nn.BatchNorm2d, torch.nn.BatchNorm2d, (2, 3, 4, 5), {}),
    (nn.BatchNorm2d, torch.nn.BatchNorm2d, (1, 3, 3, 3), dict(affine=False)),
    (nn.BatchNorm2d, torch.nn.BatchNorm2d, (3, 3, 2, 2), dict(eps=1e-3, bias=False)),
    (nn.BatchNorm2d, torch.nn.BatchNorm2d, (2, 3, 3, 2), dict(track_running_stats=False)),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("ours_cls,theirs_cls,shape,kw", BN_CASES)
def test_batchnorm_matches_torch_in_train_and_eval(ours_cls, theirs_cls, shape, kw, dtype,
                                                   rng):
    ours = ours_cls(3, dtype=dtype, **kw)
    theirs = theirs_cls(3, dtype=_tdt(dtype), **kw)
    if ours.weight is not None:
        # Non-trivial affine parameters, the same in both.
        ours.weight._data[...] = rng.uniform(0.5, 1.5, 3)
        if ours.bias is not None:
            ours.bias._data[...] = rng.standard_normal(3)
    copy_weights(ours, theirs)
    for step in range(3):  # running statistics evolve over several batches
        x = (rng.standard_normal(shape) * 2 + 1).astype(dtype)
        compare_module(ours, theirs, [x], dtype, seed_grad=step)
        for name, buf in theirs.named_buffers():
            assert_close(dict(ours.named_buffers())[name], buf, dtype, name)
        ours.zero_grad()
        theirs.zero_grad()
    ours.eval()
    theirs.eval()
    compare_module(ours, theirs, [rng.standard_normal(shape).astype(dtype)], dtype)
    assert repr(ours) == repr(theirs)


def test_batchnorm_state_dict_keys_match_torch():
    assert list(nn.BatchNorm2d(3).state_dict()) == list(torch.nn.BatchNorm2d(3).state_dict())
    sd = nn.BatchNorm1d(4).state_dict()
    assert sd["num_batches_tracked"].dtype == np.int64
    assert list(nn.BatchNorm2d(3, affine=False).state_dict()) == \
        list(torch.nn.BatchNorm2d(3, affine=False).state_dict())


def test_batch_norm_functional_matches_torch(rng):
    x = rng.standard_normal((4, 3, 2))
    rm, rv = rng.standard_normal(3), rng.uniform(0.5, 2, 3)
    w, b = rng.standard_normal(3), rng.standard_normal(3)
    for training in (True, False):
        xo, xt = pair(x)
        wo, wt = pair(w)
        rm_o, rm_t = ag.tensor(rm.copy()), torch.tensor(rm.copy())
        rv_o, rv_t = ag.tensor(rv.copy()), torch.tensor(rv.copy())
        out_o = F.batch_norm(xo, rm_o, rv_o, wo, ag.tensor(b), training, 0.2, 1e-4)
        out_t = TF.batch_norm(xt, rm_t, rv_t, wt, torch.tensor(b), training, 0.2, 1e-4)
        assert_close(out_o, out_t)
        (out_o * out_o).sum().backward()
        (out_t * out_t).sum().backward()
        assert_close(xo.grad, xt.grad, what="input grad")
        assert_close(wo.grad, wt.grad, what="weight grad")
        assert_close(rm_o, rm_t, what="running_mean")
        assert_close(rv_o, rv_t, what="running_var")


def test_batchnorm_errors():
    with pytest.raises(ValueError, match=r"Expected more than 1 value per channel when "
                                         r"training, got input size \[1, 3\]"):
        nn.BatchNorm1d(3)(ag.zeros(1, 3))
    with pytest.raises(ValueError, match=r"expected 4D input \(got 3D input\)"):
        nn.BatchNorm2d(3)(ag.zeros(2, 3, 4))
    with pytest.raises(ValueError, match=r"expected 2D or 3D input \(got 4D input\)"):
        nn.BatchNorm1d(3)(ag.zeros(2, 3, 4, 4))
    with pytest.raises(RuntimeError, match=r"expected input with 3 channels.*\[2, 4\]"):
        nn.BatchNorm1d(3)(ag.zeros(2, 4))
    with pytest.raises(RuntimeError, match="running_mean must be defined in evaluation mode"):
        F.batch_norm(ag.zeros(2, 3), None, None, training=False)


# ----- pad, one_hot ----------------------------------------------------------------


@pytest.mark.parametrize("mode,pad,shape", [
    ("constant", (1, 2), (2, 3, 4, 5)), ("constant", (1, 0, 2, 1), (2, 3, 4, 5)),
    ("constant", (-1, 2, 0, 1), (2, 3, 4, 5)), ("constant", (1, 1, 0, 0, 1, 2), (2, 3, 4, 5)),
    ("reflect", (2, 1), (3, 4, 5)), ("reflect", (1, 2, 2, 0), (2, 3, 4, 5)),
    ("replicate", (3, 1, 0, 2), (2, 3, 4, 5)), ("replicate", (2, 3), (2, 5)),
    ("circular", (1, 2, 2, 1), (2, 3, 4, 5)),
])
def test_pad_matches_torch(mode, pad, shape, rng):
    x = rng.standard_normal(shape)
    kw = dict(value=1.5) if mode == "constant" else {}
    _, xt = pair(x)
    xo = ag.tensor(x, requires_grad=True)
    out_o, out_t = F.pad(xo, pad, mode=mode, **kw), TF.pad(xt, pad, mode=mode, **kw)
    assert_close(out_o, out_t)
    g = rng.standard_normal(out_t.shape)
    out_o.backward(ag.tensor(g))
    out_t.backward(torch.tensor(g))
    assert_close(xo.grad, xt.grad, what="input grad")


def test_pad_errors():
    with pytest.raises(RuntimeError, match="Padding length must be divisible by 2"):
        F.pad(ag.zeros(1, 1, 3, 3), (1, 2, 3))
    with pytest.raises(RuntimeError, match=r"padding \(3, 3\) at dimension 3 of input "
                                           r"\[1, 1, 3, 3\]"):
        F.pad(ag.zeros(1, 1, 3, 3), (3, 3, 0, 0), mode="reflect")
    with pytest.raises(NotImplementedError, match="Padding size 2 is not supported for 4D"):
        F.pad(ag.zeros(1, 1, 3, 3), (1, 1), mode="reflect")


def test_one_hot_matches_torch():
    idx = np.array([[0, 2], [1, 4]])
    np.testing.assert_array_equal(F.one_hot(ag.tensor(idx))._data,
                                  TF.one_hot(torch.tensor(idx)).numpy())
    np.testing.assert_array_equal(F.one_hot(ag.tensor(idx), 6)._data,
                                  TF.one_hot(torch.tensor(idx), 6).numpy())
    assert F.one_hot(ag.tensor(idx)).dtype == np.int64
    with pytest.raises(RuntimeError, match="Class values must be smaller than num_classes"):
        F.one_hot(ag.tensor([1, 5]), 3)
    with pytest.raises(RuntimeError, match="Class values must be non-negative"):
        F.one_hot(ag.tensor([-1, 2]), 3)
    with pytest.raises(RuntimeError, match="only applicable to index tensor.*float32"):
        F.one_hot(ag.tensor([1.0]))
