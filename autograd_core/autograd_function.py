"""``autograd.Function`` in PyTorch's form: user-defined ops on Tensors.

A user subclasses ``Function`` and writes two static methods on Tensors::

    class Cube(Function):
        @staticmethod
        def forward(ctx, x):            # runs in no-grad mode
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, delta):       # delta = dL/d(output)
            (x,) = ctx.saved_tensors
            return delta * 3 * x ** 2   # one gradient per forward input

    y = Cube.apply(x)

(or, in the newer style, ``forward(*args)`` without ``ctx`` plus
``setup_context(ctx, inputs, output)``). This sits on top of the engine's array-level
``autograd_core.function.Function``: every call records one engine node of the class
``CustomFunctionBackward``, whose forward runs the user's forward on the original
Tensors and whose backward calls the user's backward with Tensors. Because that backward
runs in the engine's grad mode, a backward written in differentiable Tensor ops works
under ``create_graph=True`` (second derivatives).

The engine's nodes have one output each. A forward that returns several tensors gets
one node whose output is the differentiable outputs packed into one flat vector, and one
small ``CustomOutputBackward`` node per output that reads its piece; the engine sums the
pieces' deltas at the packed vector, so the user's backward sees every output's delta at
once. Not supported: ``ctx.mark_dirty`` (in-place custom ops), ``save_for_forward``/jvp
and functorch transforms.
"""

from __future__ import annotations

import functools
import inspect
import weakref
from collections.abc import Callable
from typing import Any

import numpy as np
from typing_extensions import override

from . import grad_mode
from . import notation as nt
from . import version as _version
from .function import Function as _EngineFunction
from .tensor import Tensor

_STATE = grad_mode.STATE

__all__ = ["Function", "FunctionCtx", "CustomFunctionBackward", "CustomOutputBackward",
           "once_differentiable"]


class FunctionCtx:
    """The ``ctx`` a custom Function's forward, setup_context and backward receive.

    Arbitrary attributes may be set on it (``ctx.k = 3``) for backward to read. Tensors
    that backward needs go through ``save_for_backward`` so that in-place changes to them
    are detected and they are freed after backward, as in PyTorch.
    """

    def __init__(self, needs_input_grad: tuple[bool, ...]) -> None:
        #: One bool per positional input of forward: does it need a gradient?
        self.needs_input_grad = needs_input_grad
        self.to_save: tuple = ()
        self.non_differentiable: tuple = ()
        self.materialize_grads = True
        self._node: Any = None  # weakref to the engine node, once recorded

    def save_for_backward(self, *tensors: Tensor | None) -> None:
        """Keep tensors (or None) for backward; read them back as ``ctx.saved_tensors``.

        Call once, in forward or setup_context, with tensors only (inputs, outputs or
        intermediates); other values go on ``ctx`` as attributes.
        """
        for i, t in enumerate(tensors):
            if t is not None and not isinstance(t, Tensor):
                raise TypeError(
                    "save_for_backward can only save variables, but argument "
                    f"{i} is of type {type(t).__name__}")
        self.to_save = tensors

    @property
    def saved_tensors(self) -> tuple:
        """The tensors given to ``save_for_backward``; outputs come back as the tensors
        ``apply`` returned (with their graph, so backward can be differentiated)."""
        node = self._node() if self._node is not None else None
        if node is None:
            # Not recorded (no input needed grad): nothing was kept for a backward.
            return tuple(self.to_save)
        saved = node.saved_tensors  # raises the "backward a second time" error
        for j, (t, v) in enumerate(zip(saved, node.saved_versions)):
            if v is not None and _version.current_version(t) != v:
                raise _version.version_error(t, v, None, None, output_of=node
                                             if j in node.saved_outputs else None)
        return saved

    def mark_non_differentiable(self, *outputs: Tensor) -> None:
        """Mark outputs of forward that need no gradient (indices, masks).

        They are returned with ``requires_grad=False``; backward still receives one
        delta for each (zeros of the output's shape, or None without materialized grads).
        """
        for i, t in enumerate(outputs):
            if not isinstance(t, Tensor):
                raise TypeError(
                    "mark_non_differentiable only accepts Tensors, but argument "
                    f"{i} is of type {type(t).__name__}")
        self.non_differentiable = outputs

    def set_materialize_grads(self, value: bool) -> None:
        """With False, backward gets None (not zeros) for outputs no gradient reached."""
        self.materialize_grads = bool(value)

    def mark_dirty(self, *tensors: Tensor) -> None:
        """Not supported: custom Functions here must not change their inputs in place."""
        raise NotImplementedError(
            "ctx.mark_dirty is not supported by autograd_core's custom Functions: return "
            "a new tensor from forward instead of modifying an input in place")

    def save_for_forward(self, *tensors: Tensor) -> None:
        """Not supported: forward-mode AD (jvp) is not implemented."""
        raise NotImplementedError(
            "ctx.save_for_forward is not supported: autograd_core has no forward-mode AD")


