"""Collecting a recorded graph: its op nodes in forward order and the tensors on its edges.

A graph node is a ``Function`` instance (``tensor.grad_fn``). Its edges are the ones it
recorded when it was made (``node.next_functions``), walked by the engine's own walk
(``autograd_core.graph.reverse_topological``): the picture and the trace follow exactly
the paths the gradients take, in-place ops included. ``node.inputs`` supplies the Tensor
objects on those edges (their values and shapes). Python numbers and other non-tensor
arguments among the inputs are the op's options, not edges.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ..function import FreedTensor, Function
from ..graph import AccumulateGrad, reverse_topological
from ..tensor import Tensor


class TensorEntry:
    """One tensor of the graph: a leaf (keyed by identity) or the output of one op."""

    __slots__ = ("index", "tensor", "producer", "consumers", "kind", "name")

    def __init__(self, index: int, tensor: Tensor, producer: int | None) -> None:
        self.index = index
        self.tensor = tensor
        self.producer = producer  # index into GraphWalk.ops, None for leaves
        self.consumers: list[int] = []  # op indices, one per use (x * x appears twice)
        self.kind = "intermediate"
        self.name: str | None = None


class GraphWalk:
    """The graph behind ``outputs``: ops in forward (topological) order and their tensors.

    Found with the engine's walk (no recursion: chains of any length work), in the order
    the ops were recorded. ``op_inputs[i]`` lists,
    for op ``i``, ``(position, TensorEntry)`` for tensor inputs and ``(position, value)``
    for the rest.
    """

    def __init__(self, outputs: Iterable[Tensor]) -> None:
        self.outputs: list[Tensor] = []
        for t in outputs:
            if not isinstance(t, Tensor):
                raise TypeError(
                    f"expected Tensors to draw from, got {type(t).__name__}: {t!r}"
                )
            self.outputs.append(t)
        self.ops: list[Function] = []
        self.op_index: dict[Function, int] = {}
        self.op_inputs: list[list[tuple[int, Any]]] = []
        self.tensors: list[TensorEntry] = []
        self._by_node: dict[Function, TensorEntry] = {}
        self._by_leaf: dict[int, TensorEntry] = {}
        for out in self.outputs:
            self._entry(out, out.grad_fn)
        roots = [t.grad_fn for t in self.outputs if t.grad_fn is not None]
        # The engine's walk, newest node first; reversed, it is the order of recording.
        nodes = [n for n in reverse_topological(roots) if not isinstance(n, AccumulateGrad)]
        nodes.reverse()
        for node in nodes:
            self.op_index[node] = len(self.ops)
            self.ops.append(node)
        # Consumers first (newest op first), so every op's output entry exists, made from
        # the tensor a consumer holds, before the producer is numbered.
        op_inputs: list = [None] * len(self.ops)
        for i in range(len(self.ops) - 1, -1, -1):
            op_inputs[i] = self._inputs_of(self.ops[i], i)
        self.op_inputs = op_inputs
        for e in self.tensors:
            e.consumers.reverse()  # in op order
        for i, node in enumerate(self.ops):
            self._by_node[node].producer = i
        self._renumber()
        out_ids = {id(t) for t in self.outputs}
        out_nodes = {t.grad_fn for t in self.outputs if t.grad_fn is not None}
        for e in self.tensors:
            t = e.tensor
            if id(t) in out_ids or (e.producer is not None and self.ops[e.producer] in out_nodes):
                e.kind = "output"
            elif e.producer is not None:
                e.kind = "intermediate"
            elif t.requires_grad:
                e.kind = "leaf"
            else:
                e.kind = "constant"

    def _renumber(self) -> None:
        # Forward order (each op's inputs, then its output) so that pictures read left to
        # right in argument order and formulas name tensors t1, t2, ... as they were made.
        order: list[TensorEntry] = []
        placed: set[int] = set()

        def place(e: TensorEntry) -> None:
            if id(e) not in placed:
                placed.add(id(e))
                order.append(e)

        for i, ins in enumerate(self.op_inputs):
            for _, v in ins:
                if isinstance(v, TensorEntry):
                    place(v)
            place(self._by_node[self.ops[i]])
        for e in self.tensors:
            place(e)
        for k, e in enumerate(order):
            e.index = k
        self.tensors = order

    def _entry(self, t: Tensor, node: Function | None) -> TensorEntry:
        """The entry of tensor ``t`` as the output of ``node`` (None: a leaf/constant)."""
        if node is None:
            e = self._by_leaf.get(id(t))
            if e is None:
                e = TensorEntry(len(self.tensors), t, None)
                self.tensors.append(e)
                self._by_leaf[id(t)] = e
            return e
        e = self._by_node.get(node)
        if e is None:
            ref = node._out_ref  # the output itself, when a hook or retain_grad keeps it
            live = ref() if ref is not None else None
            if live is not None and live.grad_fn is node:
                t = live
            e = TensorEntry(len(self.tensors), t, None)
            self.tensors.append(e)
            self._by_node[node] = e
        return e

    def _inputs_of(self, node: Function, i: int) -> list[tuple[int, Any]]:
        """Op ``i``'s arguments: a TensorEntry per tensor (found through the edge the node
        recorded for it), the value itself for the rest."""
        ins: list[tuple[int, Any]] = []
        for pos, (inp, (child, _)) in enumerate(zip(node.inputs, node.next_functions)):
            if isinstance(inp, Tensor):
                e = self._entry(inp, child if isinstance(child, Function) else None)
                e.consumers.append(i)
                ins.append((pos, e))
            else:
                ins.append((pos, inp))
        return ins

    def adopt(self, t: Tensor) -> None:
        """Show ``t`` for its node's output where backward left only a stand-in (the
        node let go of its inputs: see ``Function._release``)."""
        e = self._by_node.get(t.grad_fn) if t.grad_fn is not None else None
        if e is not None and isinstance(e.tensor, FreedTensor):
            e.tensor = t

    def add_constant(self, t: Tensor) -> TensorEntry:
        """An entry for a tensor no node recorded (a composite call's input that needs no
        gradient), drawn as a constant; the same entry for the same tensor."""
        e = self._by_leaf.get(id(t))
        if e is None:
            e = TensorEntry(len(self.tensors), t, None)
            e.kind = "constant"
            self.tensors.append(e)
            self._by_leaf[id(t)] = e
        return e

    def entry_of(self, t: Tensor) -> TensorEntry | None:
        """The entry drawn for ``t`` (by identity for leaves, by producer for the rest)."""
        if t.grad_fn is not None:
            return self._by_node.get(t.grad_fn)
        return self._by_leaf.get(id(t))

    def output_entry(self, op: int) -> TensorEntry:
        """The tensor that op ``op`` produced."""
        return self._by_node[self.ops[op]]


def named_tensors(params: Any) -> list[tuple[str, Tensor]]:
    """(name, tensor) pairs from a mapping, an object with ``named_parameters()``, or
    an iterable of pairs. Non-tensor values and names starting with "_" are skipped, so
    ``names=locals()`` works."""
    if params is None:
        return []
    if hasattr(params, "named_parameters"):
        items: Iterable = params.named_parameters()
    elif isinstance(params, Mapping):
        items = params.items()
    else:
        items = params
    out = []
    for item in items:
        try:
            name, t = item
        except (TypeError, ValueError):
            raise TypeError(
                "expected a mapping {name: tensor}, an object with named_parameters(), or "
                f"(name, tensor) pairs; got an item {item!r}"
            ) from None
        if isinstance(t, Tensor) and isinstance(name, str) and not name.startswith("_"):
            out.append((name, t))
    return out


def module_names(params: Any) -> dict[int, str]:
    """id(module) -> dotted name, from ``params.named_modules()`` when it has one."""
    if params is None or not hasattr(params, "named_modules"):
        return {}
    return {id(m): name for name, m in params.named_modules()}
