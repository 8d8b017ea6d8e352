"""Graph pictures: real PNG/SVG files rendered with dot, their structure read back from the
SVG, module clusters and folding, big graphs, and the errors without Graphviz."""

from __future__ import annotations

import re
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import autograd_core as ac
from autograd_core import function as F
from autograd_core.viz import GraphvizNotFoundError, draw_graph, trace_backward

graphviz = pytest.importorskip("graphviz")

SVG = "{http://www.w3.org/2000/svg}"
NUM = r"-?\d+(?:\.\d+)?(?:e[-+]?\d+)?"


def parse_svg(svg: bytes | str) -> dict:
    """Nodes (title -> classes and text lines), edges (src, dst) and cluster labels."""
    root = ET.fromstring(svg)
    nodes, edges, clusters = {}, [], []
    for g in root.iter(SVG + "g"):
        cls = (g.get("class") or "").split()
        title = g.find(SVG + "title").text
        texts = [(t.text or "").replace("\xa0", " ").strip() for t in g.iter(SVG + "text")]
        if "node" in cls:
            nodes[title] = {"class": set(cls) - {"node"}, "text": texts}
        elif "edge" in cls:
            src, dst = title.split("->")
            edges.append((src, dst))
        elif "cluster" in cls:
            clusters.append(" ".join(texts))
    return {"nodes": nodes, "edges": edges, "clusters": clusters}


def by_label(parsed: dict) -> dict:
    """First text line of each node (tensor name or op label) -> node id."""
    return {n["text"][0]: k for k, n in parsed["nodes"].items()}


def value_after(texts: list[str], head: str) -> float:
    """The number printed after ``head`` ("data 1.234") in a node's text lines."""
    for line in texts:
        m = re.fullmatch(rf"{head} ({NUM})", line)
        if m:
            return float(m.group(1))
    raise AssertionError(f"no '{head}' line in {texts}")


def xy_graph(rng, dtype=np.float32):
    x = ac.tensor(rng.normal(size=()).astype(dtype), requires_grad=True)
    y = ac.tensor(rng.normal(size=()).astype(dtype), requires_grad=True)
    w = x + y
    z = w**2
    return x, y, w, z


