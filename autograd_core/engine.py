"""The chain rule, in one place: reverse-mode backpropagation over the recorded graph.

``backward`` visits the graph in topological order, newest node first, from a heap of
the nodes' recording numbers (no recursion, so a chain of a million operations works).
It sums the gradients that reach each node along different paths, calls each node's
``backward`` once with the total delta, and hands leaves their gradient. Saved buffers
are freed afterwards unless ``retain_graph=True``.
"""

from __future__ import annotations

import gc
import heapq
from collections.abc import Sequence

import numpy as np

from . import anomaly as _anomaly
from . import grad_mode
from . import inplace as _inplace
from .tensor import Tensor

_STATE = grad_mode.STATE
_ANOMALY = _anomaly.STATE


def _as_grad_tensor(g: object, like: Tensor) -> Tensor:
    """Turn a user-given ``gradient=`` (Tensor, array, number) into a Tensor like ``like``."""
    if isinstance(g, Tensor):
        t = g
    else:
        t = Tensor(np.asarray(g, dtype=like.data.dtype))
    if t.shape != like.shape:
        raise RuntimeError(
            f"Mismatch in shape: grad_output[0] has a shape of {tuple(t.shape)} and "
            f"output[0] has a shape of {tuple(like.shape)}."
        )
    return t


def _implicit_root_grad(t: Tensor) -> Tensor:
    d = t.data
    if d.size != 1:
        raise RuntimeError("grad can be implicitly created only for scalar outputs")
    # np.array(1, dtype), not ones_like (a Python-level function): this runs every step.
    one = np.array(1, d.dtype)
    return Tensor._wrap(one if d.ndim == 0 else one.reshape(d.shape))


def run_backward(
    outputs: Sequence[Tensor],
    grad_outputs: Sequence[object | None],
    retain_graph: bool,
    create_graph: bool,
    capture: Sequence[Tensor] | None = None,
) -> list[Tensor | None] | None:
    """Backpropagate from ``outputs``.

    With ``capture=None`` leaves accumulate into ``.grad`` (``Tensor.backward``); otherwise
    the gradients reaching the tensors in ``capture`` are returned and no ``.grad`` is
    touched (``autograd_core.grad``).
    """
    roots: list[tuple[Tensor, Tensor]] = []
    for out, g in zip(outputs, grad_outputs):
        if out._base is not None:
            _inplace.view_version(out)  # a view whose base changed in place: rebind it
        if not out.requires_grad:
            raise RuntimeError(
                "element 0 of tensors does not require grad and does not have a grad_fn"
            )
        if g is None:
            gt = _implicit_root_grad(out)
        else:
            gt = _as_grad_tensor(g, out)
            if not create_graph:
                # A read-only view of the caller's array: a leaf it reaches (directly or
                # through views) then copies it rather than accumulating into it later.
                view = gt.data.view()
                view.flags.writeable = False
                gt = Tensor._wrap(view)
        roots.append((out, gt))

    prev_mode = _STATE.enabled
    _STATE.enabled = bool(create_graph)
    # The pass allocates containers for every node (edges, deltas) while the whole graph
    # is alive, which would make Python's cyclic collector walk that graph again and
    # again (15% of a million-node backward). Nothing the pass frees forms a cycle, so
    # the collector pauses until it ends; cycles made meanwhile are collected after.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _execute(roots, retain_graph, create_graph, capture)
    finally:
        _STATE.enabled = prev_mode
        if gc_was_enabled:
            gc.enable()


class _Leaves:
    """Where leaf gradients go when a hook or ``autograd_core.grad`` must see them.

    A leaf with hooks has its parts summed first, so that each hook runs once with the
    whole gradient (as in PyTorch), after the graph is done; with ``capture`` the sums
    are returned instead of touching ``.grad``.
    """

    __slots__ = ("hooked", "capture_leaves", "leaf_grads", "capturing", "create_graph",
                 "seen")

    def __init__(self, capture_leaves: dict, capturing: bool, create_graph: bool,
                 seen: set) -> None:
        self.hooked: dict = {}
        self.capture_leaves = capture_leaves
        self.leaf_grads: dict = {}  # id(leaf) -> (leaf, summed delta), when capturing
        self.capturing = capturing
        self.create_graph = create_graph
        self.seen = seen

    def give(self, leaf: Tensor, g: Tensor) -> None:
        if leaf._hooks:
            prev = self.hooked.get(id(leaf))
            self.hooked[id(leaf)] = (leaf, g if prev is None else prev[1] + g)
            return
        self.deliver(leaf, g)

    def deliver(self, leaf: Tensor, g: Tensor) -> None:
        if self.capturing:
            key = id(leaf)
            if key in self.capture_leaves:
                prev = self.leaf_grads.get(key)
                self.leaf_grads[key] = (leaf, g if prev is None else prev[1] + g)
            return
        _accumulate_leaf(leaf, g, self.create_graph, self.seen)

    def run_hooks(self) -> None:
        for leaf, g in self.hooked.values():
            self.deliver(leaf, leaf._run_hooks(g))


