"""nn.utils: gradient clipping and parameter <-> vector conversion, against torch."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from _nn_helpers import assert_close

import autograd_core as ag
import nn
from nn.utils import (
    clip_grad_norm_,
    clip_grad_value_,
    parameters_to_vector,
    vector_to_parameters,
)


def _with_grads(rng, scale):
    shapes = [(3, 4), (4,), (2, 2, 3)]
    grads = [rng.standard_normal(s) * scale for s in shapes]
    ours = [nn.Parameter(np.zeros(s)) for s in shapes]
    theirs = [torch.nn.Parameter(torch.zeros(s, dtype=torch.float64)) for s in shapes]
    for p, q, g in zip(ours, theirs, grads):
        p.grad = ag.tensor(g)
        q.grad = torch.tensor(g)
    return ours, theirs


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, float("inf")])
@pytest.mark.parametrize("max_norm", [0.5, 1e3])
def test_clip_grad_norm_matches_torch(norm_type, max_norm, rng):
    ours, theirs = _with_grads(rng, 2.0)
    total_o = clip_grad_norm_(ours, max_norm, norm_type)
    total_t = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type)
    assert_close(total_o, total_t, what="total norm")
    for p, q in zip(ours, theirs):
        assert_close(p.grad, q.grad, what="clipped grad")


def test_clip_grad_norm_nonfinite_and_single_tensor(rng):
    ours, _ = _with_grads(rng, 1.0)
    ours[0].grad._data[0, 0] = np.inf
    with pytest.raises(RuntimeError, match="The total norm of order 2.0 for gradients from "
                                           "`parameters` is non-finite"):
        clip_grad_norm_(ours, 1.0, error_if_nonfinite=True)
    p = nn.Parameter(np.ones(4))
    p.grad = ag.tensor(np.full(4, 3.0))
    total = clip_grad_norm_(p, 1.0)
    assert total.item() == pytest.approx(6.0)
    np.testing.assert_allclose(np.linalg.norm(p.grad._data), 1.0, rtol=1e-5)


def test_clip_grad_value_matches_torch(rng):
    ours, theirs = _with_grads(rng, 2.0)
    clip_grad_value_(ours, 0.7)
    torch.nn.utils.clip_grad_value_(theirs, 0.7)
    for p, q in zip(ours, theirs):
        assert_close(p.grad, q.grad)


def test_parameters_to_vector_and_back():
    model = nn.Sequential(nn.Linear(3, 2), nn.Linear(2, 1))
    tmodel = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.Linear(2, 1))
    tmodel.load_state_dict({k: torch.from_numpy(v._data.copy())
                            for k, v in model.state_dict().items()})
    vec = parameters_to_vector(model.parameters())
    assert_close(vec, torch.nn.utils.parameters_to_vector(tmodel.parameters()))
    # Differentiable, as in PyTorch.
    (vec * vec).sum().backward()
    np.testing.assert_allclose(model[0].weight.grad._data, 2 * model[0].weight._data)
    new = ag.arange(vec.shape[0], dtype=ag.float32)
    vector_to_parameters(new, model.parameters())
    np.testing.assert_array_equal(parameters_to_vector(model.parameters())._data, new._data)
    assert model[1].bias.shape == (1,)
    with pytest.raises(TypeError, match="expected torch.Tensor, but got: list"):
        vector_to_parameters([1.0], model.parameters())
    with pytest.raises(RuntimeError, match=r"vec of shape \[3\] does not match"):
        vector_to_parameters(ag.zeros(3), model.parameters())
