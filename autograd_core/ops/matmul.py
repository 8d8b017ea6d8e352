"""Matrix product with PyTorch's rules for 1-D, 2-D and batched (broadcast) operands."""

from __future__ import annotations

from typing import Any

import numpy as np
from typing_extensions import override

from .. import notation as nt
from ..function import Function
from ..tensor import Tensor
from ._binary import as_operand
from ._broadcast import unbroadcast


def _shape_str(shape: tuple[int, ...]) -> str:
    return "x".join(str(s) for s in shape)


class MatMul(Function):
    """a @ b: delta_a = delta b^T, delta_b = a^T delta (1-D operands as vectors)."""

    __slots__ = ()
    label_name = "matmul"

    @override
    def reads_input(self, i: int) -> bool:
        # Each factor's value is needed only for the other factor's gradient (as torch
        # saves it), so a write into a factor whose partner needs no gradient is allowed.
        other = self.inputs[1 - i]
        return isinstance(other, Tensor) and other.requires_grad

    @staticmethod
    @override
    def forward(ctx, a, b):
        return np.matmul(a, b)

    @staticmethod
    @override
    def backward(ctx, grad):
        a, b = ctx.inputs
        ad, bd = a._data, b._data
        # View 1-D operands as matrices (a: row vector, b: column vector), as matmul does.
        a2 = a if ad.ndim > 1 else a.reshape(1, -1)
        b2 = b if bd.ndim > 1 else b.reshape(-1, 1)
        g = grad
        if ad.ndim == 1 and bd.ndim == 1:
            g = grad.reshape(1, 1)
        elif ad.ndim == 1:
            g = grad.unsqueeze(-2)
        elif bd.ndim == 1:
            g = grad.unsqueeze(-1)
        ga = gb = None
        if a.requires_grad:
            # dL/dA = delta B^T
            ga = unbroadcast(_in_layout_of(ad, g, b2.mT), a2._data.shape)
            if ad.ndim == 1:
                ga = ga.reshape(ad.shape)
        if b.requires_grad:
            # dL/dB = A^T delta
            gb = unbroadcast(_in_layout_of(bd, a2.mT, g), b2._data.shape)
            if bd.ndim == 1:
                gb = gb.reshape(bd.shape)
        return ga, gb

    @staticmethod
    @override
    def fast_backward(ctx, grad):
        a, b = ctx.inputs
        if a._data.ndim == 2 and b._data.ndim == 2:
            return _backward_2d(a, b, grad._data)
        return MatMul.backward(ctx, grad)

    @override
    def formula(self, operands):
        return nt.matmul(operands[0], operands[1])

    @override
    def trace_rule(self, k, operands, out, numbers):
        a, b = operands
        if k == 0:
            return ("custom", lambda u: nt.Expr(f"{u.at(nt.ATOM)} @ {nt.transposed(b)}",
                                                nt.ADD))
        return ("custom", lambda u: nt.Expr(f"{nt.transposed(a)} @ {u.at(nt.ATOM)}", nt.ADD))


def _in_layout_of(like: np.ndarray, x: Tensor, y: Tensor) -> Tensor:
    """x @ y, for a 2-D ``like`` in its memory order: computed as (y^T x^T)^T when like
    is column-major (see ``_backward_2d``), which is the same product."""
    if like.ndim == 2 and _f_ordered(like):
        return (y.mT @ x.mT).mT
    return x @ y


def _f_ordered(x: np.ndarray) -> bool:
    return x.flags.f_contiguous and not x.flags.c_contiguous


