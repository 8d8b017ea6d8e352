"""The engine's order (nodes run from the most recently recorded down, as PyTorch breaks
ties) and its reuse of delta arrays: a node may write into the delta it receives only
when nothing else can see that array. Every case is checked against PyTorch 2.13."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest
import torch

import autograd_core as ac
import nn

NAN = float("nan")


def _both(x: np.ndarray):
    return ac.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)


@pytest.mark.parametrize("first", ["a", "b"])
def test_hooks_run_in_pytorchs_order(first):
    """Two branches made in either order and joined: the branch recorded last runs
    first, in both libraries (the old ready list would run them by input position)."""
    calls = {"ours": [], "torch": []}
    for lib, key in ((ac, "ours"), (torch, "torch")):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        if first == "a":
            a, b = x * 2, x * 3
        else:
            b, a = x * 3, x * 2
        a.register_hook(lambda g, k=key: calls[k].append("a"))
        b.register_hook(lambda g, k=key: calls[k].append("b"))
        (a * b).sum().backward()
    assert calls["ours"] == calls["torch"]


def _relu_after_linear(lib, x, w, b):
    return lib.nn.functional.linear(x, w, b).relu() if lib is torch else \
        nn.functional.linear(x, w, b).relu()


def _weights(rng):
    x = rng.standard_normal((5, 4)).astype(np.float32)
    w = rng.standard_normal((3, 4)).astype(np.float32)
    b = rng.standard_normal(3).astype(np.float32)
    w2 = rng.standard_normal((2, 3)).astype(np.float32)
    return x, w, b, w2


def _grads(lib, x, w, b, w2, keep):
    """relu(linear(x)) -> linear -> sum; returns grads of x, w, b and what ``keep`` saw."""
    seen = {}
    t = [lib.tensor(v, requires_grad=True) for v in (x, w, b, w2)]
    h = _relu_after_linear(lib, t[0], t[1], t[2])
    if keep == "hook":
        h.register_hook(lambda g: seen.setdefault("h", g))
    if keep == "retain":
        h.retain_grad()
    out = (lib.nn.functional.linear(h, t[3]) if lib is torch
           else nn.functional.linear(h, t[3])).sum()
    if keep == "grad":
        gh, gx = (ac.grad if lib is ac else torch.autograd.grad)(out, [h, t[0]])
        seen["h"] = gh
        return [gx], seen
    out.backward()
    if keep == "retain":
        seen["h"] = h.grad
    return [v.grad for v in t], seen


@pytest.mark.parametrize("keep", ["none", "hook", "retain", "grad"])
def test_delta_reused_in_place_only_when_nobody_else_sees_it(keep, rng):
    """Linear's backward makes a new delta for relu's output, which relu masks in place
    unless a hook, retain_grad or autograd.grad is shown that delta: what they hold must
    be the unmasked delta, as in PyTorch."""
    x, w, b, w2 = _weights(rng)
    ours, ours_seen = _grads(ac, x, w, b, w2, keep)
    theirs, their_seen = _grads(torch, x, w, b, w2, keep)
    for o, t in zip(ours, theirs):
        np.testing.assert_allclose(o._data, t.numpy(), rtol=1e-5, atol=1e-6)
    if keep != "none":
        np.testing.assert_allclose(ours_seen["h"]._data, their_seen["h"].numpy(),
                                   rtol=1e-5, atol=1e-6)
        assert np.all(ours_seen["h"]._data != 0)  # unmasked: every entry of w2's sum


def test_delta_passed_to_two_places_is_not_reused(rng):
    """add hands one delta array to both operands; relu on one side must not mask what
    the other side (a leaf's .grad here) receives."""
    a_np = rng.standard_normal(6)
    g = rng.standard_normal(6)
    res = {}
    for lib in (ac, torch):
        a = lib.tensor(a_np, requires_grad=True)
        c = lib.tensor(np.zeros(6), requires_grad=True)
        # (* 2 makes add's delta a fresh, writable array: only add's sharing protects it)
        ((a.relu() + c) * 2).backward(lib.tensor(g))
        res[lib.__name__] = (a.grad, c.grad)
    np.testing.assert_array_equal(res["autograd_core"][1]._data, 2 * g)
    for o, t in zip(res["autograd_core"], res["torch"]):
        np.testing.assert_array_equal(o._data, t.numpy())


@pytest.mark.parametrize("bad", [np.inf, -np.inf, NAN])
def test_reused_delta_with_non_finite_values_at_masked_places(bad, rng):
    """The in-place mask multiplies, so inf * 0 leaves NaN for a moment; the exact
    fallback must still give PyTorch's 0 there and the untouched values elsewhere."""
    x, w, b, w2 = _weights(rng)
    w2[0, :] = bad  # every row of relu's delta gets a non-finite entry
    with np.errstate(invalid="ignore"):
        ours, _ = _grads(ac, x, w, b, w2, "none")
    theirs, _ = _grads(torch, x, w, b, w2, "none")
    for o, t in zip(ours, theirs):
        # NaN and inf in the same places; finite values equal up to summation order
        np.testing.assert_allclose(o._data, t.numpy(), rtol=1e-5, atol=1e-6)


def test_retained_graph_gives_the_same_gradients_twice(rng):
    x, w, b, w2 = _weights(rng)
    t = [ac.tensor(v, requires_grad=True) for v in (x, w, b, w2)]
    out = nn.functional.linear(_relu_after_linear(ac, *t[:3]), t[3]).sum()
    out.backward(retain_graph=True)
    first = [v.grad._data.copy() for v in t]
    for v in t:
        v.grad = None
    out.backward()
    for f, v in zip(first, t):
        np.testing.assert_array_equal(f, v.grad._data)


def test_owns_grad_is_false_outside_the_engine(rng):
    """The flag lives only for one backward call: afterwards (e.g. a trace replaying a
    retained graph) nodes must not write into what they are given."""
    x, w, b, w2 = _weights(rng)
    t = [ac.tensor(v, requires_grad=True) for v in (x, w, b, w2)]
    h = _relu_after_linear(ac, *t[:3])
    nn.functional.linear(h, t[3]).sum().backward(retain_graph=True)  # relu owned its delta
    assert h.grad_fn.owns_grad is False
    g = ac.tensor(np.ones(h.shape, np.float32))
    before = g._data.copy()
    with ac.no_grad():
        type(h.grad_fn).backward(h.grad_fn, g)
    np.testing.assert_array_equal(g._data, before)


@pytest.mark.parametrize("keep", ["none", "hook"])
def test_relu_before_max_pool_reuses_col2ims_delta_correctly(keep, rng):
    """In a CNN relu's delta comes from pooling's col2im, a new array relu may mask in
    place; gradients (and a hook's view of that delta) equal PyTorch's."""
    x_np = rng.standard_normal((2, 3, 6, 6))
    w_np = rng.standard_normal((4, 3, 3, 3))
    got = {}
    for lib in (ac, torch):
        F = nn.functional if lib is ac else torch.nn.functional
        x = lib.tensor(x_np, requires_grad=True)
        w = lib.tensor(w_np, requires_grad=True)
        h = F.conv2d(x, w, padding=1).relu()
        seen = []
        if keep == "hook":
            h.register_hook(seen.append)  # the delta itself: a later write would show
        (F.max_pool2d(h, 2) * lib.tensor(np.arange(36.0).reshape(1, 1, 6, 6)[..., :3, :3])
         ).sum().backward()
        got[lib.__name__] = (x.grad, w.grad, seen)
    ours, theirs = got["autograd_core"], got["torch"]
    for o, t in zip(ours[:2], theirs[:2]):
        np.testing.assert_allclose(o._data, t.numpy(), rtol=1e-10, atol=1e-12)
    for o, t in zip(ours[2], theirs[2]):
        np.testing.assert_allclose(o._data, t.numpy(), rtol=1e-12)


# ----- copies of tensors and of the graph ----------------------------------------------
# The engine orders nodes by the number each got when recorded, so a graph must never be
# duplicated: a copied node would share its number with the original.


def test_pickled_tensor_loads_as_a_leaf_like_pytorchs_and_trains_correctly():
    got = {}
    for lib in (ac, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        z = pickle.loads(pickle.dumps(y))
        assert z.grad_fn is None and z.requires_grad
        (y + z * 10).sum().backward()
        got[lib.__name__] = (x.grad, z.grad, z)
    for o, t in zip(got["autograd_core"], got["torch"]):
        np.testing.assert_array_equal(o._data, t.detach().numpy())


def test_deepcopy_refuses_a_tensor_with_a_graph_and_copies_a_leaf():
    x = ac.tensor([1.0, 2.0], requires_grad=True)
    (x * 3).sum().backward()
    with pytest.raises(RuntimeError, match="graph leaves"):
        copy.deepcopy(x * 2)
    c = copy.deepcopy(x)
    assert c.requires_grad and c.grad_fn is None
    assert not np.shares_memory(c._data, x._data)
    assert not np.shares_memory(c.grad._data, x.grad._data)
    np.testing.assert_array_equal(c.grad._data, [3.0, 3.0])


def test_graph_nodes_cannot_be_copied_or_pickled():
    node = (ac.tensor([1.0], requires_grad=True) * 2).grad_fn
    for attempt in (copy.copy, copy.deepcopy, pickle.dumps):
        with pytest.raises(TypeError, match="cannot be copied or pickled"):
            attempt(node)