class _Call:
    """One ``apply`` call, handed to the engine node's forward: the user's class, the
    original arguments (Tensors, not arrays) and what forward returned."""

    __slots__ = ("fn", "args", "kwargs", "ctx", "record", "setup", "out")

    def __init__(self, fn: type, args: tuple, kwargs: dict, ctx: FunctionCtx,
                 record: bool, setup: bool) -> None:
        self.fn, self.args, self.kwargs, self.ctx = fn, args, kwargs, ctx
        self.record, self.setup = record, setup
        self.out: Any = None


def _is_differentiable(o: Any, marked: tuple) -> bool:
    return (isinstance(o, Tensor) and o._data.dtype.kind == "f"
            and not any(o is m for m in marked))


def _sum_to(g: Tensor, shape: tuple) -> Tensor:
    """``g`` summed down to ``shape`` (``shape`` broadcasts to g's shape)."""
    lead = g.ndim - len(shape)
    if lead:
        g = g.sum(dim=tuple(range(lead)))
    dims = tuple(i for i, (s, n) in enumerate(zip(shape, g.shape)) if s == 1 and n != 1)
    if dims:
        g = g.sum(dim=dims, keepdim=True)
    return g


def _expandable(shape: tuple, to: tuple) -> bool:
    if len(shape) > len(to):
        return False
    return all(s == t or s == 1 for s, t in zip(shape[::-1], to[::-1]))


