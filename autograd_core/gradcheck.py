"""``gradcheck``: analytic gradients against central finite differences, in float64."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .engine import grad as _grad
from .grad_mode import enable_grad
from .tensor import Tensor


class GradcheckError(RuntimeError):
    """Raised by ``gradcheck`` with the worst mismatching element named."""


def _outputs(fn: Callable, inputs: Sequence[Any]) -> list[Tensor]:
    out = fn(*inputs)
    outs = list(out) if isinstance(out, (tuple, list)) else [out]
    return [o for o in outs if isinstance(o, Tensor)]


def _numeric_jacobian(fn: Callable, ins: tuple, i: int, n_out: int, eps: float) -> np.ndarray:
    """(n_out, input i's size): column j is (f(x + eps e_j) - f(x - eps e_j)) / 2eps."""
    x = ins[i]._data
    jac = np.zeros((n_out, x.size))
    # Grad mode stays on: fn may itself differentiate (a second-order check passes a fn
    # that calls autograd_core.grad), and recording costs nothing in correctness.
    with enable_grad():
        # Perturb in place by multi-index (C order, as the analytic rows are laid out):
        # x.reshape(-1) would be a copy for a non-contiguous input, e.g. a transpose.
        for j, pos in enumerate(np.ndindex(x.shape)):
            orig = x[pos]
            x[pos] = orig + eps
            plus = np.concatenate([o._data.reshape(-1) for o in _outputs(fn, ins)] or [[]])
            x[pos] = orig - eps
            minus = np.concatenate([o._data.reshape(-1) for o in _outputs(fn, ins)] or [[]])
            x[pos] = orig
            jac[:, j] = (plus - minus) / (2 * eps)
    return jac


def _analytic_jacobian(outs: list, ins: tuple, diff: list, n_out: int) -> dict:
    """{input index: (n_out, size)}: one row per output element, by backward with a
    one-hot delta."""
    analytic = {i: np.zeros((n_out, ins[i]._data.size)) for i in diff}
    row = 0
    for o in outs:
        if o.requires_grad:
            for m in range(o._data.size):
                onehot = np.zeros(o._data.size, dtype=o._data.dtype)
                onehot[m] = 1.0
                grads = _grad(o, [ins[i] for i in diff],
                              Tensor._wrap(onehot.reshape(o.shape)),
                              retain_graph=True, allow_unused=True)
                for i, g in zip(diff, grads):
                    if g is not None:
                        analytic[i][row + m] = g._data.reshape(-1)
        row += o._data.size
    return analytic


def _worst_mismatch(analytic: dict, numeric: dict, diff: list, atol: float,
                    rtol: float) -> tuple | None:
    """(excess, input, row, column, analytic, numeric) of the worst element, or None."""
    worst = None
    for i in diff:
        a, n = analytic[i], numeric[i]
        excess = np.abs(a - n) - (atol + rtol * np.abs(n))
        if excess.size and excess.max() > 0:
            r, c = np.unravel_index(np.argmax(excess), excess.shape)
            if worst is None or excess[r, c] > worst[0]:
                worst = (excess[r, c], i, r, c, a[r, c], n[r, c])
    return worst


def gradcheck(
    fn: Callable[..., Any],
    inputs: Any,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
) -> bool:
    """Check ``fn``'s analytic Jacobian against central differences.

    fn: takes ``*inputs``, returns a Tensor or a tuple of Tensors.
    inputs: a Tensor or tuple; those with ``requires_grad`` (float64) are checked.
    An element passes when |analytic - numeric| <= atol + rtol * |numeric|.
    Returns True, or raises ``GradcheckError`` naming the worst element.
    """
    if not callable(fn):
        raise TypeError(f"gradcheck expects a callable fn, got {type(fn).__name__}")
    ins = tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)
    diff = [i for i, t in enumerate(ins) if isinstance(t, Tensor) and t.requires_grad]
    if not diff:
        raise ValueError("gradcheck expects at least one input tensor with requires_grad=True")
    for i in diff:
        if ins[i].dtype != np.float64:
            raise ValueError(
                f"gradcheck: input {i} is {ins[i].dtype}; finite differences need float64 "
                "inputs (eps=1e-6 is below float32's resolution)"
            )

    outs = _outputs(fn, ins)
    n_out = sum(o._data.size for o in outs)
    numeric = {i: _numeric_jacobian(fn, ins, i, n_out, eps) for i in diff}
    analytic = _analytic_jacobian(outs, ins, diff, n_out)
    worst = _worst_mismatch(analytic, numeric, diff, atol, rtol)
    if worst is None:
        return True
    _, i, r, c, a_val, n_val = worst
    elem = np.unravel_index(c, ins[i].shape) if ins[i].ndim else ()
    msg = (
        f"Jacobian mismatch for output element {r} with respect to input {i}, element "
        f"{tuple(int(e) for e in elem)}: analytic {float(a_val)!r}, numerical {float(n_val)!r} "
        f"(atol={atol}, rtol={rtol})"
    )
    if raise_exception:
        raise GradcheckError(msg)
    return False
