"""The import graph of autograd_core: one cycle (Tensor <-> ops), a bottom layer below it.

Only module-level imports count (those run while a module loads); an import inside a
function runs at call time, when every module has loaded.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PKG = Path(__file__).resolve().parents[1] / "autograd_core"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PKG.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports() -> dict[str, set[str]]:
    """module -> the autograd_core modules it imports while it loads."""
    modules = {_module_name(p): p for p in PKG.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        deps: set[str] = set()
        for node in ast.parse(path.read_text()).body:
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                    base = anchor + ("." + node.module if node.module else "")
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base
                           for a in node.names]
            deps.update(t for t in targets if t in modules and t != name)
        graph[name] = deps
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            v, children = work[-1]
            w = next(children, None)
            if w is not None:
                if w not in index:
                    index[w] = low[w] = len(index)
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(sorted(graph[w]))))
                elif w in on_stack:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                if len(comp) > 1:
                    found.append(sorted(comp))
    return found


def test_the_only_cycle_is_tensor_and_ops():
    graph = _imports()
    assert "autograd_core.ops" in graph["autograd_core.tensor"]  # the one back edge
    graph["autograd_core.tensor"].discard("autograd_core.ops")
    assert _cycles(graph) == []


def test_version_module_is_the_bottom_layer():
    graph = _imports()
    assert graph["autograd_core.version"] <= {"autograd_core.dtypes"}
    for user in ("tensor", "function", "inplace", "engine"):
        assert "autograd_core.version" in graph[f"autograd_core.{user}"]
    # function.py and the engine reach versions without the in-place ops module
    assert "autograd_core.inplace" not in graph["autograd_core.function"]
    assert "autograd_core.inplace" not in graph["autograd_core.engine"]
    assert "autograd_core.inplace" not in graph["autograd_core.tensor"]


def test_the_cycle_finder_finds_cycles():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def _top_level_imports(path: Path) -> set[str]:
    """The first component of each absolute import a module runs while it loads."""
    names: set[str] = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_no_engine_module_imports_nn_or_optim_while_it_loads():
    """DESIGN.md's layers: nn and optim sit on top of the engine. The package offers
    ``autograd_core.nn``/``.optim`` only as lazy attributes (a module __getattr__)."""
    offenders = {str(p.relative_to(PKG.parent)): sorted(_top_level_imports(p) & {"nn", "optim"})
                 for p in PKG.rglob("*.py")}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_importing_and_using_the_engine_loads_neither_nn_nor_optim():
    """In a fresh interpreter: tensors, backward, torch.autograd, data loading and the
    dtype/device/random names load no nn or optim; the first ``.nn``/``.optim`` does."""
    code = (
        "import sys\n"
        "import autograd_core as torch\n"
        "x = torch.ones(2, requires_grad=True); (x * 2).sum().backward()\n"
        "torch.autograd.grad((x * x).sum(), x); list(torch.utils.data.DataLoader([1, 2]))\n"
        "torch.manual_seed(0); torch.randn(2, device='cpu', dtype=torch.float64)\n"
        "torch.cuda.is_available(); torch.amp.GradScaler(); torch.backends.mps.is_available()\n"
        "loaded = {'nn', 'optim'} & set(sys.modules)\n"
        "assert not loaded, loaded\n"
        "from autograd_core import nn\n"
        "assert nn.Linear and 'nn' in sys.modules and 'optim' not in sys.modules\n"
        "torch.optim.lr_scheduler.StepLR\n"
        "assert 'optim' in sys.modules\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=PKG.parent, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr
