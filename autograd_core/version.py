"""Version counters and views: how an in-place write is seen by every node that needs it.

Why count versions. A node's backward may read its inputs' values (``ctx.inputs[i]._data``)
and what ``save_for_backward`` kept. If that memory is overwritten in place between the
forward and the backward pass, the gradient would silently be wrong. So memory carries a
version counter: every in-place write bumps it (``mark_modified``), ``Function.apply``
records each input's version on the node (``current_version``), and before a node's
backward runs the engine compares them, raising PyTorch's "modified by an inplace
operation" error (``version_error``) when an input that backward reads has changed.

One counter per block of memory, shared by every tensor that can write into it:

* a view (basic indexing, reshape, permute, expand) shares its base's counter and keeps a
  ``ViewLink`` in ``_base``: the root tensor that owns the memory and the view ops that
  lead from it, so that its ``grad_fn`` can be rebuilt after the root changed in place
  (``make_view``, ``view_version``);
* an alias (``detach()``, the entries of ``state_dict()``) shares only the counter: it has
  no history, and it does not keep its source, or the graph behind it, alive
  (``make_alias``).

So a write through any of them is seen by every node that recorded any other.
``tensor._data`` (the ndarray) is the one deliberate way around the counting, as in PyTorch.

The counter is made on first need (a write, a view or an alias); a tensor without one has
never been written in place and is at version 0. This costs nothing on the hot path of
making tensors. The module imports nothing from the package, so that ``tensor.py`` and
``function.py`` can use it without an import cycle.
"""

from __future__ import annotations

import weakref
from typing import Any

__all__ = [
    "VersionCounter",
    "ViewLink",
    "SavedOverwritten",
    "current_version",
    "mark_modified",
    "make_alias",
    "share_version",
    "make_view",
    "view_version",
    "memory_owner",
    "mark_copied_view",
    "is_copied_view",
    "version_error",
]


class VersionCounter:
    """How many in-place writes a block of memory has had; shared by its views and aliases.

    ``owner`` is a weak reference to the tensor that owned the memory when the counter was
    made (the root of its views): the node that made that tensor may have saved the
    memory for backward, and an in-place write through any alias must find that node.
    """

    __slots__ = ("value", "owner")

    def __init__(self, owner: Any) -> None:
        self.value = 0
        self.owner = weakref.ref(owner)


class ViewLink:
    """What a view records in ``_base``: where its memory comes from.

    root: the tensor that owns the memory; steps: ``((ViewFunction subclass, args), ...)``,
    the view ops that lead from root to the view; bound: the version at which the view's
    ``grad_fn`` was last bound to root's history (when the shared counter has moved on,
    root was changed in place and the view's ``grad_fn`` is rebuilt before its next use).
    """

    __slots__ = ("root", "steps", "bound")

    def __init__(self, root: Any, steps: tuple, bound: int) -> None:
        self.root = root
        self.steps = steps
        self.bound = bound


def _counter(t: Any) -> VersionCounter:
    """``t``'s counter, made now if it has none (only a root can lack one)."""
    c = t._version_counter
    if c is None:
        c = t._version_counter = VersionCounter(t)
    return c


def current_version(t: Any) -> int:
    """The number of in-place writes made to ``t``'s memory, through any view or alias."""
    c = t._version_counter
    return 0 if c is None else c.value


# How many in-place writes have been counted in this process, on any tensor. A node
# records it when it is made; if it is unchanged when backward reaches the node, none of
# the node's inputs can have been written since, and the engine skips the per-input
# version check (most graphs see no in-place write at all between forward and backward).
# Versions only grow, so this is exact; it is process-wide (all threads), so it can only
# make the engine check more often, never less.
EPOCH = [0]


def mark_modified(t: Any) -> None:
    """Count one in-place write to ``t``'s memory (for ``t`` and all its views and aliases).

    Call it after every write into ``t._data`` that is not recorded in the graph: nn.init,
    optimizer steps, running statistics, ``load_state_dict``. One call per tensor.
    """
    c = t._version_counter
    if c is None:
        c = t._version_counter = VersionCounter(t)
    c.value += 1
    EPOCH[0] += 1


def make_alias(t: Any) -> Any:
    """A new leaf Tensor sharing ``t``'s memory and version counter, not its history.

    What ``detach()`` and ``state_dict()`` return: a write through it is counted for
    ``t``, so backward raises if a node needed ``t``'s old value.
    """
    a = t._wrap(t._data)  # Tensor._wrap: a plain Tensor even when t is a Parameter
    a._version_counter = _counter(t)
    return a


