"""In-place operations on tensors, and the view ops' side of views.

Version counters and views themselves (what counts a write, what shares a counter) are
in ``version.py``; this module holds what needs the graph: the in-place ops, the
``ViewFunction`` base of the view ops, and rebuilding a view's ``grad_fn``.

In-place with autograd. Outside grad recording an in-place op writes into the array
and bumps the version. When it must be recorded, the op is computed out of place through
the ordinary Functions on a snapshot standing for the old value, the result is written
into the same array (so every alias sees it), and the tensor is rebound to the new node
(as PyTorch rebases history). In-place on a view records a ``CopySlices`` node on the
root, then rebuilds the view from it. Nodes recorded before a rebind are unaffected:
their edges (``next_functions``) were fixed when they were made.

A node may have saved its output's array for backward (exp, sigmoid); the node does not
record its output's version, so a write into that memory replaces the node's ``saved``
with a ``version.SavedOverwritten``, which raises PyTorch's error when backward asks.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any

import numpy as np
from typing_extensions import override

from . import anomaly as _anomaly
from . import dtypes as _dt
from . import grad_mode
from . import notation as nt
from . import version as _version
from .function import Function
from .tensor import Tensor, _check_alpha

_STATE = grad_mode.STATE
_mark_modified = _version.mark_modified


def _torch_dtype_name(dt: np.dtype) -> str:
    names = {
        "float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long",
        "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool",
    }
    return names.get(np.dtype(dt).name, str(dt))


# ----- views --------------------------------------------------------------------------


def _replay(t: Tensor, steps: tuple) -> Tensor:
    """Apply the view ops ``steps`` to ``t`` again (recorded as ordinary ops)."""
    apply = Function.apply.__func__  # plain apply: the result's _base is not needed
    for cls, args in steps:
        t = apply(cls, t, *args)
    return t


def _rebind_view(v: Tensor, fresh: Tensor, ver: int) -> None:
    """Give view ``v`` the history of ``fresh`` (its steps replayed on the root now)."""
    old = v.grad_fn
    v.grad_fn = fresh.grad_fn
    v.requires_grad = fresh.requires_grad
    v._base.bound = ver
    if v._hooks or v._retains:
        if old is not None and old._out_ref is not None and old._out_ref() is v:
            old._out_ref = None
        if v.grad_fn is not None:
            v.grad_fn._out_ref = weakref.ref(v)


class ViewFunction(Function):
    """A Function whose output may share its first input's memory (a NumPy view).

    ``apply`` records such an output as a view of its input (``version.make_view``): it
    shares the input's version counter, so in-place changes through the view or its base
    are counted for both, and it remembers how it was made, so its ``grad_fn`` can be
    rebuilt after the base changed in place (``refresh_view``).
    """

    __slots__ = ()
    _reads_inputs = False  # view ops need only the input's shape in backward

    @classmethod
    def apply(cls, a: Any, *args: Any) -> Tensor:
        """``Function.apply``, then record the output as a view of ``a`` if it shares memory."""
        out = Function.apply.__func__(cls, a, *args)
        if isinstance(a, Tensor):
            ad = a._data
            ob = out._data.base
            # NumPy points a view's base at the array that owns the memory.
            if ob is not None and (ob is ad or ob is ad.base):
                _version.make_view(a, out, (cls, args))
        return out

    @staticmethod
    def refresh_view(v: Tensor, link: _version.ViewLink, ver: int) -> None:
        """Rebind view ``v``'s ``grad_fn`` to its root's history at version ``ver``.

        ``version.view_version`` calls this when the root changed in place since the
        view's ``grad_fn`` was bound. Under no_grad nothing is recorded, so the view
        stays stale until it is next used with grad on.
        """
        if not link.root.requires_grad:
            link.bound = ver  # nothing to rebuild: no history is shared with the root
        elif _STATE.enabled:
            _rebind_view(v, _replay(link.root, link.steps), ver)


def _flat_positions(shape: tuple, steps: tuple) -> np.ndarray:
    """Flat (C-order) positions in the root of the elements the view ``steps`` select."""
    pos = np.arange(int(np.prod(shape)), dtype=np.intp).reshape(shape)
    for cls, args in steps:
        pos = cls.forward(cls.__new__(cls), pos, *args)
    return np.asarray(pos).reshape(-1)


class CopySlices(Function):
    """The root after an in-place change of one of its views: root with src in the view.

    Inputs: the root's old value (a snapshot), the view's new value, the view steps.
    The caller has already written src into the root's memory through the view; the
    forward only hands the root's array on. Backward: delta outside the view goes to the
    old root, delta inside it to src.
    """

    __slots__ = ("steps",)
    _reads_inputs = False

    @staticmethod
    @override
    def forward(ctx, base, src, steps):
        ctx.steps = steps
        return base

    @staticmethod
    @override
    def backward(ctx, grad):
        base, src = ctx.inputs[0], ctx.inputs[1]
        g_base = g_src = None
        if isinstance(base, Tensor) and base.requires_grad:
            from .ops.compare import masked_grad

            # Selected, not multiplied, so an inf delta inside the view gives 0 outside.
            keep = np.ones(grad._data.shape, dtype=bool)
            keep.reshape(-1)[_flat_positions(grad._data.shape, ctx.steps)] = False
            g_base = masked_grad(grad, keep)
        if isinstance(src, Tensor) and src.requires_grad:
            g_src = _replay(grad, ctx.steps)
        return g_base, g_src, None

    @override
    def label(self) -> str:
        return "copy_slices"

    @override
    def formula(self, operands):
        return nt.call("copy_slices", operands[0], operands[1])

    @override
    def trace_rule(self, k, operands, out, numbers):
        if k == 0:  # the elements the view did not cover
            return ("local", nt.iverson("outside the view"))
        return ("custom", lambda u: nt.call("view_of", u))


# ----- saved outputs overwritten in place ---------------------------------------------


def _poison_saved(t: Tensor, written: np.ndarray) -> None:
    """Before writing into ``t``'s memory: if the node that made that memory saved it for
    backward, make the node's ``saved`` raise PyTorch's error when backward asks."""
    owner = _version.memory_owner(t)
    node = owner.grad_fn if owner is not None else None
    if node is None or node.released:
        return
    saved = node.saved
    if saved is None or saved.__class__ is _version.SavedOverwritten:
        return
    for s in saved:
        if isinstance(s, np.ndarray) and np.may_share_memory(s, written):
            node.saved = _version.SavedOverwritten(
                saved, owner, _version.current_version(owner), _anomaly.creation_site(node))
            return


# ----- the in-place machinery ---------------------------------------------------------


def check_writable(t: Tensor) -> None:
    """Raise PyTorch's error (or ours, saying why) if ``t``'s memory cannot be written.

    A read-only copy that ``view()`` had to make, an expanded tensor (several elements in
    one memory location) and other read-only arrays are refused before any write.
    """
    if not isinstance(t, Tensor):
        raise TypeError(f"in-place operation expects a Tensor, got {type(t).__name__}")
    arr = t._data
    if not arr.flags.writeable and _version.is_copied_view(arr):
        raise RuntimeError(
            "in-place operation on the result of view(), which is a read-only copy: the "
            "original's memory layout (a transposed tensor, a convolution's output or an "
            "nn.Linear weight, laid out batch-last or column-major here) has no view of "
            "that shape, so a change through it could not reach the original. Change the "
            "original, or use reshape() or clone() for a separate tensor."
        )
    if not arr.flags.writeable:
        if any(st == 0 and n > 1 for st, n in zip(arr.strides, arr.shape)):
            raise RuntimeError(
                "unsupported operation: more than one element of the written-to tensor "
                "refers to a single memory location. Please clone() the tensor before "
                "performing the operation."
            )
        raise RuntimeError(
            "in-place operation on a tensor whose array is read-only; clone() it first"
        )


def _fit(t: Tensor, res: Tensor, cast_any: bool) -> Tensor:
    """The result checked against ``t``: same shape, and a dtype ``t`` can hold."""
    if res._data.shape != t._data.shape:
        raise RuntimeError(
            f"output with shape {list(t._data.shape)} doesn't match the broadcast shape "
            f"{list(res._data.shape)}"
        )
    if res._data.dtype != t._data.dtype:
        if not cast_any and not np.can_cast(res._data.dtype, t._data.dtype, "same_kind"):
            raise RuntimeError(
                f"result type {_torch_dtype_name(res._data.dtype)} can't be cast to the "
                f"desired output type {_torch_dtype_name(t._data.dtype)}"
            )
        res = res.to(t._data.dtype) if res.requires_grad else Tensor._wrap(
            res._data.astype(t._data.dtype))
    return res


def _snapshot(t: Tensor, copy: bool) -> Tensor:
    """A tensor standing for ``t``'s current value and history in the new node.

    Its array is a copy only when the new node's backward reads it; otherwise it shares
    ``t``'s array (which is about to be overwritten, but nothing will read it).
    """
    s = Tensor.__new__(Tensor)
    s._data = t._data.copy() if copy else t._data
    s.grad = None
    s.requires_grad = t.requires_grad
    s.grad_fn = t.grad_fn
    s._version_counter = None
    s._hooks = None
    s._retains = False
    s._base = None
    s._accumulator = None
    return s


def _rebind(t: Tensor, res: Tensor, snap: Tensor) -> None:
    """Make ``t`` the output of ``res``'s node (older nodes keep their recorded edges)."""
    old = t.grad_fn
    if t._hooks:
        # Hooks registered before the change see the gradient of the old value (as in
        # PyTorch): they move to the snapshot, which the old node now reports to.
        snap._hooks, t._hooks = t._hooks, None
        if old is not None:
            old._out_ref = weakref.ref(snap)
    elif old is not None and old._out_ref is not None:
        old._out_ref = None
    t.grad_fn = res.grad_fn
    t.requires_grad = res.requires_grad
    if t._retains and t.grad_fn is not None:
        t.grad_fn._out_ref = weakref.ref(t)  # retain_grad follows the newest value
    _mark_modified(t)


