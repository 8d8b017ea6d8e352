"""The bridge to Graphviz: imported lazily, with errors that say how to install it.

``autograd_core`` must import without the ``graphviz`` package, so nothing here touches it
at import time. The Digraph handed to users is a small subclass whose rendering methods
turn Graphviz's terse "executable not found" into instructions.
"""

from __future__ import annotations

from typing import Any

INSTALL_HINT = (
    "Install Graphviz (the program, not only the Python package): "
    "`apt-get install graphviz` (Debian/Ubuntu), `brew install graphviz` (macOS), "
    "`conda install graphviz` (conda), or see https://graphviz.org/download/ (Windows: "
    "add its bin folder to PATH)."
)


class GraphvizNotFoundError(RuntimeError):
    """Rendering a graph picture needs the Graphviz ``dot`` program, which is missing.

    The ``graphviz.Digraph`` and its DOT text (``.source``) are still usable without it.
    """


def import_graphviz() -> Any:
    """The ``graphviz`` module, or an ImportError that says what to install."""
    try:
        import graphviz
    except ImportError as err:
        raise ImportError(
            "Graph pictures need the Python package 'graphviz' (`pip install graphviz`, or "
            "`pip install autograd-core[viz]`). " + INSTALL_HINT
        ) from err
    return graphviz


_CLASS: list = []


def digraph_class() -> type:
    """The ``graphviz.Digraph`` subclass returned by ``draw_graph`` (made on first use)."""
    if _CLASS:
        return _CLASS[0]
    graphviz = import_graphviz()

    def _missing(err: Exception) -> GraphvizNotFoundError:
        return GraphvizNotFoundError(
            f"Graphviz's `dot` program was not found on PATH ({err}), so the graph cannot "
            "be rendered. " + INSTALL_HINT + " The picture's DOT source is still available "
            "as `.source`, e.g. for https://dreampuf.github.io/GraphvizOnline/."
        )

    class GraphPicture(graphviz.Digraph):
        """A ``graphviz.Digraph`` (shown inline as SVG in Jupyter) with clear errors when
        the Graphviz program is missing. ``.render(path, format="png")`` writes a file;
        ``.pipe(format="svg")`` returns the picture's bytes; ``.source`` is the DOT text.
        """

        def pipe(self, *args: Any, **kwargs: Any) -> Any:
            try:
                return super().pipe(*args, **kwargs)
            except graphviz.ExecutableNotFound as err:
                raise _missing(err) from err

        def render(self, *args: Any, **kwargs: Any) -> Any:
            try:
                return super().render(*args, **kwargs)
            except graphviz.ExecutableNotFound as err:
                raise _missing(err) from err

        def unflatten(self, *args: Any, **kwargs: Any) -> Any:
            try:
                return super().unflatten(*args, **kwargs)
            except graphviz.ExecutableNotFound as err:
                raise _missing(err) from err

    _CLASS.append(GraphPicture)
    return GraphPicture
