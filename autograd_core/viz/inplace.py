"""An in-place error on the picture: which node's saved value changed, and where.

``loss.backward()`` raises "one of the variables needed for gradient computation has been
modified by an inplace operation" when a node's backward needs a value that was written
over after the node was made. ``explain_inplace_error(loss)`` finds every such node in
the graph (comparing the version each input had when the node was made with its version
now, as the engine does), draws the graph with those nodes and tensors highlighted, and
prints the forward source lines that made the node and the in-place write, which
``detect_anomaly()`` records while the forward runs.
"""

from __future__ import annotations

import linecache
from dataclasses import dataclass, field
from typing import Any

from .. import anomaly
from .. import version as _version
from ..function import Function
from ..tensor import Tensor
from .walk import GraphWalk


@dataclass
class InplaceProblem:
    """One node whose backward reads a value that was changed in place.

    node: that node; position: the input it reads (None: a saved output); tensor: the
    changed tensor; expected / now: its version when the node was made and now;
    site / source: where the node was made ("file:line", and that line's text) when
    recorded under ``detect_anomaly()``; writer / writer_site / writer_source: the same
    for the in-place op that wrote last (the tensor's node now), when known.
    """

    node: Function
    position: int | None
    tensor: Tensor
    expected: int
    now: int
    site: str | None = None
    source: str | None = None
    writer: Any = None
    writer_site: str | None = None
    writer_source: str | None = None


@dataclass
class InplaceReport:
    """What ``explain_inplace_error`` found: the problems, their text and the picture."""

    problems: list[InplaceProblem]
    text: str
    picture: Any = field(default=None, repr=False)

    def __str__(self) -> str:
        return self.text

    def _repr_mimebundle_(self, *args: Any, **kwargs: Any) -> Any:
        return self.picture._repr_mimebundle_(*args, **kwargs)


def _source_line(site: str | None) -> str | None:
    if not site or ":" not in site:
        return None
    path, _, line = site.rpartition(":")
    try:
        text = linecache.getline(path, int(line)).strip()
    except ValueError:
        return None
    return text or None


def _problem(node: Function, position: int | None, t: Tensor, expected: int) -> InplaceProblem:
    site = anomaly.creation_site(node)
    writer = t.grad_fn if t.grad_fn is not node else None
    writer_site = anomaly.creation_site(writer)
    return InplaceProblem(
        node=node, position=position, tensor=t, expected=expected,
        now=_version.current_version(t), site=site, source=_source_line(site),
        writer=writer, writer_site=writer_site, writer_source=_source_line(writer_site),
    )


def find_inplace_problems(walk: GraphWalk) -> list[InplaceProblem]:
    """Every node of ``walk`` whose backward would raise the in-place error."""
    problems = []
    for node in walk.ops:
        saved = getattr(node, "saved", None)
        if saved.__class__ is _version.SavedOverwritten:
            problems.append(_problem(node, None, saved.tensor, saved.expected))
        versions = getattr(node, "_versions", None)
        if versions is None:
            continue
        for i, (inp, recorded) in enumerate(zip(node.inputs, versions)):
            if recorded is None or not isinstance(inp, Tensor):
                continue
            if _version.current_version(inp) != recorded and node.reads_input(i):
                problems.append(_problem(node, i, inp, recorded))
    return problems


def describe_problems(problems: list[InplaceProblem]) -> str:
    """The caption: per problem, the node, the changed value, and the forward lines."""
    if not problems:
        return "no saved value of this graph was changed in place"
    lines = []
    for p in problems:
        what = "its saved output" if p.position is None else f"its input {p.position}"
        lines.append(
            f"{p.node.name()} ({p.node.label()}) needs {what} "
            f"[{p.tensor._data.dtype} {list(p.tensor.shape)}], changed in place: "
            f"version {p.now}, expected {p.expected}")
        if p.site:
            lines.append(f"  made at {p.site}: {p.source or ''}")
        else:
            lines.append("  made at an unknown line: run the forward inside "
                         "autograd_core.detect_anomaly() to record it")
        if p.writer is not None and p.writer_site:
            lines.append(f"  written in place by {p.writer.name()} at {p.writer_site}: "
                         f"{p.writer_source or ''}")
    return "\n".join(lines)


def explain_inplace_error(loss: Tensor, error: BaseException | None = None,
                          **draw_kwargs: Any) -> InplaceReport:
    """Find the nodes behind a "modified by an inplace operation" error of ``loss``'s
    backward, and draw them.

    error: the error backward raised (its message heads the text), optional. draw_kwargs
    go to ``draw_graph`` (e.g. ``names=locals()``). Returns an ``InplaceReport``: its
    ``text`` names each node, the changed tensor and the forward lines (file:line and the
    code) that made them when the forward ran under ``detect_anomaly()``; its
    ``picture`` is the graph with those nodes and tensors highlighted (shown in Jupyter).
    """
    from .graph import draw_graph

    if not isinstance(loss, Tensor):
        raise TypeError(f"explain_inplace_error() expects a Tensor, got {type(loss).__name__}")
    problems = find_inplace_problems(GraphWalk([loss]))
    text = describe_problems(problems)
    if error is not None:
        text = f"{type(error).__name__}: {str(error).splitlines()[0][:160]}...\n{text}"
    picture = draw_graph(loss, inplace_error=True, **draw_kwargs)
    return InplaceReport(problems=problems, text=text, picture=picture)
