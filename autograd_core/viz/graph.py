"""``draw_graph``: a computation graph as a Graphviz picture.

Tensors are rounded boxes (name, shape, dtype, and for small tensors their values and
gradients), operations are ellipses labelled with the op and its options. Operations made
inside a module's forward are grouped into one labelled cluster per module, and ``depth``
folds modules below a depth into single boxes, so a network's picture stays readable.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from ..function import Function
from ..tensor import Tensor
from .dot import digraph_class
from .style import STYLE, Style, esc, format_shape, format_values, multiline_html
from .walk import GraphWalk, TensorEntry, module_names, named_tensors

_RANKDIRS = ("TB", "BT", "LR", "RL")

class _Module:
    """A module seen in some node's scope: its drawing name and depth."""

    __slots__ = ("obj", "name", "label", "depth")

    def __init__(self, obj: Any, name: str | None, position: int) -> None:
        self.obj = obj
        self.name = name
        kind = type(obj).__name__
        if name is None:
            self.label = kind
            self.depth = position
        else:
            self.label = f"{name} ({kind})" if name else kind
            self.depth = 0 if name == "" else name.count(".") + 1


class _Cluster:
    """A nest of clusters, keyed by the path of modules (outermost first)."""

    __slots__ = ("key", "module", "children", "vertices")

    def __init__(self, key: tuple, module: _Module | None) -> None:
        self.key = key
        self.module = module
        self.children: dict[tuple, _Cluster] = {}
        self.vertices: list[tuple[str, str, dict]] = []  # (id, label, attrs)


def draw_graph(
    *outputs: Tensor,
    params: Any = None,
    names: Mapping[str, Any] | Iterable[tuple[str, Any]] | None = None,
    show_data: bool = False,
    show_grad: bool = False,
    depth: int | None = None,
    rankdir: str = "TB",
    max_elements: int | None = None,
    show_intermediates: bool = True,
    show_constants: bool = True,
    grads: Mapping[Tensor, Any] | None = None,
    highlight: Iterable[Tensor | Function] | Tensor | Function | None = None,
    title: str | None = None,
    style: Style | None = None,
    graph_attr: Mapping[str, str] | None = None,
) -> Any:
    """Draw the graph that made ``outputs`` as a ``graphviz.Digraph``.

    outputs: the Tensors to draw from (e.g. the loss). params: names for parameters and
    module clusters, a mapping ``{name: tensor}`` or any object with ``named_parameters()``
    (its ``named_modules()``, if any, names the clusters). names: more names, ``{name:
    tensor}`` (``names=locals()`` works: non-tensors and ``_``-names are skipped).
    show_data / show_grad: print the values / ``.grad`` of tensors with at most
    ``max_elements`` elements (default 6). depth: fold modules into one box each, those
    at this depth (the model is 0, "features" 1, "features.0" 2) and leaf modules above
    it (``depth=1``: one box per child of the model); None draws every op, with modules
    as clusters. rankdir: "TB", "LR", "BT" or "RL". show_intermediates=False draws only ops
    and leaves (shapes go on the edges). grads: ``{tensor: gradient}`` shown instead of
    ``.grad`` (e.g. intermediate gradients from ``trace_backward``). highlight: ops or
    tensors to mark. title: a caption above the picture.

    Returns a ``graphviz.Digraph`` (inline SVG in Jupyter; ``.render("g", format="png")``
    writes g.png; ``.source`` is the DOT text, available even without Graphviz's ``dot``).
    """
    if not outputs:
        raise TypeError("draw_graph() needs at least one tensor to draw from")
    walk = GraphWalk(outputs)
    grad_by_id: dict[int, tuple[np.ndarray, str]] = {}
    if grads is not None:
        items = grads.items() if isinstance(grads, Mapping) else grads
        for t, g in items:
            if isinstance(t, Tensor) and g is not None:
                grad_by_id[id(t)] = (_array(g), "final")
    return render_walk(
        walk,
        params=params,
        names=names,
        show_data=show_data,
        show_grad=show_grad or bool(grad_by_id),
        depth=depth,
        rankdir=rankdir,
        max_elements=max_elements,
        show_intermediates=show_intermediates,
        show_constants=show_constants,
        grad_by_id=grad_by_id,
        highlight=highlight,
        title=title,
        style=style,
        graph_attr=graph_attr,
    )


