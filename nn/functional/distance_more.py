"""cosine_similarity and pairwise_distance, composed from differentiable primitives."""

from __future__ import annotations

from autograd_core import Tensor

from ._utils import check_tensor
from .normalization_more import vector_norm


def _broadcast_pair(op: str, x1: Tensor, x2: Tensor) -> tuple[Tensor, Tensor]:
    shape = []
    a, b = x1.shape, x2.shape
    n = max(len(a), len(b))
    a = (1,) * (n - len(a)) + tuple(a)
    b = (1,) * (n - len(b)) + tuple(b)
    for i, (p, q) in enumerate(zip(a, b)):
        if p != q and p != 1 and q != 1:
            raise RuntimeError(
                f"The size of tensor a ({p}) must match the size of tensor b ({q}) at "
                f"non-singleton dimension {i}")
        shape.append(max(p, q))
    shape_t = tuple(shape)
    return (x1 if x1.shape == shape_t else x1.expand(shape_t),
            x2 if x2.shape == shape_t else x2.expand(shape_t))


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """sum(x1 * x2, dim) / (max(||x1||, eps) * max(||x2||, eps)), x1 and x2 broadcast
    together; ``dim`` is removed from the result.

    Each input is divided by its own norm first (so the result stays in [-1, 1]); as in
    PyTorch, the eps floor is applied to the norms' values only, so the gradient is that
    of x / ||x|| even where the floor is active.
    """
    check_tensor(x1, "x1", "cosine_similarity")
    check_tensor(x2, "x2", "cosine_similarity")
    a, b = _broadcast_pair("cosine_similarity", x1, x2)
    nd = max(a.ndim, 1)
    if not -nd <= dim < nd:
        raise IndexError(
            f"Dimension out of range (expected to be in range of [{-nd}, {nd - 1}], but got "
            f"{dim})")

    def floored_norm(x: Tensor) -> Tensor:
        n = vector_norm(x, 2, dim, keepdim=True)
        # n plus a constant: the value max(n, eps), the gradient that of n.
        bump = n.detach().clamp(min=eps) - n.detach()
        return n + bump

    return ((a / floored_norm(a)) * (b / floored_norm(b))).sum(dim=dim)


def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6,
                      keepdim: bool = False) -> Tensor:
    """||x1 - x2 + eps||_p over the last dim (x1, x2 broadcast): (*, D) -> (*)."""
    check_tensor(x1, "x1", "pairwise_distance")
    check_tensor(x2, "x2", "pairwise_distance")
    a, b = _broadcast_pair("pairwise_distance", x1, x2)
    if a.ndim == 0:
        return vector_norm(a - b + eps, p)
    return vector_norm(a - b + eps, p, -1, keepdim=keepdim)
