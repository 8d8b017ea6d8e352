"""A PyTorch-style LeNet, written once and run on both libraries from the same weights:
20 steps of plain SGD give the same losses and the same final weights."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from _nn_helpers import copy_weights

import autograd_core as ag
import nn
import nn.functional as F


def make_lenet(L):
    """LeNet-5 for 28x28 images, in whichever library ``L`` (nn or torch.nn) is."""

    class LeNet(L.Module):
        def __init__(self):
            super().__init__()
            self.features = L.Sequential(
                L.Conv2d(1, 6, 5, padding=2), L.ReLU(), L.MaxPool2d(2),
                L.Conv2d(6, 16, 5), L.ReLU(), L.MaxPool2d(2, 2),
            )
            self.flatten = L.Flatten()
            self.fc1 = L.Linear(16 * 5 * 5, 120)
            self.fc2 = L.Linear(120, 84)
            self.fc3 = L.Linear(84, 10)
            self.act = L.ReLU()

        def forward(self, x):
            x = self.flatten(self.features(x))
            return self.fc3(self.act(self.fc2(self.act(self.fc1(x)))))

    return LeNet()


def train(model, loss_fn, images, labels, steps, lr):
    """The same training loop for both libraries: SGD written out by hand."""
    losses = []
    for step in range(steps):
        batch = slice((step % 2) * 8, (step % 2) * 8 + 8)
        loss = loss_fn(model(images[batch]), labels[batch])
        model.zero_grad()
        loss.backward()
        for p in model.parameters():
            p.data -= lr * p.grad.data
        losses.append(loss.item())
    return losses


@pytest.mark.parametrize("dtype,rtol", [(np.float64, 1e-10), (np.float32, 1e-5)])
def test_lenet_sgd_losses_match_torch(dtype, rtol):
    rng = np.random.default_rng(0)
    images = rng.standard_normal((16, 1, 28, 28)).astype(dtype)
    labels = rng.integers(0, 10, 16)
    ag.manual_seed(0)
    ours = make_lenet(nn).to(dtype)
    theirs = make_lenet(torch.nn).to(torch.float64 if dtype == np.float64 else torch.float32)
    copy_weights(ours, theirs)

    losses_o = train(ours, nn.CrossEntropyLoss(), ag.tensor(images), ag.tensor(labels), 20,
                     0.05)
    losses_t = train(theirs, torch.nn.CrossEntropyLoss(), torch.tensor(images),
                     torch.tensor(labels), 20, 0.05)
    np.testing.assert_allclose(losses_o, losses_t, rtol=rtol)
    assert losses_o[-1] < losses_o[0]  # it learns (the two batches alternate)
    for (name, p), q in zip(ours.named_parameters(), theirs.parameters()):
        np.testing.assert_allclose(p._data, q.detach().numpy(), rtol=rtol * 10, atol=rtol,
                                   err_msg=name)


def test_lenet_functional_form_matches_module_form():
    ag.manual_seed(1)
    model = make_lenet(nn)
    x = ag.randn(2, 1, 28, 28)
    f = model.features
    h = F.max_pool2d(F.relu(F.conv2d(x, f[0].weight, f[0].bias, padding=2)), 2)
    h = F.max_pool2d(F.relu(F.conv2d(h, f[3].weight, f[3].bias)), 2)
    h = F.relu(F.linear(h.flatten(1), model.fc1.weight, model.fc1.bias))
    h = F.relu(F.linear(h, model.fc2.weight, model.fc2.bias))
    out = F.linear(h, model.fc3.weight, model.fc3.bias)
    np.testing.assert_array_equal(out._data, model(x)._data)