def _array(g: Any) -> np.ndarray:
    return g.data if isinstance(g, Tensor) else np.asarray(g)


def assign_names(walk: GraphWalk, params: Any, names: Any) -> None:
    """Set ``entry.name`` from params and names (explicit names win; first one found)."""
    by_id: dict[int, str] = {}
    by_node: dict[Function, str] = {}
    for source in (names, params):
        for name, t in named_tensors(source):
            if id(t) not in by_id:
                by_id[id(t)] = name
            if t.grad_fn is not None and t.grad_fn not in by_node:
                by_node[t.grad_fn] = name
                walk.adopt(t)
    param_ids = {id(t) for _, t in named_tensors(params)}
    for e in walk.tensors:
        t = e.tensor
        e.name = by_id.get(id(t))
        if e.name is None and e.producer is not None:
            e.name = by_node.get(walk.ops[e.producer])
        # nn.Parameter is recognised by name: autograd_core never imports nn.
        is_param = id(t) in param_ids or type(t).__name__ == "Parameter"
        if e.producer is None and is_param and e.kind != "output":
            e.kind = "param"


def render_walk(
    walk: GraphWalk,
    *,
    params: Any = None,
    names: Any = None,
    show_data: bool = False,
    show_grad: bool = False,
    depth: int | None = None,
    rankdir: str = "TB",
    max_elements: int | None = None,
    show_intermediates: bool = True,
    show_constants: bool = True,
    grad_by_id: dict[int, tuple[np.ndarray, str]] | None = None,
    grad_placeholder: bool = False,
    highlight: Any = None,
    title: str | None = None,
    style: Style | None = None,
    graph_attr: Mapping[str, str] | None = None,
) -> Any:
    """Draw an already collected graph (shared by ``draw_graph`` and backward traces).

    grad_by_id maps id(tensor) -> (gradient array, status) with status "final",
    "partial" (more contributions to come) or "new" (just computed: emphasised).
    """
    if rankdir not in _RANKDIRS:
        raise ValueError(f"rankdir must be one of {_RANKDIRS}, got {rankdir!r}")
    if depth is not None and (not isinstance(depth, int) or depth < 0):
        raise ValueError(f"depth must be a non-negative int or None, got {depth!r}")
    st = style or STYLE
    max_el = st.max_elements if max_elements is None else int(max_elements)
    grad_by_id = grad_by_id or {}
    assign_names(walk, params, names)
    hl_nodes: set = set()
    hl_tensors: set[int] = set()
    if highlight is not None:
        items = [highlight] if isinstance(highlight, (Tensor, Function)) else highlight
        for h in items:
            if isinstance(h, Function):
                hl_nodes.add(h)
            elif isinstance(h, Tensor):
                hl_tensors.add(id(h))

    lay = _module_layout(walk, params, depth)
    op_cluster, op_box = lay.op_cluster, lay.op_box
    cluster_modules, box_modules = lay.cluster_modules, lay.box_modules
    owner = lay.owner
    tensor_shown, tensor_cluster = _place_tensors(walk, lay, show_intermediates, show_constants)

    # ----- the picture -------------------------------------------------------------
    g = digraph_class()(name="autograd_graph")
    attrs = {
        "rankdir": rankdir,
        "fontname": st.font,
        "fontsize": str(st.font_size),
        "nodesep": "0.25",
        "ranksep": "0.35",
        "bgcolor": "white",
        "newrank": "true",
    }
    if title:
        lines = title.split("\n")
        attrs["label"] = (
            f'<<FONT FACE="{st.mono_font}">'
            + "".join(esc(line).replace(" ", "&#160;") + '<BR ALIGN="LEFT"/>' for line in lines)
            + "</FONT>>"
        )
        attrs["labelloc"] = "t"
        attrs["labeljust"] = "l"
    attrs.update(graph_attr or {})
    g.attr("graph", **attrs)
    g.attr("node", fontname=st.font, fontsize=str(st.font_size), penwidth="1.2")
    g.attr("edge", color=st.edge_color, arrowsize="0.7", fontname=st.font, fontsize="8")

    root = _Cluster((), None)
    clusters: dict[tuple, _Cluster] = {(): root}

    def cluster_for(key: tuple) -> _Cluster:
        c = clusters.get(key)
        if c is None:
            parent = cluster_for(key[:-1])
            c = _Cluster(key, cluster_modules[key])
            parent.children[key] = c
            clusters[key] = c
        return c

    def tid(e: TensorEntry) -> str:
        return f"t{e.index}"

    # Tensors.
    for e in walk.tensors:
        if not tensor_shown[e.index]:
            continue
        label, attr = _tensor_vertex(
            e, st, show_data, show_grad, max_el, grad_by_id, grad_placeholder,
            highlighted=id(e.tensor) in hl_tensors,
        )
        cluster_for(tensor_cluster[e.index]).vertices.append((tid(e), label, attr))

    # Ops, and folded module boxes.
    box_ids: dict[tuple, str] = {}
    box_params: dict[tuple, list[TensorEntry]] = {}
    box_count: dict[tuple, int] = {}
    for i, node in enumerate(walk.ops):
        box = op_box[i]
        if box is not None:
            box_count[box] = box_count.get(box, 0) + 1
            if box not in box_ids:
                box_ids[box] = f"m{len(box_ids)}"
                box_params[box] = []
            for _, inp in walk.op_inputs[i]:
                if (isinstance(inp, TensorEntry) and inp.kind == "param"
                        and not tensor_shown[inp.index] and inp not in box_params[box]):
                    box_params[box].append(inp)
            continue
        hl = node in hl_nodes
        attr = {
            "shape": "ellipse",
            "style": "filled",
            "fillcolor": st.highlight_fill if hl else st.op_fill,
            "color": st.highlight_border if hl else st.op_border,
            "penwidth": "3" if hl else "1.2",
            "fontsize": str(st.font_size - 1),
            "margin": "0.05,0.02",
            "height": "0.3",
            "class": "op",
        }
        label = node.label()
        cluster_for(op_cluster[i]).vertices.append((f"op{i}", f"<{esc(label)}>", attr))
    for box, vid in box_ids.items():
        m = box_modules[box]
        rows = [f"<B>{esc(m.name if m.name else m.label)}</B>"]
        if m.name:
            rows.append(esc(type(m.obj).__name__))
        for p in box_params[box]:
            short = p.name.rsplit(".", 1)[-1] if p.name else "param"
            rows.append(
                f'<FONT POINT-SIZE="{st.font_size - 2}" COLOR="{st.muted_color}">'
                f"{esc(short)} {esc(format_shape(p.tensor.shape))}</FONT>"
            )
        n = box_count[box]
        rows.append(
            f'<FONT POINT-SIZE="{st.font_size - 2}" COLOR="{st.muted_color}">'
            f"{n} op{'s' if n != 1 else ''}</FONT>"
        )
        attr = {
            "shape": "box",
            "style": "filled,bold",
            "fillcolor": st.module_fill,
            "color": st.module_border,
            "class": "module",
        }
        label = "<" + "<BR/>".join(rows) + ">"
        cluster_for(lay.drawn_cluster(box[:-1])).vertices.append((vid, label, attr))

    _emit_clusters(g, root, st, [0])

    # Edges: inputs -> op -> output. Hidden intermediates are bypassed (op -> op).
    def vertex_of_op(op: int) -> str:
        box = op_box[op]
        return box_ids[box] if box is not None else f"op{op}"

    seen_box_edges: set = set()
    for i, ins in enumerate(walk.op_inputs):
        dst = vertex_of_op(i)
        hl = walk.ops[i] in hl_nodes
        for _, inp in ins:
            if not isinstance(inp, TensorEntry):
                continue
            if tensor_shown[inp.index]:
                src = tid(inp)
                label = None
            elif inp.producer is not None and (op_box[i] is None or owner(inp.producer)
                                               != owner(i)):
                src = vertex_of_op(inp.producer)
                label = format_shape(inp.tensor.shape)
            else:
                continue
            if op_box[i] is not None:
                if (src, dst) in seen_box_edges:
                    continue
                seen_box_edges.add((src, dst))
            # The highlighted node's edges point back at its inputs: the way the gradient
            # flows in this backward step.
            eattr = {"color": st.highlight_border, "penwidth": "2.2", "dir": "back"} if hl else {}
            if label:
                eattr["xlabel"] = label
            g.edge(src, dst, **eattr)
    for e in walk.tensors:
        if e.producer is not None and tensor_shown[e.index]:
            g.edge(vertex_of_op(e.producer), tid(e))
    return g


