"""``trace_backward``: the backward pass replayed as a list of chain-rule steps.

The steps come in the engine's order: the pending node recorded last runs next, as in
``engine._execute`` (repeated here so that the engine stays free of tracing). Each
node's own ``backward`` computes the numbers, in no-grad mode and without freeing saved
buffers, so the user's graph survives and no ``.grad`` changes. Tensor hooks are not
run: a trace shows the plain chain rule.

For z = (x + y)**2 with w = x + y, x = 1, y = 2 the steps print as::

    [1] pow(exponent=2): w -> z   upstream dz/dz = 1.0
        dz/dw = 2(x+y) = 6.0
    [2] add: x, y -> w   upstream dz/dw = 6.0
        dz/dx = dz/dw * dw/dx = 2(x+y) * 1 = 6.0
        dz/dy = dz/dw * dw/dy = 2(x+y) * 1 = 6.0
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .. import grad_mode
from .. import notation as nt
from ..function import FreedTensor, Function
from ..graph import AccumulateGrad, reverse_topological
from ..tensor import Tensor
from .fold import FoldGroup
from .graph import assign_names, prepare_walk, render_walk
from .style import STYLE, format_values, summarize
from .walk import GraphWalk, TensorEntry

_STATE = grad_mode.STATE
_MAX_EXPR = 40  # longer gradient formulas are replaced by their dL/dname symbol
_MAX_FORWARD = 24  # longer forward formulas are replaced by the tensor's name


@dataclass
class InputGrad:
    """What one input of a node receives in one backward step.

    grad: the gradient sent to the input (shape of the input). local: the numeric local
    derivative d(out)/d(input), elementwise, where that is well defined (elementwise ops
    on equal shapes, or a one-element output), else None. expr / local_expr: the same as
    formulas, None where no rule is known. line: the step as a chain-rule line.
    """

    position: int
    name: str
    tensor: Tensor
    grad: np.ndarray
    local: np.ndarray | None
    local_expr: str | None
    expr: str | None
    line: str
    _formula: Any = field(default=None, repr=False, compare=False)

    def __str__(self) -> str:
        return self.line


@dataclass
class BackwardStep:
    """One node of the backward pass: its upstream gradient and what its inputs receive.

    index: position in the trace (0-based). node: the ``Function`` (for a folded call,
    the ``FoldGroup`` of its nodes). op: its label.
    output / output_name: the tensor the node produced. upstream: delta = dL/d(output).
    inputs: one ``InputGrad`` per input that receives a gradient.
    """

    index: int
    node: Function | FoldGroup
    op: str
    output: Tensor
    output_name: str
    upstream: np.ndarray
    upstream_expr: str
    inputs: list[InputGrad]
    header: str
    _trace: Any = field(default=None, repr=False, compare=False)

    @property
    def lines(self) -> list[str]:
        """One chain-rule line per input that receives a gradient."""
        return [g.line for g in self.inputs]

    def __str__(self) -> str:
        return "\n".join(self.lines)

    def __repr__(self) -> str:
        return f"<BackwardStep {self.header}>\n" + "\n".join("  " + s for s in self.lines)

    def draw(self, **kwargs: Any) -> Any:
        """The graph with this step's node highlighted and the gradients known after it
        (a ``graphviz.Digraph``; keyword arguments go to ``draw_graph``)."""
        return self._trace.draw(self.index, **kwargs)


class BackwardTrace(list):
    """The steps of a backward pass (a list of ``BackwardStep``), with the gradients.

    ``grad(t)`` / ``grad_expr(t)``: the total gradient reaching tensor ``t`` and its
    formula; ``summary()``: one line per leaf; ``draw(i)``: the picture after step i
    (``i=-1``: before the first step); ``save_frames(dir)``: PNG frames and a GIF.
    """

    def __init__(self, steps: Iterable[BackwardStep], **info: Any) -> None:
        super().__init__(steps)
        self.root: Tensor = info["root"]
        self.root_name: str = info["root_name"]
        self._walk: GraphWalk = info["walk"]
        self._names: dict[int, str] = info["names"]
        self._seed: np.ndarray = info["seed"]
        self._totals: dict[int, np.ndarray] = info["totals"]
        self._exprs: dict[int, str | None] = info["exprs"]
        self._params = info["params"]
        self._max_el: int = info["max_elements"]
        self._fold: bool = info.get("fold_layout", True)

    # ----- results ------------------------------------------------------------------
    def grad(self, t: Tensor) -> np.ndarray | None:
        """The total gradient dL/dt the trace computed (None if none reached ``t``)."""
        e = self._walk.entry_of(t)
        if e is None:
            raise ValueError("this tensor is not part of the traced graph")
        return self._totals.get(e.index)

    def grad_expr(self, t: Tensor) -> str | None:
        """dL/dt as a formula of the forward values, e.g. ``2(x+y)`` (None if unknown)."""
        e = self._walk.entry_of(t)
        if e is None:
            raise ValueError("this tensor is not part of the traced graph")
        return self._exprs.get(e.index)

    def name_of(self, t: Tensor) -> str:
        """The name the trace uses for ``t`` (given, or made up: L, t1, t2, ...)."""
        e = self._walk.entry_of(t)
        if e is None:
            raise ValueError("this tensor is not part of the traced graph")
        return self._names[e.index]

    def summary(self) -> list[str]:
        """``dL/dx = formula = value`` for every leaf that received a gradient."""
        out = []
        L = self.root_name
        for e in self._walk.tensors:
            if e.producer is not None or e.index not in self._totals:
                continue
            parts = [f"d{L}/d{self._names[e.index]}"]
            expr = self._exprs.get(e.index)
            if expr and expr != parts[0]:
                parts.append(expr)
            parts.append(summarize(self._totals[e.index], self._max_el))
            out.append(" = ".join(parts))
        return out

    def __str__(self) -> str:
        blocks = []
        for s in self:
            blocks.append(f"[{s.index + 1}] {s.header}")
            blocks.extend("    " + line for line in s.lines)
        return "\n".join(blocks)

    def __repr__(self) -> str:
        return f"<BackwardTrace of {len(self)} steps>\n{self}"

    # ----- pictures -----------------------------------------------------------------
    def known_grads(self, step: int) -> dict[int, tuple[np.ndarray, str]]:
        """id(tensor) -> (gradient so far, status) after ``step`` (-1: only the seed).

        status: "new" (received in this step), "partial" (more to come), "final".
        """
        expected: dict[int, int] = {}
        for s in self:
            for g in s.inputs:
                expected[id(g.tensor)] = expected.get(id(g.tensor), 0) + 1
        got: dict[int, list] = {id(self.root): [self._seed, 0]}
        for s in self[: step + 1]:
            for g in s.inputs:
                k = id(g.tensor)
                if k in got:
                    got[k][0] = got[k][0] + g.grad
                    got[k][1] += 1
                else:
                    got[k] = [g.grad, 1]
        new = {id(g.tensor) for g in self[step].inputs} if step >= 0 else set()
        out = {}
        for k, (arr, n) in got.items():
            if k in new:
                status = "new"
            elif n < expected.get(k, 0):
                status = "partial"
            else:
                status = "final"
            out[k] = (np.asarray(arr), status)
        return out

    def draw(self, step: int | None = None, **kwargs: Any) -> Any:
        """The graph after ``step`` (default: the last; -1: before the first), with its
        node highlighted, the gradients known so far, and its chain-rule lines as the
        caption. Returns a ``graphviz.Digraph``."""
        if step is None:
            step = len(self) - 1
        if not -1 <= step < len(self):
            raise IndexError(f"step {step} out of range for a trace of {len(self)} steps")
        names = {self._names[e.index]: e.tensor for e in self._walk.tensors}
        if step >= 0:
            s = self[step]
            title = f"step {step + 1}/{len(self)}: {s.header}\n" + "\n".join(s.lines)
            highlight: Any = [s.node]
        else:
            title = f"start: d{self.root_name}/d{self.root_name} = " + format_values(
                self._seed
            )
            highlight = None
        opts = {
            "params": self._params,
            "names": names,
            "show_data": True,
            "show_grad": True,
            "max_elements": self._max_el,
            "title": title,
            "highlight": highlight,
            "show_intermediates": True,
            "fold_layout": self._fold,
        }
        opts.update(kwargs)
        return render_walk(
            self._walk, grad_by_id=self.known_grads(step), grad_placeholder=True, **opts
        )

    def save_frames(self, directory: str | Path, **kwargs: Any) -> list[Path]:
        """Write the steps as numbered PNG frames and an animated GIF; see
        ``save_backward_frames``."""
        from .frames import save_backward_frames

        return save_backward_frames(self, directory, **kwargs)


def trace_backward(
    loss: Tensor,
    gradient: Any = None,
    *,
    names: Mapping[str, Any] | Iterable[tuple[str, Any]] | None = None,
    params: Any = None,
    max_elements: int | None = None,
    fold_layout: bool = True,
) -> BackwardTrace:
    """Replay ``loss.backward()`` step by step, without changing any ``.grad``.

    loss: the tensor to differentiate (a scalar, or give ``gradient``, shaped like it).
    names / params: tensor names for the formulas, as in ``draw_graph`` (``names=locals()``
    works); unnamed tensors are called L (the loss), t1, t2, ... fold_layout: one step per
    convolution or pooling call (its im2col, permutes and reshapes folded in, as
    ``draw_graph`` draws it); False: one step per recorded node. Returns a
    ``BackwardTrace``: a list of ``BackwardStep`` in the engine's order, each printing as
    chain-rule lines such as ``dz/dx = dz/dw * dw/dx = 2(x+y) * 1 = 6.0``.
    """
    if not isinstance(loss, Tensor):
        raise TypeError(f"trace_backward() expects a Tensor, got {type(loss).__name__}")
    if not loss.requires_grad:
        raise RuntimeError(
            "element 0 of tensors does not require grad and does not have a grad_fn"
        )
    seed = _seed(loss, gradient)
    max_el = STYLE.max_elements if max_elements is None else int(max_elements)
    walk = GraphWalk([loss])
    groups = prepare_walk(walk, params, names) if fold_layout else []
    if not fold_layout:
        assign_names(walk, params, names)
    hidden: set[int] = set()
    for g in groups:
        hidden |= g.internal
    name_of = _auto_names(walk, groups, hidden)
    L = name_of[walk.entry_of(loss).index]
    fexpr = _forward_exprs(walk, name_of, groups)
    replay = _Replay(walk, groups, name_of, fexpr, L, max_el)
    steps = replay.run(loss, seed, implicit=gradient is None)
    trace = BackwardTrace(
        steps,
        root=loss,
        root_name=L,
        walk=walk,
        names=name_of,
        seed=seed,
        totals=replay.totals,
        exprs=replay.exprs,
        params=params,
        max_elements=max_el,
        fold_layout=fold_layout,
    )
    for s in steps:
        s._trace = trace
    return trace


def _seed(loss: Tensor, gradient: Any) -> np.ndarray:
    """dL/dL: ones for a scalar, else the given gradient (checked against loss's shape)."""
    if gradient is None:
        if loss._data.size != 1:
            raise RuntimeError("grad can be implicitly created only for scalar outputs")
        return np.ones_like(loss._data)
    seed = np.asarray(gradient._data if isinstance(gradient, Tensor) else gradient,
                      dtype=loss._data.dtype)
    if seed.shape != loss.shape:
        raise RuntimeError(
            f"Mismatch in shape: grad_output[0] has a shape of {tuple(seed.shape)} and "
            f"output[0] has a shape of {tuple(loss.shape)}."
        )
    return seed


def _forward_order(walk: GraphWalk, groups: list[FoldGroup]) -> list[TensorEntry]:
    """The tensors as the picture shows them, in forward order: each op's (or folded
    call's) inputs, then its output."""
    first = {g.members[0]: g for g in groups}
    member = {i for g in groups for i in g.members}
    order: list[TensorEntry] = []
    for i in range(len(walk.ops)):
        if i in first:
            g = first[i]
            order.extend(e for _, e in g.inputs)
            order.extend(g.outputs)
        elif i not in member:
            order.extend(inp for _, inp in walk.op_inputs[i] if isinstance(inp, TensorEntry))
            order.append(walk.output_entry(i))
    return order


def _auto_names(walk: GraphWalk, groups: list[FoldGroup], hidden: set[int]) -> dict[int, str]:
    """Names for every tensor: the given ones, L for an unnamed loss, t1, t2, ... for the
    rest in forward order, tensors hidden inside folded calls last."""
    names = {e.index: e.name for e in walk.tensors if e.name}
    used = set(names.values())
    counter = 0

    def fresh(base: str | None) -> str:
        nonlocal counter
        if base is not None and base not in used:
            used.add(base)
            return base
        while True:
            counter += 1
            cand = f"t{counter}"
            if cand not in used:
                used.add(cand)
                return cand

    root = walk.entry_of(walk.outputs[0])
    if root.index not in names:
        names[root.index] = fresh("L")
    order = _forward_order(walk, groups)
    for i in range(len(walk.ops)):  # then everything, hidden tensors included
        order.extend(inp for _, inp in walk.op_inputs[i] if isinstance(inp, TensorEntry))
        order.append(walk.output_entry(i))
    order.extend(walk.tensors)
    for e in order:
        if e.index not in names:
            names[e.index] = fresh(None)
    return names


def _forward_exprs(walk: GraphWalk, names: dict[int, str],
                   groups: list[FoldGroup]) -> dict[int, nt.Expr]:
    out: dict[int, nt.Expr] = {}
    for e in walk.tensors:
        if e.producer is None:
            t = e.tensor
            if e.kind == "constant" and not e.name and t._data.size == 1:
                out[e.index] = nt.number(t._data.reshape(()).item())
            else:
                out[e.index] = nt.Expr(names[e.index])
    last = {g.members[-1]: g for g in groups}
    for i, node in enumerate(walk.ops):
        operands, _ = _operands(walk.op_inputs[i], out)
        ex = node.formula(operands)
        oe = walk.output_entry(i)
        out[oe.index] = ex if len(ex.text) <= _MAX_FORWARD else nt.Expr(names[oe.index])
        g = last.get(i)
        if g is not None:  # a folded call: its output is the call, conv2d(x, w)
            args = {name or f"arg{k}": out[e.index] for k, (name, e) in enumerate(g.inputs)}
            ex = g.formula(args)
            for oe in g.outputs:
                out[oe.index] = ex if len(ex.text) <= _MAX_FORWARD else nt.Expr(
                    names[oe.index])
    return out


def _operands(
    ins: list[tuple[int, Any]], exprs: dict[int, nt.Expr]
) -> tuple[list[nt.Expr | None], list[bool]]:
    """One entry per input of an op: the formula of a tensor or a Python number, None
    for an option (a dim, a shape); and whether each input is a Python number."""
    operands: list[nt.Expr | None] = []
    numbers: list[bool] = []
    for _, v in ins:
        is_number = isinstance(v, (int, float, np.number)) and not isinstance(
            v, (bool, np.bool_))
        if isinstance(v, TensorEntry):
            operands.append(exprs[v.index])
        else:
            operands.append(nt.number(v) if is_number else None)
        numbers.append(is_number)
    return operands, numbers


def _call_backward(node: Function, g: Tensor) -> tuple:
    """The node's own backward, in no-grad mode and without freeing anything.

    After a backward() without retain_graph a node has let go of its saved values and of
    its inputs other than leaves. Where its inputs are all still there, ops that can
    recompute what they saved from them do so (with grad mode on); otherwise the trace
    explains what to do instead of computing with stand-ins.
    """
    freed = RuntimeError(
        f"trace_backward needs the values of {node.name()} that a previous backward() "
        "freed. Trace before calling backward(), or call backward(retain_graph=True)."
    )
    if node.released and any(isinstance(a, FreedTensor) and node.reads_input(i)
                             for i, a in enumerate(node.inputs)):
        raise freed
    prev = _STATE.enabled
    _STATE.enabled = False
    try:
        try:
            res = type(node).backward(node, g)
        except RuntimeError as err:
            if not node.released:
                raise
            _STATE.enabled = True  # recompute the freed saved values from the inputs
            try:
                res = type(node).backward(node, g)
            except RuntimeError:
                raise freed from err
    finally:
        _STATE.enabled = prev
    if not isinstance(res, tuple):
        res = (res,)
    if len(res) != len(node.inputs):
        raise RuntimeError(
            f"function {node.name()} returned an incorrect number of gradients "
            f"(expected {len(node.inputs)}, got {len(res)})"
        )
    return tuple(None if r is None else (r._data if isinstance(r, Tensor) else np.asarray(r))
                 for r in res)


def _run_output_hooks(node: Function, g: np.ndarray) -> np.ndarray:
    """The delta after the hooks on the node's output tensor, as the engine runs them."""
    ref = node._out_ref
    out_t = ref() if ref is not None else None
    if out_t is None or not out_t._hooks:
        return g
    return out_t._run_hooks(Tensor._wrap(g))._data


class _Pending:
    """A folded call being replayed: its nodes' steps so far, summed per input."""

    def __init__(self, group: FoldGroup, first: BackwardStep, U: nt.Expr) -> None:
        self.group = group
        self.first = first
        self.U = U
        self.sent: dict[int, np.ndarray] = {}  # entry index -> gradient sent out so far


class _Replay:
    """The backward pass replayed in the engine's walk and order (autograd_core.graph),
    over the edges each node recorded; each node's own backward computes the numbers.

    totals: entry index -> gradient so far; exprs: entry index -> its gradient formula.
    With folded calls, the steps of one call's nodes become one step (``_Pending``).
    """

    def __init__(self, walk: GraphWalk, groups: list[FoldGroup], names: dict[int, str],
                 fexpr: dict[int, nt.Expr], L: str, max_el: int) -> None:
        self.walk = walk
        self.names = names
        self.fexpr = fexpr
        self.L = L
        self.max_el = max_el
        self.group_of = {i: g for g in groups for i in g.members}
        self.totals: dict[int, np.ndarray] = {}
        self.exprs: dict[int, str | None] = {}
        self.contrib: dict[int, list] = {}  # entry index -> formulas of its parts
        self.parts: dict[int, list[InputGrad]] = {}  # entry index -> every part sent
        self.grads: dict = {}  # node -> the summed delta that reached it so far
        self.steps: list[BackwardStep] = []
        self.pending: _Pending | None = None

    def run(self, loss: Tensor, seed: np.ndarray, implicit: bool) -> list[BackwardStep]:
        root_node = loss.grad_fn
        self.root_index = self.walk.entry_of(loss).index
        self.totals[self.root_index] = seed
        self.contrib[self.root_index] = [nt.ONE if implicit else nt.Expr("g")]
        roots = [root_node] if root_node is not None else []
        if root_node is not None:
            self.grads[root_node] = seed
        for node in reverse_topological(roots):
            g = self.grads.pop(node, None)
            if g is None or isinstance(node, AccumulateGrad):
                continue
            self._visit(node, g, node is root_node and implicit)
        self._flush()
        self._finish()
        return self.steps

    def grad_formula(self, idx: int) -> nt.Expr:
        """The formula of the gradient reaching entry ``idx``: the sum of its parts, or
        its symbol dL/dname when a part has none or the sum is too long."""
        parts = self.contrib.get(idx) or []
        symbol = nt.Expr(f"d{self.L}/d{self.names[idx]}")
        if not parts or any(p is None for p in parts):
            return symbol
        total = parts[0]
        for p in parts[1:]:
            total = nt.add(total, p)
        return total if len(total.text) <= _MAX_EXPR else symbol

    def _visit(self, node: Function, g: np.ndarray, is_root: bool) -> None:
        walk = self.walk
        i = walk.op_index[node]
        out_e = walk.output_entry(i)
        g = _run_output_hooks(node, g)
        if out_e.index in self.totals and out_e.index != self.root_index:
            self.totals[out_e.index] = g
        U = self.grad_formula(out_e.index)
        self.exprs[out_e.index] = U.text
        in_grads = _call_backward(node, Tensor._wrap(g))
        step = _make_step(len(self.steps), walk, i, g, U, in_grads, self.names, self.fexpr,
                          self.L, self.max_el, is_root)
        group = self.group_of.get(i)
        if self.pending is not None and self.pending.group is not group:
            self._flush()
        if group is not None and self.pending is None:
            self.pending = _Pending(group, step, U)
        if group is None:
            self.steps.append(step)
        self._send(node, i, step, in_grads, group)

    def _send(self, node: Function, i: int, step: BackwardStep, in_grads: tuple,
              group: FoldGroup | None) -> None:
        """Add each gradient the node returned to its input's total and node's delta."""
        walk = self.walk
        for (pos, e), (child, _), gi in zip(walk.op_inputs[i], node.next_functions, in_grads):
            if child is None or gi is None or not isinstance(e, TensorEntry):
                continue
            if isinstance(child, AccumulateGrad) and gi.dtype != e.tensor._data.dtype:
                gi = gi.astype(e.tensor._data.dtype)
            prev = self.totals.get(e.index)
            self.totals[e.index] = gi if prev is None else prev + gi
            if group is not None and e.index not in group.internal:
                sent = self.pending.sent  # type: ignore[union-attr]
                sent[e.index] = gi if e.index not in sent else sent[e.index] + gi
            else:
                got = next(s for s in step.inputs if s.position == pos)
                self.contrib.setdefault(e.index, []).append(got._formula)
                self.parts.setdefault(e.index, []).append(got)
            if not isinstance(child, AccumulateGrad):
                prev_g = self.grads.get(child)
                self.grads[child] = gi if prev_g is None else prev_g + gi

    def _flush(self) -> None:
        """Close the folded call being replayed: one step for all its nodes."""
        p = self.pending
        if p is None:
            return
        self.pending = None
        step = _folded_step(len(self.steps), p, self)
        self.steps.append(step)
        for got in step.inputs:
            idx = self.walk.entry_of(got.tensor).index if self.walk.entry_of(
                got.tensor) is not None else None
            if idx is None:
                continue
            self.contrib.setdefault(idx, []).append(got._formula)
            self.parts.setdefault(idx, []).append(got)

    def _finish(self) -> None:
        walk, totals = self.walk, self.totals
        # Leaf hooks run once on a leaf's total, as the engine runs them.
        for e in walk.tensors:
            t = e.tensor
            if e.producer is None and t._hooks and e.index in totals:
                totals[e.index] = t._run_hooks(Tensor._wrap(totals[e.index]))._data
        # A tensor reached along several paths: number its parts, now that all are known.
        for received in self.parts.values():
            if len(received) > 1:
                for k, got in enumerate(received, 1):
                    lhs = f"d{self.L}/d{got.name}"
                    got.line = got.line.replace(
                        lhs, f"{lhs} (part {k} of {len(received)})", 1)
        for e in walk.tensors:
            if e.producer is None and e.index in totals and e.index != self.root_index:
                self.exprs[e.index] = self.grad_formula(e.index).text
        if self.root_index not in self.exprs:
            self.exprs[self.root_index] = self.contrib[self.root_index][0].text


class _Missing(dict):
    """format_map helper: an unknown name in a template stays as written."""

    def __missing__(self, key: str) -> str:
        return key


def _folded_step(index: int, p: _Pending, replay: _Replay) -> BackwardStep:
    """One step for a folded call: the delta at its output, and what leaves it for each
    input, with the call's own gradient formula (e.g. ``im2col(x) @ dL/dz``)."""
    g, first, names, L = p.group, p.first, replay.names, replay.L
    o = first.output_name
    is_root = first.output is replay.walk.outputs[0] and first.index == 0
    delta = p.U.text if is_root else f"d{L}/d{o}"
    arg_names = _Missing({name: names[e.index] for name, e in g.inputs if name})
    arg_names["delta"] = delta
    received: list[InputGrad] = []
    for pos, (arg, e) in enumerate(g.inputs):
        gi = p.sent.get(e.index)
        if gi is None:
            continue
        name_i = names[e.index]
        chain = f"d{o}/d{name_i}" if is_root else f"d{L}/d{o} * d{o}/d{name_i}"
        template = g.grad_template(arg)
        text = template.format_map(arg_names) if template else chain
        lhs = f"d{L}/d{name_i}"
        parts = [lhs, chain] + ([text] if text != chain else [])
        parts.append(summarize(gi, replay.max_el))
        received.append(InputGrad(
            position=pos, name=name_i, tensor=e.tensor, grad=gi, local=None,
            local_expr=None, expr=text, line=" = ".join(parts),
            _formula=nt.Expr(text, nt.prec_of(text)),
        ))
    in_names = ", ".join(names[e.index] for _, e in g.inputs)
    header = (f"{g.label()}: {in_names} -> {o}   upstream d{L}/d{o} = "
              f"{summarize(first.upstream, replay.max_el)}")
    return BackwardStep(
        index=index, node=g, op=g.label(), output=first.output, output_name=o,
        upstream=first.upstream, upstream_expr=first.upstream_expr, inputs=received,
        header=header,
    )


def _is_plain_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _make_step(index, walk, i, g, U, in_grads, names, fexpr, L, max_el, is_root):
    """One BackwardStep: node ``i`` ran with delta ``g`` (formula ``U``) and sent
    ``in_grads`` to its inputs. ``is_root``: the node made the loss, seeded with 1."""
    node = walk.ops[i]
    elementwise = node.elementwise
    ins = walk.op_inputs[i]
    out_e = walk.output_entry(i)
    o = names[out_e.index]
    label = node.label()
    operands, numbers = _operands(ins, fexpr)
    own_names = {v.index: nt.Expr(names[v.index]) for _, v in ins if isinstance(v, TensorEntry)}
    name_operands, _ = _operands(ins, own_names)
    out_shape = out_e.tensor.shape

    def has_local(v: TensorEntry) -> bool:
        # d(out)/d(input) is an array like the input when the output is one number, or
        # the op is elementwise and nothing was broadcast.
        return out_e.tensor._data.size == 1 or (elementwise and v.tensor.shape == out_shape)

    # Numeric local derivatives: the node's backward of a delta of ones.
    locals_num = None
    if any(isinstance(v, TensorEntry) and gi is not None and has_local(v)
           for (_, v), gi in zip(ins, in_grads)):
        locals_num = _call_backward(node, Tensor._wrap(np.ones_like(g)))

    received: list[InputGrad] = []
    for (pos, v), gi in zip(ins, in_grads):
        if not isinstance(v, TensorEntry) or gi is None:
            continue
        name_i = names[v.index]
        rule = node.trace_rule(pos, operands, fexpr[out_e.index], numbers)
        rule_n = node.trace_rule(pos, name_operands, nt.Expr(o), numbers)
        local_expr, chain_names, chain_expr, result = None, None, None, None
        if rule is None or rule_n is None:
            pass
        elif rule[0] == "local":
            D = rule[1]
            local_expr = D.text
            chain_expr = D.text if is_root else f"{U.at(nt.MUL)} * {D.at(nt.MUL)}"
            result = D if is_root else nt.mul(U, D)
        else:
            chain_names = rule_n[1](nt.ONE if is_root else nt.Expr(f"d{L}/d{o}")).text
            result = rule[1](U)
            chain_expr = result.text
        if chain_names is None:
            chain_names = f"d{o}/d{name_i}" if is_root else f"d{L}/d{o} * d{o}/d{name_i}"
        if result is not None and v.tensor.shape != out_shape and elementwise:
            # Broadcast inputs get the gradient summed back to their shape.
            chain_expr = f"unbroadcast({chain_expr})"
            result = nt.Expr(f"unbroadcast({result.text})")
        lhs = f"d{L}/d{name_i}"
        parts = [lhs]
        if chain_names != lhs:
            parts.append(chain_names)
        if chain_expr is not None and chain_expr != chain_names and not _is_plain_number(
            chain_expr
        ):
            parts.append(chain_expr)
        parts.append(summarize(gi, max_el))
        local = None
        if locals_num is not None and locals_num[pos] is not None and has_local(v):
            local = locals_num[pos]
        received.append(
            InputGrad(
                position=pos,
                name=name_i,
                tensor=v.tensor,
                grad=gi,
                local=local,
                local_expr=local_expr,
                expr=None if result is None else result.text,
                line=" = ".join(parts),
                _formula=result,
            )
        )
    in_names = ", ".join(names[v.index] for _, v in ins if isinstance(v, TensorEntry))
    header = f"{label}: {in_names} -> {o}   upstream d{L}/d{o} = {summarize(g, max_el)}"
    return BackwardStep(
        index=index,
        node=node,
        op=label,
        output=out_e.tensor,
        output_name=o,
        upstream=g,
        upstream_expr=U.text,
        inputs=received,
        header=header,
    )
