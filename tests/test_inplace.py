"""In-place operations, version counters and views, checked against PyTorch.

Each scenario is written once as ``fn(L, *leaves)`` (L is autograd_core or torch) and
run in both libraries; values, leaf gradients and raised errors must agree.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import autograd_core as ac
from tests._helpers import TORCH, assert_close

DTYPES = [np.float32, np.float64]


def _leaves(arrays, rg):
    ours = [ac.tensor(a, requires_grad=r) for a, r in zip(arrays, rg)]
    theirs = [torch.tensor(a, requires_grad=r) for a, r in zip(arrays, rg)]
    return ours, theirs


def run_both(fn, arrays, rg=None, extra_out=()):
    """Run ``fn`` in both libraries; compare its outputs and the leaves' gradients."""
    rg = rg or [True] * len(arrays)
    ours, theirs = _leaves(arrays, rg)
    out_o = fn(ac, *ours)
    out_t = fn(TORCH, *theirs)
    out_o = out_o if isinstance(out_o, tuple) else (out_o,)
    out_t = out_t if isinstance(out_t, tuple) else (out_t,)
    loss_o = sum((o * (k + 1.5)).sum() for k, o in enumerate(out_o))
    loss_t = sum((o * (k + 1.5)).sum() for k, o in enumerate(out_t))
    for o, t in zip(out_o, out_t):
        assert_close(o, t, what="value")
    loss_o.backward()
    loss_t.backward()
    for i, (o, t) in enumerate(zip(ours, theirs)):
        if t.grad is None:
            assert o.grad is None, f"leaf {i}: torch has no grad, ours {o.grad}"
        else:
            assert o.grad is not None, f"leaf {i}: no gradient"
            assert_close(o.grad, t.grad, what=f"grad of leaf {i}")
    return ours, theirs


def errors_alike(fn, arrays, rg=None, fragment=None):
    """Both libraries raise the same kind of error; ours names what ``fragment`` says."""
    rg = rg or [True] * len(arrays)
    ours, theirs = _leaves(arrays, rg)
    with pytest.raises(Exception) as t_err:
        fn(TORCH, *theirs)
    with pytest.raises(type(t_err.value)) as o_err:
        fn(ac, *ours)
    if fragment is not None:
        assert fragment in str(o_err.value), str(o_err.value)
    return str(o_err.value)


# ----- arithmetic in place on tensors in the graph ------------------------------------

SCENARIOS = {
    "add_scalar": lambda L, x: (x * 2).add_(3.0),
    "add_alpha": lambda L, x, y: (x * 1).add_(y, alpha=-2.5),
    "sub_alpha": lambda L, x, y: (x * 1).sub_(y, alpha=0.5),
    "mul_tensor": lambda L, x, y: (x * 1).mul_(y),
    "mul_scalar": lambda L, x: (x + 1).mul_(-3.0),
    "div_tensor": lambda L, x, y: (x * 1).div_(y * y + 1),
    "div_scalar": lambda L, x: (x * 1).div_(4.0),
    "chain": lambda L, x, y: (x * 1).mul_(y).add_(x).sub_(y.exp()).div_(2.0),
    "broadcast_other": lambda L, x, r: (x * 1).mul_(r).add_(r),
    "clamp_both": lambda L, x: (x * 3).clamp_(-1.0, 0.5),
    "clamp_min": lambda L, x: (x * 3).clamp_(min=0.2),
    "clamp_max": lambda L, x: (x * 3).clamp_(max=0.2),
    "zero": lambda L, x: (x * 1).zero_() + x,
    "fill_number": lambda L, x: (x * 1).fill_(2.5) * x,
    "fill_tensor": lambda L, x, s: (x * 1).fill_(s.sum()),
    "copy_broadcast": lambda L, x, r: (x * 1).copy_(r * 2),
    "iadd": lambda L, x, y: _iops(x, y),
    "constant_gets_history": lambda L, x: L.zeros(3, 4, dtype=x.dtype).add_(x),
    "old_consumer_add": lambda L, x: _old_consumer(x),
    "inplace_after_use_by_add": lambda L, x, y: _after_add(x, y),
}