class _Layout:
    """Where each op goes: the innermost module cluster, or a folded module's box.

    Keys are paths of module ids, outermost first (the model itself left out).
    """

    def __init__(self, n_ops: int) -> None:
        self.op_cluster: list[tuple] = [()] * n_ops
        self.op_box: list[tuple | None] = [None] * n_ops
        self.cluster_modules: dict[tuple, _Module] = {}
        self.box_modules: dict[tuple, _Module] = {}

    def owner(self, op: int) -> tuple:
        """The vertex op ``op`` is drawn as: its own, or its module's box."""
        box = self.op_box[op]
        return ("box", box) if box is not None else ("op", op)

    def drawn_cluster(self, key: tuple) -> tuple:
        """``key`` or its nearest ancestor that is drawn as a cluster."""
        while key and key not in self.cluster_modules:
            key = key[:-1]
        return key


def _module_layout(walk: GraphWalk, params: Any, depth: int | None) -> _Layout:
    mod_names = module_names(params)
    modules: dict[int, _Module] = {}
    lay = _Layout(len(walk.ops))
    # Modules that called others: with depth set, the rest (leaf modules such as a Linear)
    # fold into a box even above the depth, as there is nothing inside left to show.
    parents: set[int] = set()
    if depth is not None:
        for node in walk.ops:
            scope = getattr(node, "scope", None)
            if scope:
                parents.update(id(obj) for obj in scope[:-1])
    for i, node in enumerate(walk.ops):
        scope = getattr(node, "scope", None)
        if not scope:
            continue
        key: tuple = ()
        for pos, obj in enumerate(scope):
            m = modules.get(id(obj))
            if m is None:
                m = modules[id(obj)] = _Module(obj, mod_names.get(id(obj)), pos)
            if depth is not None and (m.depth >= depth or id(obj) not in parents):
                box_key = key + (id(obj),)
                lay.op_box[i] = box_key
                lay.box_modules[box_key] = m
                break
            if m.name == "":
                continue  # the model itself: its cluster would only frame everything
            key = key + (id(obj),)
            lay.cluster_modules[key] = m
        lay.op_cluster[i] = key
    return lay


