"""``embedding``: rows of a weight table picked by integer indices, as one graph node.

out[..., :] = weight[input[...], :]. The gradient of the table is the output delta added
row by row back into zeros shaped like the table (repeated indices sum), written with
the engine's IndexAdd so that it is differentiable again. padding_idx rows get no
gradient; scale_grad_by_freq divides each row's gradient by how often its index occurs
in the batch. max_norm renormalises the looked-up rows of the table in place first.
"""

from __future__ import annotations

import numpy as np
from typing_extensions import override

from autograd_core import Tensor, no_grad
from autograd_core import notation as nt
from autograd_core.function import Function
from autograd_core.ops.index import IndexAdd
from autograd_core.version import mark_modified

from ._utils import check_tensor

_INDEX_NAMES = {"int8": "Char", "int16": "Short", "uint8": "Byte", "bool": "Bool",
                "float32": "Float", "float64": "Double", "float16": "Half"}


class EmbeddingLookup(Function):
    """weight (V, D), indices (*) -> (*, D). d/dweight: the delta scattered back to the
    rows it came from (summed), zero at ``padding_idx``, divided by the index counts
    when ``scale_grad_by_freq``."""

    __slots__ = ("indices",)
    arg_names = ("", "", "padding_idx", "scale_grad_by_freq")
    _reads_inputs = False  # backward needs the indices and shapes only

    @staticmethod
    @override
    def forward(ctx, weight, indices, padding_idx, scale_grad_by_freq):
        ctx.indices = indices
        return np.take(weight, indices, axis=0)

    @staticmethod
    def _row_factor(ctx, dtype) -> np.ndarray | None:
        """Per looked-up position: 0 at padding_idx, 1/count with scale_grad_by_freq."""
        _, _, padding_idx, scale = ctx.inputs
        if padding_idx is None and not scale:
            return None
        idx = ctx.indices.reshape(-1)
        factor = np.ones(idx.size, dtype=dtype)
        if scale:
            _, inverse, counts = np.unique(idx, return_inverse=True, return_counts=True)
            factor /= counts[inverse].astype(dtype)
        if padding_idx is not None:
            factor[idx == padding_idx] = 0
        return factor[:, None]

    @staticmethod
    @override
    def backward(ctx, grad):
        idx = ctx.indices.reshape(-1)
        g = grad.reshape(idx.size, grad.shape[-1])
        factor = EmbeddingLookup._row_factor(ctx, grad.dtype)
        if factor is not None:
            g = g * Tensor._wrap(factor)
        return IndexAdd.apply(g, (idx,), False, ctx.inputs[0].shape), None, None, None

    @staticmethod
    @override
    def fast_backward(ctx, grad):
        # Rows summed per index by sorting the positions (stable: each row's terms add
        # in the order np.add.at would use) and one reduceat, instead of np.add.at's
        # slow element-by-element scatter.
        idx = ctx.indices.reshape(-1)
        g = grad._data.reshape(idx.size, grad.shape[-1])
        factor = EmbeddingLookup._row_factor(ctx, grad.dtype)
        if factor is not None:
            g = g * factor
        out = np.zeros(ctx.inputs[0].shape, dtype=grad.dtype)
        if idx.size:
            order = np.argsort(idx, kind="stable")
            rows = idx[order]
            starts = np.flatnonzero(np.concatenate(([True], rows[1:] != rows[:-1])))
            out[rows[starts]] = np.add.reduceat(g[order], starts, axis=0)
        return Tensor._wrap(out), None, None, None

    @override
    def label(self) -> str:
        extra = []
        if self.inputs[2] is not None:
            extra.append(f"padding_idx={self.inputs[2]}")
        if self.inputs[3]:
            extra.append("scale_grad_by_freq=True")
        return "embedding" + (f"({', '.join(extra)})" if extra else "")

    @override
    def formula(self, operands):
        return nt.indexed(operands[0], "idx")

    @override
    def trace_rule(self, k, operands, out, numbers):
        shape = tuple(self.inputs[0].shape)
        return ("custom", lambda u: nt.call("index_add", f"zeros{shape}", "[idx]", u))


def _renorm_rows(weight: Tensor, idx: np.ndarray, max_norm: float, norm_type: float) -> None:
    """Scale the table rows that ``idx`` names to p-norm at most ``max_norm`` (in place,
    outside the graph), as torch.embedding_renorm_: factor max_norm / (norm + 1e-7)."""
    rows = np.unique(idx)
    table = weight._data
    with no_grad():
        sub = table[rows]
        if norm_type == np.inf:
            norms = np.abs(sub).max(axis=1)
        else:
            norms = (np.abs(sub) ** norm_type).sum(axis=1) ** (1.0 / norm_type)
        over = norms > max_norm
        if over.any():
            scale = (max_norm / (norms[over] + 1e-7)).astype(table.dtype)
            table[rows[over]] = sub[over] * scale[:, None]
            mark_modified(weight)


def check_padding_idx(padding_idx: int | None, num_embeddings: int) -> int | None:
    """padding_idx in [-V, V) as a row number in [0, V), as PyTorch checks it."""
    if padding_idx is None:
        return None
    if padding_idx > 0:
        if padding_idx >= num_embeddings:
            raise AssertionError("Padding_idx must be within num_embeddings")
    elif padding_idx < 0:
        if padding_idx < -num_embeddings:
            raise AssertionError("Padding_idx must be within num_embeddings")
        padding_idx += num_embeddings
    return int(padding_idx)


def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None,
              max_norm: float | None = None, norm_type: float = 2.0,
              scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """weight[input]: input (*) of int64/int32 indices, weight (V, D) -> (*, D).

    padding_idx: that row receives no gradient. max_norm: rows looked up whose
    ``norm_type``-norm exceeds it are scaled down in place first. scale_grad_by_freq:
    each row's gradient is divided by its index's count in ``input``. sparse=True
    (sparse gradients) is not supported.
    """
    check_tensor(input, "input", "embedding")
    check_tensor(weight, "weight", "embedding")
    idx = input._data
    if idx.dtype not in (np.int64, np.int32):
        name = _INDEX_NAMES.get(idx.dtype.name, idx.dtype.name)
        raise RuntimeError(
            "Expected tensor for argument #1 'indices' to have one of the following scalar "
            f"types: Long, Int; but got torch.{name}Tensor instead (while checking arguments "
            "for embedding)")
    if weight.ndim != 2:
        raise RuntimeError("'weight' must be 2-D")
    if sparse:
        raise NotImplementedError(
            "embedding(sparse=True): sparse gradients are not supported by this engine; "
            "use sparse=False (the gradient is then a dense tensor of the weight's shape)")
    v = weight.shape[0]
    if idx.size and (idx.min() < 0 or idx.max() >= v):
        raise IndexError("index out of range in self")
    padding_idx = check_padding_idx(padding_idx, v)
    if max_norm is not None:
        _renorm_rows(weight, idx, float(max_norm), float(norm_type))
    return EmbeddingLookup.apply(weight, idx.astype(np.intp, copy=False), padding_idx,
                                 bool(scale_grad_by_freq))