class CustomFunctionBackward(_EngineFunction):
    """The engine node of one call of a user's ``autograd.Function`` subclass.

    Its inputs are the positional arguments of the call. Its output is the user's output
    array (one differentiable output) or the differentiable outputs packed into one flat
    vector (several), each then read by a ``CustomOutputBackward`` node. Its backward
    hands the user's backward one delta per output (Tensors) and checks what comes back
    (count, shapes, dtypes) as PyTorch does.
    """

    __slots__ = ("fn", "ctx", "layout", "packed", "reached", "saved_inputs",
                 "saved_versions", "saved_outputs")

    @staticmethod
    @override
    def forward(node: CustomFunctionBackward, *arrays: Any, _call: _Call) -> np.ndarray:
        call = _call
        node.fn, node.ctx = call.fn, call.ctx
        node.released = False
        node.saved_inputs = frozenset()
        node.saved_versions = ()
        node.saved_outputs = frozenset()
        prev = _STATE.enabled
        _STATE.enabled = False  # the user's forward is not recorded: this node stands for it
        try:
            if call.setup:
                out = call.fn.forward(*call.args, **call.kwargs)
                call.fn.setup_context(call.ctx, call.args, out)
            else:
                out = call.fn.forward(call.ctx, *call.args, **call.kwargs)
        finally:
            _STATE.enabled = prev
        call.out = out
        marked = call.ctx.non_differentiable
        outs = out if isinstance(out, tuple) else (out,)
        # layout: per output, (offset in the packed vector, size, shape, dtype) for a
        # differentiable one; None for the others.
        layout: list = []
        offset = 0
        for o in outs:
            if _is_differentiable(o, marked):
                d = o._data
                layout.append((offset, d.size, d.shape, d.dtype))
                offset += d.size
            else:
                layout.append(None)
        node.layout = tuple(layout)
        node.packed = isinstance(out, tuple)
        node.reached = [False] * len(outs)
        if not call.record:
            return np.zeros(())  # apply returns the user's outputs as they are
        if not node.packed:
            return out._data if layout[0] is not None else np.zeros(())
        live = [o._data for o, lay in zip(outs, layout) if lay is not None]
        if not live:
            return np.zeros(())
        dtype = np.result_type(*[a.dtype for a in live])
        return np.concatenate([a.astype(dtype, copy=False).reshape(-1) for a in live])

    @staticmethod
    def backward(node: CustomFunctionBackward, grad: Tensor) -> tuple:
        """delta(s) -> the user's ``backward(ctx, *deltas)``, checked; one per input."""
        ctx = node.ctx
        materialize = ctx.materialize_grads
        deltas: list = []
        for k, lay in enumerate(node.layout):
            if lay is None:
                deltas.append(_zeros_for(node, k) if materialize else None)
            elif not node.packed:
                deltas.append(grad)
            elif not materialize and not node.reached[k]:
                deltas.append(None)
            else:
                off, n, shape, dtype = lay
                piece = grad[off:off + n].reshape(shape)
                deltas.append(piece if piece.dtype == dtype else piece.to(dtype))
        node.reached = [False] * len(node.layout)
        res = node.fn.backward(ctx, *deltas)
        return _checked_grads(node, res)

    def __getattr__(self, name: str) -> Any:
        # In PyTorch the node is the ctx: ``y.grad_fn.k`` reads what forward set on ctx.
        try:
            ctx = object.__getattribute__(self, "ctx")
        except AttributeError:
            raise AttributeError(name) from None
        return getattr(ctx, name)

    def _release(self) -> None:
        super()._release()
        self.saved_versions = ()

    def reads_input(self, i: int) -> bool:
        """Only the inputs given to ``save_for_backward`` are read by backward."""
        return i in self.saved_inputs

    def name(self) -> str:
        """The node's name as PyTorch shows it: the user's Function class + ``Backward``."""
        return f"{self.fn.__name__}Backward"

    @override
    def label(self) -> str:
        return self.fn.__name__

    @override
    def formula(self, operands):
        return nt.call(self.fn.__name__, *[o for o in operands if o is not None])

    @override
    def trace_rule(self, k, operands, out, numbers):
        # The user's backward is opaque code: the rule names it.
        name = self.fn.__name__
        return ("custom", lambda u: nt.Expr(f"{name}.backward({u.text})[{k}]"))


def _zeros_for(node: CustomFunctionBackward, k: int) -> Tensor | None:
    """The materialized delta of a non-differentiable output: zeros like it (None for a
    non-tensor output)."""
    out = node.ctx._outputs_meta[k]
    if out is None:
        return None
    shape, dtype = out
    return Tensor._wrap(np.zeros(shape, dtype))


def _checked_grads(node: CustomFunctionBackward, res: Any) -> tuple:
    """The user's gradients as the engine wants them, with PyTorch's checks."""
    name = node.name()
    res = res if isinstance(res, tuple) else (res,)
    inputs = node.inputs
    n = len(inputs)
    if len(res) != n and not (len(res) > n and all(r is None for r in res[n:])):
        raise RuntimeError(
            f"function {name} returned an incorrect number of gradients (expected {n}, "
            f"got {len(res)})")
    out: list = []
    for i, (g, inp) in enumerate(zip(res, inputs)):
        if g is None:
            out.append(None)
            continue
        if not isinstance(inp, Tensor):
            raise RuntimeError(
                f"function {name} returned a gradient different than None at position "
                f"{i + 1}, but the corresponding forward input was not a Variable")
        if not isinstance(g, Tensor):
            raise RuntimeError(f"expected Variable or None (got {type(g).__name__})")
        if not inp.requires_grad:
            out.append(None)  # PyTorch drops it too
            continue
        shape = inp._data.shape
        if g._data.shape != shape:
            if not _expandable(shape, g._data.shape):
                raise RuntimeError(
                    f"Function {name} returned an invalid gradient at index {i} - got "
                    f"{list(g._data.shape)} but expected shape compatible with "
                    f"{list(shape)}")
            g = _sum_to(g, shape)
        if g._data.dtype != inp._data.dtype:
            g = g.to(inp._data.dtype)
        out.append(g)
    return tuple(out)