def _modify(
    t: Tensor,
    compute: Callable[[Tensor, Any], Tensor],
    other: Any,
    reads_self: Callable[[Any], bool],
    cast_any: bool = False,
) -> Tensor:
    """Run ``compute(old_value, other)`` (an out-of-place op) and store it into ``t``.

    other: the op's other operand (a Tensor, number, or tuple of them); reads_self: given
    the operand actually used, does the recorded backward read the old value of ``t``?
    """
    check_writable(t)
    others = other if isinstance(other, tuple) else (other,)
    other_rg = any(isinstance(o, Tensor) and o.requires_grad for o in others)
    if not (_STATE.enabled and (t.requires_grad or other_rg)) or (
        cast_any and t._data.dtype.kind != "f"
    ):
        res = _fit(t, compute(Tensor._wrap(t._data), other), cast_any)
        _poison_saved(t, t._data)
        np.copyto(t._data, res._data, casting="unsafe")
        _mark_modified(t)
        return t
    if t._base is not None:
        return _modify_view(t, compute, other, reads_self, cast_any)
    if t.requires_grad and t.grad_fn is None:
        raise RuntimeError(
            "a leaf Variable that requires grad is being used in an in-place operation."
        )
    snap = _snapshot(t, False)
    # The operand may be t itself (x.mul_(x)): use the snapshot, i.e. the old value.
    used = tuple(snap if o is t else o for o in others)
    used_other = used if isinstance(other, tuple) else used[0]
    if reads_self(used_other):
        snap._data = t._data.copy()
    res = _fit(t, compute(snap, used_other), cast_any)
    _poison_saved(t, t._data)
    np.copyto(t._data, res._data)
    _rebind(t, res, snap)
    return t