def _iops(x, y):
    z = x * 1
    z += y
    z *= y
    z -= 1.0
    z /= 2.0
    return z


def _old_consumer(x):
    y = x * 1
    z = y + 1  # recorded before the in-place change: its gradient goes to the old y
    y.mul_(2)
    return z + y


def _after_add(x, y):
    h = x * y
    s = h + 1  # Add does not read h, so changing h later is allowed (as in PyTorch)
    h.mul_(3)
    return s, h


SHAPES = {"x": (3, 4), "y": (3, 4), "r": (4,), "s": (2,)}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_inplace_scenario_matches_torch(name, dtype, rng):
    fn = SCENARIOS[name]
    names = fn.__code__.co_varnames[1 : fn.__code__.co_argcount]
    arrays = [rng.standard_normal(SHAPES[n]).astype(dtype) for n in names]
    run_both(fn, arrays)


def test_mul_by_itself_uses_old_value(rng):
    # PyTorch refuses y.mul_(y) at backward (the saved operand was overwritten); here the
    # operand is the old value, so the gradient is that of y * y, checked against torch's
    # out-of-place product.
    arr = rng.standard_normal(5)
    x = ac.tensor(arr, requires_grad=True)
    y = x * 1
    y.mul_(y)
    y.sum().backward()
    xt = torch.tensor(arr, requires_grad=True)
    ((xt * 1) * (xt * 1)).sum().backward()
    assert_close(y, (xt * xt).detach())
    assert_close(x.grad, xt.grad)


def test_hooks_before_and_after_inplace(rng):
    seen = {}
    for L in (ac, TORCH):
        x = (ac if L is ac else torch).tensor(np.ones(3, np.float32), requires_grad=True)
        y = x * 1
        key = "ours" if L is ac else "torch"
        y.register_hook(lambda g, k=key: seen.update({k + "_before": g.tolist()}))
        y.mul_(3)
        y.register_hook(lambda g, k=key: seen.update({k + "_after": g.tolist()}))
        (y * 2).sum().backward()
        seen[key + "_x"] = x.grad.tolist()
    assert seen["ours_before"] == seen["torch_before"] == [6.0] * 3
    assert seen["ours_after"] == seen["torch_after"] == [2.0] * 3
    assert seen["ours_x"] == seen["torch_x"]


def test_retain_grad_follows_newest_value():
    for L in (ac, torch):
        x = L.tensor([1.0, 2.0], requires_grad=True)
        y = x * 1
        y.retain_grad()
        y.mul_(3)
        (y * 2).sum().backward()
        assert y.grad.tolist() == [2.0, 2.0]
        assert x.grad.tolist() == [6.0, 6.0]


# ----- views --------------------------------------------------------------------------

VIEW_SCENARIOS = {
    "slice_mul": lambda L, x: _view_then_base(x, lambda y: y[0:2], lambda v: v.mul_(2)),
    "row_add": lambda L, x: _view_then_base(x, lambda y: y[1], lambda v: v.add_(x[0])),
    "element_fill": lambda L, x: _view_then_base(x, lambda y: y[2, 1], lambda v: v.fill_(0.5)),
    "reshape_view": lambda L, x: _view_then_base(
        x, lambda y: y.reshape(12), lambda v: v.mul_(v.detach() + 1)),
    "transpose_view": lambda L, x: _view_then_base(
        x, lambda y: y.transpose(0, 1), lambda v: v.sub_(1.5)),
    "view_of_view": lambda L, x: _view_then_base(
        x, lambda y: y.transpose(0, 1)[1:3], lambda v: v.mul_(x[0:2, 1:4])),
    "stale_view_used": lambda L, x: _stale_view(x),
    "stale_view_in_old_node": lambda L, x: _stale_old(x),
    "two_views": lambda L, x: _two_views(x),
    "buffer_filled_through_view": lambda L, x: _buffer(L, x),
    "detach_alias_fill": lambda L, x: _detach_alias(x),
}


def _view_then_base(x, make_view, change):
    y = x * 1
    v = make_view(y)
    change(v)
    return y, v


def _stale_view(x):
    y = x * 1
    v = y[0:2]
    y.mul_(2)  # v now shows the doubled values and must differentiate through the mul
    return v * 3


def _stale_old(x):
    y = x * 1
    v = y[1:]
    w = v + 1  # recorded before the change: its gradient flows to the old y
    y.mul_(2)
    return w, v


def _two_views(x):
    y = x * 1
    a = y[0]
    b = y[1:]
    a.mul_(3)
    b.add_(a.sum())
    return y, a, b


def _buffer(L, x):
    buf = L.zeros(3, 4, dtype=x.dtype)
    buf[1].add_(x[0])
    buf[:, 2].mul_(0.5)
    return buf


def _detach_alias(x):
    y = x * 2
    d = y.detach()
    d[0].fill_(1.0)  # changes y's values; Mul by 2 does not read y, so no error
    return y + 0


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", sorted(VIEW_SCENARIOS))
def test_view_scenario_matches_torch(name, dtype, rng):
    run_both(VIEW_SCENARIOS[name], [rng.standard_normal((3, 4)).astype(dtype)])


def test_integer_index_view_writes_base():
    x = ac.zeros(3)
    x[1].add_(5.0)
    assert x.tolist() == [0.0, 5.0, 0.0]


def test_view_shares_version_with_base():
    x = ac.zeros(2, 3)
    v = x[0]
    w = x.reshape(6)
    v.add_(1)
    assert x._version == 1
    w.mul_(2)
    assert x._version == 2
    from autograd_core.version import current_version

    assert current_version(v) == current_version(w) == 2
    assert x.tolist() == [[2.0, 2.0, 2.0], [0.0, 0.0, 0.0]]


def test_detach_shares_version_counter():
    a = ac.ones(3)
    b = a.detach()
    b.add_(1)
    t = torch.ones(3)
    tb = t.detach()
    tb.add_(1)
    assert a._version == t._version == 1
    assert a.tolist() == t.tolist()


def test_versions_count_each_change():
    x = ac.zeros(3)
    assert x._version == 0
    x.add_(1).mul_(2)
    x += 1
    x.zero_()
    assert x._version == 4


# ----- errors ---------------------------------------------------------------------------


def test_leaf_requiring_grad_refused():
    msg = errors_alike(lambda L, x: x.add_(1), [np.ones(3, np.float32)])
    assert msg == "a leaf Variable that requires grad is being used in an in-place operation."


def test_augmented_assignment_on_leaf_refused():
    def f(L, x):
        x += 1

    errors_alike(f, [np.ones(3, np.float32)], fragment="leaf Variable")


def test_view_of_leaf_refused():
    errors_alike(lambda L, x: x[0:2].mul_(2), [np.ones(3, np.float32)],
                 fragment="a view of a leaf Variable that requires grad")


def test_leaf_allowed_under_no_grad():
    x = ac.tensor([1.0, 2.0], requires_grad=True)
    with ac.no_grad():
        x.mul_(3).sub_(1)
        x += 1
    assert x.tolist() == [3.0, 6.0]
    assert x._version == 3
    assert x.requires_grad and x.is_leaf and x.grad_fn is None


def _saved_input_changed(L, x):
    y = x * 2
    z = y * y  # Mul saves y
    y.add_(1)
    z.sum().backward()


def test_saved_input_modified_raises_naming_ops():
    msg = errors_alike(_saved_input_changed, [np.ones(3, np.float32)],
                       fragment="modified by an inplace operation")
    assert "[float32 [3]]" in msg
    assert "output 0 of AddBackward" in msg
    assert "is at version 1; expected version 0 instead" in msg
    assert "input 0 of MulBackward" in msg


@pytest.mark.parametrize("op", ["exp", "tanh", "sigmoid", "sqrt"])
def test_saved_output_modified_raises(op):
    def f(L, x):
        y = getattr(x, op)()
        y.mul_(2)
        y.sum().backward()

    msg = errors_alike(f, [np.full(3, 0.5, np.float32)], fragment="modified by an inplace")
    assert f"output 0 of {op.capitalize()}Backward" in msg


def test_saved_output_modified_under_no_grad_raises():
    def f(L, x):
        y = x.exp()
        with L.no_grad():
            y.add_(1)
        y.sum().backward()

    errors_alike(f, [np.ones(3, np.float32)], fragment="is at version 1; expected version 0")


def test_saved_output_modified_through_view_raises():
    def f(L, x):
        y = x.exp()
        y[0].mul_(2)
        y.sum().backward()

    errors_alike(f, [np.ones(3, np.float32)], fragment="output 0 of ExpBackward")


def test_leaf_changed_by_optimizer_step_before_backward_raises():
    def f(L, w, x):
        loss = (w * w * x).sum()  # Mul saves w
        with L.no_grad():
            w.sub_(0.1 * x)
        loss.backward()

    msg = errors_alike(f, [np.ones(3, np.float32), np.ones(3, np.float32)],
                       rg=[True, False], fragment="modified by an inplace operation")
    assert "[float32 [3]] is at version 1; expected version 0 instead" in msg


def test_saved_view_changed_through_base_raises():
    def f(L, x, c):
        v = c[0:2]
        z = x * v  # Mul saves v, a view of c
        c.mul_(2)
        z.sum().backward()

    errors_alike(f, [np.ones(2, np.float32), np.ones(3, np.float32)], rg=[True, False],
                 fragment="modified by an inplace operation")


def test_saved_base_changed_through_view_raises():
    def f(L, x, c):
        z = x * c
        c[1].fill_(5.0)
        z.sum().backward()

    errors_alike(f, [np.ones(3, np.float32), np.ones(3, np.float32)], rg=[True, False],
                 fragment="modified by an inplace operation")


def test_detached_alias_changed_raises():
    def f(L, x):
        y = x * 2
        z = y * y
        y.detach().zero_()
        z.sum().backward()

    errors_alike(f, [np.ones(3, np.float32)], fragment="modified by an inplace operation")


def test_no_false_alarm_when_changed_input_not_read():
    def f(L, x, c):
        z = (x + c).sum() + (x * 2).sum() + c.reshape(3).sum() * 0
        with L.no_grad():
            c.add_(1)
        z.backward()
        return x.grad

    xo, co = ac.ones(3, requires_grad=True), ac.ones(3)
    xt, ct = torch.ones(3, requires_grad=True), torch.ones(3)
    assert f(ac, xo, co).tolist() == f(torch, xt, ct).tolist()


@pytest.mark.parametrize(
    "fn, fragment",
    [
        (lambda L: L.ones(3).add_(L.ones(2, 3)),
         "output with shape [3] doesn't match the broadcast shape [2, 3]"),
        (lambda L: L.ones(3, dtype=L.int64).mul_(1.5),
         "result type Float can't be cast to the desired output type Long"),
        (lambda L: L.ones(3, dtype=L.int64).div_(2),
         "result type Float can't be cast to the desired output type Long"),
        (lambda L: L.ones(3).expand(2, 3).add_(1), "more than one element"),
        (lambda L: L.ones(3).fill_(L.ones(2)), "0-dimension value tensor"),
        (lambda L: L.ones(3).clamp_(), "At least one of 'min' or 'max'"),
        (lambda L: L.ones(3).copy_(L.ones(4)), "4"),
    ],
)
def test_bad_inplace_raises_like_torch(fn, fragment):
    with pytest.raises(Exception) as t_err:
        fn(torch)
    with pytest.raises(type(t_err.value)) as o_err:
        fn(ac)
    assert fragment in str(o_err.value), str(o_err.value)


