"""``Optimizer``: the base class every optimizer in ``optim`` derives from.

An optimizer holds ``param_groups`` (a list of dicts: the group's ``params`` plus its own
hyper-parameters, defaults filled in from ``defaults``) and ``state`` (per-parameter
buffers, keyed by the parameter Tensor). ``step()`` reads each parameter's ``.grad`` and
changes ``._data`` in place; it never records graph nodes because it works on the NumPy
arrays directly. Names, arguments, error messages and the ``state_dict`` layout follow
``torch.optim.Optimizer``.

optim depends on ``autograd_core`` only (never on ``nn``): a parameter is any Tensor.
"""

from __future__ import annotations

import copy
import functools
import inspect
import warnings
from collections import defaultdict
from collections.abc import Callable, Iterable
from itertools import chain
from typing import Any

import numpy as np

from autograd_core import Tensor, enable_grad
from autograd_core.version import mark_modified

__all__ = ["Optimizer"]


def _typename(obj: Any) -> str:
    """``module.QualName`` of obj's type, as ``torch.typename`` writes it in errors."""
    if isinstance(obj, Tensor):
        return "autograd_core.Tensor"
    kind = type(obj)
    if kind.__module__ in ("builtins", "__main__"):
        return kind.__qualname__
    return f"{kind.__module__}.{kind.__qualname__}"


def _lerp_(start: np.ndarray, end: np.ndarray, weight: float) -> None:
    """``start <- start + weight (end - start)`` in place, rounded as ``torch.lerp_``.

    PyTorch evaluates from the nearer end so that weight = 1 gives ``end`` exactly; using
    the same two branches keeps float64 trajectories equal to PyTorch's to the last bits.
    """
    if abs(weight) < 0.5:
        start += weight * (end - start)
    else:
        np.subtract(end, (end - start) * (1.0 - weight), out=start)


def _check_tensor_lr(lr: Any) -> None:
    """A Tensor lr must hold one number, as in PyTorch (which then accepts it)."""
    if isinstance(lr, Tensor) and lr._data.size != 1:
        raise ValueError(f"Tensor lr must be 1-element (got shape {list(lr.shape)})")