def _modify_view(t, compute, other, reads_self, cast_any) -> Tensor:
    link = t._base
    root, steps = link.root, link.steps
    if root.requires_grad and root.grad_fn is None:
        raise RuntimeError(
            "a view of a leaf Variable that requires grad is being used in an in-place "
            "operation."
        )
    # The old value of the view, taken from a snapshot of the root rather than from t's
    # own grad_fn: that one holds the root tensor as an input, and the root's new graph
    # would then hold the root itself (a reference cycle only gc could free).
    root_snap = _snapshot(root, False)
    snap = _snapshot(t, False)
    old_view = _replay(root_snap, steps)
    snap.grad_fn, snap.requires_grad = old_view.grad_fn, old_view.requires_grad
    others = other if isinstance(other, tuple) else (other,)
    used = tuple(snap if o is t else o for o in others)
    used_other = used if isinstance(other, tuple) else used[0]
    if reads_self(used_other):
        snap._data = t._data.copy()
    res = _fit(t, compute(snap, used_other), cast_any)
    _poison_saved(t, t._data)
    np.copyto(t._data, res._data)  # through the view, into the root's memory
    new_root = CopySlices.apply(root_snap, res, steps)
    _rebind(root, new_root, root_snap)
    # The view now reads from the new root; older nodes keep the edges they recorded.
    ver = _version.current_version(root)
    old = t.grad_fn
    if t._hooks:
        # Hooks registered before the change stay with the old value's node (as in
        # PyTorch, the root's new graph does not pass through the view's hooks).
        snap._hooks, t._hooks = t._hooks, None
        if old is not None:
            old._out_ref = weakref.ref(snap)
    fresh = _replay(root, steps)
    t.grad_fn = fresh.grad_fn
    t.requires_grad = fresh.requires_grad
    link.bound = ver
    if t._retains and t.grad_fn is not None:
        t.grad_fn._out_ref = weakref.ref(t)
    return t


def _needs_other_grad(o: Any) -> bool:
    return isinstance(o, Tensor) and o.requires_grad


def _never(o: Any) -> bool:
    return False


def _always(o: Any) -> bool:
    return True


