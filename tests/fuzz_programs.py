"""Random programs run in autograd_core and in torch, compared value by value.

A program is a list of steps over registers. A step either makes a new leaf (a shape, a
dtype and a kind of values: normal, ties and zeros, large, positive, edge values with
zeros, tiny and huge numbers, NaN and inf) or applies one op to registers made earlier.
Ops cover elementwise unary functions, broadcasting binary ones (also with Python
scalars), reductions with dims and keepdim, softmax / log_softmax / logsumexp, shape
ops, basic and advanced indexing, gather, matmul, cat / stack, where / clamp / maximum,
dtype casts and in-place ops on clones and views.

The builder makes every choice through a ``Chooser``: ``RandomChooser`` (a seeded NumPy
generator, for the many-case script) or ``HypothesisChooser`` (hypothesis draws, so a
failing program shrinks to a small one). Shapes are found while building by running the
step in torch on zeros; a step torch refuses is usually dropped, sometimes kept (then
both libraries must refuse it).

``check_program`` runs the program in both libraries, compares every register (shape,
dtype, values with NaN and inf patterns), then backpropagates a weighted sum of the
registers no later step consumed and compares the leaves' gradients.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

import autograd_core as ac

# ----- choices ------------------------------------------------------------------------


class RandomChooser:
    """Choices from a seeded NumPy generator."""

    def __init__(self, seed: int) -> None:
        self.rng = np.random.default_rng(seed)

    def integer(self, lo: int, hi: int) -> int:
        """An int in [lo, hi]."""
        return int(self.rng.integers(lo, hi + 1))

    def boolean(self, p: float = 0.5) -> bool:
        return bool(self.rng.random() < p)

    def choice(self, seq: Sequence[Any]) -> Any:
        return seq[self.integer(0, len(seq) - 1)]


class HypothesisChooser(RandomChooser):
    """Choices drawn by hypothesis (``st.data()``), which shrinks them toward 0."""

    def __init__(self, data: Any) -> None:
        from hypothesis import strategies as st

        self.data = data
        self.st = st

    def integer(self, lo: int, hi: int) -> int:
        return self.data.draw(self.st.integers(lo, hi))

    def boolean(self, p: float = 0.5) -> bool:
        # Shrinks toward False: the simpler program.
        return self.data.draw(self.st.integers(0, 999)) >= 1000 - int(p * 1000)


# ----- programs -----------------------------------------------------------------------

DTYPES = ("float32", "float64")
KINDS = ("normal", "ties", "positive", "large", "edge")


@dataclass
class Step:
    """``op`` applied to registers ``args`` with ``params``; op "leaf" makes a leaf."""

    op: str
    args: tuple[int, ...] = ()
    params: dict = field(default_factory=dict)

    def __repr__(self) -> str:
        return f"Step({self.op!r}, {self.args!r}, {self.params!r})"


@dataclass
class Program:
    steps: list[Step]
    weight_seed: int = 0

    def __repr__(self) -> str:
        body = ",\n    ".join(repr(s) for s in self.steps)
        return f"Program([\n    {body},\n], weight_seed={self.weight_seed})"


def leaf_values(shape: tuple, dtype: str, kind: str, seed: int) -> np.ndarray:
    """The values of a leaf: the same for the same arguments."""
    rng = np.random.default_rng(seed)
    n = int(np.prod(shape)) if shape else 1
    if kind == "normal":
        x = rng.standard_normal(n)
    elif kind == "ties":
        x = rng.integers(-2, 3, n).astype(np.float64)  # repeated values and exact zeros
    elif kind == "positive":
        x = rng.uniform(0.1, 3.0, n)
    elif kind == "large":
        x = rng.standard_normal(n) * 10.0 ** rng.integers(2, 6, n)
    else:
        # No -0.0: which of two equal zeros a max returns differs between the two (and
        # 1 / max then differs in sign), a tie-break not worth matching.
        pool = np.array([0.0, 1.0, -1.0, 0.5, -2.0, 1e-30, -1e-30, 1e20, -1e20,
                         3.0, np.nan, np.inf, -np.inf])
        weights = np.array([8, 4, 4, 3, 3, 1, 1, 1, 1, 3, 0.4, 0.4, 0.4])
        x = rng.choice(pool, n, p=weights / weights.sum())
    return x.reshape(shape).astype(dtype)


# ----- the ops ------------------------------------------------------------------------


def _lib_name(L: Any) -> str:
    return "ours" if L is ac else "torch"


def _leaky(L, a, slope):
    if L is ac:
        return ac.leaky_relu(a, slope)
    return torch.nn.functional.leaky_relu(a, slope)


def _max_values(a, dim, keepdim, which):
    r = getattr(a, which)(dim, keepdim)
    return r[0]


def _scalar_arith(a, op, c, reverse):
    if op == "+":
        return c + a if reverse else a + c
    if op == "-":
        return c - a if reverse else a - c
    if op == "*":
        return c * a if reverse else a * c
    if op == "/":
        return c / a if reverse else a / c
    return c ** a if reverse else a ** c


def _binary(a, b, op):
    if op == "add":
        return a + b
    if op == "sub":
        return a - b
    if op == "mul":
        return a * b
    if op == "div":
        return a / b
    return a ** b


def _inplace(a, b, op):
    r = a.clone()
    getattr(r, op + "_")(b)
    return r


def _use_then_inplace(a, b, op):
    # A node records r before r changes in place: its gradient must still go to r's old
    # history (the engine's recorded edges), in the engine and in trace_backward alike.
    r = a * 1.0
    early = r * 2.0
    getattr(r, op + "_")(b)
    return early + r


def _hooked(a):
    r = a * 1.0
    r.register_hook(lambda g: g * 2)
    return r


def _view_inplace(a, index, op, c):
    r = a * 1.0
    v = r[_index(index)]
    if op == "fill":
        v.fill_(c)
    else:
        getattr(v, op + "_")(c)
    return r


def _index(spec: Sequence) -> tuple:
    out = []
    for kind, val in spec:
        if kind == "int":
            out.append(val)
        elif kind == "slice":
            out.append(slice(*val))
        elif kind == "none":
            out.append(None)
        elif kind == "ellipsis":
            out.append(Ellipsis)
        else:
            out.append(list(val))
    return tuple(out)


def _getitem(L, a, index):
    return a[_index(index)]


def _mask_index(L, a, seed):
    mask = np.random.default_rng(seed).random(tuple(a.shape)) < 0.5
    return a[(ac.tensor(mask) if L is ac else torch.tensor(mask))]


def _gather(L, a, dim, seed, size):
    shape = list(a.shape)
    shape[dim] = size
    idx = np.random.default_rng(seed).integers(0, a.shape[dim], shape)
    return a.gather(dim, (ac.tensor(idx) if L is ac else torch.tensor(idx)))


def _where(L, a, b, thresh):
    return L.where(a > thresh, a, b)


def _cast(a, to):
    return a.double() if to == "float64" else a.float()


# name -> (operand kind, run(L, *tensors, **params)). Operand kinds: "unary", "broadcast"
# (second tensor broadcasts with the first), "into" (second broadcasts to the first's
# shape), "matmul", "same" (same shape), "cat" (same but along one dim).
OPS: dict[str, tuple[str, Callable]] = {
    "neg": ("unary", lambda L, a: -a),
    "exp": ("unary", lambda L, a: a.exp()),
    "log": ("unary", lambda L, a: a.log()),
    "sqrt": ("unary", lambda L, a: a.sqrt()),
    "abs": ("unary", lambda L, a: a.abs()),
    "sin": ("unary", lambda L, a: a.sin()),
    "cos": ("unary", lambda L, a: a.cos()),
    "tanh": ("unary", lambda L, a: a.tanh()),
    "sigmoid": ("unary", lambda L, a: a.sigmoid()),
    "relu": ("unary", lambda L, a: a.relu()),
    "leaky_relu": ("unary", lambda L, a, slope: _leaky(L, a, slope)),
    "scalar": ("unary", lambda L, a, op, c, reverse: _scalar_arith(a, op, c, reverse)),
    "clamp": ("unary", lambda L, a, lo, hi: a.clamp(lo, hi)),
    "clone": ("unary", lambda L, a: a.clone()),
    "cast": ("unary", lambda L, a, to: _cast(a, to)),
    "sum": ("unary", lambda L, a, dim, keepdim: a.sum() if dim is None else a.sum(dim, keepdim)),
    "mean": ("unary", lambda L, a, dim, keepdim: a.mean() if dim is None
             else a.mean(dim, keepdim)),
    "var": ("unary", lambda L, a, dim, keepdim, unbiased: a.var(unbiased=unbiased)
            if dim is None else a.var(dim, unbiased, keepdim)),
    "std": ("unary", lambda L, a, dim, keepdim, unbiased: a.std(unbiased=unbiased)
            if dim is None else a.std(dim, unbiased, keepdim)),
    "amax": ("unary", lambda L, a, dim, keepdim: a.amax(dim, keepdim)),
    "amin": ("unary", lambda L, a, dim, keepdim: a.amin(dim, keepdim)),
    "max_dim": ("unary", lambda L, a, dim, keepdim: _max_values(a, dim, keepdim, "max")),
    "min_dim": ("unary", lambda L, a, dim, keepdim: _max_values(a, dim, keepdim, "min")),
    "max_all": ("unary", lambda L, a: a.max()),
    "logsumexp": ("unary", lambda L, a, dim, keepdim: a.logsumexp(dim, keepdim)),
    "softmax": ("unary", lambda L, a, dim: a.softmax(dim)),
    "log_softmax": ("unary", lambda L, a, dim: a.log_softmax(dim)),
    "reshape": ("unary", lambda L, a, shape: a.reshape(shape)),
    "permute": ("unary", lambda L, a, dims: a.permute(*dims)),
    "transpose": ("unary", lambda L, a, d0, d1: a.transpose(d0, d1)),
    "unsqueeze": ("unary", lambda L, a, dim: a.unsqueeze(dim)),
    "squeeze": ("unary", lambda L, a, dim: a.squeeze() if dim is None else a.squeeze(dim)),
    "flatten": ("unary", lambda L, a, start, end: a.flatten(start, end)),
    "expand": ("unary", lambda L, a, shape: a.expand(*shape)),
    "getitem": ("unary", lambda L, a, index: _getitem(L, a, index)),
    "mask": ("unary", lambda L, a, seed: _mask_index(L, a, seed)),
    "gather": ("unary", lambda L, a, dim, seed, size: _gather(L, a, dim, seed, size)),
    "view_inplace": ("unary", lambda L, a, index, op, c: _view_inplace(a, index, op, c)),
    "binary": ("broadcast", lambda L, a, b, op: _binary(a, b, op)),
    "maximum": ("broadcast", lambda L, a, b: L.maximum(a, b)),
    "minimum": ("broadcast", lambda L, a, b: L.minimum(a, b)),
    "where": ("broadcast", lambda L, a, b, thresh: _where(L, a, b, thresh)),
    "inplace": ("into", lambda L, a, b, op: _inplace(a, b, op)),
    "use_then_inplace": ("into", lambda L, a, b, op: _use_then_inplace(a, b, op)),
    "hook": ("unary", lambda L, a: _hooked(a)),
    "matmul": ("matmul", lambda L, a, b: a @ b),
    "stack": ("same", lambda L, a, b, dim: L.stack([a, b], dim)),
    "cat": ("cat", lambda L, a, b, dim: L.cat([a, b], dim)),
}
OP_NAMES = tuple(OPS)


# ----- building -----------------------------------------------------------------------


def _dim(ch, ndim: int, allow_none: bool = False) -> Any:
    if allow_none and ch.boolean(0.2):
        return None
    n = max(ndim, 1)
    return ch.integer(-n, n - 1)


def _random_shape(ch) -> tuple:
    ndim = ch.choice((0, 1, 1, 2, 2, 2, 3, 3, 4))
    sizes = (1, 2, 3, 4, 5, 1, 2, 3)
    return tuple(0 if ch.boolean(0.03) else ch.choice(sizes) for _ in range(ndim))


def _broadcast_partner(ch, shape: tuple) -> tuple:
    """A shape that broadcasts with ``shape`` (fewer dims, 1s, or extra leading dims)."""
    s = list(shape)
    if s and ch.boolean(0.3):
        s = s[ch.integer(1, len(s)):]
    s = [1 if ch.boolean(0.3) else d for d in s]
    for i, d in enumerate(s):
        if d == 1 and ch.boolean(0.2):
            s[i] = ch.choice((2, 3))  # a 1 on our side stretches the other way
    if ch.boolean(0.15) and len(s) < 4:
        s = [ch.choice((1, 2, 3))] + s
    return tuple(s)


def _into_partner(ch, shape: tuple) -> tuple:
    """A shape that broadcasts *to* ``shape`` (for in-place ops)."""
    s = list(shape)
    if s and ch.boolean(0.3):
        s = s[ch.integer(1, len(s)):]
    return tuple(1 if ch.boolean(0.3) else d for d in s)


def _reshape_target(ch, shape: tuple) -> tuple:
    n = int(np.prod(shape)) if shape else 1
    if n == 0:
        return ch.choice(((0,), (0, 1), (-1,), (1, 0, 2)))
    factors = []
    m = n
    for p in (2, 3, 5, 7):
        while m % p == 0:
            factors.append(p)
            m //= p
    if m > 1:
        factors.append(m)
    dims: list[int] = []
    for f in factors:
        if dims and ch.boolean(0.5):
            dims[ch.integer(0, len(dims) - 1)] *= f
        else:
            dims.append(f)
    while ch.boolean(0.25) and len(dims) < 4:
        dims.insert(ch.integer(0, len(dims)), 1)
    if dims and ch.boolean(0.3):
        dims[ch.integer(0, len(dims) - 1)] = -1
    return tuple(dims)


def _index_spec(ch, shape: tuple, advanced: bool) -> list:
    spec: list = []
    used_adv = False
    i = 0
    while i < len(shape) and (not spec or ch.boolean(0.7)):
        n = shape[i]
        r = ch.integer(0, 9)
        if r < 2 and n > 0:
            spec.append(("int", ch.integer(-n, n - 1)))
        elif r < 3:
            spec.append(("none", None))
            continue
        elif r < 4 and advanced and not used_adv and n > 0:
            k = ch.integer(1, 4)
            spec.append(("list", tuple(ch.integer(-n, n - 1) for _ in range(k))))
            used_adv = True
        else:
            start = ch.integer(-n - 1, n) if ch.boolean(0.6) else None
            stop = ch.integer(-n - 1, n + 1) if ch.boolean(0.6) else None
            step = ch.choice((None, 1, 2, 3))
            spec.append(("slice", (start, stop, step)))
        i += 1
    if ch.boolean(0.15):
        spec.insert(ch.integer(0, len(spec)), ("ellipsis", None))
    return spec


def _params(ch, op: str, a: torch.Tensor) -> dict | None:
    """Random parameters for ``op`` on an input shaped like ``a`` (None: not applicable)."""
    shape, nd = tuple(a.shape), a.dim()
    if op == "leaky_relu":
        return {"slope": ch.choice((0.01, 0.2, -0.5, 1.0))}
    if op == "scalar":
        p = {"op": ch.choice("+-*/^"), "reverse": ch.boolean(0.3),
             "c": ch.choice((2.0, -1.5, 0.5, 0.0, 3.0, 1e-3, 1.0, 2, -1))}
        if p["reverse"] and p["op"] == "/" and p["c"] == 0.0:
            # torch computes c / x as x.reciprocal() * c: for c = 0 its gradient is
            # 0 * inf = NaN wherever 1 / x**2 overflows; ours (0 / x) gives 0. Left out.
            p["c"] = 2.0
        return p
    if op == "clamp":
        lo = ch.choice((None, -0.5, 0.0, 1.0))
        hi = ch.choice((None, 0.5, 0.0, 2.0)) if lo is not None else ch.choice((0.5, 0.0))
        return {"lo": lo, "hi": hi}
    if op == "cast":
        return {"to": ch.choice(DTYPES)}
    if op in ("sum", "mean", "var", "std"):
        p = {"dim": _dim(ch, nd, allow_none=True), "keepdim": ch.boolean()}
        if op in ("var", "std"):
            # torch's gradient of an unbiased var of one 0-d NaN is +inf, of 2.0 NaN: an
            # inconsistent corner left out.
            p["unbiased"] = nd > 0 and ch.boolean(0.7)
        if p["dim"] is not None and ch.boolean(0.15) and nd >= 2:
            p["dim"] = (0, nd - 1)  # several dims at once
        return p
    if op in ("amax", "amin"):
        dim = _dim(ch, nd)
        if nd >= 2 and ch.boolean(0.2):
            dim = (0, -1)
        return {"dim": dim, "keepdim": ch.boolean()}
    if op in ("max_dim", "min_dim", "logsumexp"):
        return {"dim": _dim(ch, nd), "keepdim": ch.boolean()}
    if op in ("softmax", "log_softmax", "unsqueeze"):
        if op == "unsqueeze":
            return {"dim": ch.integer(-nd - 1, nd)}
        return {"dim": _dim(ch, nd)}
    if op == "reshape":
        return {"shape": _reshape_target(ch, shape)}
    if op == "permute":
        if nd == 0:
            return None  # x.permute() with no dims is a TypeError in torch (bad-input table)
        dims = list(range(nd))
        for i in range(nd - 1, 0, -1):
            j = ch.integer(0, i)
            dims[i], dims[j] = dims[j], dims[i]
        return {"dims": tuple(d - nd if ch.boolean(0.2) else d for d in dims)}
    if op == "transpose":
        return {"d0": _dim(ch, nd), "d1": _dim(ch, nd)}
    if op == "squeeze":
        return {"dim": _dim(ch, nd, allow_none=True)}
    if op == "flatten":
        s = _dim(ch, nd)
        e = _dim(ch, nd)
        s_n, e_n = s % max(nd, 1), e % max(nd, 1)
        if s_n > e_n:
            s, e = e, s
        return {"start": s, "end": e}
    if op == "expand":
        target = [(ch.choice((2, 3)) if d == 1 and ch.boolean(0.6) else
                   (-1 if ch.boolean(0.2) else d)) for d in shape]
        if ch.boolean(0.3) or not target:
            target = [ch.choice((1, 2))] + target
        return {"shape": tuple(target)}
    if op == "getitem":
        if nd == 0:
            return {"index": [("ellipsis", None)] if ch.boolean() else [("none", None)]}
        return {"index": _index_spec(ch, shape, advanced=ch.boolean(0.3))}
    if op == "mask":
        return {"seed": ch.integer(0, 10_000)}
    if op == "gather":
        if nd == 0 or 0 in shape:
            return None
        dim = _dim(ch, nd)
        return {"dim": dim, "seed": ch.integer(0, 10_000), "size": ch.integer(1, 4)}
    if op == "view_inplace":
        if nd == 0:
            return None
        return {"index": [s for s in _index_spec(ch, shape, advanced=False)],
                "op": ch.choice(("mul", "add", "fill", "sub", "div")),
                "c": ch.choice((2.0, -1.0, 0.5, 0.0))}
    if op == "binary":
        return {"op": ch.choice(("add", "sub", "mul", "div", "pow"))}
    if op == "where":
        return {"thresh": ch.choice((0.0, 0.5, -1.0))}
    if op == "inplace":
        return {"op": ch.choice(("add", "sub", "mul", "div", "copy"))}
    if op == "use_then_inplace":
        return {"op": ch.choice(("add", "sub", "mul"))}
    if op in ("stack", "cat"):
        return {"dim": ch.integer(-nd - 1, nd) if op == "stack" else _dim(ch, nd)}
    return {}


def _new_leaf(ch, shape: tuple, dtype: str | None = None) -> Step:
    return Step("leaf", (), {
        "shape": tuple(int(s) for s in shape),
        "dtype": dtype or ch.choice(DTYPES),
        "kind": ch.choice(KINDS),
        "seed": ch.integer(0, 2**31 - 1),
    })


def _partner_shape(ch, kind: str, a: torch.Tensor, params: dict) -> tuple | None:
    shape = tuple(a.shape)
    if kind == "broadcast":
        return _broadcast_partner(ch, shape)
    if kind == "into":
        return _into_partner(ch, shape)
    if kind == "same":
        return shape
    if kind == "cat":
        if not shape:
            return None
        s = list(shape)
        s[params["dim"] % len(s)] = ch.integer(0, 3)
        return tuple(s)
    # matmul
    if not shape:
        return None
    n = shape[-1]
    k = ch.choice((1, 2, 3))
    r = ch.integer(0, 3)
    if r == 0:
        return (n,)
    if r == 1 or len(shape) == 1:
        return (n, k)
    batch = shape[:-2]
    if batch and ch.boolean(0.3):
        batch = tuple(1 if ch.boolean(0.5) else d for d in batch)
    return tuple(batch) + (n, k)


def _compatible(kind: str, a: tuple, b: tuple, params: dict) -> bool:
    try:
        if kind == "broadcast":
            np.broadcast_shapes(a, b)
            return True
        if kind == "into":
            return np.broadcast_shapes(a, b) == a
        if kind == "same":
            return a == b
        if kind == "cat":
            d = params["dim"] % max(len(a), 1)
            return len(a) == len(b) > 0 and all(
                x == y for i, (x, y) in enumerate(zip(a, b)) if i != d)
        return len(a) >= 1 and len(b) >= 1 and a[-1] == (b[0] if len(b) == 1 else b[-2])
    except ValueError:
        return False


def _make(step: Step, regs: list[torch.Tensor]) -> torch.Tensor:
    """The torch value of a step on zero-ish stand-ins (for shapes while building)."""
    if step.op == "leaf":
        return torch.zeros(step.params["shape"], dtype=getattr(torch, step.params["dtype"]))
    fn = OPS[step.op][1]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(_TORCH, *[regs[i] for i in step.args], **step.params)


class _TorchNS:
    def __getattr__(self, name: str) -> Any:
        return getattr(torch, name)


_TORCH = _TorchNS()


def build_program(ch, max_steps: int = 6) -> Program:
    """A random program of up to ``max_steps`` op steps (plus the leaves they need)."""
    first = _new_leaf(ch, _random_shape(ch))
    steps = [first]
    regs = [_make(first, [])]
    n_ops = ch.integer(1, max_steps)
    tries = 0
    while n_ops > 0 and tries < 4 * max_steps:
        tries += 1
        op = ch.choice(OP_NAMES)
        kind = OPS[op][0]
        ai = ch.integer(0, len(regs) - 1)
        a = regs[ai]
        if a.dtype not in (torch.float32, torch.float64):
            continue
        params = _params(ch, op, a)
        if params is None:
            continue
        new: list[Step] = []
        args: tuple[int, ...] = (ai,)
        if kind != "unary":
            # matmul needs one dtype on both sides (torch refuses to mix them).
            want = [i for i, r in enumerate(regs)
                    if r.dtype in (torch.float32, torch.float64)
                    and (kind != "matmul" or r.dtype == a.dtype)
                    and _compatible(kind, tuple(a.shape), tuple(r.shape), params)]
            if params.get("op") in ("div", "pow"):
                # x / x of a tiny x sums +-1e30 partial gradients that cancel; the two
                # libraries add them in different orders (rounding noise, not a bug).
                want = [i for i in want if i != ai]
            if want and ch.boolean(0.4):
                bi = ch.choice(want)
            else:
                shape = _partner_shape(ch, kind, a, params)
                if shape is None:
                    continue
                dt = str(a.dtype).replace("torch.", "") if kind == "matmul" else None
                new.append(_new_leaf(ch, shape, dt))
                bi = len(regs)
            args = (ai, bi)
        step = Step(op, args, params)
        trial = regs + [_make(s, regs) for s in new]
        try:
            out = _make(step, trial)
        except Exception:
            if ch.boolean(0.9):
                continue  # mostly keep programs valid
            steps += new + [step]  # kept: both libraries must refuse it
            break
        steps += new + [step]
        regs = trial + [out]
        n_ops -= 1
    return Program(steps, weight_seed=ch.integer(0, 10_000))


# ----- running and comparing ----------------------------------------------------------

TOL = {"float32": (2e-4, 2e-5), "float64": (1e-8, 1e-10)}


class Mismatch(AssertionError):
    """The two libraries disagree; the message says where and how."""


class IllConditioned(Exception):
    """The program computes sin/cos of huge arguments: both answers are rounding noise."""


# sin and cos of arguments beyond these are dominated by argument-reduction rounding.
_TRIG_LIMIT = {torch.float32: 1e4, torch.float64: 1e9}


# logsumexp of values beyond 1/eps: the result rounds log(count) away, and torch's
# gradient exp(x - result) then differs from the exact softmax (which we give).
_LSE_LIMIT = {torch.float32: 2.0**24, torch.float64: 2.0**53}


# Ops whose result or gradient changes by orders of magnitude when a tiny input is
# rounded differently: a subnormal kept by one library and flushed by the other, or
# 1 / x**2 overflowing in one library's float32 intermediate but not in the other's.
_TINY_SENSITIVE = ("sqrt", "log", "binary", "scalar", "inplace", "use_then_inplace")


# Ops with a kink or a tie-break: where an input computed by both libraries differs in
# its last bits, an element may sit on one side of the kink in one library and on the
# other side in the other (x - x is 0 in one, 1e-17 in the other; two sums tie in one).
_KINKS = {"relu": "zero", "abs": "zero", "leaky_relu": "zero", "clamp": "bounds",
          "amax": "ties", "amin": "ties", "max_dim": "ties", "min_dim": "ties",
          "max_all": "ties", "maximum": "pair", "minimum": "pair"}


def _near_kink(st: Step, a_t: np.ndarray, a_o: np.ndarray, b_t: np.ndarray | None) -> bool:
    if a_t.dtype.kind != "f" or a_t.shape != a_o.shape or np.array_equal(a_t, a_o,
                                                                          equal_nan=True):
        return False  # same bits in both: the same side of every kink
    fin = a_t[np.isfinite(a_t)]
    if not fin.size:
        return False
    tol = (1e-5 if a_t.dtype == np.float32 else 1e-12) * max(float(np.abs(fin).max()), 1.0)
    kind = _KINKS[st.op]
    if kind == "zero":
        return bool((np.abs(fin) <= tol).any())
    if kind == "bounds":
        bounds = [b for b in (st.params.get("lo"), st.params.get("hi")) if b is not None]
        return any(bool((np.abs(fin - b) <= tol).any()) for b in bounds)
    if kind == "ties":
        v = np.sort(fin.reshape(-1))
        return bool((np.diff(v) <= tol).any())
    if b_t is None:
        return False
    with np.errstate(all="ignore"):
        d = np.abs(a_t - b_t)
    return bool((d[np.isfinite(d)] <= tol).any())


def _std_near_zero(a_t: np.ndarray, out_t: np.ndarray, out_o: np.ndarray) -> bool:
    """std's gradient has a kink at 0 (PyTorch's gradient is 0 there): a std that is 0
    in one library and rounding noise in the other is on different sides of it."""
    fin = a_t[np.isfinite(a_t)]
    if not fin.size or out_t.shape != out_o.shape:
        return False
    tol = (1e-5 if a_t.dtype == np.float32 else 1e-12) * max(float(np.abs(fin).max()), 1.0)
    return bool(((np.abs(out_t) <= tol) & (out_t != out_o)).any())


def _check_conditioning(prog: Program, regs_t: list, regs_o: list) -> None:
    for k, st in enumerate(prog.steps):
        if st.op == "std" and k < min(len(regs_t), len(regs_o)) and _std_near_zero(
                _to_numpy(regs_t[st.args[0]]), _to_numpy(regs_t[k]), _to_numpy(regs_o[k])):
            raise IllConditioned(st)
        if st.op in _KINKS and st.args[0] < min(len(regs_t), len(regs_o)):
            a_t, a_o = _to_numpy(regs_t[st.args[0]]), _to_numpy(regs_o[st.args[0]])
            b_t = None
            if len(st.args) > 1 and st.args[1] < len(regs_t):
                b_t = _to_numpy(regs_t[st.args[1]])
                try:
                    a_t, b_t = np.broadcast_arrays(a_t, b_t)
                    a_o = np.broadcast_to(a_o, a_t.shape)
                except ValueError:
                    b_t = None
            if _near_kink(st, a_t, a_o, b_t):
                raise IllConditioned(st)
        if st.op in _TINY_SENSITIVE:
            for regs in (regs_t, regs_o):
                for i in st.args:
                    if i < len(regs) and _has_tiny(_to_numpy(regs[i])):
                        raise IllConditioned(st)
        limits = {"sin": _TRIG_LIMIT, "cos": _TRIG_LIMIT, "logsumexp": _LSE_LIMIT}.get(st.op)
        if limits is not None and st.args[0] < len(regs_t):
            x = regs_t[st.args[0]]
            if x.numel() and float(x.detach().abs().nan_to_num(0, 0, 0).max()) > (
                    limits[x.dtype]):
                raise IllConditioned(st)


def _to_numpy(t: Any) -> np.ndarray:
    if isinstance(t, torch.Tensor):
        return t.detach().numpy()
    return np.asarray(t._data)


def compare_arrays(ours: np.ndarray, theirs: np.ndarray, what: str, scale: float = 1.0,
                   low_precision: bool = False) -> None:
    """Same shape, dtype, NaN pattern, inf pattern, and close finite values.

    scale: the magnitude of the values the result was computed from; sums of
    large terms may cancel, so absolute error is allowed in proportion to it.
    low_precision: float32 took part in computing it (then float32 tolerances apply even
    to a float64 result).
    """
    if ours.shape != theirs.shape:
        raise Mismatch(f"{what}: shape {ours.shape} vs torch {theirs.shape}")
    if ours.dtype != theirs.dtype:
        raise Mismatch(f"{what}: dtype {ours.dtype} vs torch {theirs.dtype}")
    if ours.dtype.kind != "f":
        if not np.array_equal(ours, theirs):
            raise Mismatch(f"{what}: values differ\nours  {ours}\ntorch {theirs}")
        return
    rtol, atol = TOL["float32" if low_precision else ours.dtype.name]
    nan_o, nan_t = np.isnan(ours), np.isnan(theirs)
    fin = np.isfinite(ours) & np.isfinite(theirs)
    # A value that overflowed to inf in one library may stay finite (but huge) in the
    # other, because the operations were done in a different order.
    big = np.finfo(ours.dtype).max / 4
    inf_mismatch = ~fin & ~nan_o & ~nan_t & (ours != theirs) & ~(
        (np.abs(np.where(np.isfinite(ours), ours, theirs)) > big)
        & (np.sign(ours) == np.sign(theirs)))
    bad = (nan_o != nan_t) | inf_mismatch
    with np.errstate(all="ignore"):  # inf - inf where both are inf: masked by ``fin``
        close = np.abs(ours - theirs) <= atol * max(scale, 1.0) + rtol * np.abs(theirs)
    bad |= fin & ~close
    if bad.any():
        idx = np.argwhere(bad)[:5]
        detail = ", ".join(
            f"{tuple(int(j) for j in i)}: {ours[tuple(i)]!r} vs {theirs[tuple(i)]!r}"
            for i in idx)
        raise Mismatch(f"{what}: {int(bad.sum())} of {ours.size} differ ({detail})")


def _has_tiny(a: np.ndarray) -> bool:
    """Any nonzero |x| so small that 1 / x**2 overflows (subnormals included)?"""
    if a.dtype.kind != "f" or not a.size:
        return False
    m = np.abs(a)
    return bool(((m > 0) & (m < 1.0 / np.sqrt(np.finfo(a.dtype).max))).any())


def _scale_of(arrays: Sequence[np.ndarray]) -> float:
    m = 1.0
    for a in arrays:
        if a.dtype.kind == "f" and a.size:
            f = np.abs(a[np.isfinite(a)])
            if f.size:
                m = max(m, float(f.max()))
    return m


def run(prog: Program, L: Any) -> tuple[list, list, BaseException | None, int]:
    """Run ``prog`` in library L. Returns registers, leaves, the error and its step."""
    regs: list = []
    leaves: list = []
    for k, step in enumerate(prog.steps):
        try:
            if step.op == "leaf":
                p = step.params
                arr = leaf_values(p["shape"], p["dtype"], p["kind"], p["seed"])
                t = L.tensor(arr, requires_grad=True)
                leaves.append(t)
            else:
                t = OPS[step.op][1](L, *[regs[i] for i in step.args], **step.params)
        except Exception as e:  # noqa: BLE001 - any refusal is compared with torch's
            return regs, leaves, e, k
        regs.append(t)
    return regs, leaves, None, len(prog.steps)


def _float(t: Any) -> bool:
    return t.dtype in (torch.float32, torch.float64) if isinstance(t, torch.Tensor) else (
        t._data.dtype.kind == "f")


def check_program(prog: Program) -> None:
    """Run ``prog`` in both libraries; raise ``Mismatch`` where they disagree.

    Programs make NaN and inf on purpose, so NumPy's and torch's warnings are silenced.
    """
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        _check_program(prog)


def _check_program(prog: Program) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        regs_t, leaves_t, err_t, at_t = run(prog, _TORCH)
        with np.errstate(all="ignore"):
            regs_o, leaves_o, err_o, at_o = run(prog, ac)
    _check_conditioning(prog, regs_t, regs_o)
    if err_t is not None or err_o is not None:
        if err_o is None:
            raise Mismatch(f"step {at_t}: torch raised {err_t!r}, ours did not")
        if err_t is None:
            raise Mismatch(f"step {at_o}: ours raised {err_o!r}, torch did not")
        if at_o != at_t:
            raise Mismatch(f"ours raised at step {at_o} ({err_o!r}), torch at {at_t}")
        if type(err_o) is not type(err_t) and not (
            isinstance(err_t, IndexError) and isinstance(err_o, IndexError)
        ):
            raise Mismatch(f"step {at_o}: ours raised {type(err_o).__name__}: {err_o}; "
                           f"torch {type(err_t).__name__}: {err_t}")
    # Sums of large terms may cancel: absolute error is allowed in proportion to the
    # largest magnitude computed so far.
    scale = 1.0
    low = _uses_float32(prog)
    for k, (o, t) in enumerate(zip(regs_o, regs_t)):
        theirs = _to_numpy(t)
        scale = max(scale, _scale_of([theirs]))
        compare_arrays(_to_numpy(o), theirs, f"register {k} ({_step_of(prog, k)})",
                       scale=scale, low_precision=low)
    _check_gradients(prog, regs_o, regs_t, leaves_o, leaves_t, low)


def _uses_float32(prog: Program) -> bool:
    return any(s.params.get("dtype") == "float32" or s.params.get("to") == "float32"
               for s in prog.steps)


def _step_of(prog: Program, reg: int) -> str:
    return repr(prog.steps[reg])


def _check_gradients(prog, regs_o, regs_t, leaves_o, leaves_t, low: bool) -> None:
    consumed = {i for s in prog.steps for i in s.args}
    outs = [k for k, t in enumerate(regs_t)
            if k not in consumed and _float(t) and t.requires_grad]
    if not outs:
        return
    rng = np.random.default_rng(prog.weight_seed)
    loss_o = loss_t = None
    for k in outs:
        w = rng.standard_normal(tuple(regs_t[k].shape))
        dt = regs_t[k].dtype
        w_t = torch.tensor(w, dtype=dt)
        w_o = ac.tensor(w.astype(np.float32 if dt == torch.float32 else np.float64))
        term_t = (regs_t[k] * w_t).sum().double()
        term_o = (regs_o[k] * w_o).sum().double()
        loss_t = term_t if loss_t is None else loss_t + term_t
        loss_o = term_o if loss_o is None else loss_o + term_o
    for t in regs_t:
        if isinstance(t, torch.Tensor) and t.requires_grad and t.grad_fn is not None:
            t.retain_grad()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        loss_t.backward()
        with np.errstate(all="ignore"):
            # The step-by-step trace must give what the engine gives, leaf by leaf.
            trace = ac.trace_backward(loss_o)
            loss_o.backward()
    # Gradients are sums of terms that may cancel (x / x of a tiny x sums +-1e30): allow
    # absolute error relative to the largest value and the largest delta seen.
    scale = min(_scale_of([_to_numpy(t) for t in regs_t if _float(t)]), 1e6)
    scale = max(scale, _scale_of([t.grad.numpy() for t in regs_t + leaves_t
                                  if isinstance(t, torch.Tensor) and t.grad is not None]))
    for i, (o, t) in enumerate(zip(leaves_o, leaves_t)):
        if t.grad is None:
            if o.grad is not None and np.any(o.grad._data != 0):
                raise Mismatch(f"leaf {i}: torch gives no gradient, ours {o.grad._data}")
            continue
        if o.grad is None:
            raise Mismatch(f"leaf {i}: no gradient (torch has one)")
        compare_arrays(o.grad._data, t.grad.numpy(), f"gradient of leaf {i}", scale=scale,
                       low_precision=low)
    for i, o in enumerate(leaves_o):
        try:
            traced = trace.grad(o)
        except ValueError:  # a leaf the loss does not use
            traced = None
        if o.grad is None or traced is None:
            if (o.grad is None) != (traced is None) and np.any(
                    (o.grad._data if o.grad is not None else traced) != 0):
                raise Mismatch(f"leaf {i}: trace_backward and backward disagree on "
                               f"having a gradient ({traced} vs {o.grad})")
            continue
        compare_arrays(np.asarray(traced), o.grad._data, f"trace_backward of leaf {i}",
                       scale=scale, low_precision=low)


def run_case(seed: int, max_steps: int = 6) -> tuple[Program, str | None]:
    """Build the program for ``seed`` and check it; returns (program, failure or None)."""
    prog = build_program(RandomChooser(seed), max_steps)
    return prog, failure_of(prog)


def run_seed(seed: int, max_steps: int = 6) -> tuple[Program, str, str | None]:
    """Build the program for ``seed``; returns (program, status, message) as ``outcome``."""
    prog = build_program(RandomChooser(seed), max_steps)
    return (prog, *outcome(prog))


def _without(prog: Program, j: int) -> Program | None:
    """``prog`` with step j removed, and the steps that used it (registers renumbered)."""
    drop = {j}
    for k in range(j + 1, len(prog.steps)):
        if any(a in drop for a in prog.steps[k].args):
            drop.add(k)
    new_index: dict[int, int] = {}
    steps = []
    for k, st in enumerate(prog.steps):
        if k in drop:
            continue
        new_index[k] = len(steps)
        steps.append(Step(st.op, tuple(new_index[a] for a in st.args), dict(st.params)))
    if not steps or steps[0].op != "leaf":
        return None
    return Program(steps, prog.weight_seed)


def outcome(prog: Program) -> tuple[str, str | None]:
    """("pass", None), ("skip", why) for an ill-conditioned program, or ("fail", why)."""
    try:
        check_program(prog)
    except Mismatch as e:
        return "fail", str(e)
    except IllConditioned as e:
        return "skip", f"ill-conditioned at {e.args[0]!r}"
    except Exception as e:  # noqa: BLE001 - a crash in the comparison is a failure too
        return "fail", f"crash: {type(e).__name__}: {e}"
    return "pass", None


def failure_of(prog: Program) -> str | None:
    """The mismatch message for ``prog``, or None when both libraries agree (or the
    program is ill-conditioned and not compared)."""
    status, msg = outcome(prog)
    return msg if status == "fail" else None


def shrink(prog: Program) -> Program:
    """A smaller program that still fails: drop steps while a failure remains."""
    changed = True
    while changed:
        changed = False
        for j in range(len(prog.steps) - 1, -1, -1):
            smaller = _without(prog, j)
            if smaller is not None and failure_of(smaller) is not None:
                prog = smaller
                changed = True
                break
    return prog


def describe_failure(prog: Program, msg: str) -> str:
    return f"{msg}\n{prog!r}"


__all__ = [
    "HypothesisChooser", "Mismatch", "Program", "RandomChooser", "Step", "build_program",
    "check_program", "compare_arrays", "describe_failure", "leaf_values", "outcome",
    "run_case", "run_seed", "shrink",
]
