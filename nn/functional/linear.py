"""``linear``: y = x W^T + b."""

from __future__ import annotations

from autograd_core import Tensor

from ._utils import check_tensor, same_dtype


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y = x W^T + b.

    input (*, in_features), weight (out_features, in_features), bias (out_features,)
    -> (*, out_features). delta_x = delta W, delta_W = delta^T x (summed over *),
    delta_b = delta summed over *.
    """
    check_tensor(input, "input", "linear")
    check_tensor(weight, "weight", "linear")
    if weight.ndim not in (1, 2):
        raise RuntimeError(
            f"linear(): weight must be 1-D or 2-D, got a weight of shape {list(weight.shape)}")
    if input.ndim == 0:
        raise RuntimeError("linear(): input must have at least one dimension, got a 0-d tensor")
    k = weight.shape[-1]
    if input.shape[-1] != k:
        rows = int(input.data.size // input.shape[-1]) if input.shape[-1] else 0
        wt = weight.shape[::-1]
        raise RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({rows}x{input.shape[-1]} and "
            f"{'x'.join(str(s) for s in (wt if len(wt) == 2 else (k, 1)))})")
    if input.dtype != weight.dtype:
        raise RuntimeError(
            "linear(): expected m1 and m2 to have the same dtype, but got: "
            f"{input.dtype} != {weight.dtype}")
    out = input @ weight.mT if weight.ndim == 2 else input @ weight
    if bias is not None:
        same_dtype("linear", ("input", input), ("bias", bias))
        out = out + bias
    return out