def _place_tensors(
    walk: GraphWalk, lay: _Layout, show_intermediates: bool, show_constants: bool
) -> tuple[list[bool], list[tuple]]:
    """For each tensor: is it drawn, and in which cluster."""
    param_cluster = {m.name: key for key, m in lay.cluster_modules.items() if m.name}
    shown_list: list[bool] = []
    cluster_list: list[tuple] = []
    for e in walk.tensors:
        owners = {lay.owner(c) for c in e.consumers}
        internal_to_box = len(owners) == 1 and next(iter(owners))[0] == "box"
        if e.producer is not None:
            p = e.producer
            box = lay.op_box[p]
            if e.kind == "output":
                shown = True
            elif box is not None and owners <= {lay.owner(p)}:
                shown = False  # lives and dies inside one folded module
            else:
                shown = show_intermediates or e.name is not None
            cluster = box[:-1] if box is not None else lay.op_cluster[p]
        else:
            cons_clusters = {
                lay.op_cluster[c] if lay.op_box[c] is None else lay.op_box[c][:-1]
                for c in e.consumers
            }
            common = next(iter(cons_clusters)) if len(cons_clusters) == 1 else ()
            if e.kind == "param":
                shown = not internal_to_box  # else listed inside its module's box
                prefix = e.name.rsplit(".", 1)[0] if e.name and "." in e.name else None
                cluster = param_cluster.get(prefix, common) if prefix else common
            elif e.kind == "constant":
                # Data fed to a module (its input batch) is a constant too: drawn outside.
                shown = show_constants
                cluster = ()
            else:
                shown = True
                cluster = ()
        shown_list.append(shown)
        cluster_list.append(lay.drawn_cluster(cluster))
    return shown_list, cluster_list


