"""``one_hot``: class indices to indicator vectors."""

from __future__ import annotations

import numpy as np

from autograd_core import Tensor

from ._utils import check_tensor


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """(*) int64 class indices -> (*, num_classes) int64 with a 1 at each index.

    num_classes=-1 uses max(index) + 1.
    """
    check_tensor(tensor, "tensor", "one_hot")
    idx = tensor._data
    if idx.dtype.kind not in "iu":
        raise RuntimeError(
            "one_hot is only applicable to index tensor of type LongTensor; got "
            f"dtype {idx.dtype}")
    if idx.size and idx.min() < 0:
        raise RuntimeError("Class values must be non-negative.")
    if num_classes == -1:
        if idx.size == 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        num_classes = int(idx.max()) + 1
    if idx.size and idx.max() >= num_classes:
        raise RuntimeError(
            f"Class values must be smaller than num_classes. (got {int(idx.max())} with "
            f"num_classes={num_classes})")
    out = (idx[..., None] == np.arange(num_classes)).astype(np.int64)
    return Tensor._wrap(out)