def _mark_step(step: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a subclass's ``step`` so that schedulers can tell it has been called.

    A group's lr may be a one-element Tensor (PyTorch accepts one); the update rules
    compute on NumPy arrays, so for the step the group holds its value as a float, and
    the Tensor is put back afterwards (the caller may change it in place between steps).
    """

    @functools.wraps(step)
    def wrapper(self: Optimizer, *args: Any, **kwargs: Any) -> Any:
        self._opt_called = True
        held = [(g, g["lr"]) for g in self.param_groups if isinstance(g.get("lr"), Tensor)]
        if not held:
            return step(self, *args, **kwargs)
        for g, lr in held:
            if lr._data.size != 1:  # a group added with a larger one: refused as torch does
                raise TypeError(f"a group's lr must be a Number or a one-element Tensor, "
                                f"not a Tensor of shape {list(lr.shape)}")
            g["lr"] = float(lr._data.reshape(()))
        try:
            return step(self, *args, **kwargs)
        finally:
            for g, lr in held:
                g["lr"] = lr

    wrapper._marks_step = True  # type: ignore[attr-defined]
    return wrapper


def _check_lr_first(init: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a subclass's ``__init__`` so that a Tensor lr of more than one element is
    refused in PyTorch's words before the range checks compare it with 0."""
    sig = inspect.signature(init)

    @functools.wraps(init)
    def wrapper(self: Optimizer, *args: Any, **kwargs: Any) -> None:
        try:
            lr = sig.bind(self, *args, **kwargs).arguments.get("lr")
        except TypeError:
            lr = None  # the call itself is wrong: let __init__ report it
        _check_tensor_lr(lr)
        init(self, *args, **kwargs)

    wrapper._checks_lr = True  # type: ignore[attr-defined]
    return wrapper


def _group_tensors(params: Any) -> tuple[list[Tensor], list[str]]:
    """A group's ``params`` (a tensor, or an ordered collection of tensors or of
    (name, tensor) pairs) as (tensors, names), checked as PyTorch checks them; names is
    empty when the parameters come without names."""
    if isinstance(params, Tensor):
        params = [params]
    elif isinstance(params, set):
        raise TypeError(
            "optimizer parameters need to be organized in ordered collections, but "
            "the ordering of tensors in sets will change between runs. Please use a "
            "list instead."
        )
    else:
        params = list(params)

    tensors, names = [], []
    for p in params:
        if isinstance(p, tuple):
            names.append(p[0])
            tensors.append(p[1])
        else:
            tensors.append(p)
    if names and len(names) != len(tensors):
        raise ValueError(
            "all optimizer params should be with/without names. Some param names "
            "are missing"
        )

    for p in tensors:
        if not isinstance(p, Tensor):
            raise TypeError(
                "optimizer can only optimize Tensors, but one of the params is " + _typename(p)
            )
        if not (p.is_leaf or p.retains_grad):
            raise ValueError("can't optimize a non-leaf Tensor")
    return tensors, names


class Optimizer:
    """Base class for optimizers.

    Args:
        params: an iterable of Tensors, of ``(name, Tensor)`` pairs, or of dicts (parameter
            groups: ``{"params": [...], "lr": ..., ...}``; options a group leaves out come
            from ``defaults``).
        defaults: the default value of every hyper-parameter of this optimizer.

    Attributes:
        param_groups: list of dicts, one per group, each with ``params`` (list of Tensors)
            and every hyper-parameter.
        state: dict mapping a parameter Tensor to its buffers (NumPy arrays of the
            parameter's shape and dtype, and ``step`` counts where the rule needs one).
    """

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        step = cls.__dict__.get("step")
        if step is not None and not getattr(step, "_marks_step", False):
            cls.step = _mark_step(step)
        init = cls.__dict__.get("__init__")
        if init is not None and not getattr(init, "_checks_lr", False):
            cls.__init__ = _check_lr_first(init)

    def __init__(self, params: Iterable[Any], defaults: dict[str, Any]) -> None:
        if isinstance(params, Tensor):
            raise TypeError(
                "params argument given to the optimizer should be an iterable of Tensors "
                f"or dicts, but got {_typename(params)}"
            )
        self.defaults = defaults
        self.state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []
        self._opt_called = False

        groups = list(params)
        if len(groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    # ----- groups ---------------------------------------------------------------------
    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters with its own options (the rest from ``defaults``).

        Raises TypeError for a non-dict, a set of parameters or a non-Tensor, ValueError
        for a non-leaf Tensor or a parameter that is already in another group.
        """
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group)}")
        group = dict(param_group)  # the caller's dict is left as it was
        tensors, names = _group_tensors(group["params"])
        group["params"] = tensors
        if names:
            group["param_names"] = names

        for name, default in self.defaults.items():
            group.setdefault(name, default)

        ids = [id(p) for p in tensors]
        if len(ids) != len(set(ids)):
            warnings.warn(
                "optimizer contains a parameter group with duplicate parameters; "
                "in future, this will cause an error; "
                "see github.com/pytorch/pytorch/issues/40967 for more information",
                stacklevel=3,
            )

        seen: set[int] = set()
        for other in self.param_groups:
            seen.update(id(p) for p in other["params"])
            if ("param_names" in group) != ("param_names" in other):
                which = "with names" if "param_names" in group else "without names"
                raise ValueError(
                    "all optimizer param groups should be with/without names. "
                    f"cannot add param group {which} to the optimizer"
                )
        if not seen.isdisjoint(ids):
            raise ValueError("some parameters appear in more than one parameter group")

        self.param_groups.append(group)

    # ----- gradients ------------------------------------------------------------------
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset every parameter's ``.grad``: to None (default) or to zeros in place.

        With ``set_to_none=True`` a parameter that gets no gradient in the next backward
        keeps ``.grad is None`` and the next ``step()`` skips it; zeros would instead take
        a step with a zero gradient (weight decay and momentum still act).
        """
        for group in self.param_groups:
            for p in group["params"]:
                g = p.grad
                if g is None:
                    continue
                if set_to_none:
                    p.grad = None
                elif g.grad_fn is not None or not g._data.flags.writeable:
                    # A gradient that is part of a graph (create_graph=True) is replaced by
                    # a detached zero array, as PyTorch detaches it before zeroing.
                    p.grad = Tensor._wrap(np.zeros_like(g._data))
                else:
                    g.requires_grad = False
                    g._data.fill(0)
                    mark_modified(g)

    def _grads(self, group: dict[str, Any]) -> list[tuple[Tensor, np.ndarray]]:
        """(parameter, gradient array) for each parameter of the group that has a grad."""
        return [(p, p.grad._data) for p in group["params"] if p.grad is not None]

    # ----- stepping -------------------------------------------------------------------
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a ``.grad``; subclasses give the rule.

        closure: optional function that recomputes the loss (run with grad enabled) and
        returns it; ``step`` returns that loss (None without a closure).
        """
        raise NotImplementedError

    @staticmethod
    def _run_closure(closure: Callable[[], Any] | None) -> Any:
        if closure is None:
            return None
        with enable_grad():
            return closure()

    # ----- saving and loading ---------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """The optimizer's state as a dict of plain data (copies, safe to keep and save).

        ``{"state": {index: {buffer name: ndarray or number}}, "param_groups": [{options...,
        "params": [index, ...]}]}``: parameters are numbered in group order starting at 0,
        as in PyTorch; the parameter Tensors themselves are not included.
        """
        index: dict[int, int] = {}
        groups = []
        start = 0
        for group in self.param_groups:
            packed = {k: copy.deepcopy(v) for k, v in group.items() if k != "params"}
            for i, p in enumerate(group["params"], start):
                index.setdefault(id(p), i)
            packed["params"] = [index[id(p)] for p in group["params"]]
            start += len(packed["params"])
            groups.append(packed)
        state = {
            (index[id(k)] if isinstance(k, Tensor) else k): copy.deepcopy(v)
            for k, v in self.state.items()
        }
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore ``state_dict()``'s output onto this optimizer's parameters.

        Groups and parameters are matched by position. The group options are replaced by
        the saved ones; buffers are deep-copied and cast to their parameter's dtype. Raises
        ValueError when the number of groups or of parameters in a group differs.
        """
        groups = self.param_groups
        saved_groups = copy.deepcopy(state_dict["param_groups"])
        if len(groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(groups, saved_groups)):
            raise ValueError(
                "loaded state dict contains a parameter group that doesn't match the size "
                "of optimizer's group"
            )
        id_map = dict(
            zip(
                chain.from_iterable(s["params"] for s in saved_groups),
                chain.from_iterable(g["params"] for g in groups),
            )
        )

        state: defaultdict[Any, dict[str, Any]] = defaultdict(dict)
        for key, value in state_dict["state"].items():
            if key in id_map:
                param = id_map[key]
                state[param] = {k: _cast(param, k, v) for k, v in value.items()}
            else:
                state[key] = copy.deepcopy(value)

        for group, saved in zip(groups, saved_groups):
            saved["params"] = group["params"]
            if "param_names" in group and "param_names" not in saved:
                saved["param_names"] = group["param_names"]
        self.state = state
        self.param_groups = saved_groups

    # ----- display --------------------------------------------------------------------
    def __repr__(self) -> str:
        lines = [type(self).__name__ + " ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for key in sorted(group):
                if key != "params":
                    lines.append(f"    {key}: {group[key]}")
        lines.append(")")
        return "\n".join(lines)


def _cast(param: Tensor, key: str, value: Any) -> Any:
    """A deep copy of one saved buffer, floating arrays cast to the parameter's dtype."""
    if isinstance(value, np.ndarray):
        if key != "step" and value.dtype.kind == "f" and param._data.dtype.kind == "f":
            return value.astype(param._data.dtype, copy=True)
        return value.copy()
    return copy.deepcopy(value)
