"""Gradient flow on the picture (each layer coloured by its gradient's norm, ReLU layers
with the share of units that passed no gradient) and an in-place error on the picture
(the node whose saved value changed, and the forward lines that made it)."""

from __future__ import annotations

import re

import numpy as np
import pytest

import autograd_core as ac
import nn
from autograd_core.viz import draw_graph, explain_inplace_error, gradient_flow

graphviz = pytest.importorskip("graphviz")

from test_viz_graph import parse_svg  # noqa: E402


def _mlp(act, depth=4, width=16, seed=0):
    ac.manual_seed(seed)
    layers = []
    for _ in range(depth):
        layers += [nn.Linear(width, width, dtype=ac.float64), act()]
    layers.append(nn.Linear(width, 3, dtype=ac.float64))
    return nn.Sequential(*layers)


def _run(model, rng):
    """Forward with every layer's output kept (retain_grad), and the loss."""
    outs = {}

    def keep(name):
        def hook(module, args, out):
            out.retain_grad()
            outs[name] = out
        return hook

    for name, m in model.named_children():
        m.register_forward_hook(keep(name))
    x = ac.tensor(rng.normal(size=(32, 16)))
    loss = (model(x) ** 2).mean()
    return outs, loss


@pytest.mark.parametrize("act", [nn.Sigmoid, nn.ReLU], ids=["sigmoid", "relu"])
def test_each_layer_box_shows_the_norm_of_its_output_gradient(rng, act):
    model = _mlp(act)
    outs, loss = _run(model, rng)
    picture = draw_graph(loss, params=model, depth=1, grad_flow=True)
    loss.backward()  # the engine's gradients, to check the picture's numbers
    rows = {r.name: r for r in picture.grad_flow}
    assert set(outs) <= set(rows)
    for name, out in outs.items():
        assert rows[name].norm == pytest.approx(np.linalg.norm(out.grad._data), rel=1e-10)
        if act is nn.ReLU and name in {str(k) for k in range(1, 8, 2)}:
            pre = outs[str(int(name) - 1)]._data
            assert rows[name].no_grad_fraction == pytest.approx(np.mean(pre <= 0))
        else:
            assert rows[name].no_grad_fraction is None
    # The numbers and colours are the ones drawn.
    parsed = parse_svg(picture.pipe(format="svg"))
    svg = picture.pipe(format="svg").decode()
    for r in picture.grad_flow:
        texts = parsed["nodes"][r.vertex]["text"]
        assert f"||grad|| = {r.norm:.2e}" in texts
        fill = re.search(
            rf"<title>{r.vertex}</title>\s*<(?:polygon|ellipse) fill=\"([^\"]+)\"", svg)
        assert fill and fill.group(1) == r.fill
    assert "legend" in {c for n in parsed["nodes"].values() for c in n["class"]}


def test_sigmoid_gradient_fades_towards_the_input_and_relu_keeps_it(rng):
    ratios = {}
    for act in (nn.Sigmoid, nn.ReLU):
        model = _mlp(act, depth=6)
        _, loss = _run(model, rng)
        rows = {r.name: r for r in draw_graph(loss, params=model, depth=1,
                                              grad_flow=True).grad_flow}
        ratios[act.__name__] = rows["0"].norm / rows["12"].norm
        colors = [rows[str(k)].fill for k in (0, 12)]
        if act is nn.Sigmoid:
            assert colors[0] != colors[1]  # the first layer is drawn darker
    assert ratios["Sigmoid"] < 1e-2 * ratios["ReLU"]


def test_ops_are_coloured_without_modules_and_flow_needs_the_graph(rng):
    x = ac.tensor(rng.normal(size=(4, 3)), requires_grad=True)
    w = ac.tensor(rng.normal(size=(3, 3)), requires_grad=True)
    h = (x @ w).relu()
    loss = (h * h).sum()
    flow = gradient_flow(loss)
    picture = draw_graph(loss, names={"x": x, "w": w}, grad_flow=flow)
    rows = {r.name: r for r in picture.grad_flow}
    h_grad = 2 * h._data
    assert rows["relu"].norm == pytest.approx(np.linalg.norm(h_grad), rel=1e-12)
    assert rows["relu"].no_grad_fraction == pytest.approx(np.mean((x._data @ w._data) <= 0))
    assert rows["sum"].norm == pytest.approx(1.0)
    loss.backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        draw_graph(loss, grad_flow=True)
    h2 = (x @ w).relu()
    loss2 = (h2 * h2).sum()
    loss2.backward(retain_graph=True)
    rows2 = {r.name: r for r in draw_graph(loss2, grad_flow=True).grad_flow}
    assert rows2["relu"].norm == pytest.approx(rows["relu"].norm, rel=1e-12)


# ----- in-place errors ------------------------------------------------------------------
def _broken(anomaly: bool):
    x = ac.tensor([1.0, 2.0], requires_grad=True)
    ctx = ac.detect_anomaly() if anomaly else _Null()
    with ctx:
        h = x.exp()
        y = h * x
        h.add_(1.0)
        loss = y.sum()
    return x, h, y, loss


class _Null:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_explain_inplace_error_names_the_nodes_and_the_forward_lines():
    x, h, y, loss = _broken(anomaly=True)
    with pytest.raises(RuntimeError, match="modified by an inplace operation") as err:
        loss.backward()
    report = explain_inplace_error(loss, err.value, names={"x": x, "h": h, "y": y})
    by_node = {p.node.name(): p for p in report.problems}
    assert set(by_node) == {"ExpBackward", "MulBackward"}
    mul = by_node["MulBackward"]
    assert mul.position == 0 and mul.tensor is h and (mul.expected, mul.now) == (0, 1)
    assert mul.source == "y = h * x" and mul.site.endswith(f"test_viz_flow.py:{_line('y = h * x')}")
    assert mul.writer is not None and mul.writer_source == "h.add_(1.0)"
    assert by_node["ExpBackward"].position is None  # its saved output was overwritten
    assert "made at" in report.text and "y = h * x" in report.text
    assert report.text.startswith("RuntimeError: one of the variables needed")
    svg = report.picture.pipe(format="svg").decode()
    parsed = parse_svg(svg)
    red = [n["text"][0] for k, n in parsed["nodes"].items()
           if re.search(rf"<title>{k}</title>\s*<(ellipse|path|polygon)[^>]*stroke=\"#cc0000\"",
                        svg)]
    assert sorted(red) == ["exp", "h", "mul"]
    assert any("y = h * x" in t.replace("\xa0", " ") for t in re.findall(r">([^<]+)</text>",
                                                                          svg))
    # draw_graph marks the same nodes from the error alone.
    again = draw_graph(loss, inplace_error=err.value).pipe(format="svg").decode()
    assert again.count('stroke="#cc0000"') == svg.count('stroke="#cc0000"')


def test_without_anomaly_mode_the_report_says_how_to_find_the_line():
    *_, loss = _broken(anomaly=False)
    report = explain_inplace_error(loss)
    assert len(report.problems) == 2 and all(p.site is None for p in report.problems)
    assert "detect_anomaly()" in report.text
    x = ac.tensor([1.0, 2.0], requires_grad=True)
    assert explain_inplace_error((x * 2).sum()).problems == []


def _line(text: str) -> int:
    with open(__file__, encoding="utf-8") as f:
        for k, line in enumerate(f, 1):
            if line.strip() == text:
                return k
    raise AssertionError(text)
