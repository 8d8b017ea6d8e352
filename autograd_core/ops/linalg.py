"""Products in PyTorch's names: einsum, mm, bmm, mv, dot, outer (ger) and baddbmm.

``einsum`` is one ``Function``: its forward is ``np.einsum`` and the gradient of each
operand is again an einsum, of the delta with the other operands (plus an identity
matrix for a repeated subscript and a vector of ones for a subscript summed in that
operand alone), so it is differentiable to any order. mm, bmm, mv and dot check their
arguments as PyTorch does and then are ``matmul`` (the same node, ``MatMul``); outer is a
broadcast product and baddbmm a sum of products, both of existing ops.
"""

from __future__ import annotations

import string
from collections.abc import Sequence
from typing import Any

import numpy as np
from typing_extensions import override

from .. import notation as nt
from ..function import Function
from ..tensor import Tensor
from .elementwise import _TORCH_NAMES, _c_name
from .matmul import MatMul

# Subscripts np.einsum accepts; the sublist form's integers 0..51 map onto them in order.
_LETTERS = string.ascii_uppercase + string.ascii_lowercase


def _tname(dt: np.dtype) -> str:
    return _TORCH_NAMES.get(dt.name, dt.name)


def _needs(x: Any) -> bool:
    return isinstance(x, Tensor) and x.requires_grad


class Einsum(Function):
    """An einsum over operands whose subscripts all have consistent sizes (no
    broadcasting, no ellipsis: ``einsum`` resolves both before recording).

    Inputs: the equation (explicit, letters only), then the operands. The gradient of
    operand i is einsum(delta, the other operands) onto operand i's subscripts.
    """

    __slots__ = ()
    label_name = "einsum"
    arg_names = ("equation",)

    @override
    def reads_input(self, i: int) -> bool:
        # An operand's value is needed only for the other operands' gradients.
        return i > 0 and any(_needs(t) for j, t in enumerate(self.inputs) if j not in (0, i))

    @staticmethod
    @override
    def forward(ctx, equation, *arrays):
        out = np.einsum(equation, *arrays, optimize=len(arrays) > 1)
        out = np.asarray(out)
        # One operand: np.einsum may return a view of it (a transpose, a diagonal); the
        # output must own its memory, or writing into it would change the input unseen.
        if any(np.shares_memory(out, a) for a in arrays):
            out = out.copy()
        return out

    @staticmethod
    @override
    def backward(ctx, grad):
        equation, *ops = ctx.inputs
        lhs, out = equation.split("->")
        terms = lhs.split(",")
        grads: list = [None]
        for i, t in enumerate(ops):
            grads.append(_operand_grad(grad, equation, out, terms, ops, i)
                         if _needs(t) else None)
        return tuple(grads)

    @override
    def formula(self, operands):
        return nt.call("einsum", repr(self.inputs[0]), *[o for o in operands[1:]
                                                         if o is not None])

    @override
    def trace_rule(self, k, operands, out, numbers):
        if k == 0:
            return None
        lhs, res = self.inputs[0].split("->")
        terms = lhs.split(",")
        others = [operands[j + 1].text for j in range(len(terms)) if j != k - 1]
        spec = ",".join([res] + [terms[j] for j in range(len(terms)) if j != k - 1])
        spec += "->" + terms[k - 1]
        return ("custom", lambda u: nt.call("einsum", repr(spec), u, *others))


def _operand_grad(grad: Tensor, equation: str, out: str, terms: list[str],
                  ops: Sequence[Tensor], i: int) -> Tensor:
    """d(sum(delta * einsum))/d(operand i), as one einsum (recorded: differentiable).

    A subscript repeated in operand i (a diagonal, ``ii->i``) reads only the diagonal,
    so the gradient is placed on it: the repeat gets a fresh letter tied to the first by
    an identity matrix. A subscript that occurs in operand i alone was summed over, so
    the gradient is the same along it: a vector of ones spreads it.
    """
    sub = terms[i]
    shape = ops[i]._data.shape
    dtype = grad._data.dtype
    fresh = iter(c for c in _LETTERS if c not in equation)
    target: list[str] = []
    consts: list[tuple[str, np.ndarray]] = []
    size: dict[str, int] = {}
    for c, n in zip(sub, shape):
        if c in size:
            f = next(fresh, None)
            if f is None:
                raise RuntimeError("einsum(): too many subscripts to differentiate a "
                                   "repeated one (at most 52 letters in all)")
            consts.append((c + f, np.eye(n, dtype=dtype)))
            target.append(f)
        else:
            size[c] = n
            target.append(c)
    others = [j for j in range(len(terms)) if j != i]
    present = set(out).union(*(terms[j] for j in others), *(s for s, _ in consts))
    for c, n in size.items():
        if c not in present:
            consts.append((c, np.ones(n, dtype=dtype)))
    spec = ",".join([out] + [terms[j] for j in others] + [s for s, _ in consts])
    spec += "->" + "".join(target)
    return Einsum.apply(spec, grad, *[ops[j] for j in others],
                        *[Tensor._wrap(a) for _, a in consts])