def _execute(roots, retain_graph, create_graph, capture):
    # Which node (or leaf) gradients must be captured for autograd_core.grad.
    capture_nodes: dict = {}
    capture_leaves: dict = {}
    if capture is not None:
        for i, t in enumerate(capture):
            if t.grad_fn is not None:
                capture_nodes.setdefault(t.grad_fn, []).append(i)
            else:
                capture_leaves.setdefault(id(t), []).append(i)
        captured: list = [None] * len(capture)
    seen_arrays: set = set()  # ids of arrays handed to a leaf's .grad in this pass
    leaves = _Leaves(capture_leaves, capture is not None, create_graph, seen_arrays)
    # Leaves that need more than "add into .grad" (hooks, capture, create_graph) go
    # through ``leaves``; the others are handled in the loop below.
    plain_leaves = capture is None and not create_graph

    # Topological order without counting dependencies first: every node was numbered
    # when it was recorded, and a node is always recorded after the nodes that made its
    # inputs. So the pending node with the highest number has already received every
    # part of its delta (all its consumers have higher numbers and ran before it).
    # ``pending`` maps that number to [node, summed delta]; ``heap`` holds the negated
    # numbers, so heappop gives the highest. (PyTorch's engine breaks ties between
    # ready nodes by the same sequence numbers.)
    # The third item says whether the summed delta is an array only this pass holds: a
    # sum the pass made, or the one delta a ``_fresh_grads`` node returned. The node may
    # then reuse its memory (relu's backward masks it in place, as hand-written code does).
    pending: dict = {}
    heap: list = []
    for out, g in roots:
        node = out.grad_fn
        if node is None:
            leaves.give(out, g)
            continue
        entry = pending.get(node._seq)
        if entry is None:
            pending[node._seq] = [node, g, False]  # the caller's delta, or ours: kept
            heap.append(-node._seq)
        else:
            entry[1] = entry[1] + g
    heapq.heapify(heap)

    # This loop runs once per node, a million times for a long chain, and its cost is
    # most of a small model's backward: names are bound locally, and the rare cases
    # (hooks, tensors changed in place, capture) sit behind one test each. Anomaly mode
    # is read once: it is switched on before a pass, not during.
    anomaly = _ANOMALY.enabled
    pending_get, pending_pop = pending.get, pending.pop
    heappush, heappop = heapq.heappush, heapq.heappop
    while heap:
        node, g, owned = pending_pop(-heappop(heap))
        if node._out_ref is not None:
            out_t = node._out_ref()
            if out_t is not None:
                if out_t._hooks:
                    g = out_t._run_hooks(g)
                    owned = False  # a hook may have kept it, or returned its own
                if out_t._retains and capture is None:
                    _accumulate_retained(out_t, g, create_graph)  # (a copy)
        if capture_nodes and node in capture_nodes:
            owned = False  # returned to the caller as it is
            for i in capture_nodes[node]:
                captured[i] = g
        if node.released:
            _ = node.saved_tensors  # raises the "backward a second time" error
        inputs = node.inputs
        versions = node._versions
        # Each tensor input must hold the value it had when recorded; where one was
        # changed in place since, ``rebound`` gives the grad_fn it had back then.
        rebound = None
        for inp, recorded in zip(inputs, versions):
            if recorded is not None and recorded != (
                    inp._version if inp._base is None else inp._base[0]._version):
                rebound = _rebound_edges(node, inputs, versions)
                break
        cls = type(node)
        node.owns_grad = owned
        try:
            in_grads = cls.backward(node, g)
        except Exception as e:
            node.owns_grad = False
            if anomaly:
                _anomaly.annotate(node, e)
            raise
        node.owns_grad = False
        if not isinstance(in_grads, tuple):
            in_grads = (in_grads,)
        if len(in_grads) != len(inputs):
            raise RuntimeError(
                f"function {node.name()} returned an incorrect number of gradients "
                f"(expected {len(inputs)}, got {len(in_grads)})"
            )
        if anomaly:
            _anomaly.check_gradients(node, in_grads)
        if not retain_graph:
            node.saved = None
            node.released = True
        fresh = cls._fresh_grads and not create_graph
        i = -1
        for gi in in_grads:
            i += 1
            if gi is None or versions[i] is None:  # no gradient, or not a tensor input
                continue
            inp = inputs[i]
            if rebound is None:
                if not inp.requires_grad:
                    continue
                child = inp.grad_fn
            else:
                if i not in rebound:
                    continue
                child = rebound[i]
            if child is None:
                if inp._hooks or not plain_leaves:
                    leaves.give(inp, gi)
                else:  # the common case, without two calls in between
                    _accumulate_leaf(inp, gi, create_graph, seen_arrays)
                continue
            seq = child._seq
            entry = pending_get(seq)
            if entry is None:
                pending[seq] = [child, gi, fresh]
                heappush(heap, -seq)
            else:
                entry[1] = entry[1] + gi
                entry[2] = not create_graph  # the sum is a new array

    leaves.run_hooks()
    if capture is None:
        return None
    for key, idxs in capture_leaves.items():
        hit = leaves.leaf_grads.get(key)
        if hit is not None:
            for i in idxs:
                captured[i] = hit[1]
    return captured


