"""Hook plumbing for ``Module``: removable handles and the full backward hook.

A full backward hook needs every input gradient of one module call at once, after all
the module's own backward work is done. The engine's nodes have one output each, so the
tensor inputs are packed into one flat vector, passed through one identity node, and
unpacked again before ``forward`` sees them; that node's backward receives all the
input gradients together. The outputs get the same treatment, so that the hook also
sees every output gradient together. Only modules with a backward hook pay for this.
"""

from __future__ import annotations

import itertools
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import numpy as np

from autograd_core import Tensor
from autograd_core import notation as nt
from autograd_core.function import Function

_ids = itertools.count()


class RemovableHandle:
    """Returned by the ``register_*_hook`` methods; ``remove()`` unregisters the hook.

    Usable as a context manager: the hook is removed on leaving the ``with`` block.
    """

    __slots__ = ("id", "_store", "_kw_set", "_on_remove")

    def __init__(self, store: OrderedDict, kw_set: set | None = None,
                 on_remove: Callable[[], None] | None = None) -> None:
        self.id = next(_ids)
        self._store = store
        self._kw_set = kw_set
        self._on_remove = on_remove

    def remove(self) -> None:
        """Unregister the hook (a second call does nothing)."""
        self._store.pop(self.id, None)
        if self._kw_set is not None:
            self._kw_set.discard(self.id)
        if self._on_remove is not None:
            self._on_remove()

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.remove()


def add_hook(store: OrderedDict, hook: Callable, prepend: bool = False,
             kw_set: set | None = None, with_kwargs: bool = False,
             on_remove: Callable[[], None] | None = None) -> RemovableHandle:
    """Store ``hook`` in ``store`` (first when ``prepend``) and return its handle."""
    handle = RemovableHandle(store, kw_set, on_remove)
    store[handle.id] = hook
    if prepend:
        store.move_to_end(handle.id, last=False)
    if with_kwargs and kw_set is not None:
        kw_set.add(handle.id)
    return handle


# ----- full backward hooks ------------------------------------------------------------


class _CallState:
    """What one hooked module call shares between its output and input identity nodes."""

    __slots__ = ("module", "grad_outputs", "n_inputs", "input_mask")

    def __init__(self, module: Any, n_inputs: int, input_mask: list[bool]) -> None:
        self.module = module
        self.grad_outputs: tuple | None = None
        self.n_inputs = n_inputs
        self.input_mask = input_mask


def _pack(tensors: list[Tensor]) -> Tensor:
    from autograd_core import cat

    if len(tensors) == 1:
        return tensors[0].reshape(-1)
    return cat([t.reshape(-1) for t in tensors])


def _unpack(flat: Tensor, like: list[Tensor]) -> list[Tensor]:
    if len(like) == 1:
        return [flat.reshape(like[0].shape)]
    out, start = [], 0
    for t in like:
        n = t._data.size
        piece = flat[start:start + n].reshape(t.shape)
        if piece.dtype != t.dtype:
            piece = piece.to(t.dtype)
        out.append(piece)
        start += n
    return out


def _split_grad(grad: Tensor, like: list[Tensor]) -> tuple[Tensor, ...]:
    """The packed delta cut into one piece per tensor of ``like``, in Tensor ops, so
    that a hook's gradients stay differentiable under create_graph."""
    out, start = [], 0
    for t in like:
        n = t._data.size
        out.append(grad[start:start + n].reshape(t.shape))
        start += n
    return tuple(out)


def _join_grads(grads: tuple, like: list[Tensor], dtype: np.dtype) -> Tensor:
    """The hooks' gradients (None for zeros) packed again into one vector of ``dtype``,
    in Tensor ops (differentiable, as ``_split_grad``)."""
    from autograd_core import cat

    parts = []
    for g, t in zip(grads, like):
        if g is None:
            g = Tensor._wrap(np.zeros(t.shape, dtype=dtype))
        elif not isinstance(g, Tensor):
            g = Tensor._wrap(np.asarray(g, dtype=dtype))
        if g._data.shape != t._data.shape:
            raise RuntimeError(
                f"hook has changed the size of value: backward hook returned a gradient of "
                f"shape {list(g._data.shape)} for an input of shape {list(t.shape)}"
            )
        if g._data.dtype != t._data.dtype:  # PyTorch refuses it too (no silent cast)
            raise RuntimeError(
                f"hook has changed the type of value: backward hook returned a gradient of "
                f"dtype {g._data.dtype} for an input of dtype {t._data.dtype}"
            )
        if g._data.dtype != dtype:
            g = g.to(dtype)
        parts.append(g.reshape(-1))
    return cat(parts) if len(parts) > 1 else parts[0]


