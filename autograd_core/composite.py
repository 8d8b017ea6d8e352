"""Composite calls: one function whose work is several recorded ops, marked for pictures.

``conv2d`` is im2col, a few layout steps (permute, reshape) and one matrix product;
``max_pool2d`` is im2col, reshapes, a max and a transpose. A graph picture or a backward
trace that shows every one of them buries the convolution under bookkeeping. Decorating
the function with ``@composite(...)`` pushes a ``Composite`` marker onto
``function.SCOPE.path`` (the stack that ``nn.Module.__call__`` also pushes onto) for the
length of each call, so every node recorded inside carries the marker in ``node.scope``.
``autograd_core.viz`` then folds the nodes of one call into one box labelled with the
call (``conv2d(kernel_size=(5, 5), padding=2)``) and one backward step.

The marker also remembers the call's arguments, tensors only weakly (with their shape and
dtype): an input that needs no gradient (the image batch fed to the first convolution) is
recorded by no node, and the picture still draws it, by name when the tensor is alive.
"""

from __future__ import annotations

import functools
import inspect
import weakref
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from .function import SCOPE
from .grad_mode import STATE as _GRAD
from .tensor import Tensor

F = TypeVar("F", bound=Callable[..., Any])


class TensorArg:
    """A tensor argument of a composite call, held weakly: ``tensor()`` is the tensor or
    None once it is gone; ``shape``, ``dtype`` and ``requires_grad`` stay."""

    __slots__ = ("ref", "shape", "dtype", "requires_grad")

    def __init__(self, t: Tensor) -> None:
        self.ref = weakref.ref(t)
        self.shape = t._data.shape
        self.dtype = t._data.dtype
        self.requires_grad = t.requires_grad

    def tensor(self) -> Tensor | None:
        """The argument, if it is still alive."""
        return self.ref()


class CompositeSpec:
    """What a composite function shows in pictures: its name, its signature (to name its
    arguments and options) and, per tensor argument, its gradient as a formula template.

    grads: ``{argument name: template}``; a template names the other tensor arguments in
    braces and the upstream gradient as ``{delta}``, e.g. ``"im2col({input}) @ {delta}"``.
    """

    __slots__ = ("name", "signature", "grads")

    def __init__(self, name: str, fn: Callable, grads: Mapping[str, str] | None) -> None:
        self.name = name
        self.signature = inspect.signature(fn)
        self.grads = dict(grads or {})


class Composite:
    """One call of a composite function: its spec and its arguments (tensors weakly).

    Found in ``node.scope`` of every node recorded during the call. ``arguments()`` binds
    the stored arguments to the signature: ``{name: value}`` with ``TensorArg`` for tensors.
    """

    __slots__ = ("spec", "args", "kwargs", "__weakref__")

    def __init__(self, spec: CompositeSpec, args: tuple, kwargs: dict) -> None:
        self.spec = spec
        self.args = tuple(TensorArg(a) if isinstance(a, Tensor) else a for a in args)
        self.kwargs = {k: TensorArg(v) if isinstance(v, Tensor) else v
                       for k, v in kwargs.items()}

    @property
    def name(self) -> str:
        """The function's name, e.g. ``conv2d``."""
        return self.spec.name

    def arguments(self) -> dict[str, Any]:
        """Every parameter of the call by name (defaults filled in), tensors as TensorArg."""
        try:
            bound = self.spec.signature.bind(*self.args, **self.kwargs)
        except TypeError:  # the call itself was wrong and raised; show what is known
            return {}
        bound.apply_defaults()
        return dict(bound.arguments)

    def options(self) -> list[tuple[str, Any]]:
        """The non-tensor arguments given other than their defaults, in signature order."""
        given = self.spec.signature.bind_partial(*self.args, **self.kwargs).arguments
        params = self.spec.signature.parameters
        out = []
        for name, value in given.items():
            if isinstance(value, TensorArg) or value is None:
                continue
            default = params[name].default
            if default is not inspect.Parameter.empty and _same(value, default):
                continue
            out.append((name, value))
        return out

    def tensor_args(self) -> list[tuple[str, TensorArg]]:
        """``(name, TensorArg)`` for each tensor argument, in signature order."""
        return [(k, v) for k, v in self.arguments().items() if isinstance(v, TensorArg)]

    def __repr__(self) -> str:
        return f"<Composite {self.spec.name}>"


def _same(a: Any, b: Any) -> bool:
    """Is a given option its default? A pair of equal numbers counts as the number
    (``stride=(1, 1)`` is ``stride=1``), as the functions read it."""
    if isinstance(a, (tuple, list)) and not isinstance(b, (tuple, list)) and a:
        return all(_same(x, b) for x in a)
    try:
        return bool(a == b)
    except Exception:  # an array compared with a number: not equal to a default
        return False


def composite(name: str, *, grads: Mapping[str, str] | None = None) -> Callable[[F], F]:
    """Decorator: mark every node recorded inside the function as one ``name`` call.

    grads: per tensor argument, its gradient as a formula template for backward traces
    (see ``CompositeSpec``). The marker costs one small object per call.
    """

    def wrap(fn: F) -> F:
        spec = CompositeSpec(name, fn, grads)

        @functools.wraps(fn)
        def call(*args: Any, **kwargs: Any) -> Any:
            if not _GRAD.enabled:
                # No node can be recorded (no_grad, inference): nothing to mark.
                return fn(*args, **kwargs)
            prev = SCOPE.path
            marker = Composite(spec, args, kwargs)
            SCOPE.path = (marker,) if prev is None else prev + (marker,)
            try:
                return fn(*args, **kwargs)
            finally:
                SCOPE.path = prev

        call.__composite__ = spec  # type: ignore[attr-defined]
        return call  # type: ignore[return-value]

    return wrap


def composite_of(node: Any) -> Composite | None:
    """The outermost composite call a node was recorded in (None if none)."""
    scope = getattr(node, "scope", None)
    if not scope:
        return None
    for obj in scope:
        if isinstance(obj, Composite):
            return obj
    return None