def _rebound_edges(node, inputs: tuple, versions: tuple) -> dict:
    """For a node with inputs changed in place since it was recorded: raises if its
    backward reads such an input; else {input index: grad_fn then} for each tensor input
    that needed a gradient then (a tensor rebound by an in-place op still leads to the
    grad_fn it had back then)."""
    edges, changed = _node_edges(node, inputs, versions)
    for i, inp, recorded in changed or ():
        if node.reads_input(i):
            raise _inplace.version_error(inp, recorded, node, i)
    return {i: fn for i, _, fn in edges}


def _node_edges(node, inputs: tuple, versions: tuple) -> tuple[list, list | None]:
    """The inputs of ``node`` that needed a gradient when it was recorded.

    Returns ([(input index, tensor, grad_fn then), ...], changed) where changed lists
    (index, tensor, recorded version) for inputs modified in place since (else None).
    A tensor rebound by an in-place op still leads to the grad_fn it had back then.
    """
    edges = []
    changed = None
    i = -1
    for inp, recorded in zip(inputs, versions):
        i += 1
        if recorded is None:  # not a tensor (versions are recorded for tensors only)
            continue
        b = inp._base
        if (inp._version if b is None else b[0]._version) == recorded:
            if inp.requires_grad:
                edges.append((i, inp, inp.grad_fn))
            continue
        if changed is None:
            changed = []
        changed.append((i, inp, recorded))
        rg, fn = _inplace.recorded_edge(inp, recorded)
        if rg:
            edges.append((i, inp, fn))
    return edges, changed


def _accumulate_leaf(leaf: Tensor, g: Tensor, create_graph: bool, seen: set) -> None:
    """Add ``g`` into ``leaf.grad`` (PyTorch accumulates across backward calls)."""
    gd, ld = g.data, leaf.data
    if gd.shape != ld.shape:
        raise RuntimeError(
            f"internal error: gradient of shape {gd.shape} for a leaf of shape {ld.shape}"
        )
    if gd.dtype != ld.dtype:
        gd = gd.astype(ld.dtype)
        g = Tensor._wrap(gd)
    old = leaf.grad
    if create_graph:
        if old is None:
            # As below: a gradient array another leaf already holds, or a read-only view
            # (sum's backward broadcasts), is copied, by a recorded clone here, so that
            # a later plain backward can accumulate into it in place.
            base = gd if gd.base is None else gd.base
            if id(base) in seen or not gd.flags.writeable:
                g = g.clone()
            else:
                seen.add(id(base))
            leaf.grad = g
        else:
            leaf.grad = old + g
        return
    if old is None:
        # The same array may reach two leaves (add passes delta through unchanged) or be
        # a view of another's; copy then, so that no two .grad arrays share memory.
        base = gd if gd.base is None else gd.base
        key = id(base)
        if key in seen or not gd.flags.writeable:
            gd = gd.copy()
        else:
            seen.add(key)
        leaf.grad = Tensor._wrap(gd)
    elif (old.requires_grad or old.data.shape != gd.shape or not old.data.flags.writeable
          or id(old.data if old.data.base is None else old.data.base) in seen):
        # Out of place when .grad was handed over in this same pass: that array may also
        # be the delta still waiting to reach another node (add passes one delta to both
        # inputs), and adding into it would change that node's gradient.
        leaf.grad = Tensor._wrap(old.data + gd)
    else:
        np.add(old.data, gd, out=old.data)