def add_(t: Tensor, other: Any, alpha: float = 1) -> Tensor:
    """t += alpha * other in place. Returns t."""
    _check_alpha("add_", alpha)
    return _modify(t, lambda s, o: s + (o if alpha == 1 else o * alpha), other, _never)


def sub_(t: Tensor, other: Any, alpha: float = 1) -> Tensor:
    """t -= alpha * other in place. Returns t."""
    _check_alpha("sub_", alpha)
    return _modify(t, lambda s, o: s - (o if alpha == 1 else o * alpha), other, _never)


def mul_(t: Tensor, other: Any) -> Tensor:
    """t *= other in place. Returns t."""
    # Mul's backward reads the old t only to give other its gradient.
    return _modify(t, lambda s, o: s * o, other, _needs_other_grad)


def div_(t: Tensor, other: Any) -> Tensor:
    """t /= other in place (true division). Returns t."""
    return _modify(t, lambda s, o: s / o, other, _needs_other_grad)


def clamp_(t: Tensor, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002
    """t = clamp(t, min, max) in place. Returns t."""
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    from .ops import clamp

    return _modify(t, lambda s, o: clamp(s, o[0], o[1]), (min, max), _always)


class Fill(Function):
    """Every element set to ``value`` (a number or a 0-d tensor); the old value gets 0."""

    __slots__ = ()
    _reads_inputs = False
    elementwise = True  # value broadcast to every element

    @override
    def trace_rule(self, k, operands, out, numbers):
        return ("local", nt.ZERO if k == 0 else nt.ONE)

    @staticmethod
    @override
    def forward(ctx, a, value):
        return np.full_like(a, value)

    @staticmethod
    @override
    def backward(ctx, grad):
        value = ctx.inputs[1]
        gv = None
        if isinstance(value, Tensor) and value.requires_grad:
            gv = grad.sum().to(value._data.dtype)
        return Tensor._wrap(np.zeros_like(grad._data)), gv


def fill_(t: Tensor, value: Any) -> Tensor:
    """Set every element of t to ``value`` (number or 0-d tensor), in place. Returns t."""
    if isinstance(value, Tensor):
        if value._data.ndim != 0:
            raise RuntimeError(
                "fill_ only supports 0-dimension value tensor but got tensor with "
                f"{value._data.ndim} dimensions."
            )
    elif not isinstance(value, (int, float, bool, np.number, np.bool_)):
        raise TypeError(
            f"fill_(): argument 'value' must be Number or a 0-d Tensor, not "
            f"{type(value).__name__}"
        )
    if isinstance(value, Tensor):
        if t._data.dtype.kind in "iub" and not np.isfinite(value._data):
            raise RuntimeError(
                f"value cannot be converted to type {t._data.dtype} without overflow"
            )
    else:
        # PyTorch's checked conversion: 2.7 -> 2 in an int tensor, 300 refused in int8.
        value = _dt.fill_scalar(value, t._data.dtype)
    return _modify(t, lambda s, v: Fill.apply(s, v), value, _never, cast_any=True)


class Copy(Function):
    """``src`` broadcast to the target's shape and cast to its dtype; the old value gets 0."""

    __slots__ = ()
    _reads_inputs = False
    elementwise = True

    @override
    def trace_rule(self, k, operands, out, numbers):
        return ("local", nt.ZERO if k == 0 else nt.ONE)

    @staticmethod
    @override
    def forward(ctx, a, src):
        out = np.empty_like(a)
        np.copyto(out, np.broadcast_to(src, a.shape), casting="unsafe")
        return out

    @staticmethod
    @override
    def backward(ctx, grad):
        from .ops._broadcast import unbroadcast

        src = ctx.inputs[1]
        g_src = None
        if src.requires_grad:
            g_src = unbroadcast(grad, src._data.shape).to(src._data.dtype)
        return Tensor._wrap(np.zeros_like(grad._data)), g_src


def copy_(t: Tensor, src: Any) -> Tensor:
    """Copy ``src`` into t (src broadcast to t's shape, cast to t's dtype). Returns t."""
    if not isinstance(src, Tensor):
        raise TypeError(f"copy_(): argument 'src' must be Tensor, not {type(src).__name__}")
    try:
        np.broadcast_shapes(src._data.shape, t._data.shape)
        ok = np.broadcast_shapes(src._data.shape, t._data.shape) == t._data.shape
    except ValueError:
        ok = False
    if not ok:
        raise RuntimeError(
            f"copy_(): the source of shape {list(src._data.shape)} cannot be broadcast to "
            f"the destination's shape {list(t._data.shape)}"
        )
    return _modify(t, lambda s, o: Copy.apply(s, o), src, _never, cast_any=True)
