"""Hooks: Tensor.register_hook and the Module forward / pre-forward / full backward hooks,
each checked against the same program in PyTorch."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import autograd_core as ac
import nn
from tests._nn_helpers import assert_close, copy_weights

torch.set_default_dtype(torch.float32)


def _both(arr, requires_grad=True):
    return ac.tensor(arr, requires_grad=requires_grad), torch.tensor(arr,
                                                                     requires_grad=requires_grad)


# ----- Tensor.register_hook -----------------------------------------------------------


def test_leaf_hook_sees_and_replaces_gradient(rng):
    arr = rng.standard_normal(4).astype(np.float32)
    seen = {}
    for lib, x in zip(("ours", "torch"), _both(arr)):
        x.register_hook(lambda g, k=lib: seen.update({k: g.tolist()}) or g * 3)
        (x * x).sum().backward()
        seen[lib + "_grad"] = x.grad.tolist()
    assert seen["ours"] == pytest.approx(seen["torch"])
    assert seen["ours_grad"] == pytest.approx(seen["torch_grad"])
    assert seen["ours_grad"] == pytest.approx([6 * v for v in arr])


def test_nonleaf_hook_changes_upstream_gradient(rng):
    arr = rng.standard_normal((2, 3)).astype(np.float32)
    grads = []
    for x in _both(arr):
        y = x.tanh()
        y.register_hook(lambda g: g.clamp(min=0.0))
        (y * y.detach() - y).sum().backward()
        grads.append(x.grad)
    assert_close(grads[0], grads[1])


def test_hook_on_value_used_twice_runs_once_with_summed_grad(rng):
    arr = rng.standard_normal(3).astype(np.float32)
    calls = {"ours": [], "torch": []}
    for lib, x in zip(calls, _both(arr)):
        y = x * 2
        y.register_hook(lambda g, k=lib: calls[k].append(g.tolist()))
        (y * y + y.exp()).sum().backward()
    assert len(calls["ours"]) == len(calls["torch"]) == 1
    assert calls["ours"][0] == pytest.approx(calls["torch"][0], rel=1e-6)


def test_hooks_run_in_order_and_chain():
    for lib in (ac, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        order = []
        x.register_hook(lambda g, order=order: order.append("a") or g + 1)
        x.register_hook(lambda g, order=order: order.append("b") or g * 10)
        x.sum().backward()
        assert order == ["a", "b"]
        assert x.grad.tolist() == [20.0, 20.0]


def test_removed_hook_is_not_called():
    for lib in (ac, torch):
        x = lib.tensor([1.0], requires_grad=True)
        calls = []
        h = x.register_hook(lambda g, calls=calls: calls.append(1))
        (x * 2).sum().backward()
        h.remove()
        h.remove()  # a second remove is harmless
        (x * 2).sum().backward()
        assert calls == [1]
        assert x.grad.tolist() == [4.0]


def test_retain_grad_sees_hook_modified_gradient():
    vals = []
    for lib in (ac, torch):
        x = lib.tensor([1.0, -2.0], requires_grad=True)
        y = x * 3
        y.retain_grad()
        y.register_hook(lambda g: g * 2)
        y.sum().backward()
        vals.append((y.grad.tolist(), x.grad.tolist()))
    assert vals[0] == vals[1]


def test_hook_in_autograd_grad_and_create_graph(rng):
    arr = rng.standard_normal(3)
    res = []
    for lib, x in zip((ac, torch), _both(arr)):
        y = x.sin()
        y.register_hook(lambda g: g * 2)
        grad = ac.grad if lib is ac else torch.autograd.grad
        (g,) = grad((y * y).sum(), x, create_graph=True)
        g.sum().backward()
        res.append((g, x.grad))
    assert_close(res[0][0], res[1][0], np.float64)
    assert_close(res[0][1], res[1][1], np.float64)


def test_register_hook_needs_requires_grad():
    for lib in (ac, torch):
        with pytest.raises(RuntimeError, match="doesn't require gradient"):
            lib.ones(2).register_hook(lambda g: g)


def test_hook_returning_wrong_shape_raises():
    x = ac.tensor([1.0, 2.0], requires_grad=True)
    x.register_hook(lambda g: ac.ones(3))
    with pytest.raises(RuntimeError, match="shape"):
        (x * 2).sum().backward()


# ----- Module hooks -------------------------------------------------------------------


def _linear_pair(rng, n_in=3, n_out=2):
    ours = nn.Linear(n_in, n_out)
    theirs = torch.nn.Linear(n_in, n_out)
    copy_weights(ours, theirs)
    return ours, theirs


def test_forward_pre_hook_replaces_input(rng):
    ours, theirs = _linear_pair(rng)
    arr = rng.standard_normal((4, 3)).astype(np.float32)
    outs = []
    for m, x in ((ours, _both(arr)[0]), (theirs, _both(arr)[1])):
        h = m.register_forward_pre_hook(lambda mod, args: (args[0] * 2,))
        outs.append(m(x))
        h.remove()
        outs.append(m(x))
    assert_close(outs[0], outs[2])
    assert_close(outs[1], outs[3])
    assert not np.allclose(outs[0]._data, outs[1]._data)


def test_forward_hook_sees_args_and_replaces_output(rng):
    ours, theirs = _linear_pair(rng)
    arr = rng.standard_normal((4, 3)).astype(np.float32)
    got = {}
    outs = []
    for key, m, x in (("ours", ours, _both(arr)[0]), ("torch", theirs, _both(arr)[1])):
        def hook(mod, args, out, key=key, m=m):
            got[key] = (mod is m, len(args), tuple(out.shape))
            return out.relu()
        h = m.register_forward_hook(hook)
        y = m(x)
        y.sum().backward()
        outs.append((y, x.grad))
        h.remove()
    assert got["ours"] == got["torch"] == (True, 1, (4, 2))
    assert_close(outs[0][0], outs[1][0])
    assert_close(outs[0][1], outs[1][1])


def test_forward_hooks_with_kwargs_and_prepend(rng):
    order = []
    for m in (nn.Linear(3, 2), torch.nn.Linear(3, 2)):
        order.clear()
        m.register_forward_hook(lambda mod, a, o: order.append("late"))
        m.register_forward_hook(lambda mod, a, o: order.append("early"), prepend=True)
        m.register_forward_pre_hook(lambda mod, a, kw: order.append(sorted(kw)) or None,
                                    with_kwargs=True)
        lib = ac if isinstance(m, nn.Module) else torch
        m(lib.ones(1, 3))
        assert order == [[], "early", "late"]


def test_full_backward_hook_matches_torch(rng):
    arr = rng.standard_normal((5, 3)).astype(np.float32)
    seen = {"ours": [], "torch": []}
    results = []
    for key, lib in (("ours", ac), ("torch", torch)):
        if key == "ours":
            model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
            ours_model = model
        else:
            model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(),
                                        torch.nn.Linear(4, 2))
            copy_weights(ours_model, model)

        def hook(mod, gin, gout, key=key):
            seen[key].append((type(mod).__name__, [None if g is None else g.detach().numpy()
                                                  if key == "torch" else g._data
                                                  for g in gin],
                              [g.detach().numpy() if key == "torch" else g._data
                               for g in gout]))
            return (gin[0] * 0.5,)

        for sub in model:
            if isinstance(sub, (nn.Linear, torch.nn.Linear)):
                sub.register_full_backward_hook(hook)
        x = lib.tensor(arr, requires_grad=True)
        model(x).pow(2).sum().backward()
        results.append((x.grad, [p.grad for p in model.parameters()]))
    assert [s[0] for s in seen["ours"]] == [s[0] for s in seen["torch"]] == ["Linear"] * 2
    for (_, gin_o, gout_o), (_, gin_t, gout_t) in zip(seen["ours"], seen["torch"]):
        for a, b in zip(gin_o + gout_o, gin_t + gout_t):
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert_close(results[0][0], results[1][0])
    for a, b in zip(results[0][1], results[1][1]):
        assert_close(a, b)


@pytest.mark.filterwarnings("ignore:Full backward hook is firing")
def test_full_backward_hook_input_without_grad_gets_none(rng):
    ours, theirs = _linear_pair(rng)
    arr = rng.standard_normal((2, 3)).astype(np.float32)
    got = []
    for m, lib in ((ours, ac), (theirs, torch)):
        m.register_full_backward_hook(
            lambda mod, gin, gout: got.append((gin[0] is None, tuple(gout[0].shape))))
        m(lib.tensor(arr)).sum().backward()
    assert got[0] == got[1] == (True, (2, 2))


def test_full_backward_hook_removed(rng):
    m = nn.Linear(3, 2)
    calls = []
    h = m.register_full_backward_hook(lambda mod, gin, gout: calls.append(1))
    m(ac.ones(1, 3, requires_grad=True)).sum().backward()
    h.remove()
    m(ac.ones(1, 3, requires_grad=True)).sum().backward()
    assert calls == [1]
    with m.register_forward_hook(lambda mod, a, o: calls.append(2)):
        m(ac.ones(1, 3))
    m(ac.ones(1, 3))
    assert calls == [1, 2]


def test_backward_pre_hook_replaces_grad_output(rng):
    ours, theirs = _linear_pair(rng)
    arr = rng.standard_normal((2, 3)).astype(np.float32)
    grads = []
    for m, lib in ((ours, ac), (theirs, torch)):
        m.register_full_backward_pre_hook(lambda mod, gout: (gout[0] * 4,))
        x = lib.tensor(arr, requires_grad=True)
        m(x).sum().backward()
        grads.append((x.grad, m.weight.grad))
    assert_close(grads[0][0], grads[1][0])
    assert_close(grads[0][1], grads[1][1])


@pytest.mark.parametrize("lib", ["ours", "torch"])
def test_gradient_handed_to_a_leaf_hook_is_never_changed_later(lib):
    L = ac if lib == "ours" else torch
    x = L.tensor([1.0, 2.0], requires_grad=True)
    saved = []
    x.register_hook(saved.append)
    (x * 2).sum().backward()
    (x * 3).sum().backward()
    np.testing.assert_array_equal(np.asarray(saved[0].detach().numpy()), [2.0, 2.0])
    np.testing.assert_array_equal(np.asarray(x.grad.detach().numpy()), [5.0, 5.0])


@pytest.mark.parametrize("lib", ["ours", "torch"])
def test_gradient_handed_to_a_nonleaf_hook_is_never_changed_later(lib):
    L = ac if lib == "ours" else torch
    x = L.tensor([1.0, 2.0], requires_grad=True)
    saved = []
    y = x + 0  # add passes its delta on unchanged: the hook's array may reach x.grad
    y.register_hook(saved.append)
    y.sum().backward()
    (x * 3).sum().backward()
    np.testing.assert_array_equal(np.asarray(saved[0].detach().numpy()), [1.0, 1.0])
    np.testing.assert_array_equal(np.asarray(x.grad.detach().numpy()), [4.0, 4.0])