def share_version(t: Any, alias: Any) -> None:
    """Make ``alias``, a tensor just made over ``t``'s memory, count writes with ``t``.

    For aliases made by a constructor rather than by ``make_alias``, such as
    ``nn.Parameter(t)``, which (as in PyTorch) shares ``t``'s memory and counter.
    """
    alias._version_counter = _counter(t)


def make_view(base: Any, out: Any, step: tuple) -> None:
    """Record that ``out`` views ``base``'s memory through ``step = (ViewFunction, args)``.

    ``out`` shares the counter; its ``_base`` links it to the root of the memory.
    """
    link = base._base
    if link is None:
        root, steps = base, (step,)
    else:
        root, steps = link.root, link.steps + (step,)
    c = _counter(base)
    out._version_counter = c
    out._base = ViewLink(root, steps, c.value)


def view_version(v: Any) -> int:
    """The version of view ``v``'s memory; first rebuilds its ``grad_fn`` if it is stale.

    Called for every view that becomes an input of a node, before the node records it.
    The rebuild replays the view's steps from the root; the view op classes know how
    (``refresh_view``), which keeps this module free of graph code.
    """
    link = v._base
    ver = v._version_counter.value
    if link.bound != ver:
        link.steps[0][0].refresh_view(v, link, ver)
    return ver


def memory_owner(t: Any) -> Any:
    """The tensor whose node may have saved ``t``'s memory (the root), or None if gone.

    A node that saved its output is reachable only while that output tensor is alive (the
    nodes that consume it hold it), so a dead owner has nothing left to protect.
    """
    c = t._version_counter
    return t if c is None else c.owner()


# Arrays that ``Tensor.view`` had to copy (the layout had no such view), made read-only;
# keyed by id (arrays are unhashable), held weakly.
_COPIED_VIEWS: weakref.WeakValueDictionary = weakref.WeakValueDictionary()


def mark_copied_view(arr: Any) -> None:
    """Make an array that stands for a view, but is a copy, read-only; remember why.

    A write through it could not reach the original, so in-place ops refuse it with an
    error that says so (``is_copied_view``) instead of losing the write silently.
    """
    arr.flags.writeable = False
    _COPIED_VIEWS[id(arr)] = arr


def is_copied_view(arr: Any) -> bool:
    """Was ``arr`` made read-only by ``mark_copied_view``?"""
    return _COPIED_VIEWS.get(id(arr)) is arr


class SavedOverwritten:
    """Stands in a node's ``saved`` once an in-place write overwrote a saved array.

    ``Function.saved_tensors`` raises ``error(node)`` instead of returning stale data.
    saved: what the node had saved; tensor: the written tensor; expected: its version
    when the node was recorded; site: where the node was made (anomaly mode), or None.
    """

    __slots__ = ("saved", "tensor", "expected", "site")

    def __init__(self, saved: tuple, tensor: Any, expected: int, site: str | None) -> None:
        self.saved = saved
        self.tensor = tensor
        self.expected = expected
        self.site = site

    def error(self, node: Any) -> RuntimeError:
        """PyTorch's error, naming ``node`` as the one whose saved output changed."""
        return version_error(self.tensor, self.expected, None, None, self.site,
                             output_of=node)


def version_error(t: Any, expected: int, node: Any, index: int | None,
                  site: str | None = None, output_of: Any = None) -> RuntimeError:
    """PyTorch's error for a saved value changed in place, naming the ops involved.

    t: the changed tensor; expected: the version the node recorded; node/index: the node
    whose backward needs it and at which input; site: where that node was made (from
    anomaly mode) or None; output_of: the node whose saved output it is (else t's
    current grad_fn is named).
    """
    owner = output_of if output_of is not None else t.grad_fn
    which = f", which is output 0 of {owner.name()}," if owner is not None else ""
    msg = (
        "one of the variables needed for gradient computation has been modified by an "
        f"inplace operation: [{t._data.dtype} {list(t._data.shape)}]{which} is at version "
        f"{current_version(t)}; expected version {expected} instead."
    )
    if node is not None and index is not None:
        msg += f" It is input {index} of {node.name()}, whose backward reads its value."
    msg += (
        " Hint: run the forward and backward inside autograd_core.detect_anomaly() to "
        "find the operation that created the node."
    )
    if site is not None:
        msg += f" The forward op was created at {site}."
    return RuntimeError(msg)
