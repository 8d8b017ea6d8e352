"""``autograd.Function`` in PyTorch's form, run against torch with the same code.

Each program below is written once on a base class ``Function`` and a namespace ``L``
(``autograd_core`` or ``torch``): the user's forward/backward are plain Tensor code, so
the same classes are built on torch's ``torch.autograd.Function`` and on ours, and their
values, gradients, flags and errors are compared.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import autograd_core as ac
from autograd_core.autograd_function import Function as AcFunction
from autograd_core.autograd_function import once_differentiable

TOL = {"rtol": 1e-10, "atol": 1e-12}


def programs(Function):  # noqa: N803 - the base class, as user code names it
    """The user-defined Functions of the tests, subclassing ``Function``."""

    class LegendrePolynomial3(Function):
        """P3(x) = (5x^3 - 3x) / 2, P3'(x) = 1.5 (5x^2 - 1)."""

        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return 0.5 * (5 * x ** 3 - 3 * x)

        @staticmethod
        def backward(ctx, delta):
            (x,) = ctx.saved_tensors
            return delta * 1.5 * (5 * x ** 2 - 1)

    class MyExp(Function):
        """exp, saving its output (backward reads the output, not the input)."""

        @staticmethod
        def forward(ctx, x):
            y = x.exp()
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, delta):
            (y,) = ctx.saved_tensors
            return delta * y

    class MyReLU(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x.clamp(min=0)

        @staticmethod
        def backward(ctx, delta):
            (x,) = ctx.saved_tensors
            grad_input = delta.clone()
            grad_input[x < 0] = 0
            return grad_input

    class LinearFunction(Function):
        """y = x W^T + b, computing only the gradients that are needed."""

        @staticmethod
        def forward(ctx, x, weight, bias=None):
            ctx.save_for_backward(x, weight, bias)
            out = x.mm(weight.t())
            if bias is not None:
                out = out + bias.unsqueeze(0).expand_as(out)
            return out

        @staticmethod
        def backward(ctx, delta):
            x, weight, bias = ctx.saved_tensors
            grad_x = grad_w = grad_b = None
            ctx.seen_needs = ctx.needs_input_grad
            if ctx.needs_input_grad[0]:
                grad_x = delta.mm(weight)
            if ctx.needs_input_grad[1]:
                grad_w = delta.t().mm(x)
            if bias is not None and ctx.needs_input_grad[2]:
                grad_b = delta.sum(0)
            return grad_x, grad_w, grad_b

    class MaxRow(Function):
        """Row maxima and their indices; the indices are marked non-differentiable."""

        @staticmethod
        def forward(ctx, x):
            values, idx = x.max(dim=1)
            ctx.mark_non_differentiable(idx)
            ctx.save_for_backward(idx)
            ctx.width = x.shape[1]
            return values, idx

        @staticmethod
        def backward(ctx, d_values, d_idx):
            (idx,) = ctx.saved_tensors
            ctx.d_idx = d_idx
            cols = (idx.unsqueeze(1) == ac_or_torch(idx).arange(ctx.width)).to(d_values.dtype)
            return cols * d_values.unsqueeze(1)

    class ScaleShift(Function):
        """(x, scale: float, shift: int) -> (x * scale + shift, x * x): a non-tensor
        argument stored on ctx and two outputs."""

        @staticmethod
        def forward(ctx, x, scale, shift=1):
            ctx.scale = scale
            ctx.save_for_backward(x)
            return x * scale + shift, x * x

        @staticmethod
        def backward(ctx, d_lin, d_sq):
            (x,) = ctx.saved_tensors
            return d_lin * ctx.scale + 2 * x * d_sq, None, None

    class Split(Function):
        """Two outputs; without materialized grads an unused one arrives as None."""

        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(False)
            return x * 2, x * 3

        @staticmethod
        def backward(ctx, d_a, d_b):
            ctx.got = (d_a is None, d_b is None)
            g = 0
            if d_a is not None:
                g = g + 2 * d_a
            if d_b is not None:
                g = g + 3 * d_b
            return g

    class Cube(Function):
        """The newer style: forward without ctx, then setup_context."""

        @staticmethod
        def forward(x, power=3):
            return x ** power

        @staticmethod
        def setup_context(ctx, inputs, output):
            x, power = inputs
            ctx.save_for_backward(x)
            ctx.power = power

        @staticmethod
        def backward(ctx, delta):
            (x,) = ctx.saved_tensors
            return delta * ctx.power * x ** (ctx.power - 1), None

    return {c.__name__: c for c in (LegendrePolynomial3, MyExp, MyReLU, LinearFunction,
                                    MaxRow, ScaleShift, Split, Cube)}


def ac_or_torch(t):
    return torch if isinstance(t, torch.Tensor) else ac


OURS = programs(AcFunction)
THEIRS = programs(torch.autograd.Function)
LIBS = [(ac, OURS), (torch, THEIRS)]


def _np(t):
    return t.detach().numpy() if isinstance(t, torch.Tensor) else np.asarray(t._data)


def _both(fn):
    """fn(L, classes) in both libraries: (ours, theirs)."""
    return fn(ac, OURS), fn(torch, THEIRS)


def _close(a, b):
    np.testing.assert_allclose(_np(a), _np(b), **TOL)


# ----- the classic programs -------------------------------------------------------------


def test_legendre_polynomial_fit_matches_torch_step_for_step():
    # A cubic fit of sin through a custom Legendre P3, trained by hand-written SGD.
    xs = np.linspace(-math.pi, math.pi, 200)
    ys = np.sin(xs)

    def train(L, F):
        x, y = L.tensor(xs), L.tensor(ys)
        a = L.tensor(0.0, dtype=L.float64, requires_grad=True)
        b = L.tensor(-1.0, dtype=L.float64, requires_grad=True)
        c = L.tensor(0.0, dtype=L.float64, requires_grad=True)
        d = L.tensor(0.3, dtype=L.float64, requires_grad=True)
        losses = []
        for _ in range(40):
            pred = a + b * F["LegendrePolynomial3"].apply(c + d * x)
            loss = (pred - y).pow(2).sum()
            losses.append(loss.item())
            loss.backward()
            with L.no_grad():
                for p in (a, b, c, d):
                    p -= 5e-6 * p.grad
                    p.grad = None
        return losses, [p.item() for p in (a, b, c, d)]

    (l_ours, p_ours), (l_theirs, p_theirs) = _both(train)
    np.testing.assert_allclose(l_ours, l_theirs, **TOL)
    np.testing.assert_allclose(p_ours, p_theirs, **TOL)
    assert l_ours[-1] < l_ours[0]


@pytest.mark.parametrize("name", ["LegendrePolynomial3", "MyExp", "MyReLU"])
def test_unary_programs_values_and_gradients(name, rng):
    x0 = rng.standard_normal((4, 5))
    delta = rng.standard_normal((4, 5))

    def run(L, F):
        x = L.tensor(x0, requires_grad=True)
        y = F[name].apply(x)
        y.backward(L.tensor(delta))
        return y, x.grad, y.grad_fn

    (y, gx, fn), (ty, tgx, tfn) = _both(run)
    _close(y, ty)
    _close(gx, tgx)
    assert fn.name() == type(tfn).__name__ == f"{name}Backward"
    assert y.requires_grad and ty.requires_grad


@pytest.mark.parametrize("needs", [(True, True, True), (False, True, True),
                                   (True, False, False), (True, True, None)])
def test_linear_function_needs_input_grad(needs, rng):
    arrays = [rng.standard_normal((3, 4)), rng.standard_normal((2, 4)),
              rng.standard_normal(2)]

    def run(L, F):
        ts = [L.tensor(a, requires_grad=bool(n)) for a, n in zip(arrays, needs)]
        if needs[2] is None:
            ts[2] = None
        y = F["LinearFunction"].apply(*ts)
        y.backward(L.ones(3, 2, dtype=L.float64))
        seen = y.grad_fn.seen_needs if isinstance(y, ac.Tensor) else None
        return y, [t.grad if t is not None else None for t in ts], seen

    (y, grads, seen), (ty, tgrads, _) = _both(run)
    _close(y, ty)
    for g, tg in zip(grads, tgrads):
        assert (g is None) == (tg is None)
        if g is not None:
            _close(g, tg)
    assert seen == tuple(bool(n) for n in needs)


def test_linear_function_trains_like_nn_linear(rng):
    # The custom Function as a layer: one SGD step agrees with torch's.
    w0, b0 = rng.standard_normal((3, 5)), rng.standard_normal(3)
    x0, t0 = rng.standard_normal((8, 5)), rng.standard_normal((8, 3))

    def step(L, F):
        w = L.tensor(w0, requires_grad=True)
        b = L.tensor(b0, requires_grad=True)
        out = F["LinearFunction"].apply(L.tensor(x0), w, b).tanh()
        loss = ((out - L.tensor(t0)) ** 2).mean()
        loss.backward()
        return loss, w.grad, b.grad

    for o, t in zip(*_both(step)):
        _close(o, t)


# ----- ctx features ---------------------------------------------------------------------


def test_mark_non_differentiable_outputs(rng):
    x0 = rng.standard_normal((3, 4))
    w = rng.standard_normal(3)

    def run(L, F):
        x = L.tensor(x0, requires_grad=True)
        values, idx = F["MaxRow"].apply(x)
        (values * L.tensor(w)).sum().backward()
        return values, idx, x.grad

    (v, i, g), (tv, ti, tg) = _both(run)
    _close(v, tv)
    np.testing.assert_array_equal(_np(i), _np(ti))
    _close(g, tg)
    assert v.requires_grad and not i.requires_grad
    assert not ti.requires_grad and i.grad_fn is None
    # backward still received a (zero) delta for the indices, shaped and typed like them.
    d_idx = v.grad_fn.owner.ctx.d_idx
    assert d_idx.shape == i.shape and d_idx.dtype == i.dtype and not d_idx._data.any()


def test_several_outputs_and_non_tensor_arguments(rng):
    x0 = rng.standard_normal((2, 3))
    w1, w2 = rng.standard_normal((2, 3)), rng.standard_normal((2, 3))

    def run(L, F):
        x = L.tensor(x0, requires_grad=True)
        lin, sq = F["ScaleShift"].apply(x, 2.5, 4)
        lin2, _ = F["ScaleShift"].apply(x, -1.0)  # default shift; second output unused
        ((lin * L.tensor(w1)).sum() + (sq * L.tensor(w2)).sum() + lin2.sum()).backward()
        return lin, sq, lin2, x.grad

    for o, t in zip(*_both(run)):
        _close(o, t)


def test_unused_output_is_none_without_materialized_grads(rng):
    x0 = rng.standard_normal(4)
    ours = ac.tensor(x0, requires_grad=True)
    a, b = OURS["Split"].apply(ours)
    a.sum().backward(retain_graph=True)
    ctx = a.grad_fn.owner.ctx
    assert ctx.got == (False, True)
    np.testing.assert_allclose(ours.grad._data, 2 * np.ones(4))
    b.sum().backward()  # the other output alone, on the same graph
    assert ctx.got == (True, False)
    np.testing.assert_allclose(ours.grad._data, 5 * np.ones(4))

    theirs = torch.tensor(x0, requires_grad=True)
    ta, tb = THEIRS["Split"].apply(theirs)
    ta.sum().backward(retain_graph=True)
    tb.sum().backward()
    _close(ours.grad, theirs.grad)


def test_setup_context_style_with_defaults_and_keywords(rng):
    x0 = rng.standard_normal(5)

    def run(L, F):
        x = L.tensor(x0, requires_grad=True)
        y = F["Cube"].apply(x) + F["Cube"].apply(x, power=2)
        y.sum().backward()
        return y, x.grad

    for o, t in zip(*_both(run)):
        _close(o, t)


def test_ctx_attributes_and_saved_tensors_identity(rng):
    x = ac.tensor(rng.standard_normal(3), requires_grad=True)
    y = OURS["MyExp"].apply(x)
    ctx = y.grad_fn.ctx
    (saved,) = ctx.saved_tensors
    assert saved is y  # a saved output comes back as the returned tensor, with history
    z = OURS["LegendrePolynomial3"].apply(x)
    (saved_x,) = z.grad_fn.ctx.saved_tensors
    assert saved_x is x
    lin, _ = OURS["ScaleShift"].apply(x, 0.5)
    assert lin.grad_fn.owner.ctx.scale == 0.5


def test_no_recording_without_grad():
    x = ac.tensor([1.0, -2.0], requires_grad=True)
    with ac.no_grad():
        y = OURS["MyReLU"].apply(x)
    assert not y.requires_grad and y.grad_fn is None
    z = OURS["MyReLU"].apply(ac.tensor([1.0, -2.0]))
    assert not z.requires_grad
    np.testing.assert_array_equal(z._data, [1.0, 0.0])


def test_forward_runs_in_no_grad_mode_and_backward_in_the_engines():
    seen = {}

    class Probe(AcFunction):
        @staticmethod
        def forward(ctx, x, k):
            seen["forward"] = ac.is_grad_enabled()
            seen["needs"] = ctx.needs_input_grad
            return x * 2

        @staticmethod
        def backward(ctx, delta):
            seen["backward"] = ac.is_grad_enabled()
            return delta * 2, None

    x = ac.tensor([1.0], requires_grad=True)
    Probe.apply(x, 7).sum().backward()
    assert seen == {"forward": False, "needs": (True, False), "backward": False}
    g, = ac.grad(Probe.apply(x, 7).sum(), x, create_graph=True)
    assert seen["backward"] is True


def test_gradient_broadcast_to_the_input_is_summed_and_cast(rng):
    x0 = rng.standard_normal(3)

    def run(L, F):
        class Wide(F):
            @staticmethod
            def forward(ctx, x):
                return x * 2

            @staticmethod
            def backward(ctx, delta):
                # A (4, 3) gradient for a (3,) input, in float32: summed and cast.
                return (delta * 2).expand(4, 3).to(L.float32)

        x = L.tensor(x0, requires_grad=True)
        Wide.apply(x).sum().backward()
        return x.grad

    ours, theirs = run(ac, AcFunction), run(torch, torch.autograd.Function)
    assert ours.dtype == ac.float64
    np.testing.assert_allclose(_np(ours), _np(theirs), rtol=1e-6)


# ----- gradcheck ----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["LegendrePolynomial3", "MyExp", "Cube"])
def test_gradcheck_first_and_second_order(name, rng):
    F = OURS[name]
    x = ac.tensor(rng.uniform(0.5, 1.5, (3, 2)), requires_grad=True)
    assert ac.gradcheck(lambda t: F.apply(t), [x])
    w = ac.tensor(rng.standard_normal((3, 2)))

    def first(t):
        (g,) = ac.grad((F.apply(t) * w).sum(), t, create_graph=True)
        return g

    assert ac.gradcheck(first, [x])


def test_gradcheck_linear_function_and_several_outputs(rng):
    args = [ac.tensor(rng.standard_normal(s), requires_grad=True) for s in
            [(3, 4), (2, 4), (2,)]]
    assert ac.gradcheck(lambda *t: OURS["LinearFunction"].apply(*t), args)
    x = ac.tensor(rng.standard_normal((2, 3)), requires_grad=True)
    assert ac.gradcheck(lambda t: OURS["ScaleShift"].apply(t, 1.5, 2), [x])


def test_second_derivative_matches_torch(rng):
    x0 = rng.uniform(0.5, 1.5, 4)

    def run(L, F):
        x = L.tensor(x0, requires_grad=True)
        y = F["MyExp"].apply(F["LegendrePolynomial3"].apply(x)).sum()
        (g,) = L.autograd.grad(y, x, create_graph=True) if L is torch else ac.grad(
            y, x, create_graph=True)
        g.sum().backward()
        return g, x.grad

    for o, t in zip(*_both(run)):
        _close(o, t)


# ----- errors, as torch -----------------------------------------------------------------


def _message(fn):
    with pytest.raises(Exception) as info:
        fn()
    return type(info.value), str(info.value)


def _error_pair(make_backward, n_args=1, extra=()):
    """The error both libraries raise for a Function whose backward is
    ``make_backward(L)`` (forward: x * 2), called with x and ``extra``."""
    out = []
    for L, base in ((ac, AcFunction), (torch, torch.autograd.Function)):
        class Bad(base):
            @staticmethod
            def forward(ctx, x, *rest):
                return x * 2

            backward = staticmethod(make_backward(L))

        x = L.tensor([1.0, 2.0], requires_grad=True)
        out.append(_message(lambda x=x, Bad=Bad: Bad.apply(x, *extra).sum().backward()))
    return out


@pytest.mark.parametrize("make_backward, extra", [
    (lambda L: (lambda ctx, g: (g, g)), ()),           # too many gradients
    (lambda L: (lambda ctx, g: g), (3,)),                # too few
    (lambda L: (lambda ctx, g: g[:1]), ()),              # wrong shape
    (lambda L: (lambda ctx, g: (g, g)), (3,)),           # a gradient for a number
    (lambda L: (lambda ctx, g: 3.0), ()),                # not a Tensor
], ids=["too_many", "too_few", "shape", "non_tensor_input", "not_a_tensor"])
def test_bad_backward_results_raise_torchs_errors(make_backward, extra):
    (ours_t, ours), (theirs_t, theirs) = _error_pair(make_backward, extra=extra)
    assert ours_t is theirs_t is RuntimeError
    assert ours == theirs  # same words, same node name


def test_extra_none_gradients_are_allowed():
    class Extra(AcFunction):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * 2, None, None

    x = ac.tensor([1.0], requires_grad=True)
    Extra.apply(x).sum().backward()
    np.testing.assert_array_equal(x.grad._data, [2.0])


def test_save_for_backward_refuses_non_tensors():
    for base in (AcFunction, torch.autograd.Function):
        class Saves(base):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x, 3)
                return x * 2

        x = (ac if base is AcFunction else torch).tensor([1.0], requires_grad=True)
        with pytest.raises(TypeError, match="save_for_backward can only save variables, "
                                            "but argument 1 is of type int"):
            Saves.apply(x)


