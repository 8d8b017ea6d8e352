"""The recurrent layers' two loops agree (issue 16): the fused one-node loop
(nn.functional._rnn_fused, the default for LSTM and GRU) and the unrolled per-step
nodes give the same outputs, final states and gradients, and both match PyTorch;
second derivatives through the fused node (its formula: the unrolled loop recomputed and
differentiated by the engine) match PyTorch's, also where an input is made from another
and with hooks below the node; its saved output is guarded against in-place writes.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import autograd_core as ag
import nn

CONFIGS = [
    {},
    {"batch_first": True},
    {"bidirectional": True},
    {"num_layers": 2, "bidirectional": True, "batch_first": True},
    {"bias": False},
]


def _models(kind: str, kw: dict):
    tm = getattr(torch.nn, kind)(3, 4, dtype=torch.float64, **kw)
    om = getattr(nn, kind)(3, 4, dtype=ag.float64, **kw)
    om.load_state_dict({k: ag.from_numpy(v.detach().numpy().copy())
                        for k, v in tm.state_dict().items()})
    return tm, om


def _run_ours(om, kind, x, hx, fused):
    om.fused = fused
    om.zero_grad()
    xo = ag.tensor(x, requires_grad=True)
    hs = [ag.tensor(h, requires_grad=True) for h in hx]
    out, st = om(xo, tuple(hs) if kind == "LSTM" else hs[0])
    st = st if isinstance(st, tuple) else (st,)
    rng = np.random.default_rng(5)
    loss = sum(((t * ag.tensor(rng.standard_normal(t.shape))).sum() for t in (out, *st)),
               ag.tensor(0.0, dtype=ag.float64))
    loss.backward()
    grads = [xo.grad.numpy(), *[h.grad.numpy() for h in hs]]
    grads += [p.grad.numpy() for _, p in om.named_parameters()]
    return [out.detach().numpy(), *[s.detach().numpy() for s in st]], grads


@pytest.mark.parametrize("kind", ["LSTM", "GRU", "RNN"])
@pytest.mark.parametrize("kw", CONFIGS, ids=lambda kw: "-".join(kw) or "plain")
def test_fused_equals_unrolled_and_torch(kind, kw):
    tm, om = _models(kind, kw)
    rng = np.random.default_rng(0)
    dirs = (2 if kw.get("bidirectional") else 1) * kw.get("num_layers", 1)
    x = rng.standard_normal((2, 5, 3) if kw.get("batch_first") else (5, 2, 3))
    hx = [rng.standard_normal((dirs, 2, 4)) for _ in range(2 if kind == "LSTM" else 1)]
    vals_f, grads_f = _run_ours(om, kind, x, hx, True)
    vals_u, grads_u = _run_ours(om, kind, x, hx, False)
    for a, b in zip(vals_f + grads_f, vals_u + grads_u):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    # and PyTorch, with the same deltas
    xt = torch.tensor(x, requires_grad=True)
    ht = [torch.tensor(h, requires_grad=True) for h in hx]
    out, st = tm(xt, tuple(ht) if kind == "LSTM" else ht[0])
    st = st if isinstance(st, tuple) else (st,)
    rng = np.random.default_rng(5)
    loss = sum((t * torch.tensor(rng.standard_normal(tuple(t.shape)))).sum()
               for t in (out, *st))
    loss.backward()
    want = [out.detach().numpy(), *[s.detach().numpy() for s in st], xt.grad.numpy(),
            *[h.grad.numpy() for h in ht], *[p.grad.numpy() for _, p in tm.named_parameters()]]
    for a, b in zip(vals_f + grads_f, want):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def _node_names(t) -> set[str]:
    names, stack, seen = set(), [t.grad_fn], set()
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        names.add(type(node).__name__)
        stack.extend(n for n, _ in node.next_functions)
    return names


@pytest.mark.parametrize("kind", ["LSTM", "GRU", "RNN"])
@pytest.mark.parametrize("kw", [{}, {"num_layers": 2, "bidirectional": True}],
                         ids=["plain", "stacked-bidirectional"])
def test_second_derivative_through_fused_layer_matches_torch(kind, kw):
    # The fused node's formula (the unrolled loop, differentiated by the engine); stacked,
    # one node's formula runs while the nodes below it wait for their turn.
    tm, om = _models(kind, kw)
    om.fused = True
    x = np.random.default_rng(1).standard_normal((4, 2, 3))
    xt = torch.tensor(x, requires_grad=True)
    (gt,) = torch.autograd.grad(tm(xt)[0].pow(2).sum(), xt, create_graph=True)
    gt.pow(2).sum().backward()
    xo = ag.tensor(x, requires_grad=True)
    out = om(xo)[0]
    assert f"{kind}Layer" in _node_names(out)  # the fused path was taken
    (go,) = ag.grad(out.pow(2).sum(), xo, create_graph=True)
    go.pow(2).sum().backward()
    np.testing.assert_allclose(go.detach().numpy(), gt.detach().numpy(), rtol=1e-10)
    np.testing.assert_allclose(xo.grad.numpy(), xt.grad.numpy(), rtol=1e-9, atol=1e-12)
    for name, p in tm.named_parameters():
        np.testing.assert_allclose(getattr(om, name).grad.numpy(), p.grad.numpy(),
                                   rtol=1e-9, atol=1e-12, err_msg=name)


@pytest.mark.parametrize("kind", ["LSTM", "GRU", "RNN"])
def test_second_derivative_with_initial_state_made_from_w_hh(kind):
    # h_0 is rows of W_hh: W_hh reaches the layer node twice, as an input and through
    # h_0. The node's formula must give W_hh its own partial derivative only.
    tm, om = _models(kind, {})
    om.fused = True
    x = np.random.default_rng(4).standard_normal((3, 2, 3))

    def run(model, lib, xs):
        h0 = model.weight_hh_l0[:2].reshape(1, 2, 4)
        hx = (h0, h0 * 0.5) if kind == "LSTM" else h0
        out = model(xs, hx)[0]
        g, gw = lib.autograd.grad(out.pow(2).sum(), (xs, model.weight_hh_l0),
                                  create_graph=True)
        (g.pow(2).sum() + gw.pow(2).sum() + out.sum()).backward()
        return g, gw

    xt = torch.tensor(x, requires_grad=True)
    gt = run(tm, torch, xt)
    xo = ag.tensor(x, requires_grad=True)
    go = run(om, ag, xo)
    for a, b in zip(go, gt):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-10)
    np.testing.assert_allclose(om.weight_hh_l0.grad.numpy(), tm.weight_hh_l0.grad.numpy(),
                               rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(xo.grad.numpy(), xt.grad.numpy(), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("kind", ["LSTM", "GRU"])
def test_hook_below_the_fused_layer_runs_once_per_pass(kind):
    # The formula's own gradient pass stops at the node's inputs: the graph below them
    # (and its hooks) is backpropagated once, by the pass that called the formula.
    _, om = _models(kind, {})
    calls = []
    x = ag.tensor(np.random.default_rng(5).standard_normal((3, 2, 3)), requires_grad=True)
    y = x * 2.0
    y.register_hook(lambda g: calls.append(g.detach().numpy().copy()))
    out = om(y)[0]
    (g,) = ag.grad(out.pow(2).sum(), x, create_graph=True)
    assert len(calls) == 1
    np.testing.assert_allclose(g.detach().numpy(), 2.0 * calls[0], rtol=1e-12)
    assert x.grad is None and om.weight_hh_l0.grad is None  # grad() accumulates nothing


def test_fused_output_written_in_place_raises():
    om = nn.LSTM(3, 4, dtype=ag.float64)
    out, _ = om(ag.tensor(np.ones((3, 2, 3))))
    with ag.no_grad():
        out.mul_(2.0)
    with pytest.raises(RuntimeError, match="inplace"):
        out.sum().backward()
