"""``draw_graph``: a computation graph as a Graphviz picture.

Tensors are rounded boxes (name, shape, dtype, and for small tensors their values and
gradients), operations are ellipses labelled with the op and its options. Operations made
inside a module's forward are grouped into one labelled cluster per module, and ``depth``
folds modules below a depth into single boxes, so a network's picture stays readable.
By default the layout steps of a convolution or pooling (im2col, permutes, reshapes) are
folded into one node for the call (``fold_layout=False`` shows them); ``grad_flow=True``
colours each layer by the size of its gradient; ``inplace_error`` marks the node whose
saved value an in-place op changed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..composite import Composite
from ..function import FreedTensor, Function
from ..tensor import Tensor
from .dot import digraph_class
from .flow import FlowColors, flow_lines, paint
from .fold import FoldGroup, groups_of
from .style import (
    STYLE,
    Style,
    esc,
    format_shape,
    format_values,
    hidden_text,
    multiline_html,
)
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
    show_intermediates: bool | None = None,
    show_constants: bool = True,
    grads: Mapping[Tensor, Any] | None = None,
    highlight: Iterable[Tensor | Function] | Tensor | Function | None = None,
    title: str | None = None,
    style: Style | None = None,
    graph_attr: Mapping[str, str] | None = None,
    fold_layout: bool = True,
    grad_flow: Any = False,
    grad_flow_range: tuple[float, float] | None = None,
    inplace_error: Any = None,
) -> Any:
    """Draw the graph that made ``outputs`` as a ``graphviz.Digraph``.

    outputs: the Tensors to draw from (e.g. the loss). params: names for parameters and
    module clusters, a mapping ``{name: tensor}`` or any object with ``named_parameters()``
    (its ``named_modules()``, if any, names the clusters). names: more names, ``{name:
    tensor}`` (``names=locals()`` works: non-tensors and ``_``-names are skipped).
    show_data / show_grad: print the values / ``.grad`` of tensors with at most
    ``max_elements`` elements (default 6; bigger ones say "N values hidden"). depth: fold
    modules into one box each, those at this depth (the model is 0, "features" 1,
    "features.0" 2) and leaf modules above it (``depth=1``: one box per child of the
    model); None draws every op, with modules as clusters. rankdir: "TB", "LR", "BT" or
    "RL". show_intermediates: draw the tensors made by ops as boxes (True), or put their
    shapes on the edges (False); None (default) draws them except inside modules, where a
    layer's output goes on its edge as in a network diagram. grads: ``{tensor: gradient}``
    shown instead of ``.grad`` (e.g. intermediate gradients from ``trace_backward``).
    highlight: ops or tensors to mark. title: a caption above the picture.
    fold_layout: draw a convolution or pooling call as one node (its im2col, permutes and
    reshapes folded in) with its data input by name; False draws every recorded node.
    grad_flow: True (or a ``GradientFlow`` from ``gradient_flow``) colours each op or
    module box by the norm of the gradient reaching its output, on a logarithmic scale
    with a legend, and gives ReLU layers the share of units that passed no gradient. The
    gradients are recomputed from the graph, which must still be there (draw before
    ``backward()`` or after ``backward(retain_graph=True)``); ``.grad`` is not changed.
    grad_flow_range: (smallest, largest) norm of the colour scale, to compare pictures
    (default: the decades the picture's own norms span).
    inplace_error: an error raised by backward (or True): marks the nodes whose saved
    values were changed in place, with the forward lines that made them (recorded under
    ``detect_anomaly()``) in the caption; see ``explain_inplace_error``.

    Returns a ``graphviz.Digraph`` (inline SVG in Jupyter; ``.render("g", format="png")``
    writes g.png; ``.source`` is the DOT text, available even without Graphviz's ``dot``).
    With ``grad_flow`` its ``.grad_flow`` lists the numbers drawn, one ``FlowRow`` per
    coloured node.
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
    flow = None
    if grad_flow is not False and grad_flow is not None:
        from .flow import GradientFlow, gradient_flow

        flow = grad_flow if isinstance(grad_flow, GradientFlow) else gradient_flow(
            walk.outputs[0])
    inplace = None
    if inplace_error is not None and inplace_error is not False:
        from .inplace import find_inplace_problems

        inplace = find_inplace_problems(walk)
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
        fold_layout=fold_layout,
        flow=flow,
        flow_range=grad_flow_range,
        inplace=inplace,
    )


def _array(g: Any) -> np.ndarray:
    return g._data if isinstance(g, Tensor) else np.asarray(g)


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


def prepare_walk(walk: GraphWalk, params: Any, names: Any) -> list[FoldGroup]:
    """Name the walk's tensors and find its composite calls (adding their data inputs,
    which are then named too). Shared by pictures and traces."""
    assign_names(walk, params, names)
    groups = groups_of(walk)
    if any(g.data_inputs for g in groups):
        assign_names(walk, params, names)
    return groups


@dataclass
class _Options:
    """Everything ``render_walk`` was asked for, checked."""

    params: Any = None
    names: Any = None
    show_data: bool = False
    show_grad: bool = False
    depth: int | None = None
    rankdir: str = "TB"
    max_elements: int | None = None
    show_intermediates: bool | None = None
    show_constants: bool = True
    grad_by_id: dict = field(default_factory=dict)
    grad_placeholder: bool = False
    highlight: Any = None
    title: str | None = None
    style: Style | None = None
    graph_attr: Mapping[str, str] | None = None
    fold_layout: bool = True
    flow: Any = None
    flow_range: tuple[float, float] | None = None
    inplace: Any = None

    def check(self) -> None:
        if self.rankdir not in _RANKDIRS:
            raise ValueError(f"rankdir must be one of {_RANKDIRS}, got {self.rankdir!r}")
        if self.depth is not None and (not isinstance(self.depth, int) or self.depth < 0):
            raise ValueError(f"depth must be a non-negative int or None, got {self.depth!r}")
        if self.style is None:
            self.style = STYLE
        if self.max_elements is None:
            self.max_elements = self.style.max_elements
        self.max_elements = int(self.max_elements)
        self.grad_by_id = self.grad_by_id or {}


def render_walk(walk: GraphWalk, **kwargs: Any) -> Any:
    """Draw an already collected graph (shared by ``draw_graph`` and backward traces).

    Keyword arguments as ``draw_graph``'s, plus: grad_by_id maps id(tensor) ->
    (gradient array, status) with status "final", "partial" (more contributions to come)
    or "new" (just computed: emphasised); grad_placeholder writes "grad ?" where none is
    known yet; flow / inplace: a ``GradientFlow`` / a list of ``InplaceProblem``.
    """
    opts = _Options(**kwargs)
    opts.check()
    groups = prepare_walk(walk, opts.params, opts.names)
    lay = _module_layout(walk, opts.params, opts.depth)
    if opts.fold_layout:
        lay.fold(groups)
    pic = _Picture(walk, opts, lay, groups)
    return pic.draw()


class _Layout:
    """Where each op goes: the innermost module cluster, a folded module's box, or the
    node of the composite call (convolution, pooling) it belongs to.

    Keys are paths of module ids, outermost first (the model itself left out).
    """

    def __init__(self, n_ops: int) -> None:
        self.op_cluster: list[tuple] = [()] * n_ops
        self.op_box: list[tuple | None] = [None] * n_ops
        self.op_fold: list[FoldGroup | None] = [None] * n_ops
        self.cluster_modules: dict[tuple, _Module] = {}
        self.box_modules: dict[tuple, _Module] = {}
        self.in_module: list[bool] = [False] * n_ops

    def fold(self, groups: list[FoldGroup]) -> None:
        """Draw each composite call as one node (unless a module box holds it already)."""
        for g in groups:
            for i in g.members:
                if self.op_box[i] is None:
                    self.op_fold[i] = g

    def owner(self, op: int) -> tuple:
        """The vertex op ``op`` is drawn as: its own, its call's, or its module's box."""
        box = self.op_box[op]
        if box is not None:
            return ("box", box)
        g = self.op_fold[op]
        return ("fold", g.index) if g is not None else ("op", op)

    def vertex(self, op: int, box_ids: Mapping[tuple, str]) -> str:
        """The Graphviz id of the vertex op ``op`` is drawn as."""
        kind, key = self.owner(op)
        if kind == "box":
            return box_ids[key]
        return f"f{key}" if kind == "fold" else f"op{key}"

    def cluster_of(self, op: int) -> tuple:
        """The cluster the vertex of op ``op`` sits in."""
        box = self.op_box[op]
        return self.drawn_cluster(box[:-1]) if box is not None else self.op_cluster[op]

    def drawn_cluster(self, key: tuple) -> tuple:
        """``key`` or its nearest ancestor that is drawn as a cluster."""
        while key and key not in self.cluster_modules:
            key = key[:-1]
        return key


def _module_scope(node: Any) -> tuple:
    """The modules a node was made in, outermost first (composite calls left out)."""
    scope = getattr(node, "scope", None)
    if not scope:
        return ()
    return tuple(obj for obj in scope if not isinstance(obj, Composite))


def _module_layout(walk: GraphWalk, params: Any, depth: int | None) -> _Layout:
    mod_names = module_names(params)
    modules: dict[int, _Module] = {}
    lay = _Layout(len(walk.ops))
    scopes = [_module_scope(node) for node in walk.ops]
    # Modules that called others: with depth set, the rest (leaf modules such as a Linear)
    # fold into a box even above the depth, as there is nothing inside left to show.
    parents: set[int] = set()
    if depth is not None:
        for scope in scopes:
            parents.update(id(obj) for obj in scope[:-1])
    for i, scope in enumerate(scopes):
        if not scope:
            continue
        lay.in_module[i] = True
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


class _Picture:
    """One picture being drawn: the walk, the options, the layout, and the Digraph."""

    def __init__(self, walk: GraphWalk, opts: _Options, lay: _Layout,
                 groups: list[FoldGroup]) -> None:
        self.walk = walk
        self.opts = opts
        self.st: Style = opts.style  # type: ignore[assignment]
        self.lay = lay
        self.groups = groups
        self.hl_nodes, self.hl_tensors = _highlights(opts.highlight, opts.inplace)
        # A highlighted backward step draws its input edges reversed (the gradient's
        # way); nodes marked for an in-place error keep the forward direction.
        self.step_nodes, _ = _highlights(opts.highlight, None)
        self.shown, self.tensor_cluster = _place_tensors(walk, lay, opts, groups)
        self.box_ids: dict[tuple, str] = {}
        self.box_ops: dict[tuple, list[int]] = {}
        self.box_params: dict[tuple, list[TensorEntry]] = {}
        for i, box in enumerate(lay.op_box):
            if box is not None:
                self.box_ids.setdefault(box, f"m{len(self.box_ids)}")
                self.box_ops.setdefault(box, []).append(i)
        self.root = _Cluster((), None)
        self.clusters: dict[tuple, _Cluster] = {(): self.root}
        self.colors = None
        if opts.flow is not None:  # the colour scale spans the vertices drawn
            self.colors = FlowColors(opts.flow, self.st, self._all_exits(), walk,
                                     opts.flow_range)
        self.flow_rows: list = []
        self.g: Any = None

    # ----- the whole picture ------------------------------------------------------------
    def draw(self) -> Any:
        self.g = digraph_class()(name="autograd_graph")
        self._graph_attrs()
        self._tensor_vertices()
        self._op_vertices()
        self._fold_vertices()
        self._box_vertices()
        _emit_clusters(self.g, self.root, self.st, [0])
        self._op_edges()
        self._fold_edges()
        self._output_edges()
        if self.colors is not None:
            self._legend()
            self.g.grad_flow = self.flow_rows
        return self.g

    def _graph_attrs(self) -> None:
        st, opts = self.st, self.opts
        font = st.text_font()
        attrs = {
            "rankdir": opts.rankdir,
            "fontname": font,
            "fontsize": str(st.font_size),
            "nodesep": "0.25",
            "ranksep": "0.3",
            "bgcolor": "white",
            "newrank": "true",
        }
        title = _caption(opts.title, opts.inplace)
        if title:
            lines = title.split("\n")
            attrs["label"] = (
                f'<<FONT FACE="{st.code_font()}">'
                + "".join(esc(line).replace(" ", "&#160;") + '<BR ALIGN="LEFT"/>'
                          for line in lines)
                + "</FONT>>"
            )
            attrs["labelloc"] = "t"
            attrs["labeljust"] = "l"
        attrs.update(opts.graph_attr or {})
        self.g.attr("graph", **attrs)
        self.g.attr("node", fontname=font, fontsize=str(st.font_size), penwidth="1.2")
        self.g.attr("edge", color=st.edge_color, arrowsize="0.7", fontname=font,
                    fontsize="8", fontcolor=st.muted_color)

    def cluster_for(self, key: tuple) -> _Cluster:
        c = self.clusters.get(key)
        if c is None:
            parent = self.cluster_for(key[:-1])
            c = _Cluster(key, self.lay.cluster_modules[key])
            parent.children[key] = c
            self.clusters[key] = c
        return c

    # ----- vertices ---------------------------------------------------------------------
    def _tensor_vertices(self) -> None:
        for e in self.walk.tensors:
            if not self.shown[e.index]:
                continue
            label, attr = _tensor_vertex(
                e, self.st, self.opts, highlighted=id(e.tensor) in self.hl_tensors)
            self.cluster_for(self.tensor_cluster[e.index]).vertices.append(
                (f"t{e.index}", label, attr))

    def _op_attrs(self, highlighted: bool, row: Any, classes: str) -> dict:
        st = self.st
        attr = {
            "shape": "ellipse",
            "style": "filled",
            "fillcolor": st.highlight_fill if highlighted else st.op_fill,
            "color": st.highlight_border if highlighted else st.op_border,
            "penwidth": "3" if highlighted else "1.2",
            "fontsize": str(st.font_size - 1),
            "margin": "0.05,0.02",
            "height": "0.3",
            "class": classes,
        }
        paint(attr, row)
        return attr

    def _flow(self, vid: str, name: str, exits: list[int],
              ops: list[int]) -> tuple[list[str], Any]:
        """The gradient-flow lines of one vertex and its ``FlowRow`` (kept in
        ``.grad_flow``); nothing without grad_flow."""
        if self.colors is None:
            return [], None
        row = self.colors.row(vid, name, exits, ops, self.walk)
        self.flow_rows.append(row)
        return flow_lines(row, self.st), row

    def _op_vertices(self) -> None:
        for i, node in enumerate(self.walk.ops):
            if self.lay.owner(i)[0] != "op":
                continue
            label = node.label()
            extra, row = self._flow(f"op{i}", label, [i], [i])
            attr = self._op_attrs(node in self.hl_nodes, row, "op")
            html = "<BR/>".join([esc(label), *extra])
            self.cluster_for(self.lay.op_cluster[i]).vertices.append(
                (f"op{i}", f"<{html}>", attr))

    def _fold_vertices(self) -> None:
        drawn: set[int] = set()
        for i, g in enumerate(self.lay.op_fold):
            if g is None or g.index in drawn or self.lay.op_box[i] is not None:
                continue
            drawn.add(g.index)
            exits = [j for j in g.members if self.walk.output_entry(j) in g.outputs]
            hl = g in self.hl_nodes or any(self.walk.ops[j] in self.hl_nodes
                                           for j in g.members)
            label = g.label()
            extra, row = self._flow(f"f{g.index}", label, exits, g.members)
            attr = self._op_attrs(hl, row, "op folded")
            attr["penwidth"] = "3" if hl else "1.6"
            html = "<BR/>".join([f"<B>{esc(label)}</B>", *extra])
            self.cluster_for(self.lay.op_cluster[i]).vertices.append(
                (f"f{g.index}", f"<{html}>", attr))

    def _box_vertices(self) -> None:
        st = self.st
        for box, vid in self.box_ids.items():
            m = self.lay.box_modules[box]
            ops = self.box_ops[box]
            owners = {self.lay.owner(i) for i in ops}
            exits = [i for i in ops if self._leaves_owner(i, owners)]
            extra, row = self._flow(vid, m.name or m.label, exits, ops)
            color = row.font_color if row is not None else st.muted_color
            small = f'<FONT POINT-SIZE="{st.font_size - 2}" COLOR="{color}">'
            rows = [f"<B>{esc(m.name if m.name else m.label)}</B>"]
            if m.name:
                rows.append(esc(type(m.obj).__name__))
            for p in self._params_inside(ops):
                short = p.name.rsplit(".", 1)[-1] if p.name else "param"
                rows.append(f"{small}{esc(short)} {esc(format_shape(p.tensor.shape))}</FONT>")
            rows.append(f"{small}{esc(self._op_count(ops))}</FONT>")
            rows.extend(extra)
            hl = any(self.walk.ops[i] in self.hl_nodes for i in ops)
            attr = {
                "shape": "box",
                "style": "filled,bold",
                "fillcolor": st.highlight_fill if hl else st.module_fill,
                "color": st.highlight_border if hl else st.module_border,
                "class": "module",
            }
            paint(attr, row)
            label = "<" + "<BR/>".join(rows) + ">"
            self.cluster_for(self.lay.drawn_cluster(box[:-1])).vertices.append(
                (vid, label, attr))

    def _all_exits(self) -> list[list[int]]:
        """For every op vertex, call node and module box: the ops whose outputs leave it
        (the gradient reaching those is the vertex's gradient)."""
        out: list[list[int]] = []
        seen: set = set()
        for i in range(len(self.walk.ops)):
            owner = self.lay.owner(i)
            if owner in seen:
                continue
            seen.add(owner)
            if owner[0] == "op":
                out.append([i])
            elif owner[0] == "fold":
                g = self.lay.op_fold[i]
                out.append([j for j in g.members if self.walk.output_entry(j) in g.outputs])
            else:
                ops = self.box_ops[owner[1]]
                owners = {self.lay.owner(j) for j in ops}
                out.append([j for j in ops if self._leaves_owner(j, owners)])
        return out

    def _params_inside(self, ops: list[int]) -> list[TensorEntry]:
        found: list[TensorEntry] = []
        for i in ops:
            for _, inp in self.walk.op_inputs[i]:
                if (isinstance(inp, TensorEntry) and inp.kind == "param"
                        and not self.shown[inp.index] and inp not in found):
                    found.append(inp)
        return found

    def _op_count(self, ops: list[int]) -> str:
        """``3 ops``; a composite call counts once when folded (``1 op: conv2d``)."""
        seen: list[str] = []
        keys: set = set()
        for i in ops:
            g = self.lay_fold_group(i)
            key = ("fold", g.index) if g is not None else ("op", i)
            if key not in keys:
                keys.add(key)
                seen.append(g.label() if g is not None else self.walk.ops[i].label())
        n = len(seen)
        if n == 1:
            return f"1 op: {seen[0]}"
        return f"{n} ops"

    def lay_fold_group(self, op: int) -> FoldGroup | None:
        """The composite call op ``op`` counts in when layout steps are folded."""
        if not self.opts.fold_layout:
            return None
        for g in self.groups:
            if op in g.members:
                return g
        return None

    def _leaves_owner(self, op: int, owners: set) -> bool:
        e = self.walk.output_entry(op)
        if e.kind == "output":
            return True
        return any(self.lay.owner(c) not in owners for c in e.consumers)

    # ----- edges ------------------------------------------------------------------------
    def _edge(self, src: str, dst: str, highlighted: bool, label: str | None,
              back: bool = True, **extra: str) -> None:
        st = self.st
        # A highlighted step's edges point back at its inputs: the way the gradient
        # flows in this backward step.
        eattr: dict[str, str] = {}
        if highlighted:
            eattr = {"color": st.highlight_border, "penwidth": "2.2"}
            if back:
                eattr["dir"] = "back"
        if label:
            # Sideways pictures give shapes room on the edge itself; top-down ones keep
            # them beside it (xlabel), so they add no height.
            eattr["xlabel" if self.opts.rankdir in ("TB", "BT") else "label"] = label
        eattr.update(extra)
        self.g.edge(src, dst, **eattr)

    def _source_of(self, inp: TensorEntry, dst_owner: tuple) -> tuple[str, str | None] | None:
        """Where an edge into ``dst_owner`` from tensor ``inp`` starts (and its label)."""
        if self.shown[inp.index]:
            return f"t{inp.index}", None
        if inp.producer is not None and self.lay.owner(inp.producer) != dst_owner:
            return (self.lay.vertex(inp.producer, self.box_ids),
                    format_shape(inp.tensor.shape))
        return None

    def _op_edges(self) -> None:
        seen_box_edges: set = set()
        for i, ins in enumerate(self.walk.op_inputs):
            owner = self.lay.owner(i)
            if owner[0] == "fold":
                continue  # drawn from the call's inputs (_fold_edges)
            dst = self.lay.vertex(i, self.box_ids)
            hl = self.walk.ops[i] in self.hl_nodes
            back = self.walk.ops[i] in self.step_nodes
            for _, inp in ins:
                if not isinstance(inp, TensorEntry):
                    continue
                src = self._source_of(inp, owner)
                if src is None:
                    continue
                if owner[0] == "box":
                    if (src[0], dst) in seen_box_edges:
                        continue
                    seen_box_edges.add((src[0], dst))
                self._edge(src[0], dst, hl, src[1], back)
        if not self.opts.fold_layout:
            self._data_input_edges()
        for g in self.groups:  # a call folded inside a module's box: its data input
            owner = self.lay.owner(g.members[0])
            if owner[0] != "box":
                continue
            for d in g.data_inputs:
                if self.shown[d.index]:
                    self._edge(f"t{d.index}", self.lay.vertex(g.members[0], self.box_ids),
                               False, None)

    def _fold_edges(self) -> None:
        drawn: set[int] = set()
        for g in self.lay.op_fold:
            if g is None or g.index in drawn:
                continue
            drawn.add(g.index)
            dst = f"f{g.index}"
            hl = g in self.hl_nodes or any(self.walk.ops[j] in self.hl_nodes
                                           for j in g.members)
            back = g in self.step_nodes or any(self.walk.ops[j] in self.step_nodes
                                               for j in g.members)
            for _, inp in g.inputs:
                src = self._source_of(inp, ("fold", g.index))
                if src is not None:
                    self._edge(src[0], dst, hl, src[1], back)

    def _data_input_edges(self) -> None:
        """Unfolded: a call's data input (no gradient, so no node recorded what the call
        made of it) points at the constants the call made from it, dashed."""
        for g in self.groups:
            if self.lay.owner(g.members[0])[0] == "box":
                continue
            for d in g.data_inputs:
                if not self.shown[d.index]:
                    continue
                for c in g.made_inside:
                    if self.shown[c.index]:
                        self._edge(f"t{d.index}", f"t{c.index}", False,
                                   f"{g.marker.name}, no grad", style="dashed")

    def _output_edges(self) -> None:
        for e in self.walk.tensors:
            if e.producer is not None and self.shown[e.index]:
                self.g.edge(self.lay.vertex(e.producer, self.box_ids), f"t{e.index}")

    def _legend(self) -> None:
        label = self.colors.legend_html()  # type: ignore[union-attr]
        self.g.node("grad_flow_legend", label=label, shape="plain", **{"class": "legend"})


def _highlights(highlight: Any, inplace: Any) -> tuple[set, set[int]]:
    hl_nodes: set = set()
    hl_tensors: set[int] = set()
    if highlight is not None:
        items = [highlight] if isinstance(highlight, (Tensor, Function, FoldGroup)) \
            else highlight
        for h in items:
            if isinstance(h, (Function, FoldGroup)):
                hl_nodes.add(h)
            elif isinstance(h, Tensor):
                hl_tensors.add(id(h))
    for p in inplace or ():
        hl_nodes.add(p.node)
        hl_tensors.add(id(p.tensor))
    return hl_nodes, hl_tensors


def _caption(title: str | None, inplace: Any) -> str | None:
    if not inplace:
        return title
    from .inplace import describe_problems

    text = describe_problems(inplace)
    return f"{title}\n{text}" if title else text


def _place_tensors(
    walk: GraphWalk, lay: _Layout, opts: _Options, groups: list[FoldGroup]
) -> tuple[list[bool], list[tuple]]:
    """For each tensor: is it drawn, and in which cluster."""
    param_cluster = {m.name: key for key, m in lay.cluster_modules.items() if m.name}
    folded: set[int] = set()
    if opts.fold_layout:
        for g in groups:
            folded |= g.internal
    shown_list: list[bool] = []
    cluster_list: list[tuple] = []
    for e in walk.tensors:
        if e.index in folded:
            shown, cluster = False, ()
        elif e.producer is not None:
            shown, cluster = _place_made(e, lay, opts)
        else:
            shown, cluster = _place_leaf(e, lay, opts, param_cluster)
        shown_list.append(shown)
        cluster_list.append(lay.drawn_cluster(cluster))
    return shown_list, cluster_list


def _place_made(e: TensorEntry, lay: _Layout, opts: _Options) -> tuple[bool, tuple]:
    """An op's output: drawn unless it lives and dies inside one folded module, or it is
    an unnamed layer output inside a module in the default view."""
    p = e.producer
    assert p is not None
    cluster = lay.cluster_of(p)
    owners = {lay.owner(c) for c in e.consumers}
    if e.kind == "output":
        return True, cluster
    if lay.op_box[p] is not None and owners <= {lay.owner(p)}:
        return False, cluster
    if e.name is not None:
        return True, cluster
    if opts.show_intermediates is None:
        return not lay.in_module[p], cluster
    return bool(opts.show_intermediates), cluster


def _place_leaf(e: TensorEntry, lay: _Layout, opts: _Options,
                param_cluster: dict[str, tuple]) -> tuple[bool, tuple]:
    owners = {lay.owner(c) for c in e.consumers}
    internal_to_box = len(owners) == 1 and next(iter(owners))[0] == "box"
    if e.kind == "param":
        cons_clusters = {lay.cluster_of(c) for c in e.consumers}
        common = next(iter(cons_clusters)) if len(cons_clusters) == 1 else ()
        prefix = e.name.rsplit(".", 1)[0] if e.name and "." in e.name else None
        cluster = param_cluster.get(prefix, common) if prefix else common
        return not internal_to_box, cluster  # else listed inside its module's box
    if e.kind == "constant":
        # Data fed to a module (its input batch) is a constant too: drawn outside.
        return opts.show_constants or e.name is not None, ()
    return True, ()


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
                margin="8",
            )
            _emit_clusters(sub, child, st, counter)