class _OutputsHook(Function):
    """Identity on the packed outputs; its backward sees every output gradient."""

    __slots__ = ("state", "like", "pre_hooks", "hooks")
    elementwise = True  # an identity

    @staticmethod
    def forward(ctx, flat, state, like, pre_hooks, hooks):
        ctx.state, ctx.like, ctx.pre_hooks, ctx.hooks = state, like, pre_hooks, hooks
        return flat.copy()

    @staticmethod
    def backward(ctx, grad):
        st = ctx.state
        grads = _split_grad(grad, ctx.like)
        for hook in list(ctx.pre_hooks.values()):
            r = hook(st.module, grads)
            if r is not None:
                grads = tuple(r) if isinstance(r, (tuple, list)) else (r,)
        st.grad_outputs = grads
        if st.n_inputs == 0:
            # No input needs a gradient: PyTorch calls the hook now, with None inputs.
            none_inputs = tuple(None for _ in st.input_mask)
            for hook in list(ctx.hooks.values()):
                hook(st.module, none_inputs, grads)
        new = _join_grads(grads, ctx.like, grad.dtype)
        return new, None, None, None, None

    def label(self) -> str:
        return "backward_hook(outputs)"

    def formula(self, operands):
        return operands[0]

    def trace_rule(self, k, operands, out, numbers):
        # An identity; the hooks it runs may replace the delta.
        return ("local", nt.ONE)


class _InputsHook(Function):
    """Identity on the packed inputs; its backward runs the module's backward hooks."""

    __slots__ = ("state", "like", "hooks")
    elementwise = True  # an identity

    @staticmethod
    def forward(ctx, flat, state, like, hooks):
        ctx.state, ctx.like, ctx.hooks = state, like, hooks
        return flat.copy()

    @staticmethod
    def backward(ctx, grad):
        st = ctx.state
        got = iter(_split_grad(grad, ctx.like))
        grad_inputs = tuple(next(got) if m else None for m in st.input_mask)
        for hook in list(ctx.hooks.values()):
            r = hook(st.module, grad_inputs, st.grad_outputs or ())
            if r is not None:
                r = tuple(r) if isinstance(r, (tuple, list)) else (r,)
                if len(r) != len(grad_inputs):
                    raise RuntimeError(
                        f"backward hook returned {len(r)} gradients, expected "
                        f"{len(grad_inputs)} (one per positional input)"
                    )
                grad_inputs = r
        kept = tuple(g for g, m in zip(grad_inputs, st.input_mask) if m)
        return _join_grads(kept, ctx.like, grad.dtype), None, None, None

    def label(self) -> str:
        return "backward_hook(inputs)"

    def formula(self, operands):
        return operands[0]

    def trace_rule(self, k, operands, out, numbers):
        # An identity; the hooks it runs may replace the delta.
        return ("local", nt.ONE)


def wrap_inputs(module: Any, args: tuple, hooks: OrderedDict) -> tuple[tuple, _CallState]:
    """Route the tensor arguments that need grad through one ``_InputsHook`` node."""
    mask = [isinstance(a, Tensor) for a in args]
    live = [a for a in args if isinstance(a, Tensor) and a.requires_grad]
    live_mask = [isinstance(a, Tensor) and a.requires_grad for a in args]
    state = _CallState(module, len(live), [m for m in mask if m])
    state.input_mask = [lm for lm, m in zip(live_mask, mask) if m]
    if not live:
        return args, state
    flat = _InputsHook.apply(_pack(live), state, live, hooks)
    new_live = iter(_unpack(flat, live))
    new_args = tuple(next(new_live) if lm else a for a, lm in zip(args, live_mask))
    return new_args, state


def wrap_outputs(result: Any, state: _CallState, pre_hooks: OrderedDict,
                 hooks: OrderedDict) -> Any:
    """Route the outputs that need grad through one ``_OutputsHook`` node."""
    single = isinstance(result, Tensor)
    items = [result] if single else list(result) if isinstance(result, (tuple, list)) else None
    if items is None:
        return result
    live = [t for t in items if isinstance(t, Tensor) and t.requires_grad]
    if not live:
        return result
    flat = _OutputsHook.apply(_pack(live), state, live, pre_hooks, hooks)
    new_live = iter(_unpack(flat, live))
    new_items = [next(new_live) if isinstance(t, Tensor) and t.requires_grad else t
                 for t in items]
    if single:
        return new_items[0]
    return type(result)(new_items) if isinstance(result, list) else tuple(new_items)
