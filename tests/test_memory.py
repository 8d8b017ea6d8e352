"""Memory: backward frees what the graph saved, and training keeps resident memory flat.

The long test trains a LeNet-style network on the 8x8 digits for 2,000 steps (batch 8)
with garbage collection switched off, so anything kept alive by reference cycles or by
growing tables would show up as resident-memory growth.
"""

from __future__ import annotations

import gc
import os
import weakref

import numpy as np
import pytest

import autograd_core as ac
from autograd_core.function import Function

PAGE = os.sysconf("SC_PAGE_SIZE")


def rss_bytes() -> int:
    """Resident set size of this process, from /proc/self/statm (second field, pages)."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE


class _SavesScratch(Function):
    """Saves a fresh array that nothing else references (only the graph keeps it)."""

    __slots__ = ()

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a * 2.0)
        return a * 2.0

    @staticmethod
    def backward(ctx, grad):
        (twice,) = ctx.saved_tensors
        return grad * ac.Tensor._wrap(np.full_like(twice, 2.0))


def test_saved_array_released_after_backward():
    x = ac.ones(1000, requires_grad=True)
    y = _SavesScratch.apply(x)
    ref = weakref.ref(y.grad_fn.saved[0])
    assert ref() is not None
    y.sum().backward()
    assert ref() is None  # freed by refcount at once, no gc needed
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.sum().backward()


def test_saved_array_kept_with_retain_graph_then_released():
    x = ac.ones(10, requires_grad=True)
    y = _SavesScratch.apply(x)
    ref = weakref.ref(y.grad_fn.saved[0])
    y.sum().backward(retain_graph=True)
    assert ref() is not None
    y.sum().backward()
    assert ref() is None
    assert x.grad.tolist() == [4.0] * 10


@pytest.mark.parametrize("op", ["amax", "softmax", "log_softmax", "sigmoid", "tanh", "exp"])
def test_builtin_ops_release_saved_arrays(op):
    x = ac.tensor(np.random.default_rng(0).standard_normal((4, 5)), requires_grad=True)
    y = getattr(x, op)(1) if op in ("amax", "softmax", "log_softmax") else getattr(x, op)()
    node = y.grad_fn
    assert node.saved is not None
    y.sum().backward()
    assert node.saved is None and node.released


def test_graph_freed_without_gc_when_output_dropped():
    gc.disable()
    try:
        x = ac.ones(100, requires_grad=True)
        h = (x * 2).exp()
        z = h.tanh().sum()
        node_refs = [weakref.ref(h.grad_fn), weakref.ref(z.grad_fn)]
        arr_ref = weakref.ref(h._data)
        z.backward()
        del h, z
        assert all(r() is None for r in node_refs)
        assert arr_ref() is None
    finally:
        gc.enable()


def test_graph_after_inplace_freed_without_gc():
    # Rebinding by in-place ops must not leave references (or cycles) behind.
    gc.disable()
    try:
        x = ac.ones(3, requires_grad=True)
        y = x * 1
        v = y[0:2]
        v.mul_(2)
        y.add_(1)
        node_ref = weakref.ref(y.grad_fn)
        y.sum().backward()
        del y, v
        assert node_ref() is None
    finally:
        gc.enable()


def _lenet_digits():
    import nn

    return nn.Sequential(
        nn.Conv2d(1, 6, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 10),
    )


def test_lenet_2000_steps_resident_memory_flat(record_property):
    import nn
    import optim
    from autograd_core.datasets import load_digits

    images, labels = load_digits("train")
    ac.manual_seed(0)
    model = _lenet_digits()
    opt = optim.SGD(model.parameters(), lr=0.02, momentum=0.5)
    loss_fn = nn.CrossEntropyLoss()
    n = labels.shape[0]
    rng = np.random.default_rng(0)

    def step(i: int) -> float:
        idx = rng.integers(0, n, 8)
        loss = loss_fn(model(images[idx]), labels[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss.item()

    for i in range(200):  # warm-up: caches, optimizer state, allocator pools
        step(i)
    gc.collect()
    gc.disable()
    try:
        before = rss_bytes()
        losses = [step(i) for i in range(2000)]
        after = rss_bytes()
    finally:
        gc.enable()
    growth_mb = (after - before) / 2**20
    record_property("rss_growth_mb_2000_steps", round(growth_mb, 2))
    print(f"RSS growth over 2,000 LeNet steps (gc off): {growth_mb:.2f} MB")
    assert np.isfinite(losses).all()
    assert np.mean(losses[-200:]) < np.mean(losses[:200])  # it did train
    assert growth_mb < 30, f"resident memory grew by {growth_mb:.1f} MB"


def test_keeping_every_loss_holds_less_than_one_steps_activations(record_property):
    """``losses.append(loss)`` over 1,000 training steps: after backward the nodes let go
    of their inputs and arrays (as PyTorch frees saved tensors), so all the kept losses
    together hold less than the activations of one step. What stays is the graph's
    skeleton, a few hundred bytes a node. A wide MLP keeps the test quick: few nodes,
    large activations."""
    import tracemalloc

    import nn
    import optim

    ac.manual_seed(0)
    model = nn.Sequential(nn.Linear(16, 2048), nn.ReLU(), nn.Linear(2048, 10))
    opt = optim.SGD(model.parameters(), lr=0.01)
    loss_fn = nn.CrossEntropyLoss()
    rng = np.random.default_rng(0)
    x = ac.tensor(rng.standard_normal((256, 16)).astype(np.float32))
    y = ac.tensor(rng.integers(0, 10, 256))

    def run(steps: int, keep: bool) -> int:
        kept = []
        gc.collect()
        start = tracemalloc.get_traced_memory()[0]
        for _ in range(steps):
            loss = loss_fn(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            kept.append(loss if keep else loss.item())
        gc.collect()
        held = tracemalloc.get_traced_memory()[0] - start
        del kept
        return held

    tracemalloc.start()
    try:
        run(5, False)  # warm-up: optimizer state, caches
        gc.collect()
        before = tracemalloc.get_traced_memory()[0]
        loss = loss_fn(model(x), y)  # one step's graph, alive
        activations = tracemalloc.get_traced_memory()[0] - before
        del loss
        # Steps that keep floats hold nothing that grows (200 show it as well as 1,000).
        plain = run(200, False)
        keeping = run(1000, True)
    finally:
        tracemalloc.stop()
    extra = keeping - plain
    record_property("kept_losses_extra_bytes", extra)
    record_property("one_step_activation_bytes", activations)
    print(f"1,000 kept losses hold {extra / 2**20:.2f} MiB more than steps that keep "
          f"floats; one step's activations: {activations / 2**20:.2f} MiB")
    assert activations > 2 << 20  # the comparison means something: a step makes > 2 MiB
    assert extra < activations