def _accumulate_retained(t: Tensor, g: Tensor, create_graph: bool) -> None:
    old = t.grad
    if old is None:
        t.grad = g if create_graph else Tensor._wrap(g.data.copy())
    else:
        t.grad = old + g if create_graph else Tensor._wrap(old.data + g.data)


def backward(
    tensors: Tensor | Sequence[Tensor],
    grad_tensors: object | Sequence[object] | None = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
) -> None:
    """``autograd_core.backward``: accumulate d(tensors)/d(leaf) into each leaf's ``.grad``.

    tensors: one Tensor or a sequence; grad_tensors: matching deltas (None for scalars).
    """
    if isinstance(tensors, Tensor):
        tensors = [tensors]
        grad_tensors = [grad_tensors]
    else:
        tensors = _tensor_list("backward", "tensors", tensors)
        grad_tensors = [None] * len(tensors) if grad_tensors is None else list(grad_tensors)
    if retain_graph is None:
        retain_graph = create_graph
    run_backward(tensors, grad_tensors, retain_graph, create_graph)


def grad(
    outputs: Tensor | Sequence[Tensor],
    inputs: Tensor | Sequence[Tensor],
    grad_outputs: object | Sequence[object] | None = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool = False,
) -> tuple[Tensor | None, ...]:
    """Gradients of ``outputs`` with respect to ``inputs``, returned as a tuple.

    Nothing is accumulated into any ``.grad``. With ``create_graph=True`` the returned
    gradients are themselves differentiable (second derivatives, Hessian-vector
    products). outputs/grad_outputs: Tensors of matching shapes; inputs: Tensors that
    require grad. Returns one gradient per input, shaped like it.
    """
    outs = _tensor_list("grad", "outputs", outputs)
    ins = _tensor_list("grad", "inputs", inputs)
    if grad_outputs is None:
        gouts: list = [None] * len(outs)
    elif isinstance(grad_outputs, Tensor) or not isinstance(grad_outputs, (list, tuple)):
        gouts = [grad_outputs]
    else:
        gouts = list(grad_outputs)
    if len(gouts) != len(outs):
        raise RuntimeError(
            f"grad requires one grad_output per output: got {len(gouts)} grad_outputs "
            f"for {len(outs)} outputs"
        )
    for t in ins:
        if not isinstance(t, Tensor) or not t.requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    if retain_graph is None:
        retain_graph = create_graph
    result = run_backward(outs, gouts, retain_graph, create_graph, capture=ins)
    assert result is not None
    for i, r in enumerate(result):
        if r is None and not allow_unused:
            raise RuntimeError(
                "One of the differentiated Tensors appears to not have been used in the "
                "graph. Set allow_unused=True if this is the desired behavior."
            )
        if r is not None and not create_graph:
            result[i] = Tensor._wrap(r.data.copy() if r.data.base is not None else r.data)
    return tuple(result)


def _tensor_list(fn: str, arg: str, value: object) -> list[Tensor]:
    """``value`` as a list of Tensors (one Tensor or a sequence), or a TypeError."""
    if isinstance(value, Tensor):
        return [value]
    if isinstance(value, (list, tuple)) and all(isinstance(v, Tensor) for v in value):
        return list(value)
    raise TypeError(
        f"{fn}(): argument '{arg}' must be a Tensor or a sequence of Tensors, got "
        f"{type(value).__name__}"
    )
