"""The chain rule, in one place: reverse-mode backpropagation over the recorded graph.

``backward`` visits the graph through the edges each node recorded when it was made
(``next_functions``), in the order of the one shared walk ``graph.reverse_topological``
(newest node first; no recursion, so a chain of a million operations works). It sums the
gradients that reach each node along different paths, calls each node's ``backward``
once with the total delta, and hands leaves their gradient through their
``AccumulateGrad`` node. Saved buffers are freed afterwards unless ``retain_graph=True``.
"""

from __future__ import annotations

import gc
from collections.abc import Sequence

import numpy as np

from . import anomaly as _anomaly
from . import grad_mode
from . import graph as _graph
from . import version as _version
from .tensor import Tensor

_STATE = grad_mode.STATE
_ANOMALY = _anomaly.STATE
_AccumulateGrad = _graph.AccumulateGrad
_EPOCH = _version.EPOCH


def _as_grad_tensor(g: object, like: Tensor) -> Tensor:
    """Turn a user-given ``gradient=`` (Tensor, array, number) into a Tensor like ``like``."""
    if isinstance(g, Tensor):
        t = g
    else:
        t = Tensor(np.asarray(g, dtype=like._data.dtype))
    if t.shape != like.shape:
        raise RuntimeError(
            f"Mismatch in shape: grad_output[0] has a shape of {tuple(t.shape)} and "
            f"output[0] has a shape of {tuple(like.shape)}."
        )
    return t


def _implicit_root_grad(t: Tensor) -> Tensor:
    d = t._data
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
            _version.view_version(out)  # a view whose base changed in place: rebind it
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
                view = gt._data.view()
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


def _execute(roots, retain_graph, create_graph, capture):
    """The backward pass proper: the chain rule, node by node, in reverse topological order.

    For each node: take the sum of the deltas that reached it (dL/d(its output)), ask the
    node for its local chain-rule step (``backward``: one delta per input), and send each
    input's delta along the node's recorded edge. A leaf's ``AccumulateGrad`` node adds
    what reached it into ``.grad``. The rare cases (hooks, ``retain_grad``, the tensors
    ``autograd_core.grad`` captures) sit behind one test per node.
    """
    pass_ = _Pass(create_graph, capture)
    pending = _seed(roots)
    # The chain rule. This loop runs once per node (a million times for a long chain),
    # so names are bound locally and the local step is written out here; the rare cases
    # (hooks, retain_grad, capture, anomaly mode, a node already freed, an input written
    # in place since the node was made) sit behind one test each.
    anomaly = _ANOMALY.enabled  # switched on before a pass, not during
    rare_pass = capture is not None
    pending_get, pending_pop = pending.get, pending.pop
    for node in _graph.reverse_topological(list(pending)):
        entry = pending_pop(node, None)
        if entry is None:  # reachable, but no gradient flowed this way
            continue
        delta, owned = entry  # dL/d(node's output), summed over every path
        cls = node.__class__
        if cls is _AccumulateGrad:  # a leaf: its .grad
            leaf = node.variable
            if leaf._hooks or rare_pass:
                pass_.leaf(node, delta)
            else:
                _accumulate_leaf(leaf, delta, create_graph, pass_.seen)
            continue
        if rare_pass or node._out_ref is not None:  # hooks, retain_grad, capture
            delta, owned = pass_.rare(node, delta, owned)
        if node.released or node._epoch != _EPOCH[0]:  # freed, or something written
            _check_inputs(node)
        # The local step: dL/d(input i) for each input, from the node's own formula, or
        # outside create_graph its NumPy fast path where it has one
        # (tests/test_op_registry.py checks that the two agree).
        fast = cls.fast_backward
        step = cls.backward if fast is None or create_graph else fast
        node.owns_grad = owned
        try:
            in_deltas = step(node, delta)
        except Exception as e:
            node.owns_grad = False
            if anomaly:
                _anomaly.annotate(node, e)
            raise
        node.owns_grad = False
        if in_deltas.__class__ is not tuple:
            in_deltas = (in_deltas,)
        edges = node.next_functions
        if anomaly or len(in_deltas) != len(edges):
            _check_deltas(node, in_deltas, anomaly)
        if not retain_graph:
            node._release()
        fresh = node._fresh_grads and not create_graph
        for (child, _), d in zip(edges, in_deltas):
            if child is None or d is None:
                continue
            entry = pending_get(child)
            if entry is None:
                pending[child] = [d, fresh]
            else:  # the sum over paths
                entry[0] = entry[0] + d
                entry[1] = not create_graph  # the sum is a new array
    return pass_.captured if rare_pass else None


def _seed(roots) -> dict:
    """The deltas the pass starts from, keyed by the node each root's gradient goes to.

    pending: node -> [summed delta, owned]. ``owned`` says the delta is an array only
    this pass holds (a sum it made, or the one delta a ``_fresh_grads`` node returned):
    the node may then reuse its memory (relu masks it in place, as hand-written code does).
    """
    pending: dict = {}
    for out, g in roots:
        node = _graph.node_of(out)
        entry = pending.get(node)
        if entry is None:
            pending[node] = [g, False]  # the caller's delta, or ours: kept as it is
        else:
            entry[0] = entry[0] + g
    return pending