def test_integer_and_casting_results_match_torch():
    for f in (
        lambda L: L.ones(3, dtype=L.int64).add_(2),
        lambda L: L.ones(3).add_(L.ones(3, dtype=L.float64)),
        lambda L: L.ones(3, dtype=L.int64).fill_(2.7),
        lambda L: L.zeros(3, dtype=L.int64).copy_(L.tensor([1.9, -2.5, 3.0])),
        lambda L: L.ones(2, 3).copy_(L.tensor([1.0, 2.0, 3.0], dtype=L.float64)),
    ):
        assert_close(f(ac), f(torch))


# ----- higher derivatives and finite differences --------------------------------------


def test_second_derivative_through_inplace(rng):
    arr = rng.standard_normal(4)
    xo, xt = ac.tensor(arr, requires_grad=True), torch.tensor(arr, requires_grad=True)
    res = []
    for L, x in ((ac, xo), (torch, xt)):
        y = x * 1
        y.mul_(x).add_(x.sin())
        (g,) = (ac.grad if L is ac else torch.autograd.grad)(y.sum(), x, create_graph=True)
        (g * g).sum().backward()
        res.append((g, x.grad))
    assert_close(res[0][0], res[1][0])
    assert_close(res[0][1], res[1][1])


def test_gradcheck_functions_with_inplace(rng):
    def f(x, y):
        z = x * 1
        z.mul_(y).add_(x)
        v = z[1:]
        v.div_(y[1:] * y[1:] + 1)
        z.clamp_(-2.0, 2.0)
        return z

    x = ac.tensor(rng.standard_normal((3, 2)), requires_grad=True)
    y = ac.tensor(rng.standard_normal((3, 2)), requires_grad=True)
    assert ac.gradcheck(f, (x, y))


def test_backward_twice_with_retain_graph_after_inplace():
    x = ac.tensor([1.0, 2.0], requires_grad=True)
    y = x * 1
    y.mul_(3)
    y.sum().backward(retain_graph=True)
    y.sum().backward()
    assert x.grad.tolist() == [6.0, 6.0]


def test_optimizer_style_update_then_new_forward():
    w = ac.tensor([1.0, -1.0], requires_grad=True)
    for _ in range(3):
        loss = (w * w).sum()
        loss.backward()
        with ac.no_grad():
            w.sub_(w.grad * 0.25)
        w.grad.zero_()
    assert w.tolist() == pytest.approx([0.125, -0.125])
    assert w.grad.tolist() == [0.0, 0.0]


def test_stale_view_as_backward_root():
    res = []
    for L in (ac, torch):
        x = L.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = x * 1
        v = y[0:2]
        y.mul_(2)  # v is now a view of the doubled y
        v.backward(L.tensor([1.0, 1.0]))
        res.append(x.grad.tolist())
    assert res[0] == res[1] == [2.0, 2.0, 0.0]


def test_view_hooks_before_and_after_inplace():
    seen = {"ours": [], "torch": []}
    for key, L in (("ours", ac), ("torch", torch)):
        x = L.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = x * 1
        v = y[0:2]
        w = v * 5  # uses the old value of v
        v.register_hook(lambda g, key=key: seen[key].append(("before", g.tolist())))
        v.mul_(3)
        v.register_hook(lambda g, key=key: seen[key].append(("after", g.tolist())))
        (y * 2).sum().backward(retain_graph=True)  # through y only: no view hook runs
        (w.sum() + v.sum()).backward()
        seen[key].append(("x", x.grad.tolist()))
    assert seen["ours"] == seen["torch"]


def test_inplace_then_create_graph_through_view(rng):
    arr = rng.standard_normal(4)
    out = []
    for L in (ac, torch):
        x = L.tensor(arr, requires_grad=True)
        y = x * 1.0
        y[1:3].mul_(x[0:2])
        grad = ac.grad if L is ac else torch.autograd.grad
        (g,) = grad((y * y).sum(), x, create_graph=True)
        (g.sin()).sum().backward()
        out.append((g, x.grad))
    assert_close(out[0][0], out[1][0])
    assert_close(out[0][1], out[1][1])