# ----- z = (x + y)**2 as a picture ------------------------------------------------------
def test_xy_svg_has_exactly_the_expected_nodes_values_and_gradients(rng, tmp_path):
    x, y, w, z = xy_graph(rng)
    w.retain_grad()
    z.retain_grad()
    z.backward()
    g = draw_graph(z, names={"x": x, "y": y, "w": w, "z": z}, show_data=True, show_grad=True)
    assert isinstance(g, graphviz.Digraph)
    assert g._repr_mimebundle_()["image/svg+xml"].lstrip().startswith("<?xml")  # Jupyter

    svg_path = g.render(tmp_path / "xy", format="svg", cleanup=True)
    png_path = g.render(tmp_path / "xy", format="png", cleanup=True)
    with open(png_path, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    with open(svg_path, "rb") as f:
        parsed = parse_svg(f.read())

    nodes = parsed["nodes"]
    ids = by_label(parsed)
    assert set(ids) == {"x", "y", "w", "z", "add", "pow(exponent=2)"}
    assert len(nodes) == 6
    kinds = {label: nodes[k]["class"] for label, k in ids.items()}
    assert kinds["x"] == kinds["y"] == {"tensor", "leaf"}
    assert kinds["w"] == {"tensor", "intermediate"}
    assert kinds["z"] == {"tensor", "output"}
    assert kinds["add"] == kinds["pow(exponent=2)"] == {"op"}
    expected_edges = {
        (ids["x"], ids["add"]), (ids["y"], ids["add"]), (ids["add"], ids["w"]),
        (ids["w"], ids["pow(exponent=2)"]), (ids["pow(exponent=2)"], ids["z"]),
    }
    assert set(parsed["edges"]) == expected_edges and len(parsed["edges"]) == 5

    xv, yv = float(x._data), float(y._data)
    two_w = 2.0 * (xv + yv)
    want = {
        "x": (xv, two_w), "y": (yv, two_w), "w": (xv + yv, two_w), "z": ((xv + yv) ** 2, 1.0)
    }
    for name, (data, grad) in want.items():
        texts = nodes[ids[name]]["text"]
        assert "() float32" in texts
        assert value_after(texts, "data") == pytest.approx(data, rel=1e-3, abs=1e-4)
        assert value_after(texts, "grad") == pytest.approx(grad, rel=1e-3, abs=1e-4)
    # ... and those numbers are the engine's.
    assert two_w == pytest.approx(float(x.grad._data), rel=1e-5)


def test_before_backward_no_gradients_and_data_hidden_by_default(rng):
    x, y, w, z = xy_graph(rng)
    parsed = parse_svg(draw_graph(z, names={"x": x, "y": y}).pipe(format="svg"))
    for node in parsed["nodes"].values():
        assert not any(t.startswith(("grad", "data")) for t in node["text"])
    # Unnamed tensors still show shape and dtype.
    assert sum("() float32" in n["text"] for n in parsed["nodes"].values()) == 4


def test_trace_gradients_can_be_drawn_for_intermediates(rng):
    x, y, w, z = xy_graph(rng)
    tr = trace_backward(z, names=locals())
    g = draw_graph(z, names={"w": w}, grads={w: tr.grad(w)})
    parsed = parse_svg(g.pipe(format="svg"))
    texts = parsed["nodes"][by_label(parsed)["w"]]["text"]
    assert value_after(texts, "grad") == pytest.approx(2 * float((x + y)._data), rel=1e-3)


def test_larger_tensors_hide_values_and_constants_are_drawn_dashed(rng):
    a = ac.tensor(rng.normal(size=(3, 4)).astype(np.float32), requires_grad=True)
    c = ac.tensor(rng.normal(size=(4,)).astype(np.float32))
    out = (a * c).sum(dim=1)
    parsed = parse_svg(draw_graph(out, names={"a": a}, show_data=True).pipe(format="svg"))
    labels = by_label(parsed)
    assert "sum(dim=(1,))" in labels
    a_texts = parsed["nodes"][labels["a"]]["text"]
    assert a_texts == ["a", "(3, 4) float32", "data: 12 values hidden"]  # no values, a hint
    constant = [n for n in parsed["nodes"].values() if "constant" in n["class"]]
    assert len(constant) == 1 and constant[0]["text"][0] == "(4) float32"
    assert len(constant[0]["text"]) == 2  # 4 elements: its values are shown
    assert "data" in constant[0]["text"][1]


def test_options_are_checked():
    x = ac.tensor(1.0, requires_grad=True)
    with pytest.raises(ValueError, match="rankdir"):
        draw_graph(x * 2, rankdir="sideways")
    with pytest.raises(TypeError, match="at least one tensor"):
        draw_graph()
    with pytest.raises(TypeError, match="expected Tensors"):
        draw_graph([x])
    g = draw_graph(x * 2, rankdir="LR")
    assert "rankdir=LR" in g.source


# ----- modules: clusters and depth ------------------------------------------------------
class _Dummy:
    """Stands in for a module: drawing only needs objects and named_modules()."""


class Linear(_Dummy):
    pass


class Seq(_Dummy):
    pass


class Net(_Dummy):
    pass


def _tiny_net(rng):
    W1 = ac.tensor(rng.normal(size=(4, 3)).astype(np.float32), requires_grad=True)
    b1 = ac.tensor(rng.normal(size=(4,)).astype(np.float32), requires_grad=True)
    W2 = ac.tensor(rng.normal(size=(2, 4)).astype(np.float32), requires_grad=True)
    net, feat, fc1, act, fc2 = Net(), Seq(), Linear(), _Dummy(), Linear()

    class Model:
        def named_parameters(self):
            return [("features.0.weight", W1), ("features.0.bias", b1), ("head.weight", W2)]

        def named_modules(self):
            return [("", net), ("features", feat), ("features.0", fc1), ("features.1", act),
                    ("head", fc2)]

    x = ac.tensor(rng.normal(size=(5, 3)).astype(np.float32))
    try:
        F.SCOPE.path = (net, feat, fc1)
        h = x @ W1.T + b1
        F.SCOPE.path = (net, feat, act)
        h = h.relu()
        F.SCOPE.path = (net, fc2)
        o = h @ W2.T
    finally:
        F.SCOPE.path = None
    return Model(), (o * o).mean()


def test_one_labelled_cluster_per_module_and_parameter_names(rng):
    model, loss = _tiny_net(rng)
    parsed = parse_svg(draw_graph(loss, params=model).pipe(format="svg"))
    assert sorted(parsed["clusters"]) == [
        "features (Seq)", "features.0 (Linear)", "features.1 (_Dummy)", "head (Linear)"
    ]
    params = {n["text"][0] for n in parsed["nodes"].values() if "param" in n["class"]}
    assert params == {"features.0.weight", "features.0.bias", "head.weight"}


def test_depth_folds_modules_into_boxes(rng):
    model, loss = _tiny_net(rng)
    p1 = parse_svg(draw_graph(loss, params=model, depth=1).pipe(format="svg"))
    boxes = {n["text"][0]: n["text"] for n in p1["nodes"].values() if "module" in n["class"]}
    assert set(boxes) == {"features", "head"}
    assert "weight (4, 3)" in boxes["features"] and "bias (4)" in boxes["features"]
    assert "4 ops" in boxes["features"]  # permute, matmul, add, relu
    assert not p1["clusters"]
    assert not any("param" in n["class"] for n in p1["nodes"].values())  # inside boxes

    p2 = parse_svg(draw_graph(loss, params=model, depth=2).pipe(format="svg"))
    boxes2 = {n["text"][0] for n in p2["nodes"].values() if "module" in n["class"]}
    assert boxes2 == {"features.0", "features.1", "head"}
    assert p2["clusters"] == ["features (Seq)"]
    # Folding keeps the picture connected: the loss is reachable from the input.
    ids = {k for k in p2["nodes"]}
    assert all(s in ids and d in ids for s, d in p2["edges"])

    p0 = parse_svg(draw_graph(loss, params=model, depth=0).pipe(format="svg"))
    assert [n["text"][0] for n in p0["nodes"].values() if "module" in n["class"]] == ["Net"]


def test_compact_drawing_puts_shapes_on_edges(rng):
    model, loss = _tiny_net(rng)
    full = parse_svg(draw_graph(loss, params=model).pipe(format="svg"))
    compact = parse_svg(draw_graph(loss, params=model, show_intermediates=False).pipe(
        format="svg"))
    inter = [n for n in full["nodes"].values() if "intermediate" in n["class"]]
    assert inter and not any("intermediate" in n["class"] for n in compact["nodes"].values())
    assert len(compact["nodes"]) == len(full["nodes"]) - len(inter)


def _lenet():
    import nn

    class LeNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.features = nn.Sequential(
                nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
            )
            self.classifier = nn.Sequential(
                nn.Flatten(), nn.Linear(16 * 5 * 5, 120), nn.ReLU(), nn.Linear(120, 84),
                nn.ReLU(), nn.Linear(84, 10),
            )

        def forward(self, x):
            return self.classifier(self.features(x))

    return nn, LeNet()


def test_lenet_draws_one_cluster_per_layer_with_parameter_names(rng, tmp_path):
    nn, model = _lenet()
    x = ac.tensor(rng.normal(size=(2, 1, 28, 28)).astype(np.float32))
    out = model(x)
    loss = (out * out).mean()
    g = draw_graph(loss, params=model, names={"loss": loss})
    parsed = parse_svg(g.pipe(format="svg"))
    layers = [name for name, m in model.named_modules() if name.count(".") == 1]
    assert len(layers) == 12
    for name, m in model.named_modules():
        if name.count(".") == 1:
            assert f"{name} ({type(m).__name__})" in parsed["clusters"]
    assert "features (Sequential)" in parsed["clusters"]
    param_nodes = {n["text"][0] for n in parsed["nodes"].values() if "param" in n["class"]}
    assert param_nodes == {name for name, _ in model.named_parameters()}
    g.render(tmp_path / "lenet", format="png", cleanup=True)

    folded = parse_svg(draw_graph(loss, params=model, depth=2).pipe(format="svg"))
    boxes = [n["text"][0] for n in folded["nodes"].values() if "module" in n["class"]]
    assert sorted(boxes) == sorted(layers)


# ----- size, and life without Graphviz ------------------------------------------------------
def test_ten_thousand_node_graph_draws(capsys):
    ac.manual_seed(0)
    x = ac.randn(3, requires_grad=True)
    h = x
    ws = {}
    for i in range(2000):  # each step: a parameter, mul, tanh and their two outputs
        ws[f"w{i}"] = w = ac.randn(3, requires_grad=True)
        h = (h * w).tanh()
    loss = h.sum()
    t0 = time.perf_counter()
    g = draw_graph(loss, params=ws)
    t_build = time.perf_counter() - t0
    n_nodes = sum(1 for line in g.body if "[label=" in line and "->" not in line)
    assert n_nodes >= 10_000
    t0 = time.perf_counter()
    svg = g.pipe(format="svg")
    t_render = time.perf_counter() - t0
    assert len(parse_svg(svg)["nodes"]) == n_nodes
    with capsys.disabled():
        print(f"\n[viz] {n_nodes}-node graph: Digraph built in {t_build:.2f} s, "
              f"rendered to SVG by dot in {t_render:.2f} s")


def test_without_dot_the_source_is_returned_and_rendering_explains(tmp_path, monkeypatch):
    from autograd_core.viz.style import hangul_families

    x = ac.tensor(1.0, requires_grad=True)
    monkeypatch.setenv("PATH", str(tmp_path))  # no `dot` here
    # The font lookup is asked once per process: if this test asks first (no fc-list on
    # this PATH either), forget the answer so later tests see the real fonts.
    hangul_families.cache_clear()
    try:
        g = draw_graph((x + 1.0) ** 2)
    finally:
        hangul_families.cache_clear()
    assert "digraph" in g.source and "pow(exponent=2)" in g.source
    for call in (lambda: g.pipe(format="svg"),
                 lambda: g.render(tmp_path / "g", format="png"),
                 lambda: g._repr_mimebundle_()):
        with pytest.raises(GraphvizNotFoundError) as err:
            call()
        msg = str(err.value)
        for hint in ("apt-get install graphviz", "brew install graphviz",
                     "conda install graphviz", ".source"):
            assert hint in msg


def test_autograd_core_imports_without_graphviz_or_pillow():
    code = (
        "import sys\n"
        "sys.modules['graphviz'] = None\n"
        "sys.modules['PIL'] = None\n"
        "import autograd_core as ac\n"
        "x = ac.tensor(1.0, requires_grad=True)\n"
        "z = (x + x) ** 2\n"
        "assert len(ac.trace_backward(z)) == 2\n"
        "try:\n"
        "    ac.draw_graph(z)\n"
        "except ImportError as e:\n"
        "    assert 'pip install graphviz' in str(e), e\n"
        "else:\n"
        "    raise AssertionError('draw_graph worked without graphviz')\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


# ----- fonts and code shape ---------------------------------------------------------------
def test_korean_names_render_with_a_font_that_has_their_glyphs(rng, tmp_path):
    """Every Hangul character drawn goes to a font family that fontconfig says covers it:
    no empty boxes in the SVG (family named in the file) or the PNG (drawn by dot)."""
    import shutil

    from autograd_core.viz.style import STYLE, hangul_font

    assert shutil.which("fc-list"), "fontconfig's fc-list is missing: dot cannot find fonts"
    assert hangul_font() is not None, (
        "no font with Hangul is installed: `apt-get install -y fonts-nanum`")
    x = ac.tensor(rng.normal(size=(2,)), requires_grad=True)
    loss = (x * x).sum()
    g = draw_graph(loss, names={"입력 x": x, "손실": loss}, title="연쇄 법칙: 기울기",
                   show_data=True)
    svg = g.pipe(format="svg").decode()
    hangul = re.compile(r"[\uac00-\ud7a3]")
    drawn = re.findall(r'<text[^>]*font-family="([^"]+)"[^>]*>([^<]*)</text>', svg)
    korean = [(family, text) for family, text in drawn if hangul.search(text)]
    assert {t for _, t in korean} >= {"입력 x", "손실"}
    assert any("연쇄" in t for _, t in korean)
    for family, text in korean:
        first = family.split(",")[0].strip()
        assert first in (STYLE.text_font(), STYLE.code_font())
        for ch in set(hangul.findall(text)):
            out = subprocess.run(["fc-list", f":charset={ord(ch):x}", "family"],
                                 capture_output=True, text=True, check=True).stdout
            families = {n.strip() for line in out.splitlines() for n in line.split(",")}
            assert first in families, f"{first!r} has no glyph for {ch!r}"
    png = g.render(tmp_path / "ko", format="png", cleanup=True)
    with open(png, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"


def test_viz_functions_stay_under_ruffs_complexity_limit():
    """The project's mccabe limit (15): the drawing and the replay are small functions."""
    pytest.importorskip("ruff")
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    res = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "--select", "C901",
         "--config", "lint.mccabe.max-complexity=15", "autograd_core/viz",
         "autograd_core/composite.py"],
        cwd=root, capture_output=True, text=True, timeout=120,
    )
    assert res.returncode == 0, res.stdout + res.stderr
