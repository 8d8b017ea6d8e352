"""Layout steps folded into the convolution or pooling they belong to: one picture node
and one backward step per call, the data input drawn by name, consistent op counts, the
numbers unchanged (against the engine and torch), and LeNet's picture about as tall as
torchviz's."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
import torch

import autograd_core as ac
import nn.functional as F
from autograd_core.viz import FoldGroup, draw_graph, trace_backward

graphviz = pytest.importorskip("graphviz")

from test_viz_graph import _lenet, by_label, parse_svg  # noqa: E402

LAYOUT_OPS = ("permute", "im2col", "gather", "addmm")


def _lenet_loss(rng, requires_grad=False):
    nn, model = _lenet()
    x = ac.tensor(rng.normal(size=(2, 1, 28, 28)).astype(np.float32),
                  requires_grad=requires_grad)
    out = model(x)
    return model, x, (out * out).mean()


def _op_labels(parsed: dict) -> list[str]:
    return [n["text"][0] for n in parsed["nodes"].values() if "op" in n["class"]]


def test_lenet_draws_one_node_per_convolution_and_pooling(rng):
    model, x, loss = _lenet_loss(rng)
    parsed = parse_svg(draw_graph(loss, params=model, names={"images": x}).pipe(format="svg"))
    labels = _op_labels(parsed)
    folded = [n["text"][0] for n in parsed["nodes"].values() if "folded" in n["class"]]
    assert sorted(folded) == ["conv2d", "conv2d(padding=(2, 2))",
                              "max_pool2d(kernel_size=2, stride=2)",
                              "max_pool2d(kernel_size=2, stride=2)"]
    assert not [lab for lab in labels if lab.startswith(LAYOUT_OPS)], labels
    # 14 ops in all: 2 conv, 2 relu, 2 pool, flatten, 3 linear, 2 relu, mul, mean.
    assert len(labels) == 14
    ids = by_label(parsed)
    # The images need no gradient, yet are drawn with their name and shape, feeding conv1.
    images = parsed["nodes"][ids["images"]]
    assert images["text"][:2] == ["images", "(2, 1, 28, 28) float32"]
    assert (ids["images"], ids["conv2d(padding=(2, 2))"]) in parsed["edges"]
    # conv1's parameters go into its node; nothing anonymous stands in for the images.
    for p in ("features.0.weight", "features.0.bias"):
        assert (ids[p], ids["conv2d(padding=(2, 2))"]) in parsed["edges"]
    anonymous = [n for n in parsed["nodes"].values()
                 if "constant" in n["class"] and n["text"][0] != "images"]
    assert not anonymous


def test_unnamed_data_input_is_still_drawn_with_its_shape(rng):
    model, x, loss = _lenet_loss(rng)
    parsed = parse_svg(draw_graph(loss, params=model).pipe(format="svg"))
    consts = [k for k, n in parsed["nodes"].items() if "constant" in n["class"]]
    assert len(consts) == 1
    assert parsed["nodes"][consts[0]]["text"][0] == "(2, 1, 28, 28) float32"
    conv1 = by_label(parsed)["conv2d(padding=(2, 2))"]
    assert (consts[0], conv1) in parsed["edges"]


def test_fold_layout_false_shows_every_recorded_node(rng):
    model, x, loss = _lenet_loss(rng)
    parsed = parse_svg(draw_graph(loss, params=model, names={"images": x},
                                  fold_layout=False).pipe(format="svg"))
    labels = _op_labels(parsed)
    assert not any("folded" in n["class"] for n in parsed["nodes"].values())
    assert labels.count("addmm") == 2
    # Each pool is one node (windows that do not overlap: nn/max_pool_tiles.py).
    assert sum(lab.startswith("max_pool(") for lab in labels) == 2
    assert sum(lab.startswith("im2col") for lab in labels) == 1  # conv2's
    assert sum(lab.startswith("permute") for lab in labels) == 4  # two per convolution
    # The images reach the columns conv1 made of them (no node recorded that: no grad).
    ids = by_label(parsed)
    cols = [k for k, n in parsed["nodes"].items()
            if "constant" in n["class"] and n["text"][0] == "(25, 1568) float32"]
    assert len(cols) == 1 and (ids["images"], cols[0]) in parsed["edges"]


def test_module_boxes_count_a_folded_call_once(rng):
    model, x, loss = _lenet_loss(rng)
    boxes = {n["text"][0]: n["text"] for n in parse_svg(
        draw_graph(loss, params=model, names={"images": x}, depth=2).pipe(format="svg")
    )["nodes"].values() if "module" in n["class"]}
    assert "1 op: conv2d(padding=(2, 2))" in boxes["features.0"]
    assert "1 op: conv2d" in boxes["features.3"]
    assert "1 op: max_pool2d(kernel_size=2, stride=2)" in boxes["features.2"]
    unfolded = {n["text"][0]: n["text"] for n in parse_svg(
        draw_graph(loss, params=model, depth=2, fold_layout=False).pipe(format="svg")
    )["nodes"].values() if "module" in n["class"]}
    # Unfolded, conv2 records its im2col (its input needs a gradient), conv1 does not.
    assert "6 ops" in unfolded["features.0"] and "7 ops" in unfolded["features.3"]
    # Folded at depth 2 the images still feed the first box.
    parsed = parse_svg(draw_graph(loss, params=model, names={"images": x}, depth=2).pipe(
        format="svg"))
    ids = by_label(parsed)
    assert (ids["images"], ids["features.0"]) in parsed["edges"]


def test_trace_takes_one_step_per_convolution_with_the_engines_numbers(rng):
    model, x, loss = _lenet_loss(rng, requires_grad=True)
    names = {"images": x, "loss": loss}
    folded = trace_backward(loss, params=model, names=names)
    full = trace_backward(loss, params=model, names=names, fold_layout=False)
    ops = [s.op for s in folded]
    assert len(folded) == 14 and len(full) == 26
    assert ops.count("conv2d") == 1 and ops.count("conv2d(padding=(2, 2))") == 1
    assert ops.count("max_pool2d(kernel_size=2, stride=2)") == 2
    assert not [op for op in ops if op.startswith(LAYOUT_OPS)]
    conv1 = next(s for s in folded if s.op == "conv2d(padding=(2, 2))")
    assert isinstance(conv1.node, FoldGroup) and len(conv1.node.members) == 7
    assert [g.name for g in conv1.inputs] == ["images", "features.0.weight",
                                              "features.0.bias"]
    assert conv1.header.startswith("conv2d(padding=(2, 2)): images, features.0.weight, "
                                   "features.0.bias -> t1")
    loss.backward()
    for name, p in model.named_parameters():
        np.testing.assert_allclose(folded.grad(p), p.grad._data, rtol=1e-5, atol=1e-7,
                                   err_msg=name)
        np.testing.assert_allclose(full.grad(p), p.grad._data, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(folded.grad(x), x.grad._data, rtol=1e-5, atol=1e-8)
    # No formula prints an option as if it were an operand (im2col(x, 0.0)), and values
    # cut from a line say how many.
    for trace in (folded, full):
        for s in trace:
            for line in [s.header, *s.lines]:
                assert not re.search(r"im2col\([^()]*,", line), line
    assert any("values hidden>" in line for s in folded for line in s.lines)


def test_lecture_example_kernel_gradient_is_im2col_times_delta():
    # Note 000: a 3x3 kernel over a 4x4 input, c = mean(z), each dc/dz = 1/4.
    xv = np.arange(16, dtype=np.float64).reshape(1, 1, 4, 4) / 7
    wv = np.linspace(-1, 1, 9).reshape(1, 1, 3, 3)
    x = ac.tensor(xv, requires_grad=True)
    w = ac.tensor(wv, requires_grad=True)
    z = F.conv2d(x, w)
    c = z.mean()
    tr = trace_backward(c, names={"x": x, "w": w, "z": z, "c": c}, max_elements=16)
    assert [s.op for s in tr] == ["mean", "conv2d"]
    conv = tr[1]
    gx, gw = conv.inputs
    assert gw.line.startswith("dc/dw = dc/dz * dz/dw = im2col(x) @ dc/dz = [[[[")
    assert gx.line.startswith("dc/dx = dc/dz * dz/dx = col2im(w^T @ dc/dz) = ")
    # The formula's numbers: J = im2col(x) (9 x 4) times dc/dz (4 values of 1/4).
    J = np.array([xv[0, 0, i:i + 3, j:j + 3].ravel() for i in range(2) for j in range(2)]).T
    np.testing.assert_allclose(gw.grad.ravel(), J @ np.full(4, 0.25), rtol=1e-12)
    tx = torch.tensor(xv, requires_grad=True)
    tw = torch.tensor(wv, requires_grad=True)
    torch.nn.functional.conv2d(tx, tw).mean().backward()
    np.testing.assert_allclose(tr.grad(w), tw.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(tr.grad(x), tx.grad.numpy(), rtol=1e-12)
    # Drawn after its step, the conv node is the highlighted one.
    svg = tr.draw(1).pipe(format="svg").decode()
    parsed = parse_svg(svg)
    folded = [k for k, n in parsed["nodes"].items() if "folded" in n["class"]]
    assert len(folded) == 1
    assert re.search(r'<title>' + folded[0] + r'</title>\s*<ellipse[^>]*stroke="#cc0000"',
                     svg)


def _height(picture) -> float:
    return float(json.loads(picture.pipe(format="json"))["bb"].split(",")[3])


def test_lenet_picture_is_at_most_one_and_a_half_torchviz_heights(rng, capsys):
    torchviz = pytest.importorskip("torchviz")
    model, x, loss = _lenet_loss(rng)
    ours = _height(draw_graph(loss, params=model, names={"images": x, "loss": loss}))

    class TorchLeNet(torch.nn.Module):
        def __init__(self):
            super().__init__()
            tnn = torch.nn
            self.features = tnn.Sequential(
                tnn.Conv2d(1, 6, 5, padding=2), tnn.ReLU(), tnn.MaxPool2d(2),
                tnn.Conv2d(6, 16, 5), tnn.ReLU(), tnn.MaxPool2d(2))
            self.classifier = tnn.Sequential(
                tnn.Flatten(), tnn.Linear(400, 120), tnn.ReLU(), tnn.Linear(120, 84),
                tnn.ReLU(), tnn.Linear(84, 10))

        def forward(self, inp):
            return self.classifier(self.features(inp))

    tmodel = TorchLeNet()
    tout = tmodel(torch.tensor(x._data))
    theirs = _height(torchviz.make_dot((tout * tout).mean(),
                                       params=dict(tmodel.named_parameters())))
    with capsys.disabled():
        print(f"\n[viz] LeNet picture height: ours {ours:.0f} pt, torchviz {theirs:.0f} pt, "
              f"ratio {ours / theirs:.2f}")
    assert ours <= 1.5 * theirs
