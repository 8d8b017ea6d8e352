"""The backward engine: graph walk, accumulation, retained graphs, grad modes, grad(),
higher derivatives. Results are compared with PyTorch 2.13 wherever it has an answer.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from _helpers import assert_close, pair

import autograd_core as ac
import nn

# ----- the graph walk ------------------------------------------------------------------


def test_million_op_chain_backpropagates():
    # A recursive walk would overflow the stack long before a million nodes; the
    # engine's heap of pending nodes must not. (Add keeps the forward cheap: no promotion
    # work.)
    n = 1_000_000
    x = ac.tensor(0.5, dtype=ac.float64, requires_grad=True)
    y = x
    for _ in range(n):
        y = y + 1.0
    assert y.item() == 0.5 + n
    y.backward()
    assert x.grad.item() == 1.0
    del y  # freeing the chain must not recurse either


def test_gradients_sum_where_paths_join(rng):
    x_np = rng.standard_normal(4)

    def f(L, x):
        a = x.tanh()
        b = a * a  # a reaches b twice
        c = a + b  # and c through two paths
        return (c * a + x * 3.0 + x.exp()).sum() + (x * x).sum()

    x, tx = pair(x_np)
    f(ac, x).backward()
    f(torch, tx).backward()
    assert_close(x.grad, tx.grad)


def test_same_tensor_as_both_operands(rng):
    x, tx = pair(rng.standard_normal((2, 3)))
    ((x * x) + (x + x) - x / (x * x + 1.0)).sum().backward()
    ((tx * tx) + (tx + tx) - tx / (tx * tx + 1.0)).sum().backward()
    assert_close(x.grad, tx.grad)


def test_several_roots_one_consuming_another(rng):
    # y2 is computed from y1: y1's node must wait for y2's gradient before it runs.
    x, tx = pair(rng.standard_normal(3))
    g1, g2 = rng.standard_normal(3), rng.standard_normal(3)
    y1 = x * 2.0
    y2 = y1.sin()
    ac.backward([y1, y2], [ac.tensor(g1), ac.tensor(g2)])
    ty1 = tx * 2.0
    ty2 = ty1.sin()
    torch.autograd.backward([ty1, ty2], [torch.tensor(g1), torch.tensor(g2)])
    assert_close(x.grad, tx.grad)


def test_leaf_grads_accumulate_across_calls(rng):
    x, tx = pair(rng.standard_normal(3))
    for k in (1.0, 2.0, 3.0):
        (x * x * k).sum().backward()
        (tx * tx * k).sum().backward()
    assert_close(x.grad, tx.grad)
    np.testing.assert_allclose(x.grad._data, 12.0 * x._data)
    x.grad = None
    x.sum().backward()
    np.testing.assert_array_equal(x.grad._data, np.ones(3))


def test_leaf_grads_never_share_memory(rng):
    # add passes delta through unchanged: without care two leaves, or the caller's own
    # gradient, would share one array and a later accumulation would change both.
    a = ac.tensor(rng.standard_normal(3), requires_grad=True)
    b = ac.tensor(rng.standard_normal(3), requires_grad=True)
    g = ac.tensor(np.ones(3))
    (a + b).backward(g)
    assert not np.shares_memory(a.grad._data, b.grad._data)
    assert not np.shares_memory(a.grad._data, g._data)
    (a + b).backward(g)
    np.testing.assert_array_equal(g._data, np.ones(3))
    np.testing.assert_array_equal(a.grad._data, np.full(3, 2.0))
    a.backward(g)  # a leaf as the root gets a copy of the caller's gradient too
    np.testing.assert_array_equal(g._data, np.ones(3))


class _SharedGrads(ac.Function):
    """a + b, whose backward returns a view of a new array for a and that array itself
    for b: the engine hands a leaf its first gradient without a copy, so it must notice
    that b's shares a's memory (else accumulating into one would change the other)."""

    @staticmethod
    def forward(ctx, a, b):
        return a + b

    @staticmethod
    def backward(ctx, grad):
        d = grad._data.copy()
        return ac.from_numpy(d[:]), ac.from_numpy(d)


def test_leaf_grads_sharing_one_array_are_separated(rng):
    a = ac.tensor(rng.standard_normal(3), requires_grad=True)
    b = ac.tensor(rng.standard_normal(3), requires_grad=True)
    ta, tb = (torch.tensor(t._data, requires_grad=True) for t in (a, b))
    for _ in range(3):  # later backwards accumulate into each .grad on its own
        (_SharedGrads.apply(a, b) * 2.0).sum().backward()
        ((ta + tb) * 2.0).sum().backward()
        assert not np.shares_memory(a.grad._data, b.grad._data)
    assert_close(a.grad, ta.grad)
    assert_close(b.grad, tb.grad)


def test_linear_weight_grad_is_handed_over_and_accumulates(rng):
    # nn.Linear's weight gradient is a transposed view of a fresh product (the weight is
    # column-major); it is given to .grad as it is, and later backwards add into it.
    lin = nn.Linear(4, 3, dtype=ac.float64)
    tlin = torch.nn.Linear(4, 3, dtype=torch.float64)
    with torch.no_grad():
        tlin.weight.copy_(torch.from_numpy(lin.weight._data))
        tlin.bias.copy_(torch.from_numpy(lin.bias._data))
    x = rng.standard_normal((5, 4))
    for _ in range(3):
        lin(ac.tensor(x)).relu().sum().backward()
        tlin(torch.from_numpy(x)).relu().sum().backward()
    assert not np.shares_memory(lin.weight.grad._data, lin.bias.grad._data)
    assert_close(lin.weight.grad, tlin.weight.grad)
    assert_close(lin.bias.grad, tlin.bias.grad)


def test_intermediates_have_no_grad_unless_retain_grad(rng):
    x_np = rng.standard_normal((2, 3))
    x = ac.tensor(x_np, requires_grad=True)
    y = x.exp()
    z = (y * 2.0).sum()
    assert not y.is_leaf and x.is_leaf
    z.backward()
    assert y.grad is None and z.grad is None
    assert x.grad is not None

    x, tx = pair(x_np)
    y, ty = x.exp(), tx.exp()
    y.retain_grad()
    ty.retain_grad()
    assert y.retains_grad
    (y * y).sum().backward()
    (ty * ty).sum().backward()
    assert_close(y.grad, ty.grad)
    assert_close(x.grad, tx.grad)


def test_register_hook_replaces_the_gradient(rng):
    x, tx = pair(rng.standard_normal(3))
    y, ty = x * 2.0, tx * 2.0
    seen = []
    handle = y.register_hook(lambda g: seen.append(g._data.copy()) or g * 10.0)
    ty.register_hook(lambda g: g * 10.0)
    y.sum().backward()
    ty.sum().backward()
    assert_close(x.grad, tx.grad)
    np.testing.assert_array_equal(seen[0], np.ones(3))
    handle.remove()
    x.grad = None
    (x * 2.0).sum().backward()
    np.testing.assert_array_equal(x.grad._data, np.full(3, 2.0))


# ----- saved buffers and retain_graph --------------------------------------------------


def test_saved_buffers_are_freed_after_backward(rng):
    x = ac.tensor(rng.standard_normal(3), requires_grad=True)
    y = x.exp()
    node = y.grad_fn
    y.sum().backward()
    assert node.saved is None


def test_retain_graph_allows_a_second_backward(rng):
    x, tx = pair(rng.standard_normal(3))
    e = x.exp()
    z, tz = (e * x).sum(), (tx.exp() * tx).sum()
    z.backward(retain_graph=True)
    tz.backward(retain_graph=True)
    assert e.grad_fn.saved is not None
    z.backward()
    tz.backward()
    assert_close(x.grad, tx.grad)


def test_second_backward_without_retain_graph_raises(rng):
    x = ac.tensor(rng.standard_normal(3), requires_grad=True)
    z = (x.exp() * x).sum()
    z.backward()
    with pytest.raises(RuntimeError, match="second time") as err:
        z.backward()
    assert "retain_graph=True" in str(err.value)
    # torch raises for the same program.
    tx = torch.tensor(x._data, requires_grad=True)
    tz = (tx.exp() * tx).sum()
    tz.backward()
    with pytest.raises(RuntimeError, match="second time"):
        tz.backward()


# ----- grad modes ----------------------------------------------------------------------


def test_no_grad_context_records_nothing(rng):
    x = ac.tensor(rng.standard_normal(3), requires_grad=True)
    with ac.no_grad():
        assert not ac.is_grad_enabled()
        y = x * 2.0
    assert ac.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None
    assert (x * 2.0).requires_grad


def test_enable_grad_inside_no_grad(rng):
    x = ac.tensor(rng.standard_normal(3), requires_grad=True)
    with ac.no_grad():
        with ac.enable_grad():
            y = x * 2.0
        z = x * 2.0
    assert y.requires_grad and not z.requires_grad


def test_set_grad_enabled_context_and_call(rng):
    x = ac.tensor(rng.standard_normal(3), requires_grad=True)
    with ac.set_grad_enabled(False):
        assert not (x * 2.0).requires_grad
        with ac.set_grad_enabled(True):
            assert (x * 2.0).requires_grad
        assert not ac.is_grad_enabled()
    assert ac.is_grad_enabled()
    # As a plain call it switches at once and stays switched, as in PyTorch.
    ac.set_grad_enabled(False)
    assert not (x * 2.0).requires_grad
    ac.set_grad_enabled(True)
    assert (x * 2.0).requires_grad


def test_grad_mode_restored_after_an_exception():
    with pytest.raises(ValueError), ac.no_grad():
        raise ValueError("boom")
    assert ac.is_grad_enabled()


@pytest.mark.parametrize(
    "make, expected",
    [
        (lambda: ac.no_grad(), False),
        (lambda: ac.no_grad, False),
        (lambda: ac.enable_grad(), True),
        (lambda: ac.enable_grad, True),
        (lambda: ac.set_grad_enabled(False), False),
        (lambda: ac.set_grad_enabled(True), True),
    ],
    ids=["no_grad()", "no_grad", "enable_grad()", "enable_grad", "set_false", "set_true"],
)
def test_grad_mode_decorators(make, expected, rng):
    # The decorators are made here, not at collection: set_grad_enabled(False) switches
    # the mode the moment it is called, and only decorating switches it back.
    x = ac.tensor(rng.standard_normal(3), requires_grad=True)

    @make()
    def double(t):
        """Doubles t."""
        return t * 2.0, ac.is_grad_enabled()

    assert ac.is_grad_enabled()  # decorating left the mode as it was
    assert double.__doc__ == "Doubles t."
    for outer in (True, False):
        with ac.set_grad_enabled(outer):
            y, mode = double(x)
            assert mode is expected and y.requires_grad is expected
            assert ac.is_grad_enabled() is outer


# ----- autograd_core.grad --------------------------------------------------------------


def test_grad_returns_tuple_and_leaves_dot_grad_alone(rng):
    a, ta = pair(rng.standard_normal((2, 3)))
    b, tb = pair(rng.standard_normal(3))
    out = ac.grad((a * b).tanh().sum(), [a, b])
    tout = torch.autograd.grad((ta * tb).tanh().sum(), [ta, tb])
    assert isinstance(out, tuple) and len(out) == 2
    assert a.grad is None and b.grad is None
    for g, tg in zip(out, tout):
        assert_close(g, tg)
        assert not g.requires_grad


def test_grad_with_grad_outputs(rng):
    x, tx = pair(rng.standard_normal((2, 3)))
    v = rng.standard_normal((2, 3))
    (g,) = ac.grad(x.sigmoid(), x, grad_outputs=ac.tensor(v))
    (tg,) = torch.autograd.grad(tx.sigmoid(), tx, grad_outputs=torch.tensor(v))
    assert_close(g, tg)


def test_grad_allow_unused(rng):
    x = ac.tensor(rng.standard_normal(3), requires_grad=True)
    unused = ac.tensor(rng.standard_normal(3), requires_grad=True)
    with pytest.raises(RuntimeError, match="allow_unused=True"):
        ac.grad((x * 2.0).sum(), [x, unused])
    gx, gu = ac.grad((x * 2.0).sum(), [x, unused], allow_unused=True)
    assert gu is None
    np.testing.assert_array_equal(gx._data, np.full(3, 2.0))
    assert x.grad is None and unused.grad is None


def test_grad_of_an_intermediate(rng):
    x, tx = pair(rng.standard_normal(3))
    h, th = x.exp(), tx.exp()
    (gh, gx) = ac.grad((h * h).sum(), [h, x])
    (tgh, tgx) = torch.autograd.grad((th * th).sum(), [th, tx])
    assert_close(gh, tgh)
    assert_close(gx, tgx)


# ----- higher derivatives --------------------------------------------------------------


def test_second_derivative_of_cube(rng):
    x, tx = pair(rng.standard_normal(5))
    (g,) = ac.grad((x**3).sum(), x, create_graph=True)
    (tg,) = torch.autograd.grad((tx**3).sum(), tx, create_graph=True)
    assert g.requires_grad and g.grad_fn is not None
    (g2,) = ac.grad(g.sum(), x)
    (tg2,) = torch.autograd.grad(tg.sum(), tx)
    assert_close(g, tg)
    assert_close(g2, tg2)
    np.testing.assert_allclose(g2._data, 6.0 * x._data, rtol=1e-12)


@pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph")
def test_backward_create_graph_then_backward_through_grad(rng):
    x, tx = pair(rng.standard_normal(4))
    (x**3).sum().backward(create_graph=True)
    (tx**3).sum().backward(create_graph=True)
    gx, tgx = x.grad, tx.grad
    assert gx.requires_grad
    x.grad, tx.grad = None, None
    (gx * gx).sum().backward()
    (tgx * tgx).sum().backward()
    assert_close(x.grad, tx.grad)


@pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph")
def test_create_graph_grads_are_separate_and_accumulate_later(rng):
    # add hands the same (read-only, broadcast) delta to both leaves; a later plain
    # backward must be able to accumulate into each one on its own.
    a, ta = pair(rng.standard_normal(2))
    b, tb = pair(rng.standard_normal(2))
    (a + b).sum().backward(create_graph=True)
    (ta + tb).sum().backward(create_graph=True)
    assert a.grad is not b.grad and not np.shares_memory(a.grad._data, b.grad._data)
    (a * 2.0).sum().backward()
    (ta * 2.0).sum().backward()
    assert_close(a.grad, ta.grad)
    assert_close(b.grad, tb.grad)


def _mlp_loss(L, params, X, y_onehot, kind):
    """A small MLP loss made only of plain tensor ops (no nn)."""
    w1, b1, w2, b2 = params
    h = X @ w1 + b1
    h = h.tanh() if kind == "tanh-mse" else h.sigmoid() * h
    out = h @ w2 + b2
    if kind == "tanh-mse":
        return ((out - y_onehot) ** 2).mean()
    logp = out.log_softmax(dim=-1)
    return -(logp * y_onehot).sum(dim=1).mean() + 0.01 * (w1 * w1).sum()


@pytest.mark.parametrize("kind", ["tanh-mse", "silu-xent"])
def test_hessian_vector_product_of_mlp_loss(kind, rng):
    shapes = [(4, 6), (6,), (6, 3), (3,)]
    params = [pair(rng.standard_normal(s) * 0.7) for s in shapes]
    vs = [rng.standard_normal(s) for s in shapes]
    X = rng.standard_normal((8, 4))
    y_onehot = np.eye(3)[rng.integers(0, 3, 8)]

    ours = [p for p, _ in params]
    loss = _mlp_loss(ac, ours, ac.tensor(X), ac.tensor(y_onehot), kind)
    grads = ac.grad(loss, ours, create_graph=True)
    gv = sum((g * ac.tensor(v)).sum() for g, v in zip(grads, vs))
    hv = ac.grad(gv, ours)

    theirs = [t for _, t in params]
    tloss = _mlp_loss(torch, theirs, torch.tensor(X), torch.tensor(y_onehot), kind)
    tgrads = torch.autograd.grad(tloss, theirs, create_graph=True)
    tgv = sum((g * torch.tensor(v)).sum() for g, v in zip(tgrads, vs))
    thv = torch.autograd.grad(tgv, theirs)

    assert_close(loss, tloss)
    for g, tg in zip(grads, tgrads):
        assert_close(g, tg)
    for h, th in zip(hv, thv):
        assert_close(h, th)
        assert np.abs(h._data).max() > 1e-6  # a real, nonzero curvature