def _check_inputs(node) -> None:
    """Before a node's step: refuse a node already freed, or one whose saved inputs were
    written in place since it was made (PyTorch's errors)."""
    if node.released:
        _ = node.saved_tensors  # raises the "backward a second time" error
    _check_versions(node)


def _check_deltas(node, in_deltas: tuple, anomaly: bool) -> None:
    """After a node's step: one delta per input, and (anomaly mode) none with a NaN."""
    if len(in_deltas) != len(node.next_functions):
        raise RuntimeError(
            f"function {node.name()} returned an incorrect number of gradients "
            f"(expected {len(node.next_functions)}, got {len(in_deltas)})"
        )
    if anomaly:
        _anomaly.check_gradients(node, in_deltas)


def _check_versions(node) -> None:
    """Raise PyTorch's error if an input that backward reads was changed in place."""
    for i, (inp, recorded) in enumerate(zip(node.inputs, node._versions)):
        if recorded is not None:
            now = _version.current_version(inp)
            if now != recorded and node.reads_input(i):
                raise _version.version_error(inp, recorded, node, i,
                                             _anomaly.creation_site(node))


class _Pass:
    """What one backward pass needs beyond the chain rule: leaves, hooks and capture."""

    __slots__ = ("create_graph", "capturing", "capture_at", "captured", "seen")

    def __init__(self, create_graph: bool, capture) -> None:
        self.create_graph = create_graph
        self.capturing = capture is not None
        # node -> positions in ``capture`` whose gradient it receives
        self.capture_at: dict = {}
        if capture is not None:
            for i, t in enumerate(capture):
                self.capture_at.setdefault(_graph.node_of(t), []).append(i)
        self.captured: list = [None] * (len(capture) if capture is not None else 0)
        # ids of arrays that a hook saw or a leaf's .grad took in this pass: a leaf that
        # receives one of them copies it, so that no later in-place accumulation changes
        # what someone else holds.
        self.seen: set = set()

    def rare(self, node, g: Tensor, owned: bool) -> tuple[Tensor, bool]:
        """Hooks and retain_grad on the node's output; capture for autograd_core.grad."""
        ref = node._out_ref
        out_t = ref() if ref is not None else None
        if out_t is not None:
            if out_t._hooks:
                g = out_t._run_hooks(g)
                owned = False  # a hook may have kept it, or returned its own
                self._saw(g)
            if out_t._retains and not self.capturing:
                _accumulate_retained(out_t, g, self.create_graph)  # (a copy)
        at = self.capture_at.get(node)
        if at is not None:
            owned = False  # returned to the caller as it is
            for i in at:
                self.captured[i] = g
        return g, owned

    def leaf(self, node, g: Tensor) -> None:
        """The sum of every gradient that reached leaf ``node.variable``: run its hooks
        once on it, then capture it or add it into ``.grad``."""
        leaf = node.variable
        if leaf._hooks:
            g = leaf._run_hooks(g)
            self._saw(g)
        if self.capturing:
            for i in self.capture_at.get(node, ()):
                self.captured[i] = g
            return
        _accumulate_leaf(leaf, g, self.create_graph, self.seen)

    def _saw(self, g: Tensor) -> None:
        d = g._data
        self.seen.add(id(d if d.base is None else d.base))


def _accumulate_leaf(leaf: Tensor, g: Tensor, create_graph: bool, seen: set) -> None:
    """Add ``g`` into ``leaf.grad`` (PyTorch accumulates across backward calls)."""
    gd, ld = g._data, leaf._data
    if gd.shape != ld.shape:
        raise RuntimeError(
            f"internal error: gradient of shape {gd.shape} for a leaf of shape {ld.shape}"
        )
    if gd.dtype != ld.dtype:
        gd = gd.astype(ld.dtype)
        g = Tensor._wrap(gd)
    old = leaf._grad  # (the engine's own: the property's checks hold already)
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
        leaf._grad = Tensor._wrap(gd)  # shape and dtype checked above
    elif (old.requires_grad or old._data.shape != gd.shape or not old._data.flags.writeable
          or id(old._data if old._data.base is None else old._data.base) in seen):
        # Out of place when .grad was handed over in this same pass: that array may also
        # be the delta still waiting to reach another node (add passes one delta to both
        # inputs), and adding into it would change that node's gradient.
        leaf.grad = Tensor._wrap(old._data + gd)
    else:
        np.add(old._data, gd, out=old._data)


def _accumulate_retained(t: Tensor, g: Tensor, create_graph: bool) -> None:
    old = t.grad
    if old is None:
        t.grad = g if create_graph else Tensor._wrap(g._data.copy())
    else:
        t.grad = old + g if create_graph else Tensor._wrap(old._data + g._data)


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
            result[i] = Tensor._wrap(r._data.copy() if r._data.base is not None else r._data)
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