def test_backward_twice_and_saved_tensors_after_backward():
    x = ac.tensor([1.0, 2.0], requires_grad=True)
    y = OURS["MyExp"].apply(x)
    y.sum().backward()
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second"):
        y.sum().backward()
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second"):
        _ = y.grad_fn.ctx.saved_tensors
    y = OURS["MyExp"].apply(x)
    y.sum().backward(retain_graph=True)
    y.sum().backward()
    np.testing.assert_allclose(x.grad._data, 3 * np.exp([1.0, 2.0]))


def test_saved_tensors_changed_in_place_raise():
    x = ac.tensor([1.0, 2.0], requires_grad=True)
    y = OURS["MyExp"].apply(x)  # saves its output
    z = y * 1.0
    with ac.no_grad():
        y.add_(1.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation.*MyExpBackward"):
        z.sum().backward()
    leaf = ac.tensor([1.0, 2.0], requires_grad=True)
    h = leaf * 1.0
    y = OURS["LegendrePolynomial3"].apply(h)  # saves its input
    h.add_(1.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_unsupported_ctx_features_say_so():
    class Dirty(AcFunction):
        @staticmethod
        def forward(ctx, x):
            ctx.mark_dirty(x)
            return x

    with pytest.raises(NotImplementedError, match="mark_dirty is not supported"):
        Dirty.apply(ac.tensor([1.0], requires_grad=True))
    with pytest.raises(NotImplementedError, match="implement the forward function"):
        AcFunction.apply(ac.tensor([1.0]))


def test_once_differentiable():
    class Twice(AcFunction):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        @once_differentiable
        def backward(ctx, g):
            assert not ac.is_grad_enabled()
            return g * 2

    x = ac.tensor([1.0, 3.0], requires_grad=True)
    Twice.apply(x).sum().backward()
    np.testing.assert_array_equal(x.grad._data, [2.0, 2.0])
    with pytest.raises(RuntimeError, match="once_differentiable"):
        ac.grad(Twice.apply(x).sum(), x, create_graph=True)


def test_trace_names_the_users_backward():
    x = ac.tensor([0.5, 1.0], dtype=ac.float64, requires_grad=True)
    y = OURS["LegendrePolynomial3"].apply(x).sum()
    text = str(ac.trace_backward(y))
    assert "LegendrePolynomial3.backward(" in text