# ----- einsum: parsing PyTorch's equation forms ------------------------------------------


def _from_sublists(args: tuple) -> tuple[str, list]:
    """einsum(op0, [0, 1], op1, [1, 2], [0, 2]): the equation as text, and the operands."""
    ops, terms = [], []
    rest = list(args)
    out = None
    if len(rest) % 2 == 1:
        out = rest.pop()
    for k in range(0, len(rest), 2):
        ops.append(rest[k])
        terms.append(rest[k + 1])

    def text(sublist: Any) -> str:
        parts = []
        for s in sublist:
            if s is Ellipsis:
                parts.append("...")
            elif isinstance(s, (int, np.integer)) and 0 <= s < 52:
                parts.append(_LETTERS[int(s)])
            else:
                raise ValueError("einsum(): subscript in subscript list is not within the "
                                 "valid range [0, 52)")
        return "".join(parts)

    eq = ",".join(text(t) for t in terms)
    if out is not None:
        eq += "->" + text(out)
    return eq, ops


def _split_term(term: str, start: int, who: str) -> list[str]:
    """A term's subscripts, '...' as one item; PyTorch's error for anything else.

    start: the term's index in the equation (for the error); who: "operand 0", "output".
    """
    items: list[str] = []
    k = 0
    while k < len(term):
        c = term[k]
        if c == ".":
            if "..." in items:
                raise RuntimeError(f"einsum(): found '.' for {who} for which an ellipsis "
                                   "was already found")
            if term[k:k + 3] != "...":
                raise RuntimeError(f"einsum(): found '.' for {who} that is not part of any "
                                   "ellipsis" + (" (...)" if who == "output" else ""))
            items.append("...")
            k += 3
            continue
        if c not in _LETTERS:
            raise RuntimeError(
                f"einsum(): invalid subscript given at index {start + k} in the equation "
                "string, subscripts must be in [a-zA-Z]")
        items.append(c)
        k += 1
    return items


def _normalise(equation: str, ops: list[Tensor]) -> tuple[str, list[tuple[int, ...]]]:
    """The equation with ellipses spelled out and an explicit output, and the shape each
    operand must be expanded to (PyTorch broadcasts size-1 dimensions)."""
    eq = equation.replace(" ", "")
    explicit = "->" in eq
    lhs, rhs = eq.split("->", 1) if explicit else (eq, "")
    terms = lhs.split(",")
    parsed = _parse_terms(terms, ops)
    out_items = _split_term(rhs, len(lhs) + 2, "output") if explicit else None
    used = set("".join(term for term in terms) + rhs)
    n_ell = max([ops[i]._data.ndim - (len(p) - 1) for i, p in enumerate(parsed)
                 if "..." in p] or [0])
    spare = [c for c in _LETTERS if c not in used]
    if n_ell > len(spare):
        raise RuntimeError("einsum(): too many dimensions under the ellipsis (at most 52 "
                           "subscripts in all)")
    ell = spare[:n_ell]
    subs: list[str] = []
    for i, p in enumerate(parsed):
        k = ops[i]._data.ndim - (len(p) - 1)
        subs.append("".join("".join(ell[n_ell - k:]) if s == "..." else s for s in p))
    out = _output_subscripts(out_items, parsed, ell)
    size = _subscript_sizes(subs, ops, ell)
    shapes = [tuple(size[c] for c in sub) for sub in subs]
    return ",".join(subs) + "->" + out, shapes