class CustomOutputBackward(_EngineFunction):
    """Output ``k`` of a custom Function that returned several tensors.

    Input: the packed vector of the call's ``CustomFunctionBackward`` node. Output: the
    user's output ``k`` as forward made it. Backward places delta_k at output k's piece
    of a zero vector of the packed size; the engine sums those vectors at the packed
    output, so the call's node receives every output's delta together.
    """

    __slots__ = ("k", "owner")
    _reads_inputs = False  # only the packed vector's size and dtype

    @staticmethod
    @override
    def forward(ctx: CustomOutputBackward, flat: np.ndarray, *, k: int,
                owner: CustomFunctionBackward, arr: np.ndarray) -> np.ndarray:
        ctx.k, ctx.owner = k, owner
        return arr

    @staticmethod
    @override
    def backward(ctx: CustomOutputBackward, grad: Tensor) -> Tensor:
        from .ops import cat

        owner, k = ctx.owner, ctx.k
        owner.reached[k] = True
        off, n, _, _ = owner.layout[k]
        flat = ctx.inputs[0]._data
        g = grad.reshape(-1)
        if g.dtype != flat.dtype:
            g = g.to(flat.dtype)
        parts = []
        if off:
            parts.append(Tensor._wrap(np.zeros(off, flat.dtype)))
        parts.append(g)
        if off + n < flat.size:
            parts.append(Tensor._wrap(np.zeros(flat.size - off - n, flat.dtype)))
        return cat(parts) if len(parts) > 1 else parts[0]

    @staticmethod
    @override
    def fast_backward(ctx: CustomOutputBackward, grad: Tensor) -> Tensor:
        owner, k = ctx.owner, ctx.k
        owner.reached[k] = True
        off, n, _, _ = owner.layout[k]
        flat = ctx.inputs[0]._data
        out = np.zeros(flat.size, flat.dtype)
        out[off:off + n] = grad._data.reshape(-1)
        return Tensor._wrap(out)

    def name(self) -> str:
        """The name of the node that made this output: its Function class + ``Backward``."""
        return f"{self.owner.fn.__name__}Backward"

    @override
    def label(self) -> str:
        return f"{self.owner.fn.__name__}[{self.k}]"

    @override
    def formula(self, operands):
        return nt.indexed(operands[0], str(self.k))

    @override
    def trace_rule(self, k, operands, out, numbers):
        j = self.k
        return ("custom", lambda u: nt.call("place", u, f"output={j}"))


def _base_setup_context(ctx: Any, inputs: tuple, output: Any) -> None:
    raise NotImplementedError("setup_context is not implemented.")


