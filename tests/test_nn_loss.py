"""Losses against torch (values and gradients of input, and target where torch has one)
over their options, and the errors for bad targets."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from _nn_helpers import assert_close, pair

import autograd_core as ag
import nn
import nn.functional as F

DTYPES = [np.float64, np.float32]
REDUCTIONS = ["mean", "sum", "none"]


def _backward_both(out_o, out_t, dtype, rng):
    g = rng.standard_normal(out_t.shape).astype(dtype)
    out_o.backward(ag.tensor(g))
    out_t.backward(torch.tensor(g))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", ["mse_loss", "l1_loss"])
def test_regression_losses_match_torch(name, reduction, dtype, rng):
    x = rng.standard_normal((3, 4)).astype(dtype)
    y = rng.standard_normal((3, 4)).astype(dtype)
    (xo, xt), (yo, yt) = pair(x), pair(y)
    out_o = getattr(F, name)(xo, yo, reduction=reduction)
    out_t = getattr(TF, name)(xt, yt, reduction=reduction)
    assert_close(out_o, out_t, dtype, name)
    _backward_both(out_o, out_t, dtype, rng)
    assert_close(xo.grad, xt.grad, dtype, "input grad")
    assert_close(yo.grad, yt.grad, dtype, "target grad")


def test_loss_layers_and_reprs(rng):
    x, y = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    for ours, theirs in [(nn.MSELoss(), torch.nn.MSELoss()),
                         (nn.L1Loss(reduction="sum"), torch.nn.L1Loss(reduction="sum"))]:
        assert_close(ours(ag.tensor(x), ag.tensor(y)), theirs(torch.tensor(x), torch.tensor(y)))
        assert repr(ours) == repr(theirs)
    assert repr(nn.CrossEntropyLoss()) == repr(torch.nn.CrossEntropyLoss())
    assert repr(nn.BCEWithLogitsLoss()) == repr(torch.nn.BCEWithLogitsLoss())


@pytest.mark.filterwarnings("ignore:size_average and reduce")
def test_legacy_size_average_and_reduce(rng):
    x, y = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    for sa, red in [(False, None), (None, False), (True, True)]:
        assert_close(F.mse_loss(ag.tensor(x), ag.tensor(y), sa, red),
                     TF.mse_loss(torch.tensor(x), torch.tensor(y), sa, red))


def test_mse_loss_broadcasts_with_a_warning(rng):
    x, y = rng.standard_normal((3, 1)), rng.standard_normal((3,))
    with pytest.warns(UserWarning, match="different to the input size"):
        out = F.mse_loss(ag.tensor(x), ag.tensor(y))
    with pytest.warns(UserWarning):
        ref = TF.mse_loss(torch.tensor(x), torch.tensor(y))
    assert_close(out, ref)
    with pytest.raises(ValueError, match="abc is not a valid value for reduction"):
        F.mse_loss(ag.tensor(x), ag.tensor(x), reduction="abc")


CE_CASES = [
    dict(),
    dict(weight=True),
    dict(ignore_index=1),
    dict(weight=True, ignore_index=2),
    dict(label_smoothing=0.2),
    dict(label_smoothing=0.1, weight=True, ignore_index=0),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("kw", CE_CASES)
@pytest.mark.parametrize("shape", [(5, 4), (3, 4, 2, 3), (4,)])
def test_cross_entropy_class_indices_match_torch(shape, kw, reduction, dtype, rng):
    c = shape[1] if len(shape) > 1 else shape[0]
    x = (rng.standard_normal(shape) * 2).astype(dtype)
    tshape = (shape[0],) + shape[2:] if len(shape) > 1 else ()
    t = rng.integers(0, c, size=tshape)
    kw = dict(kw)
    w = rng.uniform(0.2, 2.0, c).astype(dtype) if kw.pop("weight", False) else None
    xo, xt = pair(x)
    out_o = F.cross_entropy(xo, ag.tensor(t), weight=None if w is None else ag.tensor(w),
                            reduction=reduction, **kw)
    out_t = TF.cross_entropy(xt, torch.tensor(t), weight=None if w is None else
                             torch.tensor(w), reduction=reduction, **kw)
    assert_close(out_o, out_t, dtype, "cross_entropy")
    _backward_both(out_o, out_t, dtype, rng)
    assert_close(xo.grad, xt.grad, dtype, "input grad")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("kw", [dict(), dict(weight=True), dict(label_smoothing=0.3),
                                dict(weight=True, label_smoothing=0.1)])
@pytest.mark.parametrize("shape", [(5, 4), (2, 3, 2, 2), (4,)])
def test_cross_entropy_probabilities_match_torch(shape, kw, reduction, dtype, rng):
    cdim = 1 if len(shape) > 1 else 0
    x = rng.standard_normal(shape).astype(dtype)
    p = np.exp(rng.standard_normal(shape))
    p = (p / p.sum(axis=cdim, keepdims=True)).astype(dtype)
    kw = dict(kw)
    w = rng.uniform(0.2, 2.0, shape[cdim]).astype(dtype) if kw.pop("weight", False) else None
    (xo, xt), (po, pt) = pair(x), pair(p)
    out_o = F.cross_entropy(xo, po, weight=None if w is None else ag.tensor(w),
                            reduction=reduction, **kw)
    out_t = TF.cross_entropy(xt, pt, weight=None if w is None else torch.tensor(w),
                             reduction=reduction, **kw)
    assert_close(out_o, out_t, dtype, "cross_entropy")
    _backward_both(out_o, out_t, dtype, rng)
    assert_close(xo.grad, xt.grad, dtype, "input grad")
    assert_close(po.grad, pt.grad, dtype, "target grad")


def test_cross_entropy_all_targets_ignored_is_nan_like_torch():
    x = np.zeros((3, 4))
    t = np.full(3, -100)
    for ls in (0.0, 0.1):
        xo, xt = pair(x)
        out = F.cross_entropy(xo, ag.tensor(t), label_smoothing=ls)
        ref = TF.cross_entropy(xt, torch.tensor(t), label_smoothing=ls)
        assert np.isnan(out.item()) and np.isnan(ref.item())
        out.backward()
        ref.backward()
        assert_close(xo.grad, xt.grad, what="input grad (zero: every target ignored)")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("kw", [dict(), dict(weight=True), dict(ignore_index=1)])
def test_nll_loss_and_layers_match_torch(kw, reduction, dtype, rng):
    x = rng.standard_normal((6, 4, 2)).astype(dtype)
    t = rng.integers(0, 4, size=(6, 2))
    kw = dict(kw)
    w = rng.uniform(0.2, 2.0, 4).astype(dtype) if kw.pop("weight", False) else None
    xo, xt = pair(x)
    ours = nn.NLLLoss(weight=None if w is None else ag.tensor(w), reduction=reduction, **kw)
    theirs = torch.nn.NLLLoss(weight=None if w is None else torch.tensor(w),
                              reduction=reduction, **kw)
    out_o, out_t = ours(xo, ag.tensor(t)), theirs(xt, torch.tensor(t))
    assert_close(out_o, out_t, dtype, "nll_loss")
    _backward_both(out_o, out_t, dtype, rng)
    assert_close(xo.grad, xt.grad, dtype, "input grad")
    # The layer keeps class weights as a buffer, so they are in the state dict.
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ce_o = nn.CrossEntropyLoss(weight=None if w is None else ag.tensor(w), reduction=reduction)
    ce_t = torch.nn.CrossEntropyLoss(weight=None if w is None else torch.tensor(w),
                                     reduction=reduction)
    assert_close(ce_o(ag.tensor(x), ag.tensor(t)), ce_t(torch.tensor(x), torch.tensor(t)),
                 dtype, "CrossEntropyLoss")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_binary_cross_entropy_matches_torch(weighted, reduction, dtype, rng):
    x = rng.uniform(0.02, 0.98, (4, 3)).astype(dtype)
    y = rng.uniform(0, 1, (4, 3)).astype(dtype)
    w = rng.uniform(0.5, 2, (3,)).astype(dtype) if weighted else None
    (xo, xt), (yo, yt) = pair(x), pair(y)
    ours = nn.BCELoss(weight=None if w is None else ag.tensor(w), reduction=reduction)
    theirs = torch.nn.BCELoss(weight=None if w is None else torch.tensor(w),
                              reduction=reduction)
    out_o, out_t = ours(xo, yo), theirs(xt, yt)
    assert_close(out_o, out_t, dtype, "bce")
    _backward_both(out_o, out_t, dtype, rng)
    assert_close(xo.grad, xt.grad, dtype, "input grad")
    assert_close(yo.grad, yt.grad, dtype, "target grad")


def test_binary_cross_entropy_clamps_log_at_minus_100():
    x = np.array([0.0, 1.0, 0.5])
    y = np.array([1.0, 0.0, 1.0])
    assert_close(F.binary_cross_entropy(ag.tensor(x), ag.tensor(y), reduction="none"),
                 TF.binary_cross_entropy(torch.tensor(x), torch.tensor(y), reduction="none"))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("kw", [dict(), dict(weight=True), dict(pos_weight=True),
                                dict(weight=True, pos_weight=True)])
def test_bce_with_logits_matches_torch(kw, reduction, dtype, rng):
    x = (rng.standard_normal((4, 3)) * 4).astype(dtype)
    x[0, 0] = 0.0  # the kink of |x| in the usual stable formula
    x[1, 1] = 40.0  # far in the tail
    y = rng.uniform(0, 1, (4, 3)).astype(dtype)
    w = rng.uniform(0.5, 2, (4, 1)).astype(dtype) if kw.get("weight") else None
    pw = rng.uniform(0.5, 3, (3,)).astype(dtype) if kw.get("pos_weight") else None
    (xo, xt), (yo, yt) = pair(x), pair(y)
    ours = nn.BCEWithLogitsLoss(weight=None if w is None else ag.tensor(w),
                                pos_weight=None if pw is None else ag.tensor(pw),
                                reduction=reduction)
    theirs = torch.nn.BCEWithLogitsLoss(weight=None if w is None else torch.tensor(w),
                                        pos_weight=None if pw is None else torch.tensor(pw),
                                        reduction=reduction)
    out_o, out_t = ours(xo, yo), theirs(xt, yt)
    assert_close(out_o, out_t, dtype, "bce_with_logits")
    _backward_both(out_o, out_t, dtype, rng)
    assert_close(xo.grad, xt.grad, dtype, "input grad")
    assert_close(yo.grad, yt.grad, dtype, "target grad")


# ----- errors ----------------------------------------------------------------------


def test_float_targets_for_class_index_cross_entropy_name_dtype_and_shape():
    with pytest.raises(RuntimeError) as e:
        F.cross_entropy(ag.zeros(3, 5), ag.zeros(3))
    msg = str(e.value)
    assert "expected target dtype to be Long or Byte" in msg
    assert "got Float target of shape [3]" in msg
    assert "[3, 5]" in msg  # the shape a probability target would need
    with pytest.raises(RuntimeError, match="Long or Byte.*Double"):
        F.nll_loss(ag.zeros(3, 5), ag.zeros(3, dtype=ag.float64))


def test_mismatched_batch_sizes_name_both():
    with pytest.raises(ValueError, match=r"Expected input batch_size \(3\) to match target "
                                         r"batch_size \(4\)\."):
        F.cross_entropy(ag.zeros(3, 5), ag.tensor([0, 1, 2, 3]))
    with pytest.raises(ValueError, match=r"batch_size \(2\) to match target batch_size \(3\)"):
        nn.NLLLoss()(ag.zeros(2, 5), ag.tensor([0, 1, 2]))
    with pytest.raises(ValueError, match=r"Target size \(torch.Size\(\[3, 1\]\)\) must be the "
                                         r"same as input size \(torch.Size\(\[3\]\)\)"):
        F.binary_cross_entropy_with_logits(ag.zeros(3), ag.zeros(3, 1))
    with pytest.raises(ValueError, match=r"target size \(torch.Size\(\[3, 1\]\)\) that is "
                                         r"different to the input size"):
        F.binary_cross_entropy(ag.zeros(3), ag.zeros(3, 1))


@pytest.mark.parametrize("call,exc,pattern", [
    (lambda: F.cross_entropy(ag.zeros(3, 5), ag.tensor([0, 1, 7])), IndexError,
     "Target 7 is out of bounds."),
    (lambda: F.cross_entropy(ag.zeros(3, 5), ag.tensor([0, -1, 2])), IndexError,
     "Target -1 is out of bounds."),
    (lambda: F.cross_entropy(ag.zeros(3, 4), ag.zeros(3, 4), ignore_index=1), RuntimeError,
     "ignore_index is not supported for floating point target"),
    (lambda: F.cross_entropy(ag.zeros(3, 5), ag.tensor([[0, 1]] * 3)), RuntimeError,
     "multi-target not supported"),
    (lambda: F.cross_entropy(ag.zeros(3, 4, 5), ag.zeros(3, 6, dtype=ag.int64)),
     RuntimeError, r"Expected target size \[3, 5\], got \[3, 6\]"),
    (lambda: F.cross_entropy(ag.zeros(3, 4), ag.tensor([0, 1, 2]), label_smoothing=1.5),
     RuntimeError, "label_smoothing must be between 0.0 and 1.0. Got: 1.5"),
    (lambda: F.nll_loss(ag.zeros(3, 5), ag.tensor([0, 1, 2]), weight=ag.ones(4)),
     RuntimeError, r"defined either for all 5 classes or no classes but got weight tensor "
                   r"of shape: \[4\]"),
    (lambda: F.binary_cross_entropy(ag.ones(3) * 2, ag.ones(3)), RuntimeError,
     "all elements of input should be between 0 and 1"),
    (lambda: F.binary_cross_entropy(ag.rand(3), ag.rand(3), weight=ag.rand(2)), RuntimeError,
     r"weight of shape \[2\] cannot be broadcast to the input shape \[3\]"),
])
def test_loss_bad_arguments(call, exc, pattern):
    with pytest.raises(exc, match=pattern):
        call()
