"""Finite-difference checks (float64, tiny shapes) of every nn.functional op, and second
derivatives through the im2col / col2im pair (create_graph=True)."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_core as ag
import nn.functional as F
from autograd_core import gradcheck


def _t(rng, *shape, scale=1.0):
    return ag.tensor(rng.standard_normal(shape) * scale, requires_grad=True)


def _target(rng, hi, *shape):
    return ag.tensor(rng.integers(0, hi, size=shape))


def _seeded_dropout(x):
    ag.manual_seed(3)  # the same mask on every evaluation
    return F.dropout(x, 0.4)


CASES = {
    "conv2d": lambda r: ((_t(r, 1, 4, 5, 4), _t(r, 4, 2, 2, 3), _t(r, 4)),
                         lambda x, w, b: F.conv2d(x, w, b, stride=2, padding=1, dilation=(1, 2),
                                                  groups=2)),
    "conv2d_same": lambda r: ((_t(r, 2, 1, 4, 3), _t(r, 2, 1, 2, 2)),
                              lambda x, w: F.conv2d(x, w, padding="same")),
    "unfold": lambda r: ((_t(r, 1, 2, 4, 4),),
                         lambda x: F.unfold(x, (2, 3), dilation=(1, 1), padding=1, stride=2)),
    "fold": lambda r: ((_t(r, 1, 8, 10),), lambda c: F.fold(c, (3, 4), 2, padding=(0, 1))),
    "max_pool2d": lambda r: ((_t(r, 1, 2, 5, 5),),
                             lambda x: F.max_pool2d(x, 3, 2, padding=1, ceil_mode=True)),
    "max_pool2d_dilated": lambda r: ((_t(r, 1, 1, 6, 5),),
                                     lambda x: F.max_pool2d(x, 2, 1, dilation=2)),
    "avg_pool2d": lambda r: ((_t(r, 1, 2, 5, 4),),
                             lambda x: F.avg_pool2d(x, 3, 2, 1, ceil_mode=True,
                                                    count_include_pad=False)),
    "linear": lambda r: ((_t(r, 2, 3), _t(r, 4, 3), _t(r, 4)), F.linear),
    "batch_norm_train": lambda r: (
        (_t(r, 3, 2, 2), _t(r, 2), _t(r, 2)),
        lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True)),
    "batch_norm_eval": lambda r: (
        (_t(r, 3, 2), _t(r, 2)),
        lambda x, w: F.batch_norm(x, ag.tensor(np.array([0.1, -0.2])),
                                  ag.tensor(np.array([1.5, 0.5])), w, None)),
    "dropout": lambda r: ((_t(r, 4, 3),), _seeded_dropout),
    "softmax": lambda r: ((_t(r, 2, 4),), lambda x: F.softmax(x, dim=1)),
    "log_softmax": lambda r: ((_t(r, 2, 4),), lambda x: F.log_softmax(x, dim=0)),
    "leaky_relu": lambda r: ((_t(r, 3, 3),), lambda x: F.leaky_relu(x, 0.2)),
    "cross_entropy": lambda r: (
        (_t(r, 4, 3, 2),),
        lambda x: F.cross_entropy(x, ag.tensor([[0, 1], [2, 2], [1, -100], [0, 2]]),
                                  weight=ag.tensor(np.array([0.5, 1.0, 2.0])),
                                  label_smoothing=0.1)),
    "cross_entropy_probs": lambda r: (
        (_t(r, 3, 4), ag.tensor(np.full((3, 4), 0.25), requires_grad=True)),
        lambda x, p: F.cross_entropy(x, p, label_smoothing=0.2)),
    "nll_loss": lambda r: ((_t(r, 3, 4),),
                           lambda x: F.nll_loss(x, ag.tensor([1, 3, 0]), reduction="sum")),
    "mse_loss": lambda r: ((_t(r, 2, 3), _t(r, 2, 3)), F.mse_loss),
    "l1_loss": lambda r: ((_t(r, 2, 3), _t(r, 2, 3) + 5), F.l1_loss),
    "binary_cross_entropy": lambda r: (
        (ag.tensor(r.uniform(0.1, 0.9, (2, 3)), requires_grad=True),
         ag.tensor(r.uniform(0, 1, (2, 3)), requires_grad=True)),
        F.binary_cross_entropy),
    "bce_with_logits": lambda r: (
        (_t(r, 2, 3, scale=3), ag.tensor(r.uniform(0, 1, (2, 3)), requires_grad=True)),
        lambda x, y: F.binary_cross_entropy_with_logits(
            x, y, pos_weight=ag.tensor(np.array([1.0, 2.0, 0.5])))),
    "pad_reflect": lambda r: ((_t(r, 1, 1, 3, 4),),
                              lambda x: F.pad(x, (2, 1, 1, 2), mode="reflect")),
    "pad_circular": lambda r: ((_t(r, 1, 3, 3),), lambda x: F.pad(x, (1, 2), mode="circular")),
    "pad_constant": lambda r: ((_t(r, 2, 3),), lambda x: F.pad(x, (1, -1, 2, 0), value=3.0)),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_functional_gradcheck(name, rng):
    inputs, fn = CASES[name](rng)
    assert gradcheck(fn, inputs)


def _second_order(fn):
    """x -> d(sum(fn(x)^2))/dx with the graph kept, so gradcheck differentiates it again."""

    def grad_of(*ins):
        out = fn(*ins)
        (g,) = ag.grad((out * out).sum(), [ins[0]], create_graph=True)
        return g

    return grad_of


@pytest.mark.parametrize("fn,shapes", [
    (lambda x, w: F.conv2d(x, w, stride=2, padding=1), [(1, 2, 4, 4), (2, 2, 2, 2)]),
    (lambda x, w: F.conv2d(x, w, dilation=2, groups=2), [(1, 2, 5, 5), (2, 1, 2, 2)]),
    (lambda x: F.unfold(x, 2, padding=1, stride=2) * 1.5, [(1, 1, 3, 4)]),
    (lambda c: F.fold(c, (3, 3), 2, stride=1), [(1, 4, 4)]),
    (lambda x: F.avg_pool2d(x, 2, 1, padding=1), [(1, 1, 3, 3)]),
])
def test_second_derivatives_through_im2col_and_col2im(fn, shapes, rng):
    inputs = tuple(_t(rng, *s) for s in shapes)
    assert gradcheck(_second_order(fn), inputs)
