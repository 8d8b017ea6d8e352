"""The one place where gradients are reduced back over broadcast dimensions."""

from __future__ import annotations

from ..tensor import Tensor


def unbroadcast(grad: Tensor, shape: tuple[int, ...]) -> Tensor:
    """Sum ``grad`` over the axes that broadcasting added or stretched, to get ``shape``.

    grad: (*broadcast_shape); returns (*shape). With ``create_graph`` the sum is recorded
    like any other op.
    """
    gshape = grad._data.shape
    if gshape == shape:
        return grad
    lead = len(gshape) - len(shape)
    axes = tuple(range(lead)) + tuple(
        i + lead for i, s in enumerate(shape) if s == 1 and gshape[i + lead] != 1
    )
    from .reduce import Sum

    out = Sum.apply(grad, axes, False) if axes else grad
    if out._data.shape != shape:
        from .shape import Reshape

        out = Reshape.apply(out, shape)
    return out