def _tensor_vertex(e: TensorEntry, st: Style, opts: _Options,
                   highlighted: bool) -> tuple[str, dict]:
    t = e.tensor
    small = t._data.size <= opts.max_elements
    freed = isinstance(t, FreedTensor)
    muted = f'<FONT POINT-SIZE="{st.font_size - 2}" COLOR="{st.muted_color}">'
    rows = []
    if e.name:
        rows.append(f'<FONT POINT-SIZE="{st.font_size + 1}"><B>{esc(e.name)}</B></FONT>')
    rows.append(f"{muted}{esc(format_shape(t.shape))} {esc(t.dtype.name)}</FONT>")
    blocks = _value_blocks(t, st, opts, small and not freed)
    # Values and gradients in a monospace font, every line padded to one width so that
    # centring keeps the columns of a matrix aligned.
    width = max((len(line) for text, _, _ in blocks for line in text.split("\n")), default=0)
    for text, color, bold in blocks:
        row = (f'<FONT FACE="{st.code_font()}" COLOR="{color}">'
               f"{multiline_html(text, width)}</FONT>")
        rows.append(f"<B>{row}</B>" if bold else row)
    if freed and opts.show_data:
        rows.append(f"{muted}values freed by backward</FONT>")
    elif opts.show_data and not small:
        rows.append(f"{muted}data: {esc(hidden_text(t._data.size))}</FONT>")
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


def _value_blocks(t: Tensor, st: Style, opts: _Options,
                  small: bool) -> list[tuple[str, str, bool]]:
    """(text, colour, bold) blocks: the values, then the gradient, of a tensor."""
    blocks: list[tuple[str, str, bool]] = []
    if opts.show_data and small:
        blocks.append((_values_text("data", t._data, st.precision), st.data_color, False))
    if not (opts.show_grad and t.requires_grad):
        return blocks
    got = opts.grad_by_id.get(id(t))
    if got is None and t.grad is not None:
        got = (t.grad._data, "final")
    if got is not None and got[0].size <= opts.max_elements:
        arr, status = got
        color = st.new_grad_color if status == "new" else st.grad_color
        head = "grad" if status != "partial" else "grad so far"
        blocks.append((_values_text(head, arr, st.precision), color, status == "new"))
    elif got is not None:
        blocks.append((f"grad: {hidden_text(got[0].size)}", st.grad_color, False))
    elif opts.grad_placeholder and small:
        blocks.append(("grad ?", st.muted_color, False))
    return blocks


def _values_text(head: str, arr: np.ndarray, precision: int) -> str:
    text = format_values(arr, precision)
    return f"{head}\n{text}" if "\n" in text else f"{head} {text}"