def _parse_terms(terms: list[str], ops: list[Tensor]) -> list[list[str]]:
    """Each operand's subscripts (letters and "..."), checked against its dimensions."""
    if len(terms) > len(ops):
        raise RuntimeError("einsum(): fewer operands were provided than specified in the "
                           "equation")
    if len(terms) < len(ops):
        raise RuntimeError("einsum(): more operands were provided than specified in the "
                           "equation")
    parsed = []
    pos = 0
    for i, (term, t) in enumerate(zip(terms, ops)):
        items = _split_term(term, pos, f"operand {i}")
        pos += len(term) + 1
        n = sum(1 for s in items if s != "...")
        nd = t._data.ndim
        if "..." in items:
            if n > nd:
                raise RuntimeError(
                    f"einsum(): the number of subscripts in the equation ({n}) is more than "
                    f"the number of dimensions ({nd}) for operand {i}")
        elif n != nd:
            raise RuntimeError(
                f"einsum(): the number of subscripts in the equation ({n}) does not match "
                f"the number of dimensions ({nd}) for operand {i} and no ellipsis was given")
        parsed.append(items)
    return parsed


def _output_subscripts(out_items: list[str] | None, parsed: list[list[str]],
                       ell: list[str]) -> str:
    """The output's subscripts, ``ell`` standing for "...": the given ones, checked
    (``out_items``), or, with no "->", the ellipsis then the letters that occur once,
    sorted."""
    if out_items is None:
        letters = [s for p in parsed for s in p if s != "..."]
        once = sorted(c for c in set(letters) if letters.count(c) == 1)
        return "".join(ell) + "".join(once)
    seen = set()
    for s in out_items:
        if s == "...":
            continue
        if s in seen:
            raise RuntimeError(f"einsum(): output subscript {s} appears more than once "
                               "in the output")
        if not any(s in p for p in parsed):
            raise RuntimeError(f"einsum(): output subscript {s} does not appear in the "
                               "equation for any input operand")
        seen.add(s)
    return "".join("".join(ell) if s == "..." else s for s in out_items)


def _subscript_sizes(subs: list[str], ops: list[Tensor], ell: list[str]) -> dict[str, int]:
    """The size of each subscript: equal within an operand; across operands a size 1
    broadcasts. ``ell``: the letters standing for ellipsis dimensions (for messages)."""
    size: dict[str, int] = {}
    for i, (sub, t) in enumerate(zip(subs, ops)):
        mine: dict[str, int] = {}
        for c, n in zip(sub, t._data.shape):
            if c in mine and mine[c] != n:
                raise RuntimeError(f"einsum(): subscript {c} is repeated for operand {i} but "
                                   f"the sizes don't match, {n} != {mine[c]}")
            mine[c] = n
            prev = size.get(c)
            if prev is None or prev == 1:
                size[c] = n
            elif n != 1 and n != prev:
                if c in ell:
                    raise RuntimeError(
                        f"einsum(): dimension {ell.index(c)} covered by ellipsis in operand "
                        f"{i} has size {n} which does not broadcast with previously seen "
                        f"ellipsis with size {prev} for the respective dimension")
                raise RuntimeError(f"einsum(): subscript {c} has size {n} for operand {i} "
                                   f"which does not broadcast with previously seen size "
                                   f"{prev}")
    return size


def einsum(*args: Any) -> Tensor:
    """Einstein summation, as ``torch.einsum``.

    ``einsum("ij,jk->ik", a, b)`` (operands may also come as one list), or the sublist
    form ``einsum(a, [0, 1], b, [1, 2], [0, 2])``. Without "->" the output holds the
    subscripts that occur once, in alphabetical order (upper case first), after any
    ellipsis dimensions. Size-1 dimensions broadcast, ellipses broadcast, a repeated
    subscript takes a diagonal; all operands must share one dtype. Differentiable to any
    order in every operand.
    """
    if not args:
        raise ValueError("einsum(): must specify the equation string and at least one "
                         "operand, or at least one operand and its subscripts list")
    if isinstance(args[0], str):
        equation, ops = args[0], list(args[1:])
        if len(ops) == 1 and isinstance(ops[0], (list, tuple)):
            ops = list(ops[0])
    else:
        equation, ops = _from_sublists(args)
    if not ops:
        raise ValueError("einsum(): must specify the equation string and at least one "
                         "operand, or at least one operand and its subscripts list")
    for k, t in enumerate(ops):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {k} in argument 1, but got "
                            f"{type(t).__name__}")
    dt = ops[0]._data.dtype
    for t in ops[1:]:
        if t._data.dtype != dt:
            raise RuntimeError(f"expected scalar type {_tname(dt)} but found "
                               f"{_tname(t._data.dtype)}")
    if dt == np.bool_:
        raise NotImplementedError("\"einsum\" not implemented for 'Bool'")
    eq, shapes = _normalise(equation, ops)
    ops = [t if t._data.shape == s else t.expand(s) for t, s in zip(ops, shapes)]
    out = Einsum.apply(eq, *ops)
    if len(ops) == 1 and dt.kind in "iu":
        lhs, res = eq.split("->")
        if set(lhs) - set(res):
            # PyTorch sums a lone integer operand with sum(), which widens to int64.
            out = Tensor._wrap(out._data.astype(np.int64))
    return out


