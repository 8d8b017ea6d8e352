"""``Embedding``: a learnable lookup table of ``num_embeddings`` vectors of size
``embedding_dim``, as ``torch.nn.Embedding``."""

from __future__ import annotations

from typing import Any

import numpy as np
from typing_extensions import override

from autograd_core import Tensor, no_grad
from autograd_core.version import mark_modified

from . import functional as F
from . import init
from ._factory import param_dtype
from .functional.embedding_more import check_padding_idx
from .module import Module
from .parameter import Parameter


class Embedding(Module):
    """input (*) int64/int32 indices -> (*, embedding_dim); weight
    (num_embeddings, embedding_dim) drawn from N(0, 1), its ``padding_idx`` row zero.

    padding_idx: that row gets no gradient (and starts at zero). max_norm / norm_type:
    looked-up rows with a larger norm are scaled down in place at each call.
    scale_grad_by_freq: row gradients divided by the index counts in the batch.
    sparse=True is refused (no sparse gradients here).
    """

    def __init__(self, num_embeddings: int, embedding_dim: int,
                 padding_idx: int | None = None, max_norm: float | None = None,
                 norm_type: float = 2.0, scale_grad_by_freq: bool = False,
                 sparse: bool = False, _weight: Tensor | None = None,
                 _freeze: bool = False, device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        dt = param_dtype(dtype, device)
        self.num_embeddings = num_embeddings
        self.embedding_dim = embedding_dim
        self.padding_idx = check_padding_idx(padding_idx, num_embeddings)
        self.max_norm = max_norm
        self.norm_type = norm_type
        self.scale_grad_by_freq = scale_grad_by_freq
        if sparse:
            raise NotImplementedError(
                "Embedding(sparse=True): sparse gradients are not supported by this engine; "
                "use sparse=False (the gradient is then a dense tensor of the weight's shape)")
        self.sparse = sparse
        if _weight is None:
            self.weight = Parameter(np.empty((num_embeddings, embedding_dim), dtype=dt),
                                    requires_grad=not _freeze)
            self.reset_parameters()
        else:
            if tuple(_weight.shape) != (num_embeddings, embedding_dim):
                raise AssertionError("Shape of weight does not match num_embeddings and "
                                     "embedding_dim")
            self.weight = Parameter(_weight, requires_grad=not _freeze)

    def reset_parameters(self) -> None:
        """weight from N(0, 1); the padding row back to zero."""
        init.normal_(self.weight)
        self._fill_padding_idx_with_zero()

    def _fill_padding_idx_with_zero(self) -> None:
        if self.padding_idx is not None:
            with no_grad():
                self.weight._data[self.padding_idx] = 0
                mark_modified(self.weight)

    @override
    def forward(self, input: Tensor) -> Tensor:
        return F.embedding(input, self.weight, self.padding_idx, self.max_norm,
                           self.norm_type, self.scale_grad_by_freq, self.sparse)

    @override
    def extra_repr(self) -> str:
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx}"
        if self.max_norm is not None:
            s += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            s += f", norm_type={self.norm_type}"
        if self.scale_grad_by_freq is not False:
            s += ", scale_grad_by_freq=True"
        return s

    @classmethod
    def from_pretrained(cls, embeddings: Tensor, freeze: bool = True,
                        padding_idx: int | None = None, max_norm: float | None = None,
                        norm_type: float = 2.0, scale_grad_by_freq: bool = False,
                        sparse: bool = False) -> Embedding:
        """An Embedding whose weight is ``embeddings`` (V, D), shared, not copied;
        ``freeze`` (default) makes it not require grad. The padding row is kept as given."""
        if embeddings.ndim != 2:
            raise AssertionError("Embeddings parameter is expected to be 2-dimensional")
        rows, cols = embeddings.shape
        return cls(rows, cols, padding_idx=padding_idx, max_norm=max_norm,
                   norm_type=norm_type, scale_grad_by_freq=scale_grad_by_freq,
                   sparse=sparse, _weight=embeddings, _freeze=freeze,
                   dtype=embeddings.dtype)