class Function:
    """Base class of user-defined differentiable ops, as ``torch.autograd.Function``.

    Subclasses define static methods:

    * ``forward(ctx, *args, **kwargs)`` on Tensors (and any other arguments), returning a
      Tensor or a tuple of them; it runs in no-grad mode. Or ``forward(*args)`` without
      ``ctx`` together with ``setup_context(ctx, inputs, output)``.
    * ``backward(ctx, *grad_outputs)``: one delta = dL/d(output) per output (Tensors),
      returning one gradient per positional input of forward (None for inputs that are
      not tensors or need none). Written in Tensor ops it is differentiable again
      (``create_graph=True``).

    Call it with ``MyFunction.apply(*args)``; never instantiate it.
    """

    @staticmethod
    def forward(*args: Any, **kwargs: Any) -> Any:
        """Compute the outputs from the inputs (Tensors), in no-grad mode."""
        raise NotImplementedError(
            "You must implement the forward function for custom autograd.Function.")

    setup_context = staticmethod(_base_setup_context)

    @staticmethod
    def backward(ctx: FunctionCtx, *grad_outputs: Any) -> Any:
        """dL/d(each output) -> dL/d(each input), as Tensors."""
        raise NotImplementedError(
            "You must implement either the backward or vjp method for your custom "
            "autograd.Function to use it with backward mode AD.")

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Any:
        """Run forward; when grad mode is on and some positional Tensor input requires
        grad, record one graph node whose backward is ``cls.backward``.

        Returns what forward returned: differentiable outputs become graph outputs
        (``requires_grad=True``); integer/bool outputs and those marked with
        ``ctx.mark_non_differentiable`` do not require grad.
        """
        setup = cls.setup_context is not _base_setup_context
        if setup:
            bound = inspect.signature(cls.forward).bind(*args, **kwargs)
            bound.apply_defaults()
            args, kwargs = tuple(bound.args), dict(bound.kwargs)
        needs = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
        record = _STATE.enabled and any(needs)
        ctx = FunctionCtx(needs)
        call = _Call(cls, args, kwargs, ctx, record, setup)
        t = CustomFunctionBackward.apply(*args, _call=call)
        out = call.out
        node = t.grad_fn
        if node is None:
            return out
        return _finish(node, t, call)


def _finish(node: CustomFunctionBackward, t: Tensor, call: _Call) -> Any:
    """Turn the recorded call into what ``apply`` returns, and fix what backward saves."""
    ctx = call.ctx
    ctx._node = weakref.ref(node)
    out = call.out
    outs = out if node.packed else (out,)
    ctx._outputs_meta = tuple(
        (o._data.shape, o._data.dtype) if isinstance(o, Tensor) else None for o in outs)
    results: list = []
    for k, (o, lay) in enumerate(zip(outs, node.layout)):
        if lay is None:
            # Not differentiable: returned as forward made it, without history.
            results.append(o.detach() if isinstance(o, Tensor) and o.requires_grad else o)
        elif not node.packed:
            results.append(t)
        else:
            results.append(CustomOutputBackward.apply(t, k=k, owner=node, arr=o._data))
    # Saved outputs come back as the returned tensors (with this node as their history,
    # as in PyTorch); saved inputs as the caller's tensors.
    saved = []
    saved_outputs = set()
    for s in ctx.to_save:
        for k, o in enumerate(outs):
            if s is not None and s is o and isinstance(results[k], Tensor):
                s = results[k]
                saved_outputs.add(len(saved))
                break
        saved.append(s)
    node.saved = tuple(saved)
    node.saved_outputs = frozenset(saved_outputs)
    node.saved_inputs = frozenset(
        i for i, a in enumerate(call.args)
        if isinstance(a, Tensor) and any(a is s for s in ctx.to_save))
    # Inputs are version-checked by the engine (reads_input); every other saved tensor
    # is checked when backward reads ctx.saved_tensors.
    node.saved_versions = tuple(
        None if s is None or any(s is a for a in call.args)
        else _version.current_version(s) for s in saved)
    ctx.to_save = ()
    return tuple(results) if node.packed else results[0]


def once_differentiable(backward: Callable[..., Any]) -> Callable[..., Any]:
    """Decorate a custom Function's ``backward`` that is not itself differentiable
    (written with NumPy, say): it then runs in no-grad mode.

    Under ``create_graph=True`` PyTorch lets the first derivative be computed and fails
    only when it is differentiated again. Here the gradient it returned would carry no
    history, and a second derivative through it would silently miss its terms, so the
    error comes at once, with PyTorch's message.
    """

    @functools.wraps(backward)
    def wrapper(ctx: Any, *grad_outputs: Any) -> Any:
        if _STATE.enabled:  # the engine records the backward pass: create_graph=True
            raise RuntimeError(
                "trying to differentiate twice a function that was marked with "
                "@once_differentiable (autograd_core raises when create_graph=True "
                "reaches it)")
        prev = _STATE.enabled
        _STATE.enabled = False
        try:
            return backward(ctx, *grad_outputs)
        finally:
            _STATE.enabled = prev

    return wrapper