# ----- matrix products with PyTorch's checks ------------------------------------------


def _tensors(name: str, names: tuple[str, ...], *xs: Any) -> None:
    for pos, (arg, x) in enumerate(zip(names, xs), 1):
        if not isinstance(x, Tensor):
            raise TypeError(f"{name}(): argument '{arg}' (position {pos}) must be Tensor, "
                            f"not {type(x).__name__}")


def _shape(t: Tensor) -> str:
    return "x".join(str(s) for s in t._data.shape)


def mm(input: Tensor, mat2: Tensor) -> Tensor:  # noqa: A002 - PyTorch's argument name
    """Matrix product of two matrices, no broadcasting. (n, m), (m, p) -> (n, p)."""
    _tensors("mm", ("input", "mat2"), input, mat2)
    if input._data.ndim != 2:
        raise RuntimeError("self must be a matrix")
    if mat2._data.ndim != 2:
        raise RuntimeError("mat2 must be a matrix")
    if input._data.shape[1] != mat2._data.shape[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({_shape(input)} and "
                           f"{_shape(mat2)})")
    if input._data.dtype != mat2._data.dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: "
                           f"{_c_name(input._data.dtype)} != {_c_name(mat2._data.dtype)}")
    if input._data.dtype == np.bool_:
        raise NotImplementedError("\"addmm_impl_cpu_\" not implemented for 'Bool'")
    return MatMul.apply(input, mat2)


def bmm(input: Tensor, mat2: Tensor) -> Tensor:  # noqa: A002
    """Batched matrix product, no broadcasting. (b, n, m), (b, m, p) -> (b, n, p)."""
    _tensors("bmm", ("input", "mat2"), input, mat2)
    if input._data.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if mat2._data.ndim != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    b, _, m = input._data.shape
    if mat2._data.shape[:2] != (b, m):
        raise RuntimeError(
            f"Expected size for first two dimensions of batch2 tensor to be: [{b}, {m}] but "
            f"got: [{mat2._data.shape[0]}, {mat2._data.shape[1]}].")
    if input._data.dtype != mat2._data.dtype:
        raise RuntimeError(f"expected scalar type {_tname(input._data.dtype)} but found "
                           f"{_tname(mat2._data.dtype)}")
    if input._data.dtype == np.bool_:
        raise NotImplementedError("\"bmm\" not implemented for 'Bool'")
    return MatMul.apply(input, mat2)


def mv(input: Tensor, vec: Tensor) -> Tensor:  # noqa: A002
    """Matrix times vector. (n, m), (m,) -> (n,)."""
    _tensors("mv", ("input", "vec"), input, vec)
    if input._data.ndim != 2 or vec._data.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got 1, {input._data.ndim}, "
                           f"{vec._data.ndim}")
    n, m = input._data.shape
    if vec._data.shape[0] != m:
        raise RuntimeError(f"size mismatch, got input ({n}), mat ({n}x{m}), vec "
                           f"({vec._data.shape[0]})")
    if input._data.dtype != vec._data.dtype:
        tv, ta = _tname(vec._data.dtype), _tname(input._data.dtype)
        raise RuntimeError(f"addmv input tensors must have the same dtype, but got {tv}, "
                           f"{ta}, and {tv}")
    if input._data.dtype == np.bool_:
        raise NotImplementedError("\"addmv_impl_cpu\" not implemented for 'Bool'")
    return MatMul.apply(input, vec)


