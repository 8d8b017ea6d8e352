"""Backward step by step: the chain-rule lines, the engine's order, the numbers (against
the engine and torch), the graph left intact, and the PNG/GIF frames."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest
import torch

import autograd_core as ac
from autograd_core.viz import BackwardTrace, save_backward_frames, trace_backward

NUM = r"-?\d+(?:\.\d+)?(?:e[-+]?\d+)?"


def _xy(rng, dtype):
    x = ac.tensor(rng.uniform(-2, 2, size=()).astype(dtype), requires_grad=True)
    y = ac.tensor(rng.uniform(-2, 2, size=()).astype(dtype), requires_grad=True)
    w = x + y
    z = w**2
    return x, y, w, z


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_xy_steps_give_two_x_plus_y_for_both_inputs(rng, dtype):
    x, y, w, z = _xy(rng, dtype)
    tr = trace_backward(z, names={"x": x, "y": y, "w": w, "z": z})
    assert isinstance(tr, BackwardTrace) and len(tr) == 2
    pow_step, add_step = tr
    assert pow_step.op == "pow(exponent=2)" and pow_step.output_name == "z"
    assert add_step.op == "add" and add_step.output_name == "w"
    assert [g.name for g in pow_step.inputs] == ["w"]
    assert [g.name for g in add_step.inputs] == ["x", "y"]

    # The formulas: dz/dw = 2(x+y), and dz/dx = dz/dy = 2(x+y) * 1.
    assert pow_step.inputs[0].local_expr == "2(x+y)"
    assert tr.grad_expr(x) == "2(x+y)" and tr.grad_expr(y) == "2(x+y)"
    assert add_step.inputs[0].local_expr == add_step.inputs[1].local_expr == "1"

    # The numbers: 2(x+y) from the values, the engine, and torch all agree.
    xv, yv = float(x._data), float(y._data)
    expected = 2.0 * (xv + yv)
    tol = {"rtol": 1e-6} if dtype == np.float32 else {"rtol": 1e-12}
    np.testing.assert_allclose(tr.grad(x), expected, **tol)
    np.testing.assert_allclose(tr.grad(y), expected, **tol)
    np.testing.assert_allclose(pow_step.inputs[0].local, expected, **tol)
    np.testing.assert_allclose(add_step.inputs[0].local, 1.0)
    assert tr.grad(x).dtype == np.dtype(dtype)
    assert x.grad is None and y.grad is None  # tracing touched no .grad
    z.backward()
    np.testing.assert_allclose(tr.grad(x), x.grad._data, **tol)
    np.testing.assert_allclose(tr.grad(y), y.grad._data, **tol)
    tx = torch.tensor(xv, dtype=torch.float64, requires_grad=True)
    ty = torch.tensor(yv, dtype=torch.float64, requires_grad=True)
    ((tx + ty) ** 2).backward()
    np.testing.assert_allclose(tr.grad(x), tx.grad.numpy(), rtol=1e-6)
    np.testing.assert_allclose(tr.grad(y), ty.grad.numpy(), rtol=1e-6)

    # The printed chain-rule lines, in the notebooks' notation, with the value at the end.
    m = re.fullmatch(rf"dz/dx = dz/dw \* dw/dx = 2\(x\+y\) \* 1 = ({NUM})", add_step.lines[0])
    assert m, add_step.lines[0]
    assert float(m.group(1)) == pytest.approx(expected, rel=1e-3)
    m = re.fullmatch(rf"dz/dy = dz/dw \* dw/dy = 2\(x\+y\) \* 1 = ({NUM})", add_step.lines[1])
    assert m, add_step.lines[1]
    m = re.fullmatch(rf"dz/dw = 2\(x\+y\) = ({NUM})", str(pow_step))
    assert m and float(m.group(1)) == pytest.approx(expected, rel=1e-3)
    assert tr.summary()[0].startswith("dz/dx = 2(x+y) = ")
    assert "[2] add: x, y -> w" in str(tr)


def _composite(rng, dtype=np.float64):
    a = ac.tensor(rng.uniform(0.5, 2, size=(2, 3)).astype(dtype), requires_grad=True)
    b = ac.tensor(rng.uniform(0.5, 2, size=(3,)).astype(dtype), requires_grad=True)
    m = ac.tensor(rng.normal(size=(3, 2)).astype(dtype), requires_grad=True)
    h = (a * b + a.exp() / b).tanh()  # broadcast, reuse of a and b
    s = (h @ m).sigmoid()
    loss = (s - a.sum(dim=1, keepdim=True)).amax() + (h**3).mean() - a.sqrt().log().sum()
    return (a, b, m), loss


def test_steps_come_in_the_engines_order(rng, monkeypatch):
    leaves, loss = _composite(rng)
    traced = [s.node for s in trace_backward(loss)]
    seen: list = []
    for cls in {type(n) for n in traced}:
        for attr in ("backward", "fast_backward"):  # the engine calls one of the two
            orig = getattr(cls, attr)
            if orig is None:
                continue

            def recording(ctx, grad, _orig=orig):
                if not seen or seen[-1] is not ctx:  # a fast path may call the formula
                    seen.append(ctx)
                return _orig(ctx, grad)

            monkeypatch.setattr(cls, attr, staticmethod(recording))
    loss.backward()
    assert len(traced) == len(seen) > 10
    assert all(a is b for a, b in zip(traced, seen))


def test_gradients_match_the_engine_and_torch_and_leave_the_graph_intact(rng):
    (a, b, m), loss = _composite(rng)
    tr = trace_backward(loss, names={"a": a, "b": b, "m": m})
    assert all(t.grad is None for t in (a, b, m))
    loss.backward()  # saved buffers (exp, tanh, sigmoid, amax) were not freed by the trace
    for t in (a, b, m):
        np.testing.assert_allclose(tr.grad(t), t.grad._data, rtol=1e-12, atol=1e-14)
    ta, tb, tm = (torch.tensor(t._data, requires_grad=True) for t in (a, b, m))
    th = (ta * tb + ta.exp() / tb).tanh()
    ts = (th @ tm).sigmoid()
    tl = (ts - ta.sum(dim=1, keepdim=True)).amax() + (th**3).mean() - ta.sqrt().log().sum()
    tl.backward()
    for t, tt in zip((a, b, m), (ta, tb, tm)):
        np.testing.assert_allclose(tr.grad(t), tt.grad.numpy(), rtol=1e-10, atol=1e-12)
    # The broadcast input's gradient is shown as reduced back to its shape.
    assert any("unbroadcast(" in line for s in tr for line in s.lines)
    # The matmul's gradients are written as products with transposes.
    mm = next(s for s in tr if s.op == "matmul")
    assert " @ m^T = " in mm.inputs[0].line
    assert mm.inputs[1].line.startswith("dL/dm = ") and "^T @ dL/d" in mm.inputs[1].line


def test_a_tensor_reached_along_several_paths_sums_its_parts(rng):
    x = ac.tensor(float(rng.uniform(1, 3)), requires_grad=True)
    y = x * x + x
    tr = trace_backward(y, names={"x": x, "y": y})
    parts = [g for s in tr for g in s.inputs if g.name == "x"]
    assert len(parts) == 3 and all("of 3)" in g.line for g in parts)
    np.testing.assert_allclose(tr.grad(x), 2 * float(x._data) + 1, rtol=1e-6)
    assert sorted(tr.grad_expr(x).split("+")) == ["1", "x", "x"]


UNARY = {
    "exp": (lambda t: t.exp(), "exp(x)"),
    "log": (lambda t: t.log(), "1/x"),
    "sqrt": (lambda t: t.sqrt(), "1/(2sqrt(x))"),
    "tanh": (lambda t: t.tanh(), "1-tanh(x)^2"),
    "sigmoid": (lambda t: t.sigmoid(), "sigmoid(x)(1-sigmoid(x))"),
    "sin": (lambda t: t.sin(), "cos(x)"),
    "cos": (lambda t: t.cos(), "-sin(x)"),
    "relu": (lambda t: t.relu(), "[x>0]"),
    "abs": (lambda t: t.abs(), "sign(x)"),
    "neg": (lambda t: -t, "-1"),
    "cube": (lambda t: t**3, "3x^2"),
}


@pytest.mark.parametrize("name", sorted(UNARY))
def test_local_derivative_of_each_op_matches_torch(rng, name):
    fn, formula = UNARY[name]
    v = float(rng.uniform(0.3, 2.0))
    x = ac.tensor(np.array(v), requires_grad=True)  # float64 kept exactly
    tr = trace_backward(fn(x), names={"x": x})
    (got,) = tr[0].inputs
    assert got.local_expr == formula
    tx = torch.tensor(v, dtype=torch.float64, requires_grad=True)
    fn(tx).backward()
    np.testing.assert_allclose(got.local, tx.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(got.grad, tx.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize(
    "op,dx,dy",
    [
        (lambda x, y: x * y, "y", "x"),
        (lambda x, y: x / y, "1/y", "-x/y^2"),
        (lambda x, y: x - y, "1", "-1"),
        (lambda x, y: x**y, "y*x^(y-1)", "x^y*log(x)"),
    ],
)
def test_local_derivatives_of_binary_ops_match_torch(rng, op, dx, dy):
    xv, yv = (float(v) for v in rng.uniform(0.5, 2.0, size=2))
    x = ac.tensor(np.array(xv), requires_grad=True)
    y = ac.tensor(np.array(yv), requires_grad=True)
    tr = trace_backward(op(x, y), names={"x": x, "y": y})
    gx, gy = tr[0].inputs
    assert (gx.local_expr, gy.local_expr) == (dx, dy)
    tx = torch.tensor(xv, dtype=torch.float64, requires_grad=True)
    ty = torch.tensor(yv, dtype=torch.float64, requires_grad=True)
    op(tx, ty).backward()
    np.testing.assert_allclose(gx.local, tx.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(gy.local, ty.grad.numpy(), rtol=1e-12)


def test_after_backward_the_trace_explains_or_uses_what_is_left(rng):
    x = ac.tensor(rng.normal(size=(3,)), requires_grad=True)
    # backward() freed tanh's saved output (as PyTorch frees it): the trace says so.
    y = x.tanh().sum()
    y.backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        trace_backward(y)
    # With retain_graph=True everything is still there.
    y = x.tanh().sum()
    y.backward(retain_graph=True)
    np.testing.assert_allclose(trace_backward(y).grad(x), 1 - np.tanh(x._data) ** 2,
                               rtol=1e-12)
    # Nodes that need only leaves and numbers (kept after backward) still trace.
    m = (x * 2.0).sum()
    m.backward()
    np.testing.assert_array_equal(trace_backward(m).grad(x), [2.0, 2.0, 2.0])
    # relu's input x * 2 is not a leaf: backward let go of it.
    r = (x * 2.0).relu().sum()
    r.backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        trace_backward(r)


def test_seed_gradient_names_and_errors(rng):
    x = ac.tensor(rng.normal(size=(2, 2)), requires_grad=True)
    v = x * 3.0
    with pytest.raises(RuntimeError, match="implicitly created only for scalar outputs"):
        trace_backward(v)
    seed = rng.normal(size=(2, 2))
    tr = trace_backward(v, seed)
    (expected,) = ac.grad(v, x, ac.tensor(seed))
    np.testing.assert_allclose(tr.grad(x), expected._data, rtol=1e-12)
    assert tr.name_of(v) == "L" and tr.name_of(x) == "t1"
    with pytest.raises(RuntimeError, match="does not require grad"):
        trace_backward(ac.tensor([1.0]))
    with pytest.raises(RuntimeError, match="Mismatch in shape"):
        trace_backward(v, np.ones(3))


def test_each_step_draws_with_its_node_highlighted(rng):
    x, y, w, z = _xy(rng, np.float32)
    tr = trace_backward(z, names=locals())
    svg = tr[1].draw().pipe(format="svg").decode()
    root = ET.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    highlighted = []
    for g in root.iter(ns + "g"):
        if "op" in (g.get("class") or "").split():
            shape = g.find(ns + "ellipse")
            if shape is not None and shape.get("stroke") == "#cc0000":
                highlighted.append(g.find(ns + "text").text)
    assert highlighted == ["add"]
    texts = [(t.text or "").replace("\xa0", " ") for t in root.iter(ns + "text")]
    assert any(t.startswith("dz/dx = dz/dw * dw/dx = 2(x+y) * 1 = ") for t in texts)
    # After the last step every tensor's gradient is known, before the first only dz/dz.
    assert sum(t.startswith("grad ") and "?" not in t for t in texts) == 4
    start = [(t.text or "").replace("\xa0", " ")
             for t in ET.fromstring(tr.draw(-1).pipe(format="svg")).iter(ns + "text")]
    assert sum(t.startswith("grad ") and "?" not in t for t in start) == 1


def test_frames_are_numbered_pngs_and_a_gif(rng, tmp_path):
    Image = pytest.importorskip("PIL.Image")
    x, y, w, z = _xy(rng, np.float32)
    tr = trace_backward(z, names=locals())
    paths = save_backward_frames(tr, tmp_path / "frames", rankdir="LR")
    pngs, gif = paths[:-1], paths[-1]
    assert [p.name for p in pngs] == ["step_000.png", "step_001.png", "step_002.png"]
    for p in pngs:
        assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with Image.open(gif) as im:
        assert im.n_frames == len(tr) + 1
    assert len(tr.save_frames(tmp_path / "more", gif=False)) == 3


def test_trace_follows_recorded_edges_after_an_inplace_op():
    # z recorded y = x*2 before y.add_(x): z's gradient goes to the old y only.
    x = ac.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    z = y * 3
    y.add_(x)
    loss = z.sum()
    trace = ac.trace_backward(loss)
    loss.backward()
    np.testing.assert_array_equal(trace.grad(x), [6.0, 6.0])
    np.testing.assert_array_equal(x.grad._data, [6.0, 6.0])


def test_next_functions_in_pytorchs_shape():
    for lib in (ac, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        z = (y * 3).sum()
        mul = z.grad_fn.next_functions[0][0]
        assert len(mul.next_functions) == 2 and mul.next_functions[1] == (None, 0)
        leaf = mul.next_functions[0][0].next_functions[0][0]
        assert type(leaf).__name__ == "AccumulateGrad" and leaf.variable is x


def _tiny_mlp():
    """x (1, 2) -> Linear(2, 2) -> sigmoid -> Linear(2, 1) -> squared error."""
    x = ac.tensor([[0.5, 1.0]])
    W1 = ac.tensor([[0.4, -0.2], [0.3, 0.1]], requires_grad=True)
    b1 = ac.tensor([0.0, 0.1], requires_grad=True)
    W2 = ac.tensor([[0.7], [-0.5]], requires_grad=True)
    h = (x @ W1 + b1).sigmoid()
    o = h @ W2
    E = 0.5 * ((o - 1.0) ** 2).sum()
    return dict(x=x, W1=W1, b1=b1, W2=W2, h=h, o=o, E=E)


def test_mlp_backward_frames_one_per_step(tmp_path):
    Image = pytest.importorskip("PIL.Image")
    t = _tiny_mlp()
    tr = trace_backward(t["E"], names=t)
    ops = [s.op for s in tr]
    assert len(tr) == 8 and ops[1:] == ["sum", "pow(exponent=2)", "sub(other=1.0)", "matmul",
                                        "sigmoid", "add", "matmul"]
    paths = tr.save_frames(tmp_path, rankdir="LR")
    assert len(paths) == len(tr) + 2 and paths[-1].suffix == ".gif"
    with Image.open(paths[-1]) as im:
        assert im.n_frames == len(tr) + 1
    # Step 5 (matmul h @ W2) gives W2 its gradient h^T delta, drawn as "new".
    svg = tr.draw(4).pipe(format="svg").decode()
    texts = [(s or "").replace("\xa0", " ") for s in re.findall(r">([^<]*)</text>", svg)]
    assert any(line.startswith("dE/dW2 = h^T @ dE/do = ") for line in texts)
    h, o = t["h"]._data, t["o"]._data
    delta = o - 1.0
    np.testing.assert_allclose(tr.grad(t["W2"]), h.T @ delta, rtol=1e-6)
    t["E"].backward()
    for k in ("W1", "b1", "W2"):
        np.testing.assert_allclose(tr.grad(t[k]), t[k].grad._data, rtol=1e-6)


def test_cnn_backward_frames_for_the_lecture_example(tmp_path):
    import nn.functional as F

    x = ac.tensor(np.arange(16.0).reshape(1, 1, 4, 4))
    w = ac.tensor(np.ones((1, 1, 3, 3)) / 9, requires_grad=True)
    z = F.conv2d(x, w)
    c = z.mean()
    tr = trace_backward(c, names={"x": x, "w": w, "z": z, "c": c}, max_elements=16)
    paths = save_backward_frames(tr, tmp_path, gif=False)
    assert [p.name for p in paths] == ["step_000.png", "step_001.png", "step_002.png"]
    svg = tr.draw(1).pipe(format="svg").decode()
    texts = [(s or "").replace("\xa0", " ") for s in re.findall(r">([^<]*)</text>", svg)]
    # The input x needs no gradient, yet is drawn with its values; w gets its gradient.
    assert "x" in texts and "(1, 1, 4, 4) float64" in texts
    assert any(line.startswith("dc/dw = dc/dz * dz/dw = im2col(x) @ dc/dz = ")
               for line in texts)
    c.backward()
    np.testing.assert_allclose(tr.grad(w), w.grad._data, rtol=1e-12)
