"""The recorded graph: its edges, its leaf nodes, and the one walk over it.

A graph node is a ``Function`` instance (``tensor.grad_fn``). When it is recorded it
stores its edges once, as ``next_functions``: for each input, ``(node, 0)`` where node is
what that input came from *at that moment* (the input's ``grad_fn``, or the
``AccumulateGrad`` node of a leaf that requires grad), or ``(None, 0)`` for an input that
needs no gradient or is not a tensor. This is PyTorch's shape. Because the edges are fixed
when the node is made, an in-place op that later rebinds a tensor to a new ``grad_fn``
cannot change where older nodes send their gradients.

``reverse_topological`` is the only walk over those edges. The engine (``engine.py``),
the pictures (``viz/walk.py``) and the step-by-step trace (``viz/trace.py``) all use it.
"""

from __future__ import annotations

import heapq
import itertools
import weakref
from collections.abc import Iterable, Iterator
from typing import Any

# Every node gets a number when it is made (``_seq``). A node is always made after the
# nodes its inputs came from, so "highest number first" is a reverse topological order:
# when a node comes up, every node that consumes its output has already been visited.
next_seq = itertools.count().__next__


class AccumulateGrad:
    """The graph node of a leaf tensor that requires grad: where its gradient arrives.

    ``variable`` is the leaf. The engine sums every gradient that reaches this node, runs
    the leaf's hooks once on the sum, then adds it into ``variable.grad``. One node per
    leaf while some graph holds it (the leaf keeps only a weak reference, as in PyTorch),
    so two uses of a leaf in one graph meet at the same node.
    """

    __slots__ = ("variable", "_seq", "__weakref__")
    next_functions: tuple = ()

    def __init__(self, variable: Any) -> None:
        self.variable = variable
        self._seq = next_seq()

    def name(self) -> str:
        """PyTorch's node name."""
        return "AccumulateGrad"

    def __repr__(self) -> str:
        return "<AccumulateGrad>"


def leaf_node(t: Any) -> AccumulateGrad:
    """The ``AccumulateGrad`` node of leaf ``t`` (made on first use)."""
    ref = t._accumulator
    if ref is not None:
        acc = ref()
        if acc is not None:
            return acc
    acc = AccumulateGrad(t)
    t._accumulator = weakref.ref(acc)
    return acc


def node_of(t: Any) -> Any:
    """Where a gradient for tensor ``t`` goes now: its grad_fn, its leaf node, or None."""
    if not t.requires_grad:
        return None
    fn = t.grad_fn
    return fn if fn is not None else leaf_node(t)


def reverse_topological(roots: Iterable[Any]) -> Iterator[Any]:
    """Every node reachable from ``roots`` through ``next_functions``, each once.

    Nodes come newest first (highest ``_seq``), so each comes after every node that
    consumes it: the order in which the chain rule can run. No recursion, so a chain of
    a million nodes works. Leaves' ``AccumulateGrad`` nodes are included.
    """
    seen: dict[int, Any] = {}
    heap: list[int] = []
    for node in roots:
        if node is not None and node._seq not in seen:
            seen[node._seq] = node
            heap.append(-node._seq)
    heapq.heapify(heap)
    heappush, heappop = heapq.heappush, heapq.heappop
    while heap:
        node = seen[-heappop(heap)]
        yield node
        for child, _ in node.next_functions:
            if child is not None:
                seq = child._seq
                if seq not in seen:
                    seen[seq] = child
                    heappush(heap, -seq)
