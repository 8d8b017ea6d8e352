"""``TransformerEncoderLayer`` and ``TransformerEncoder``, with PyTorch's arguments,
submodule names and parameter layouts; ``generate_square_subsequent_mask``.

A layer is self-attention then a two-layer feed-forward network, each wrapped in a
residual connection and a LayerNorm (after the sum, or before the block with
norm_first). All of it is composed from existing modules: MultiheadAttention, Linear,
Dropout, LayerNorm.
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from autograd_core import Tensor
from autograd_core import grad_mode as _grad_mode

from . import functional as F
from .attention import MultiheadAttention
from .container import ModuleList
from .dropout import Dropout
from .functional.attention import _canonical_mask
from .linear import Linear
from .module import Module
from .normalization import LayerNorm

__all__ = ["TransformerEncoder", "TransformerEncoderLayer", "generate_square_subsequent_mask"]


def generate_square_subsequent_mask(sz: int, device: Any = None, dtype: Any = None) -> Tensor:
    """The causal mask (sz, sz) as torch's ``nn.Transformer.generate_square_subsequent_mask``:
    0.0 where query i may see key j (j <= i), -inf above the diagonal. float32 unless
    ``dtype`` is given."""
    from autograd_core import full

    return full((sz, sz), float("-inf"), dtype=dtype, device=device).triu(diagonal=1)


def _detect_is_causal_mask(mask: Tensor | None, is_causal: bool | None, size: int | None
                           ) -> bool:
    """``is_causal`` when given; otherwise whether ``mask`` is exactly the causal mask of
    ``size`` (as torch decides it, to take the causal route)."""
    if is_causal is not None or mask is None:
        return is_causal is True
    sz = size if size is not None else mask.shape[-2]
    if tuple(mask.shape) != (sz, sz):
        return False
    causal = np.triu(np.full((sz, sz), -np.inf, dtype=mask._data.dtype), 1)
    return bool(np.array_equal(mask._data, causal))


def _activation(activation: str | Callable) -> Callable:
    if isinstance(activation, str):
        if activation == "relu":
            return F.relu
        if activation == "gelu":
            return F.gelu
        raise RuntimeError(f"activation should be relu/gelu, not {activation}")
    return activation


class TransformerEncoderLayer(Module):
    """Self-attention and a feed-forward network, each with a residual connection.

    src (S, N, E) [(N, S, E) with batch_first, or unbatched (S, E)] -> same shape, with
    E = d_model. norm_first=False (the original): x = norm1(x + SA(x)),
    x = norm2(x + FF(x)); norm_first=True: x = x + SA(norm1(x)), x = x + FF(norm2(x)).
    SA is MultiheadAttention(d_model, nhead) then dropout; FF is linear1 (E ->
    dim_feedforward), activation ("relu", "gelu" or any callable), dropout, linear2,
    dropout. Submodules and parameters are named as in PyTorch (self_attn, linear1,
    dropout, linear2, norm1, norm2, dropout1, dropout2).
    """

    def __init__(self, d_model: int, nhead: int, dim_feedforward: int = 2048,
                 dropout: float = 0.1, activation: str | Callable = F.relu,
                 layer_norm_eps: float = 1e-5, batch_first: bool = False,
                 norm_first: bool = False, bias: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        kw = dict(device=device, dtype=dtype)
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                                            batch_first=batch_first, **kw)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, **kw)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, **kw)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kw)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kw)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        act = _activation(activation)
        # As torch: 1 for relu, 2 for gelu, 0 for anything else (its fast-path test).
        from .activation import ReLU
        from .activation_more import GELU

        self.activation_relu_or_gelu = (1 if act is F.relu or isinstance(act, ReLU) else
                                        2 if act is F.gelu or isinstance(act, GELU) else 0)
        self.activation = act

    def forward(self, src: Tensor, src_mask: Tensor | None = None,
                src_key_padding_mask: Tensor | None = None, is_causal: bool = False
                ) -> Tensor:
        """src_mask (S, S) or (N*nhead, S, S), bool (True = not allowed) or float (added);
        src_key_padding_mask (N, S), True (or -inf) for padding; is_causal: a hint that
        src_mask is the causal mask."""
        dt = src._data.dtype
        src_key_padding_mask = _canonical_mask(src_key_padding_mask, "src_key_padding_mask",
                                               src_mask, "src_mask", dt)
        src_mask = _canonical_mask(src_mask, "src_mask", None, "", dt, check_other=False)
        x = src
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), src_mask, src_key_padding_mask, is_causal)
            x = x + self._ff_block(self.norm2(x))
        else:
            x = self.norm1(x + self._sa_block(x, src_mask, src_key_padding_mask, is_causal))
            x = self.norm2(x + self._ff_block(x))
        return x

    def _sa_block(self, x: Tensor, attn_mask: Tensor | None,
                  key_padding_mask: Tensor | None, is_causal: bool) -> Tensor:
        x = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                           need_weights=False, is_causal=is_causal)[0]
        return self.dropout1(x)

    def _ff_block(self, x: Tensor) -> Tensor:
        x = self.linear2(self.dropout(self.activation(self.linear1(x))))
        return self.dropout2(x)


def _why_no_nested(layer: Any) -> str:
    """Why torch's encoder would not take its nested-tensor route with this layer ('' if
    it would); torch warns with this reason when enable_nested_tensor is left True."""
    name = "encoder_layer"
    if not isinstance(layer, TransformerEncoderLayer):
        return f"{name} was not TransformerEncoderLayer"
    if layer.norm_first:
        return f"{name}.norm_first was True"
    if not layer.self_attn.batch_first:
        return (f"{name}.self_attn.batch_first was not True"
                "(use batch_first for better inference performance)")
    if not layer.self_attn._qkv_same_embed_dim:
        return f"{name}.self_attn._qkv_same_embed_dim was not True"
    if layer.self_attn.in_proj_bias is None:
        return f"{name}.self_attn was passed bias=False"
    if not layer.activation_relu_or_gelu:
        return f"{name}.activation_relu_or_gelu was not True"
    if layer.norm1.eps != layer.norm2.eps:
        return f"{name}.norm1.eps was not equal to {name}.norm2.eps"
    if layer.self_attn.num_heads % 2 == 1:
        return f"{name}.self_attn.num_heads is odd"
    return ""


class TransformerEncoder(Module):
    """A stack of ``num_layers`` copies of ``encoder_layer`` (deep copies: each has its
    own weights, all starting equal), then ``norm`` if given. src -> same shape.

    ``enable_nested_tensor``: torch's inference route for padded batches. There is no
    nested tensor here; where torch would take that route (evaluation mode, no gradient
    needed, batch_first, src_key_padding_mask given and left-aligned, no mask), the
    padded positions of the output are zeros before ``norm``, as torch returns them.
    """

    def __init__(self, encoder_layer: Module, num_layers: int, norm: Module | None = None,
                 enable_nested_tensor: bool = True, mask_check: bool = True) -> None:
        super().__init__()
        self.layers = ModuleList([copy.deepcopy(encoder_layer) for _ in range(num_layers)])
        self.num_layers = num_layers
        self.norm = norm
        self.enable_nested_tensor = enable_nested_tensor
        self.use_nested_tensor = enable_nested_tensor
        self.mask_check = mask_check
        why = _why_no_nested(encoder_layer)
        if enable_nested_tensor and why:
            warnings.warn(f"enable_nested_tensor is True, but self.use_nested_tensor is False "
                          f"because {why}", stacklevel=2)
            self.use_nested_tensor = False

    def forward(self, src: Tensor, mask: Tensor | None = None,
                src_key_padding_mask: Tensor | None = None, is_causal: bool | None = None
                ) -> Tensor:
        """mask (S, S) or (N*nhead, S, S), src_key_padding_mask (N, S), as for the layer;
        is_causal None: detected (mask equal to the causal mask)."""
        dt = src._data.dtype
        src_key_padding_mask = _canonical_mask(src_key_padding_mask, "src_key_padding_mask",
                                               mask, "mask", dt)
        mask = _canonical_mask(mask, "mask", None, "", dt, check_other=False)
        first = self.layers[0]
        batch_first = first.self_attn.batch_first
        keep = self._nested_keep(src, mask, src_key_padding_mask)
        seq_len = src.shape[0] if src.ndim == 2 else src.shape[1 if batch_first else 0]
        is_causal = _detect_is_causal_mask(mask, is_causal, seq_len)
        out = src
        for layer in self.layers:
            out = layer(out, src_mask=mask, is_causal=is_causal,
                        src_key_padding_mask=src_key_padding_mask)
        if keep is not None:
            out = out * Tensor._wrap(keep)
        if self.norm is not None:
            out = self.norm(out)
        return out

    def _nested_keep(self, src: Tensor, mask: Tensor | None, kpm: Tensor | None
                     ) -> np.ndarray | None:
        """(N, S, 1) of 1/0 (0 at padding) where torch would run its nested-tensor route,
        else None."""
        first = self.layers[0]
        if (not self.use_nested_tensor or first.training or src.ndim != 3 or kpm is None
                or mask is not None):
            return None
        valid = kpm._data == 0
        if self.mask_check:
            # Left-aligned: every row is valid positions first, then padding only.
            if np.any(valid[:, 1:] & ~valid[:, :-1]):
                return None
        a = first.self_attn
        args = (src, a.in_proj_weight, a.in_proj_bias, a.out_proj.weight, a.out_proj.bias,
                first.norm1.weight, first.norm1.bias, first.norm2.weight, first.norm2.bias,
                first.linear1.weight, first.linear1.bias, first.linear2.weight,
                first.linear2.bias)
        if _grad_mode.is_grad_enabled() and any(
                isinstance(t, Tensor) and t.requires_grad for t in args):
            return None
        return valid[:, :, None].astype(src._data.dtype)