def dot(input: Tensor, tensor: Tensor) -> Tensor:  # noqa: A002
    """Inner product of two vectors of equal length. (n,), (n,) -> ()."""
    _tensors("dot", ("input", "tensor"), input, tensor)
    if input._data.ndim != 1 or tensor._data.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {input._data.ndim}D and "
                           f"{tensor._data.ndim}D tensors")
    n, k = input._data.shape[0], tensor._data.shape[0]
    if n != k:
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{n}] and src [{k}] to "
                           f"have the same number of elements, but got {n} and {k} elements "
                           "respectively")
    if input._data.dtype != tensor._data.dtype:
        raise RuntimeError(f"dot : expected both vectors to have same dtype, but found "
                           f"{_tname(input._data.dtype)} and {_tname(tensor._data.dtype)}")
    if input._data.dtype == np.bool_:
        raise NotImplementedError("\"dot\" not implemented for 'Bool'")
    return MatMul.apply(input, tensor)


def outer(input: Tensor, vec2: Tensor) -> Tensor:  # noqa: A002
    """Outer product input[i] * vec2[j] (dtypes promote as in ``mul``). (n,), (m,) -> (n, m)."""
    _tensors("outer", ("input", "vec2"), input, vec2)
    for name, t in (("self", input), ("vec2", vec2)):
        if t._data.ndim != 1:
            raise RuntimeError(f"outer: Expected 1-D argument {name}, but got "
                               f"{t._data.ndim}-D")
    return input.reshape(-1, 1) * vec2


ger = outer


def _number(name: str, arg: str, v: Any) -> None:
    if not isinstance(v, (int, float, np.number)) or isinstance(v, bool):
        raise TypeError(f"{name}(): argument '{arg}' must be Number, not {type(v).__name__}")


def baddbmm(input: Any, batch1: Tensor, batch2: Tensor, *, beta: float = 1,
            alpha: float = 1) -> Tensor:  # noqa: A002
    """beta * input + alpha * bmm(batch1, batch2), input broadcast to the product.

    input broadcastable to (b, n, p); batch1 (b, n, m); batch2 (b, m, p) -> (b, n, p).
    With beta = 0 input is ignored (its NaN and inf do not propagate; it gets a zero
    gradient, as in PyTorch).
    """
    _tensors("baddbmm", ("input", "batch1", "batch2"), input, batch1, batch2)
    _number("baddbmm", "beta", beta)
    _number("baddbmm", "alpha", alpha)
    for name, t in (("batch1", batch1), ("batch2", batch2)):
        if t._data.ndim != 3:
            raise RuntimeError(f"{name} must be a 3D tensor")
    dts = (input._data.dtype, batch1._data.dtype, batch2._data.dtype)
    if len(set(dts)) != 1:
        raise RuntimeError(f"Input dtypes must be the same, got: input {_c_name(dts[0])}, "
                           f"batch1: {_c_name(dts[1])}, batch2: {_c_name(dts[2])}")
    prod = bmm(batch1, batch2)
    target = prod._data.shape
    shape = input._data.shape
    if len(shape) > 3:
        raise RuntimeError(
            f"expand(torch.{_tname(dts[0])}Tensor{{{list(shape)}}}, size={list(target)}): "
            f"the number of sizes provided (3) must be greater or equal to the number of "
            f"dimensions in the tensor ({len(shape)})")
    lead = (1,) * (3 - len(shape)) + tuple(shape)
    for d in range(3):
        if lead[d] not in (1, target[d]):
            raise RuntimeError(
                f"The expanded size of the tensor ({target[d]}) must match the existing size "
                f"({lead[d]}) at non-singleton dimension {d}.  Target sizes: {list(target)}. "
                f" Tensor sizes: {list(shape)}")
    if alpha != 1:
        prod = prod * alpha
    if beta == 0:
        if not input.requires_grad:
            return prod
        # Selected away rather than multiplied by 0, so that NaN in input stays out; input
        # still gets its (zero) gradient.
        from .compare import where

        return prod + where(Tensor._wrap(np.zeros((), dtype=bool)), input, 0.0)
    return (input if beta == 1 else input * beta) + prod