def _emit_clusters(g: Any, cluster: _Cluster, st: Style, counter: list[int]) -> None:
    for vid, label, attr in cluster.vertices:
        g.node(vid, label=label, **attr)
    for child in cluster.children.values():
        counter[0] += 1
        with g.subgraph(name=f"cluster_{counter[0]}") as sub:
            sub.attr(
                label=child.module.label,
                style="rounded,dashed",
                color=st.cluster_border,
                fontcolor=st.cluster_font,
                fontsize=str(st.font_size),
                labeljust="l",
                margin="10",
            )
            _emit_clusters(sub, child, st, counter)


def _tensor_vertex(
    e: TensorEntry,
    st: Style,
    show_data: bool,
    show_grad: bool,
    max_el: int,
    grad_by_id: dict[int, tuple[np.ndarray, str]],
    grad_placeholder: bool,
    highlighted: bool,
) -> tuple[str, dict]:
    t = e.tensor
    small = t.data.size <= max_el
    rows = []
    if e.name:
        rows.append(f'<FONT POINT-SIZE="{st.font_size + 1}"><B>{esc(e.name)}</B></FONT>')
    rows.append(
        f'<FONT POINT-SIZE="{st.font_size - 2}" COLOR="{st.muted_color}">'
        f"{esc(format_shape(t.shape))} {esc(t.dtype.name)}</FONT>"
    )
    # Values and gradients in a monospace font, every line padded to one width so that
    # centring keeps the columns of a matrix aligned.
    blocks: list[tuple[str, str, bool]] = []  # (text, colour, bold)
    if show_data and small:
        blocks.append((_values_text("data", t.data, st.precision), st.data_color, False))
    if show_grad and t.requires_grad:
        got = grad_by_id.get(id(t))
        if got is None and t.grad is not None:
            got = (t.grad.data, "final")
        if got is not None and got[0].size <= max_el:
            arr, status = got
            color = st.new_grad_color if status == "new" else st.grad_color
            head = "grad" if status != "partial" else "grad so far"
            blocks.append((_values_text(head, arr, st.precision), color, status == "new"))
        elif got is None and grad_placeholder and small:
            blocks.append(("grad ?", st.muted_color, False))
    width = max((len(line) for text, _, _ in blocks for line in text.split("\n")), default=0)
    for text, color, bold in blocks:
        row = f'<FONT FACE="{st.mono_font}" COLOR="{color}">{multiline_html(text, width)}</FONT>'
        rows.append(f"<B>{row}</B>" if bold else row)
    kind = e.kind
    attr = {
        "shape": "box",
        "style": "rounded,filled" + (",dashed" if kind == "constant" else ""),
        "fillcolor": st.tensor_fill[kind],
        "color": st.highlight_border if highlighted else st.tensor_border[kind],
        "penwidth": "3" if highlighted else "1.2",
        "margin": "0.08,0.04",
        "class": f"tensor {kind}",
    }
    if kind == "constant":
        attr["fontcolor"] = st.muted_color
    return "<" + "<BR/>".join(rows) + ">", attr


def _values_text(head: str, arr: np.ndarray, precision: int) -> str:
    text = format_values(arr, precision)
    return f"{head}\n{text}" if "\n" in text else f"{head} {text}"
