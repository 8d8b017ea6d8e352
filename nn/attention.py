"""``MultiheadAttention``, with PyTorch's arguments, parameter names and layouts."""

from __future__ import annotations

from typing import Any

from autograd_core import Tensor

from . import init
from ._factory import empty_param, param_dtype
from .functional._utils import check_tensor
from .functional.attention import _canonical_mask, mha_batch_first
from .linear import Linear
from .module import Module

__all__ = ["MultiheadAttention", "NonDynamicallyQuantizableLinear"]


class NonDynamicallyQuantizableLinear(Linear):
    """A ``Linear`` under the class name torch gives MultiheadAttention's output
    projection (so that reprs and type checks read the same); nothing else differs."""


class MultiheadAttention(Module):
    """Multi-head attention: H heads attend in parallel, each with E/H features.

    query (L, N, E) [or (N, L, E) with batch_first, or unbatched (L, E)], key (S, N, kdim),
    value (S, N, vdim) -> (attn_output (L, N, E), attn_weights (N, L, S) averaged over
    heads or (N, H, L, S), or None when need_weights=False).

    Parameters, as PyTorch's: in_proj_weight (3E, E) holding W_q, W_k, W_v one under the
    other, or q_proj_weight (E, E), k_proj_weight (E, kdim), v_proj_weight (E, vdim) when
    kdim or vdim differ from E; in_proj_bias (3E,) unless bias=False; out_proj, a Linear
    (E, E); bias_k, bias_v (1, 1, E) with add_bias_kv. Initialised as in PyTorch: the
    input weights xavier_uniform_, the biases 0, out_proj.weight as a Linear's,
    bias_k/bias_v xavier_normal_.

    Everything is composed from linear, matmul, masked_fill, softmax and dropout.
    """

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0,
                 bias: bool = True, add_bias_kv: bool = False, add_zero_attn: bool = False,
                 kdim: int | None = None, vdim: int | None = None, batch_first: bool = False,
                 device: Any = None, dtype: Any = None) -> None:
        if embed_dim <= 0 or num_heads <= 0:
            raise ValueError(
                f"embed_dim and num_heads must be greater than 0, got embed_dim={embed_dim} "
                f"and num_heads={num_heads} instead")
        super().__init__()
        dt = param_dtype(dtype, device)
        self.embed_dim = embed_dim
        self.kdim = kdim if kdim is not None else embed_dim
        self.vdim = vdim if vdim is not None else embed_dim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.num_heads = num_heads
        self.dropout = dropout
        self.batch_first = batch_first
        self.head_dim = embed_dim // num_heads
        if self.head_dim * num_heads != embed_dim:
            raise AssertionError("embed_dim must be divisible by num_heads")
        if self._qkv_same_embed_dim:
            self.in_proj_weight = empty_param((3 * embed_dim, embed_dim), dt)
            self.register_parameter("q_proj_weight", None)
            self.register_parameter("k_proj_weight", None)
            self.register_parameter("v_proj_weight", None)
        else:
            self.q_proj_weight = empty_param((embed_dim, embed_dim), dt)
            self.k_proj_weight = empty_param((embed_dim, self.kdim), dt)
            self.v_proj_weight = empty_param((embed_dim, self.vdim), dt)
            self.register_parameter("in_proj_weight", None)
        if bias:
            self.in_proj_bias = empty_param((3 * embed_dim,), dt)
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = NonDynamicallyQuantizableLinear(embed_dim, embed_dim, bias=bias,
                                                        dtype=dt)
        if add_bias_kv:
            self.bias_k = empty_param((1, 1, embed_dim), dt)
            self.bias_v = empty_param((1, 1, embed_dim), dt)
        else:
            self.bias_k = self.bias_v = None
        self.add_zero_attn = add_zero_attn
        self._reset_parameters()

    def _reset_parameters(self) -> None:
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            init.xavier_uniform_(self.q_proj_weight)
            init.xavier_uniform_(self.k_proj_weight)
            init.xavier_uniform_(self.v_proj_weight)
        if self.in_proj_bias is not None:
            init.constant_(self.in_proj_bias, 0.0)
            init.constant_(self.out_proj.bias, 0.0)
        if self.bias_k is not None:
            init.xavier_normal_(self.bias_k)
            init.xavier_normal_(self.bias_v)

    def forward(self, query: Tensor, key: Tensor, value: Tensor,
                key_padding_mask: Tensor | None = None, need_weights: bool = True,
                attn_mask: Tensor | None = None, average_attn_weights: bool = True,
                is_causal: bool = False) -> tuple[Tensor, Tensor | None]:
        """Attend from ``query`` to ``key``/``value``.

        key_padding_mask (N, S) [(S,) unbatched]: keys to ignore, bool (True = ignore) or
        float (added). attn_mask (L, S) or (N*H, L, S): bool (True = not allowed) or
        float (added). need_weights: also return the weights (N, L, S) averaged over
        heads (average_attn_weights) or (N, H, L, S). is_causal: a hint that attn_mask
        is the causal mask (attn_mask is still required).
        """
        check_tensor(query, "query", "MultiheadAttention")
        dt = query._data.dtype
        key_padding_mask = _canonical_mask(key_padding_mask, "key_padding_mask", attn_mask,
                                           "attn_mask", dt)
        attn_mask = _canonical_mask(attn_mask, "attn_mask", None, "", dt, check_other=False)
        return mha_batch_first(
            query, key, value, self.num_heads, self.in_proj_weight, self.in_proj_bias,
            self.bias_k, self.bias_v, self.add_zero_attn, self.dropout,
            self.out_proj.weight, self.out_proj.bias, training=self.training,
            key_padding_mask=key_padding_mask, need_weights=need_weights,
            attn_mask=attn_mask, use_separate_proj_weight=not self._qkv_same_embed_dim,
            q_proj_weight=self.q_proj_weight, k_proj_weight=self.k_proj_weight,
            v_proj_weight=self.v_proj_weight, average_attn_weights=average_attn_weights,
            is_causal=is_causal, embed_dim_to_check=self.embed_dim,
            batch_first=self.batch_first)