def _product(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """x (p, m) @ y (m, q); in blocks along m when m is long and the result small.

    A convolution's weight gradient is delta (C_out, N*L) @ cols^T (N*L, k): a few
    hundred outputs summed over tens of thousands of terms, a shape OpenBLAS runs at a
    fraction of its speed (8x9 over 50,176: 0.6 ms in one call, 0.12-0.14 ms as
    blocks). Each block's slices of x and y fill about 256 KiB, the size that measured
    fastest; larger results (32x288 and up) are faster in one call and take it.
    """
    p, m = x.shape
    q = y.shape[1]
    if p * q > 2048 or m < 8192:
        return x @ y
    blk = max(256, (256 * 1024 // (x.itemsize * (p + q))) // 64 * 64)
    out = x[:, :blk] @ y[:blk]
    for i in range(blk, m, blk):
        out += x[:, i:i + blk] @ y[i:i + blk]
    return out


def _backward_2d(a: Tensor, b: Tensor, g: np.ndarray) -> tuple:
    """Plain-NumPy backward of a 2-D product (no graph to record).

    Each gradient is produced in its input's memory layout: for ``x @ W.T`` the input is a
    transposed view of W, so its gradient is computed as (A^T delta)^T = delta^T A, whose
    transpose back to W's shape is C-ordered like W. A gradient in the other order would
    make every later elementwise update (optimizer step, accumulation) stride across
    memory, about five times slower.
    """
    ad, bd = a._data, b._data
    ga = gb = None
    if a.requires_grad:
        # dL/dA = delta B^T
        ga = Tensor._wrap(_product(bd, g.T).T if _f_ordered(ad) else _product(g, bd.T))
    if b.requires_grad:
        # dL/dB = A^T delta
        gb = Tensor._wrap(_product(g.T, ad).T if _f_ordered(bd) else _product(ad.T, g))
    return ga, gb


def _check(a: np.ndarray, b: np.ndarray) -> None:
    if a.ndim == 0 or b.ndim == 0:
        raise RuntimeError(
            f"both arguments to matmul need to be at least 1D, but they are {a.ndim}D and "
            f"{b.ndim}D"
        )
    k_a = a.shape[-1]
    k_b = b.shape[0] if b.ndim == 1 else b.shape[-2]
    if k_a != k_b:
        if a.ndim <= 2 and b.ndim <= 2:
            sa = a.shape if a.ndim == 2 else (1,) + a.shape
            sb = b.shape if b.ndim == 2 else b.shape + (1,)
            if a.ndim == 2 and b.ndim == 1:
                raise RuntimeError(
                    f"size mismatch, got input ({a.shape[0]}), mat ({_shape_str(a.shape)}), "
                    f"vec ({b.shape[0]})"
                )
            if a.ndim == 1 and b.ndim == 1:
                raise RuntimeError(
                    f"inconsistent tensor size, expected tensor [{a.shape[0]}] and src "
                    f"[{b.shape[0]}] to have the same number of elements"
                )
            raise RuntimeError(
                f"mat1 and mat2 shapes cannot be multiplied ({_shape_str(sa)} and "
                f"{_shape_str(sb)})"
            )
        raise RuntimeError(
            f"matmul: shapes ({_shape_str(a.shape)}) and ({_shape_str(b.shape)}) cannot be "
            f"multiplied: {k_a} columns against {k_b} rows"
        )
    if a.ndim > 2 or b.ndim > 2:
        try:
            np.broadcast_shapes(a.shape[:-2], b.shape[:-2] if b.ndim > 1 else ())
        except ValueError:
            raise RuntimeError(
                f"matmul: batch dimensions of ({_shape_str(a.shape)}) and "
                f"({_shape_str(b.shape)}) cannot be broadcast"
            ) from None


def _check_same_dtype(a: Tensor, b: Tensor) -> None:
    # PyTorch does not promote in matrix products; silently computing in float64 would
    # hide a mistake (and cost time), so refuse as it does.
    if a._data.dtype != b._data.dtype:
        raise RuntimeError(
            f"expected m1 and m2 to have the same dtype, but got: {a._data.dtype} != "
            f"{b._data.dtype}"
        )


def matmul(a: Any, b: Any) -> Tensor:
    """Matrix product a @ b.

    (n,) @ (n,) -> (); (m, n) @ (n,) -> (m,); (n,) @ (n, p) -> (p,);
    (*batch_a, m, n) @ (*batch_b, n, p) -> (*broadcast(batch_a, batch_b), m, p).
    """
    a, b = as_operand(a), as_operand(b)
    if not isinstance(a, Tensor) or not isinstance(b, Tensor):
        raise TypeError("matmul needs two tensors, not a Python number")
    _check_same_dtype(a, b)
    _check(a._data, b._data)
    return MatMul.apply(a, b)


class Addmm(Function):
    """beta * input + alpha * (mat1 @ mat2), as one node (input broadcast to the product)."""

    __slots__ = ("beta", "alpha")

    @override
    def reads_input(self, i: int) -> bool:
        # The bias's value is never needed; each matrix only for the other's gradient.
        if i not in (1, 2):
            return False
        other = self.inputs[3 - i]
        return isinstance(other, Tensor) and other.requires_grad

    @staticmethod
    @override
    def forward(ctx, c, a, b, beta, alpha):
        ctx.beta, ctx.alpha = beta, alpha
        out = a @ b
        if alpha != 1:
            out *= alpha
        # beta == 0 ignores input entirely (NaN and inf in it do not propagate).
        if beta == 1:
            out += c
        elif beta != 0:
            out += beta * c
        return out

    @staticmethod
    @override
    def backward(ctx, grad):
        c, a, b = ctx.inputs[:3]
        beta, alpha = ctx.beta, ctx.alpha
        gc = ga = gb = None
        # delta_mat1 = alpha delta mat2^T, delta_mat2 = alpha mat1^T delta
        g = grad if alpha == 1 else grad * alpha
        if a.requires_grad:
            ga = _in_layout_of(a._data, g, b.mT)
        if b.requires_grad:
            gb = _in_layout_of(b._data, a.mT, g)
        if isinstance(c, Tensor) and c.requires_grad:
            gc = unbroadcast(grad if beta == 1 else grad * beta, c._data.shape)
        return gc, ga, gb, None, None

    @staticmethod
    @override
    def fast_backward(ctx, grad):
        c, a, b = ctx.inputs[:3]
        beta, alpha = ctx.beta, ctx.alpha
        gc = ga = gb = None
        g = grad._data
        if a.requires_grad or b.requires_grad:
            ga, gb = _backward_2d(a, b, g if alpha == 1 else g * alpha)
        if isinstance(c, Tensor) and c.requires_grad:
            gcd = g if beta == 1 else g * beta
            gc = unbroadcast(Tensor._wrap(gcd), c._data.shape)
        return gc, ga, gb, None, None

    @override
    def label(self) -> str:
        opts = [f"{k}={nt.format_number(v)}" for k, v in (("beta", self.beta),
                                                            ("alpha", self.alpha)) if v != 1]
        return f"addmm({', '.join(opts)})" if opts else "addmm"

    @override
    def formula(self, operands):
        c, a, b = operands[:3]
        prod = nt.matmul(a, b)
        if self.alpha != 1:
            prod = nt.mul(nt.number(self.alpha), prod)
        if self.beta == 0:
            return prod
        return nt.add(c if self.beta == 1 else nt.mul(nt.number(self.beta), c), prod)

    @override
    def trace_rule(self, k, operands, out, numbers):
        a, b = operands[1], operands[2]
        alpha = "" if self.alpha == 1 else f"{nt.format_number(self.alpha)}*"
        if k == 0:
            beta = "" if self.beta == 1 else f"{nt.format_number(self.beta)}*"
            return ("custom", lambda u: nt.Expr(f"{beta}unbroadcast({u.text})",
                                                nt.MUL if beta else nt.ATOM))
        if k == 1:
            return ("custom", lambda u: nt.Expr(
                f"{alpha}({u.at(nt.ATOM)} @ {nt.transposed(b)})" if alpha
                else f"{u.at(nt.ATOM)} @ {nt.transposed(b)}", nt.MUL if alpha else nt.ADD))
        return ("custom", lambda u: nt.Expr(
            f"{alpha}({nt.transposed(a)} @ {u.at(nt.ATOM)})" if alpha
            else f"{nt.transposed(a)} @ {u.at(nt.ATOM)}", nt.MUL if alpha else nt.ADD))


def addmm(input: Any, mat1: Tensor, mat2: Tensor, *, beta: float = 1,
          alpha: float = 1) -> Tensor:
    """beta * input + alpha * (mat1 @ mat2), as ``torch.addmm``.

    input broadcastable to (n, p); mat1 (n, m); mat2 (m, p) -> (n, p). With beta = 0
    input is ignored (its NaN and inf do not propagate). One node: the product is made
    and the input added in place, which is how convolution adds its bias.
    """
    c, a, b = as_operand(input), as_operand(mat1), as_operand(mat2)
    for name, t in (("mat1", a), ("mat2", b)):
        if not isinstance(t, Tensor):
            raise TypeError(f"addmm(): argument '{name}' must be Tensor, not "
                            f"{type(t).__name__}")
        if t.ndim != 2:
            raise RuntimeError(f"{name} must be a matrix, got {t.ndim}-D tensor")
    if a.shape[1] != b.shape[0]:
        raise RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({_shape_str(a.shape)} and "
            f"{_shape_str(b.shape)})")
    _check_same_dtype(a, b)
    if not isinstance(c, Tensor):
        c = Tensor._wrap(np.asarray(c, dtype=a._data.dtype))
    if c._data.dtype != a._data.dtype:
        from ..inplace import _torch_dtype_name as _tname

        raise RuntimeError(
            f"self and mat2 must have the same dtype, but got {_tname(c._data.dtype)} and "
            f"{_tname(b._data.dtype)}")
    target = (a.shape[0], b.shape[1])
    if c.ndim > 2:
        raise RuntimeError(
            f"expand({list(c.shape)}, size={list(target)}): the number of sizes provided "
            f"(2) must be greater or equal to the number of dimensions in the tensor "
            f"({c.ndim})")
    try:
        if np.broadcast_shapes(c.shape, target) != target:
            raise ValueError
    except ValueError:
        lead = (1,) * (2 - c.ndim) + tuple(c.shape)
        dim = next(i for i in range(2) if lead[i] not in (1, target[i]))
        raise RuntimeError(
            f"The expanded size of the tensor ({target[dim]}) must match the existing size "
            f"({lead[dim]}) at non-singleton dimension {dim}.  Target sizes: "
            f"{list(target)}.  Tensor sizes: {list(c.shape)}") from None
    return Addmm.apply(c, a, b, beta, alpha)
