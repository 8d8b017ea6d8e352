"""``Function``: the one way to define a differentiable operation.

A subclass gives two static methods:

* ``forward(ctx, *arrays, **kwargs) -> ndarray``: plain NumPy on the inputs' arrays
  (non-tensor arguments such as Python numbers arrive unchanged);
* ``backward(ctx, grad) -> Tensor | tuple``: given delta = dL/d(output) as a Tensor,
  return one gradient per input (None where an input needs none), written with Tensor
  operations so that ``create_graph=True`` can differentiate the backward pass itself.
  This is the op's one formula.

and may give a third, ``fast_backward(ctx, grad)``: the same gradients computed with
NumPy on the arrays (wrapped with ``Tensor._wrap``), which the engine runs instead of
``backward`` outside ``create_graph``; a generic test checks that both agree.

What pictures and traces show of a node is also the op's own: ``label()`` (the name
drawn), ``formula(operands)`` (its output as a formula of its inputs) and
``trace_rule(k, ...)`` (the symbolic local derivative of input k); see
``autograd_core.notation`` for the formulas.

``ctx`` is the graph node. It is an instance of the subclass, so per-op attributes go in
that subclass's ``__slots__``; the node keeps its inputs (the graph's edges), what
``save_for_backward`` stored, and, for drawing, the module scope it was made in.

Two optional speed contracts. A subclass whose plain (no create_graph) backward (its
``fast_backward`` when it has one) always returns new arrays that nothing else
references sets ``_fresh_grads = True``. The engine then knows that the node receiving
one of them is its only holder. During that node's backward the engine sets
``ctx.owns_grad``, which means the node may write into the ``grad`` it was given (relu
masks it in place). Nodes are numbered as they are recorded (``_seq``), which gives the
engine its order, so nodes are never copied.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import numpy as np

from . import anomaly as _anomaly
from . import grad_mode
from . import graph as _graph
from . import version as _version
from .notation import Expr, Rule, call, format_number
from .tensor import Tensor

_STATE = grad_mode.STATE
_ndarray = np.ndarray
_new = object.__new__
_wrap = Tensor._wrap
_next_seq = _graph.next_seq
_leaf_node = _graph.leaf_node
_NO_EDGE = (None, 0)  # the edge of an input that needs no gradient


class _Scope(threading.local):
    """The modules being called (outermost first) when a node is made, for drawing.

    ``nn.Module.__call__`` pushes itself onto ``path``; graph pictures turn the module
    objects into names ("features.0") through the model's ``named_modules()``. Per
    thread, like grad mode: two threads calling modules do not mix their paths.
    """

    path: tuple | None = None  # the class-level default each thread starts from


SCOPE = _Scope()


class FreedTensor(Tensor):
    """Stands in a node's input after backward freed the graph: shape and dtype only.

    Its array is one zero broadcast to the shape (no memory). A node keeps its inputs
    only for its backward; once that has run (without ``retain_graph``) the node lets
    go of them, so that a kept ``loss`` does not keep the step's activations alive.
    Pictures show these inputs as freed; the values are gone.
    """

    __slots__ = ()


_FREED: dict = {}  # (shape, dtype) -> the zero-stride array standing for freed values


def _freed_array(d: np.ndarray) -> np.ndarray:
    key = (d.shape, d.dtype)
    arr = _FREED.get(key)
    if arr is None:
        if len(_FREED) > 4096:  # shapes seen once (a varying batch): keep the cache small
            _FREED.clear()
        arr = _FREED[key] = np.broadcast_to(np.zeros((), d.dtype), d.shape)
    return arr


_FREED_T: dict = {}  # (shape, dtype, requires_grad) -> a shared FreedTensor


def _freed_tensor(a: Tensor) -> Tensor:
    """The shared stand-in for tensor input ``a`` of a released node (same shape and
    dtype, a read-only zero-stride array, no history): one per shape, shared by every
    released node, so nothing can change it."""
    d = a._data
    key = (d.shape, d.dtype, a.requires_grad)
    f = _FREED_T.get(key)
    if f is None:
        if len(_FREED_T) > 4096:  # shapes seen once (a varying batch): keep it small
            _FREED_T.clear()
        f = _FREED_T[key] = _wrap(_freed_array(d))
        f.__class__ = FreedTensor  # same slots: a plain tensor relabelled
        f.requires_grad = a.requires_grad
    return f


_OWN_SLOTS: dict = {}


def _own_slots(cls: type) -> tuple:
    """The slots that subclasses of Function add (where ops keep per-node state)."""
    slots = _OWN_SLOTS.get(cls)
    if slots is None:
        names = []
        for k in cls.__mro__:
            if k is Function:
                break
            s = k.__dict__.get("__slots__", ())
            names.extend([s] if isinstance(s, str) else s)
        slots = _OWN_SLOTS[cls] = tuple(names)
    return slots


class Function:
    """Base class of differentiable operations; ``Op.apply(*inputs, **kwargs)`` runs one.

    Subclasses set ``__slots__`` for the attributes their forward keeps on ``ctx``.
    """

    __slots__ = ("inputs", "next_functions", "saved", "released", "scope", "_out_ref",
                 "_versions", "_epoch", "_seq", "owns_grad", "__weakref__")

    # Does backward read the inputs' values (not just their shapes)? The engine raises
    # the "modified by an inplace operation" error only for inputs that are read.
    _reads_inputs: bool = True

    # Does backward (outside create_graph) return gradient arrays that it has just made,
    # each one distinct and referenced by nothing else? The engine may then let the node
    # that receives one of them reuse its memory (see ``owns_grad``).
    _fresh_grads: bool = False

    # ----- used by subclasses -------------------------------------------------------
    def save_for_backward(self, *values: Any) -> None:
        """Keep arrays (or anything) that backward needs; freed after backward."""
        self.saved = values

    @property
    def saved_tensors(self) -> tuple:
        """What ``save_for_backward`` kept; raises if backward already freed it."""
        if self.released:
            raise RuntimeError(
                "Trying to backward through the graph a second time (or directly access "
                "saved tensors after they have already been freed). Saved intermediate "
                "values of the graph are freed when you call .backward() or "
                "autograd_core.grad(). Specify retain_graph=True if you need to backward "
                "through the graph a second time or if you need to access saved tensors "
                "after calling backward."
            )
        saved = self.saved
        if saved.__class__ is _version.SavedOverwritten:
            raise saved.error(self)
        return saved

    def _release(self) -> None:
        """Free what only backward needed: saved values, input tensors and arrays.

        Leaves that require grad stay (their ``AccumulateGrad`` node holds them anyway),
        and so do tensors with hooks or ``retain_grad`` (they must live until their own
        node has run); every other tensor input becomes a ``FreedTensor`` of the same
        shape and dtype, and so does every array among the inputs or in the op's own
        slots (an index, a mask), as a zero-stride array: labels can still read shapes.
        This runs once per node after backward, so the common cases come first.
        """
        self.saved = None
        self.released = True
        self._versions = None  # checked only before backward, which cannot run again
        kept = []
        for a in self.inputs:
            if isinstance(a, Tensor):
                if not ((a.grad_fn is None and a.requires_grad) or a._hooks or a._retains):
                    a = _freed_tensor(a)
            elif a.__class__ is _ndarray and a.size > 1:
                a = _freed_array(a)
            kept.append(a)
        self.inputs = tuple(kept)
        for name in _own_slots(type(self)):
            v = getattr(self, name, None)
            if v.__class__ is _ndarray and v.size > 1:
                setattr(self, name, _freed_array(v))

    def reads_input(self, i: int) -> bool:
        """Does backward read the value of input ``i``? (Override for precision.)"""
        return self._reads_inputs

    @property
    def needs_input_grad(self) -> tuple[bool, ...]:
        """One bool per input: does that input need a gradient?"""
        return tuple(isinstance(t, Tensor) and t.requires_grad for t in self.inputs)

    # ----- the op's definition ------------------------------------------------------
    @staticmethod
    def forward(ctx: Function, *args: Any, **kwargs: Any) -> np.ndarray:
        """The op's value: the inputs' NumPy arrays in, one ndarray out (plain NumPy).

        args: one entry per input, in ``apply``'s order; a tensor arrives as its array,
        anything else (a number, a dim, a shape) unchanged. ``ctx`` is the node: keep on
        it (``save_for_backward``, or the subclass's slots) what backward will need.
        """
        raise NotImplementedError

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Any:
        """delta = dL/d(output) -> one gradient per input, in Tensor ops (the formula)."""
        raise NotImplementedError

    # Optional NumPy fast path: a static method with backward's signature and return
    # convention, computing on ``grad._data`` and the saved arrays. The engine calls it
    # instead of ``backward`` when it is set and no graph of the backward pass is being
    # recorded (create_graph off). It must equal ``backward`` in values, dtype and memory
    # layout (tests/test_op_registry.py checks every op that has one).
    fast_backward: Any = None
    """The optional NumPy fast path of ``backward`` (None: the op has none); see above."""

    # ----- what pictures and traces show (read by autograd_core.viz) ----------------
    # The op's name in labels and formulas; None: the class name in lower case.
    label_name: str | None = None
    # Names of the inputs that are options rather than tensors, by input position, as
    # the default label() shows them (``pow(exponent=2)``); unnamed ones print bare.
    arg_names: tuple[str, ...] = ()
    # Does each output element depend only on the input elements at its position (after
    # broadcasting)? Traces then show the local derivative as numbers, and the gradient
    # of a broadcast input as unbroadcast(...).
    elementwise: bool = False

    def label(self) -> str:
        """The label drawn for this node: the op's name and the non-tensor arguments
        that tell it apart (``pow(exponent=2)``, ``sum(dim=(1,))``, ``to(dtype=float64)``).
        """
        base = self.label_name or type(self).__name__.lower()
        names = self.arg_names
        parts = []
        for pos, v in enumerate(self.inputs):
            if isinstance(v, Tensor):
                continue
            if isinstance(v, np.dtype):
                text = v.name
            elif isinstance(v, (float, int, np.number)) and not isinstance(v, bool):
                text = format_number(v)
            elif isinstance(v, tuple):
                text = "(" + ", ".join(str(x) for x in v) + ("," if len(v) == 1 else "") + ")"
            else:
                text = repr(v)
            parts.append(f"{names[pos]}={text}" if pos < len(names) and names[pos] else text)
        return f"{base}({', '.join(parts)})" if parts else base

    def formula(self, operands: Sequence[Expr | None]) -> Expr:
        """The output as a formula of the inputs, e.g. ``x+y`` or ``exp(x)``.

        operands: one entry per input (``self.inputs``): the formula of a tensor or a
        Python number there, None for an option (a dim, a shape). The default writes
        ``name(a, b, ...)`` over the entries that are not None.
        """
        name = self.label_name or type(self).__name__.lower()
        return call(name, *[o for o in operands if o is not None])

    def trace_rule(self, k: int, operands: Sequence[Expr | None], out: Expr,
                   numbers: Sequence[bool]) -> Rule | None:
        """How input ``k`` gets its gradient, as a formula; None when the op has no rule.

        k: the input's position in ``self.inputs``. operands: as in ``formula``. out: the
        output's formula. numbers[j]: input j is a Python number (a constant exponent, a
        scalar other). Returns ("local", D), meaning the gradient is upstream * D
        elementwise, or ("custom", f), meaning it is f(upstream) for an ``Expr``
        upstream (matmul: ``delta @ B^T``). Every op overrides this (a test checks).
        """
        return None

    def name(self) -> str:
        """PyTorch-style node name, e.g. ``MulBackward``."""
        return type(self).__name__ + "Backward"

    def __repr__(self) -> str:
        return f"<{self.name()}>"

    def __reduce_ex__(self, protocol: Any) -> Any:
        # A node's recording number orders the backward pass; a copy would share it with
        # the original (or, unpickled elsewhere, clash with newer nodes), so nodes are
        # never copied. Tensors pickle without their graph, as in PyTorch.
        raise TypeError(f"graph nodes ({self.name()}) cannot be copied or pickled")

    # ----- running it ---------------------------------------------------------------
    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Tensor:
        """Run forward on the inputs' arrays; record a node when some input needs grad."""
        # One pass over the inputs gathers what forward needs (the arrays) and what the
        # node records: each input's version now (checked again before backward) and its
        # edge (the node its gradient goes to, fixed now, whatever happens to it later).
        # This runs once per op, so it is written for speed: grad mode is read once.
        enabled = _STATE.enabled
        record = False
        arrays = []
        versions = []
        edges = []
        for a in args:
            if isinstance(a, Tensor):
                if a._base is None:
                    c = a._version_counter  # version.current_version, inlined (hot)
                    versions.append(0 if c is None else c.value)
                else:  # a view: its grad_fn is first rebuilt if its base changed
                    versions.append(_view_version(a))
                if a.requires_grad and enabled:
                    record = True
                    fn = a.grad_fn  # graph.node_of, inlined (hot)
                    edges.append((fn, 0) if fn is not None else (_leaf_node(a), 0))
                else:
                    edges.append(_NO_EDGE)
                arrays.append(a._data)
            else:
                arrays.append(a)
                versions.append(None)
                edges.append(_NO_EDGE)
        ctx = _new(cls)
        ctx.saved = None
        out = cls.forward(ctx, *arrays, **kwargs) if kwargs else cls.forward(ctx, *arrays)
        if out.__class__ is not _ndarray:
            out = np.asarray(out)
            if out.dtype.kind not in "biuf":
                raise TypeError(
                    f"{cls.__name__}.forward must return an ndarray of numbers, got "
                    f"{type(out).__name__} of dtype {out.dtype}"
                )
        t = _wrap(out)  # a constant tensor; made a graph output below when recorded
        if record:
            ctx.inputs = args
            ctx.next_functions = tuple(edges)
            # A tuple of ints, unlike a list, is dropped from the cyclic collector's
            # watch: a million-node graph then costs it a quarter less work.
            ctx._versions = tuple(versions)
            ctx._epoch = _EPOCH[0]  # in-place writes so far (see version.EPOCH)
            ctx.released = False
            ctx.scope = SCOPE.path
            ctx._out_ref = None
            ctx._seq = _next_seq()  # recording order: the engine's topological order
            # Set by the engine, for the length of one backward call, when the delta it
            # passes is an array nobody else holds: backward may then write into it.
            ctx.owns_grad = False
            t.requires_grad = True
            t.grad_fn = ctx
            if _ANOMALY.enabled:
                _anomaly.note_creation(ctx)
        return t


_ANOMALY = _anomaly.STATE
_view_version = _version.view_version
_EPOCH = _version.EPOCH
