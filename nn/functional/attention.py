"""``scaled_dot_product_attention``: softmax(q k^T * scale + mask) v, composed from
matmul, masked_fill (or the addition of a 0/-inf bias), softmax and dropout
(``composed_attention``).

Shapes: query (*, L, E), key (*, S, E), value (*, S, Ev) -> (*, L, Ev), where * are batch
dimensions that broadcast (typically (N, H) for N sequences and H heads). The weights
softmax(q k^T * scale + mask) have shape (*, L, S): row i says how much query i takes
from each of the S keys, and sums to one.

Without an explicit mask or dropout the same arithmetic runs as one node, ``Attention``,
for speed: its NumPy forward and fast backward keep the weights in one array. Its
formula (``backward``, used under create_graph) is ``composed_attention`` recomputed
from the node's inputs and differentiated by the engine (``_recompute``).
"""

from __future__ import annotations

import functools
import math
import numbers
from typing import Any

import numpy as np
from typing_extensions import override

from autograd_core import Tensor
from autograd_core import notation as nt
from autograd_core.function import Function

from ._recompute import c_order, grads_of_composition
from ._shares import in_shares
from ._utils import check_tensor
from .dropout import dropout as _dropout

_OP = "scaled_dot_product_attention"
_C_NAMES = {"float32": "float", "float64": "double", "float16": "c10::Half",
            "int64": "long int", "int32": "int", "int16": "short int", "int8": "signed char",
            "uint8": "unsigned char", "bool": "bool"}


def _cname(dt: np.dtype) -> str:
    """The dtype as PyTorch's messages name it (float, double, long int, ...)."""
    return _C_NAMES.get(np.dtype(dt).name, np.dtype(dt).name)


def _shape(t: Any) -> str:
    return str(list(t.shape))


def _check_inputs(query: Tensor, key: Tensor, value: Tensor, attn_mask: Tensor | None,
                  dropout_p: float, is_causal: bool, enable_gqa: bool) -> None:
    """PyTorch's argument checks, in its words where it has them."""
    for name, t in (("query", query), ("key", key), ("value", value)):
        check_tensor(t, name, _OP)
    if query.ndim < 2 or key.ndim < 2 or value.ndim < 2:
        raise RuntimeError(
            "Expected query, key, and value to all be at least 2 dimensional, but got "
            f"query.dim: {query.ndim} key.dim: {key.ndim} and value.dim: {value.ndim} "
            "instead.")
    qd, kd, vd = query._data.dtype, key._data.dtype, value._data.dtype
    if not qd == kd == vd:
        raise RuntimeError(
            "Expected query, key, and value to have the same dtype, but got query.dtype: "
            f"{_cname(qd)} key.dtype: {_cname(kd)} and value.dtype: {_cname(vd)} instead.")
    if qd.kind != "f":
        raise RuntimeError(
            f"{_OP}(): expected floating point query, key and value, got {_cname(qd)} "
            f"(expected scalar type Float but found {_cname(qd).title()})")
    if (not isinstance(dropout_p, numbers.Real) or isinstance(dropout_p, bool)
            or not 0.0 <= dropout_p <= 1.0):
        raise RuntimeError(f"dropout probability has to be between 0 and 1, but got {dropout_p}")
    if query.shape[-1] != key.shape[-1]:
        raise RuntimeError(
            f"{_OP}(): query and key must have the same embedding size E (last dimension), "
            f"got query {_shape(query)} and key {_shape(key)}")
    if key.shape[-2] != value.shape[-2]:
        raise RuntimeError(
            f"{_OP}(): key and value must have the same sequence length S (dimension -2), "
            f"got key {_shape(key)} and value {_shape(value)}")
    if enable_gqa:
        if query.ndim < 3 or key.ndim < 3 or value.ndim < 3:
            raise RuntimeError(
                f"{_OP}(): enable_gqa needs a heads dimension (-3) in query, key and value, "
                f"got query {_shape(query)}, key {_shape(key)}, value {_shape(value)}")
        hq, hk, hv = query.shape[-3], key.shape[-3], value.shape[-3]
        if hk != hv or hq % hk:
            raise RuntimeError(
                "Number of heads in key and value must divide the number of heads in query "
                f"(query heads {hq}, key heads {hk}, value heads {hv})")
    if attn_mask is not None:
        check_tensor(attn_mask, "attn_mask", _OP)
        md = attn_mask._data.dtype
        if md != np.bool_ and md != qd:
            raise RuntimeError(
                "Expected attn_mask dtype to be bool or float or to match query dtype, but "
                f"got attn_mask.dtype: {_cname(md)} and query.dtype: {_cname(qd)} instead.")
        if is_causal:
            # The documented rule (the math kernel's message): one or the other.
            raise RuntimeError("_scaled_dot_product_attention: Explicit attn_mask should not "
                               "be set when is_causal=True")


def _batch_shape(query: Tensor, key: Tensor, value: Tensor) -> tuple[int, ...]:
    """The broadcast batch dimensions of the three inputs, or PyTorch's size error."""
    shapes = [t.shape[:-2] for t in (query, key, value)]
    try:
        return tuple(np.broadcast_shapes(*shapes))
    except ValueError:
        raise RuntimeError(
            f"{_OP}(): the batch dimensions of query {_shape(query)}, key {_shape(key)} and "
            f"value {_shape(value)} cannot be broadcast together (The size of tensor a "
            "must match the size of tensor b at non-singleton dimensions)") from None


@functools.lru_cache(maxsize=32)
def _causal_bias(L: int, S: int, dtype: np.dtype) -> np.ndarray:
    """(L, S): 0 where query i may see key j (j <= i, top-left aligned as torch), -inf
    elsewhere; read-only, shared between calls."""
    bias = np.where(np.tri(L, S, dtype=bool), 0.0, -np.inf).astype(dtype)
    bias.flags.writeable = False
    return bias


def _mask_to_bias(scores: Tensor, attn_mask: Tensor | None, is_causal: bool
                  ) -> tuple[Tensor, np.ndarray | None]:
    """scores with the mask applied (-inf where a bool mask is False, a float mask
    added), and the rows in which every key is masked (None when there are none).

    A bool (or causal) mask is added as a constant 0/-inf bias rather than written with
    masked_fill: the same values, and an addition of a constant passes the gradient on
    untouched, where masked_fill would mask it (a second pass over the scores)."""
    L, S = scores.shape[-2:]
    if is_causal:
        # Query i sees keys 0..i (all of them when i >= S-1): no row is ever empty.
        return scores + Tensor._wrap(_causal_bias(L, S, scores._data.dtype)), None
    if attn_mask is None:
        return scores, None
    m = attn_mask._data
    try:
        fits = np.broadcast_shapes(m.shape, scores.shape) == scores.shape
    except ValueError:
        fits = False
    if not fits:
        raise RuntimeError(
            f"{_OP}(): attn_mask of shape {list(m.shape)} cannot be broadcast to the "
            f"attention weights' shape {list(scores.shape)} (*, L, S)")
    if m.dtype == np.bool_:
        dead = ~m.any(axis=-1, keepdims=True)
        bias = np.where(m, np.asarray(0.0, scores._data.dtype), np.asarray(-np.inf,
                                                                         scores._data.dtype))
        scores = scores + Tensor._wrap(bias)
    else:
        dead = np.isneginf(m).all(axis=-1, keepdims=True) if m.shape[-1] else None
        scores = scores + attn_mask
    return scores, (dead if dead is not None and dead.any() else None)


def _row_sums(a: np.ndarray) -> np.ndarray:
    """Sums over the last axis, kept as a length-1 axis: einsum's loop is several times
    faster than ``sum(axis=-1)`` on short rows (64 keys)."""
    return np.einsum("...j->...", a)[..., None]


def _in_shares(part, p: np.ndarray) -> None:
    """``part(sl)`` over slices of the first (batch) axis, on all cores when the (*, L, S)
    weights ``p`` are large enough (see _shares.py)."""
    in_shares(part, p.shape[0] if p.ndim >= 3 else 1, p.size)


class Attention(Function):
    """softmax(q k^T * scale + causal bias) v as one node; q (*, L, E), k (*, S, E),
    v (*, S, Ev) with the same batch dims * -> (*, L, Ev).

    The composition (matmul, add, softmax, matmul) is five nodes and four (*, L, S)
    arrays; here the weights P are made in place in one array and kept for
    ``fast_backward``, the chain rule through them in NumPy: dV = P^T delta,
    dP = delta V^T, dS = P (dP - rowsum(dP P)), dQ = scale dS K, dK = dS^T (scale Q).
    ``backward``, the formula, is that composition (``composed_attention``) recomputed
    from the inputs and differentiated by the engine, so create_graph differentiates it
    again; tests/test_op_registry.py checks that the two agree.
    """

    __slots__ = ("scale", "causal")
    arg_names = ("", "", "", "scale", "causal")
    _fresh_grads = True  # three new products

    @staticmethod
    @override
    def forward(ctx, q, k, v, scale, causal):
        ctx.scale, ctx.causal = scale, causal
        dt = np.result_type(q, k, v)
        lead = q.shape[:-2]
        p = np.empty(lead + (q.shape[-2], k.shape[-2]), dt)
        out = np.empty(lead + (q.shape[-2], v.shape[-1]), dt)
        qs = q if scale == 1.0 else np.empty(q.shape, dt)

        def part(sl):
            qp = qs[sl]
            if scale != 1.0:
                np.multiply(q[sl], np.asarray(scale, dt), out=qp)
            pp = p[sl]
            np.matmul(qp, np.swapaxes(k[sl], -1, -2), out=pp)
            if causal:
                pp += _causal_bias(pp.shape[-2], pp.shape[-1], dt)
            pp -= pp.max(axis=-1, keepdims=True)  # e^x never overflows; softmax unchanged
            np.exp(pp, out=pp)
            pp /= _row_sums(pp)
            np.matmul(pp, v[sl], out=out[sl])

        _in_shares(part, p)
        ctx.save_for_backward(p, qs)
        return out

    @staticmethod
    @override
    def backward(ctx, grad):
        # The formula: scaled_dot_product_attention's composition on the inputs,
        # differentiated by the engine (differentiable again under create_graph).
        ctx.saved_tensors  # noqa: B018 - the freed/overwritten checks are the point
        scale, causal = ctx.scale, ctx.causal
        dq, dk, dv, _, _ = grads_of_composition(
            lambda q, k, v, *_: composed_attention(q, k, v, None, 0.0, causal, scale),
            ctx.inputs, grad)
        return c_order(dq), c_order(dk), c_order(dv), None, None

    @staticmethod
    @override
    def fast_backward(ctx, grad):
        q, k, v = ctx.inputs[:3]
        p, qs = ctx.saved_tensors
        g = grad._data
        kd, vd = k._data, v._data
        scale = ctx.scale
        need_q, need_k, need_v = q.requires_grad, k.requires_grad, v.requires_grad
        dq = np.empty(qs.shape, p.dtype) if need_q else None
        dk = np.empty(kd.shape, p.dtype) if need_k else None
        dv = np.empty(vd.shape, p.dtype) if need_v else None

        def part(sl):
            pp = p[sl]
            if need_v:
                np.matmul(np.swapaxes(pp, -1, -2), g[sl], out=dv[sl])
            if need_q or need_k:
                ds = np.matmul(g[sl], np.swapaxes(vd[sl], -1, -2))  # dP, then dS
                ds -= np.einsum("...j,...j->...", ds, pp)[..., None]
                ds *= pp
                if need_q:
                    dqp = dq[sl]
                    np.matmul(ds, kd[sl], out=dqp)
                    if scale != 1.0:
                        dqp *= np.asarray(scale, dqp.dtype)
                if need_k:
                    np.matmul(np.swapaxes(ds, -1, -2), qs[sl], out=dk[sl])

        _in_shares(part, p)
        wrap = Tensor._wrap
        return (None if dq is None else wrap(dq), None if dk is None else wrap(dk),
                None if dv is None else wrap(dv), None, None)

    @override
    def label(self) -> str:
        c = ", causal" if self.causal else ""
        return f"attention(scale={nt.format_number(self.scale)}{c})"

    @override
    def formula(self, operands):
        return nt.call("attention", *[o for o in operands[:3] if o is not None])

    @override
    def trace_rule(self, k, operands, out, numbers):
        name = ("dQ", "dK", "dV")[k]
        return ("custom", lambda u: nt.call(f"attention_backward_{name}", u))


def _fused(query: Tensor, key: Tensor, value: Tensor, attn_mask: Tensor | None,
           dropout_p: float) -> bool:
    """Whether the one-node ``Attention`` computes this call: no explicit mask, no
    dropout, the same batch dims in all three, and something to attend to."""
    qs, ks, vs = query.shape, key.shape, value.shape
    return (attn_mask is None and dropout_p == 0.0 and qs[:-2] == ks[:-2] == vs[:-2]
            and qs[-2] > 0 and ks[-2] > 0 and qs[-1] > 0)


def attention_weights(query: Tensor, key: Tensor, attn_mask: Tensor | None = None,
                      is_causal: bool = False, scale: float | None = None,
                      empty_rows: str = "zero") -> Tensor:
    """softmax(q k^T * scale + mask) along the keys. query (*, L, E), key (*, S, E) ->
    (*, L, S).

    A bool mask keeps the keys where it is True; a float mask is added to the scores.
    ``empty_rows``: what a query whose keys are all masked gets: "zero" weights (as
    ``scaled_dot_product_attention`` in torch) or "nan" (a plain softmax of -inf, as
    ``MultiheadAttention`` with need_weights=True in torch).
    """
    if scale is None:
        scale = 1.0 / math.sqrt(query.shape[-1]) if query.shape[-1] else 1.0
    # Scale q rather than the scores: (L, E) numbers instead of (L, S), the same product.
    q = query * scale if scale != 1.0 else query
    scores = q @ key.mT
    scores, dead = _mask_to_bias(scores, attn_mask, is_causal)
    if dead is None:
        return scores.softmax(-1)
    if empty_rows == "nan":
        with np.errstate(invalid="ignore"):  # -inf - -inf: torch is silent about it too
            return scores.softmax(-1)
    # A row of -inf would give 0/0; softmax a row of zeros there instead and zero its
    # weights afterwards, so that neither the value nor the gradient becomes NaN.
    dead_t = Tensor._wrap(np.broadcast_to(dead, scores.shape))
    weights = scores.masked_fill(dead_t, 0.0).softmax(-1)
    return weights.masked_fill(dead_t, 0.0)


def scaled_dot_product_attention(query: Tensor, key: Tensor, value: Tensor,
                                 attn_mask: Tensor | None = None, dropout_p: float = 0.0,
                                 is_causal: bool = False, scale: float | None = None,
                                 enable_gqa: bool = False) -> Tensor:
    """Attention: softmax(q k^T * scale + mask) v, dropout applied to the weights.

    query (*, Hq, L, E), key (*, H, S, E), value (*, H, S, Ev) -> (*, Hq, L, Ev); the
    batch dimensions * broadcast. ``scale`` defaults to 1/sqrt(E).

    attn_mask broadcasts to (*, L, S): bool, True where a query may take part of a key
    (the opposite of MultiheadAttention's masks), or float (query's dtype), added to the
    scores (-inf forbids). ``is_causal``: query i sees keys 0..i (top-left aligned when
    L != S); not together with attn_mask. A query that sees no key gets zeros, with zero
    gradients, as in PyTorch. ``dropout_p`` applies whenever it is above zero (pass 0.0
    in evaluation), drawn from the default generator. ``enable_gqa``: key and value may
    have fewer heads H, dividing Hq; each is repeated Hq/H times along dim -3.

    Every step is a differentiable primitive (matmul, masked_fill, softmax, dropout),
    so the gradients, and their gradients, come from the engine; without a mask or
    dropout the one node ``Attention`` computes the same faster, its formula this
    composition.
    """
    _check_inputs(query, key, value, attn_mask, dropout_p, is_causal, enable_gqa)
    if enable_gqa and key.shape[-3] != query.shape[-3]:
        rep = query.shape[-3] // key.shape[-3]
        key = key.repeat_interleave(rep, dim=-3)
        value = value.repeat_interleave(rep, dim=-3)
    _batch_shape(query, key, value)
    if _fused(query, key, value, attn_mask, dropout_p):
        if scale is None:
            scale = 1.0 / math.sqrt(query.shape[-1])
        return Attention.apply(query, key, value, float(scale), bool(is_causal))
    return composed_attention(query, key, value, attn_mask, dropout_p, is_causal, scale)


def composed_attention(query: Tensor, key: Tensor, value: Tensor, attn_mask: Tensor | None,
                       dropout_p: float, is_causal: bool, scale: float | None) -> Tensor:
    """softmax(q k^T * scale + mask) v with dropout on the weights, from the primitive ops
    (mul, matmul, add or masked_fill of the mask, softmax, dropout, matmul). query
    (*, L, E), key (*, S, E), value (*, S, Ev) -> (*, L, Ev); arguments as
    ``scaled_dot_product_attention``, checked by it. The unfused path, and the formula
    of the one-node ``Attention``."""
    weights = attention_weights(query, key, attn_mask, is_causal, scale)
    if dropout_p > 0.0:
        weights = _dropout(weights, dropout_p, training=True)
    return weights @ value


# ----- multi-head attention ------------------------------------------------------------


def _canonical_mask(mask: Tensor | None, mask_name: str, other: Tensor | None,
                    other_name: str, target: np.dtype, check_other: bool = True
                    ) -> Tensor | None:
    """A bool mask (True = masked out) as a float mask of ``target`` dtype (-inf where
    True, 0 elsewhere); a float mask unchanged. Warns as torch when the two masks of one
    call differ in type."""
    if mask is None:
        return None
    check_tensor(mask, mask_name, "multi_head_attention_forward")
    md = mask._data.dtype
    if md != np.bool_ and md.kind != "f":
        raise AssertionError(f"only bool and floating types of {mask_name} are supported")
    if check_other and other is not None and other._data.dtype != md:
        import warnings

        warnings.warn(f"Support for mismatched {mask_name} and {other_name} is deprecated. "
                      "Use same type for both instead.", stacklevel=4)
    if md == np.bool_:
        return Tensor._wrap(np.where(mask._data, np.asarray(-np.inf, target),
                                     np.asarray(0.0, target)))
    return mask


def _mha_shape_check(query: Tensor, key: Tensor, value: Tensor,
                     key_padding_mask: Tensor | None, attn_mask: Tensor | None,
                     num_heads: int) -> bool:
    """Whether the call is batched (3-D query) or not (2-D), with torch's errors."""
    if query.ndim == 3:
        if key.ndim != 3 or value.ndim != 3:
            raise AssertionError(
                "For batched (3-D) `query`, expected `key` and `value` to be 3-D but found "
                f"{key.ndim}-D and {value.ndim}-D tensors respectively")
        if key_padding_mask is not None and key_padding_mask.ndim != 2:
            raise AssertionError(
                "For batched (3-D) `query`, expected `key_padding_mask` to be `None` or 2-D "
                f"but found {key_padding_mask.ndim}-D tensor instead")
        if attn_mask is not None and attn_mask.ndim not in (2, 3):
            raise AssertionError(
                "For batched (3-D) `query`, expected `attn_mask` to be `None`, 2-D or 3-D "
                f"but found {attn_mask.ndim}-D tensor instead")
        return True
    if query.ndim == 2:
        if key.ndim != 2 or value.ndim != 2:
            raise AssertionError(
                "For unbatched (2-D) `query`, expected `key` and `value` to be 2-D but found "
                f"{key.ndim}-D and {value.ndim}-D tensors respectively")
        if key_padding_mask is not None and key_padding_mask.ndim != 1:
            raise AssertionError(
                "For unbatched (2-D) `query`, expected `key_padding_mask` to be `None` or "
                f"1-D but found {key_padding_mask.ndim}-D tensor instead")
        if attn_mask is not None:
            if attn_mask.ndim not in (2, 3):
                raise AssertionError(
                    "For unbatched (2-D) `query`, expected `attn_mask` to be `None`, 2-D or "
                    f"3-D but found {attn_mask.ndim}-D tensor instead")
            expected = (num_heads, query.shape[0], key.shape[0])
            if attn_mask.ndim == 3 and tuple(attn_mask.shape) != expected:
                raise AssertionError(f"Expected `attn_mask` shape to be {expected} but got "
                                     f"{tuple(attn_mask.shape)}")
        return False
    raise AssertionError("query should be unbatched 2D or batched 3D tensor but received "
                         f"{query.ndim}-D query tensor")


def _flat_linear(x: Tensor, w: Tensor, b: Tensor | None) -> Tensor:
    """linear over the last dim of (N, L, E_in) -> (N, L, E_out), as one 2-D product (one
    GEMM forward and one per gradient, instead of a batch of N)."""
    from .linear import linear

    n, length = x.shape[0], x.shape[1]
    return linear(x.reshape(n * length, x.shape[2]), w, b).reshape(n, length, w.shape[0])


def _project(query: Tensor, key: Tensor, value: Tensor, in_proj_weight: Tensor | None,
             in_proj_bias: Tensor | None, q_w: Tensor | None, k_w: Tensor | None,
             v_w: Tensor | None, separate: bool) -> tuple[Tensor, Tensor, Tensor]:
    """q, k, v = x W_q^T + b_q, ... for batch-first (N, L, E) inputs.

    Packed weights (3E, E): one product per input with the matching rows of the weight,
    also in self-attention. (One product with the whole matrix, then its columns cut in
    three, measured slower: each cut's gradient is a full-size array of zeros with one
    third written, where cutting the weight makes those arrays weight-sized.)"""
    e = query.shape[-1]
    b = in_proj_bias
    bq = bk = bv = None
    if not separate:
        if in_proj_weight is None:
            raise AssertionError("use_separate_proj_weight is False but in_proj_weight is None")
        q_w, k_w, v_w = in_proj_weight[:e], in_proj_weight[e:2 * e], in_proj_weight[2 * e:]
    else:
        for name, w in (("q", q_w), ("k", k_w), ("v", v_w)):
            if w is None:
                raise AssertionError(
                    f"use_separate_proj_weight is True but {name}_proj_weight is None")
    if b is not None:
        bq, bk, bv = b[:e], b[e:2 * e], b[2 * e:]
    return (_flat_linear(query, q_w, bq), _flat_linear(key, k_w, bk),
            _flat_linear(value, v_w, bv))


def _heads(x: Tensor, num_heads: int) -> Tensor:
    """(N, S, E) -> (N, H, S, E/H): head h holds features h*E/H .. (h+1)*E/H - 1."""
    n, s, e = x.shape
    return x.reshape(n, s, num_heads, e // num_heads).transpose(1, 2)


def _static(t: Tensor, name: str, bsz: int, num_heads: int, head_dim: int) -> Tensor:
    """static_k / static_v given as (N*H, S, E/H) -> (N, H, S, E/H)."""
    if t.shape[0] != bsz * num_heads:
        raise AssertionError(
            f"expecting {name}.size(0) of {bsz * num_heads}, but got {t.shape[0]}")
    if t.shape[2] != head_dim:
        raise AssertionError(f"expecting {name}.size(2) of {head_dim}, but got {t.shape[2]}")
    return t.reshape(bsz, num_heads, t.shape[1], head_dim)


def _pad_last(mask: Tensor | None) -> Tensor | None:
    """One more key column in a float mask, 0 (attended)."""
    from .padding import pad

    return None if mask is None else pad(mask, (0, 1))


def mha_batch_first(query: Tensor, key: Tensor, value: Tensor, num_heads: int,
                    in_proj_weight: Tensor | None, in_proj_bias: Tensor | None,
                    bias_k: Tensor | None, bias_v: Tensor | None, add_zero_attn: bool,
                    dropout_p: float, out_proj_weight: Tensor,
                    out_proj_bias: Tensor | None, training: bool = True,
                    key_padding_mask: Tensor | None = None, need_weights: bool = True,
                    attn_mask: Tensor | None = None, use_separate_proj_weight: bool = False,
                    q_proj_weight: Tensor | None = None, k_proj_weight: Tensor | None = None,
                    v_proj_weight: Tensor | None = None, static_k: Tensor | None = None,
                    static_v: Tensor | None = None, average_attn_weights: bool = True,
                    is_causal: bool = False, embed_dim_to_check: int | None = None,
                    batch_first: bool = True) -> tuple[Tensor, Tensor | None]:
    """Multi-head attention on (N, L, E) inputs (``batch_first``) or (L, N, E) ones; see
    ``multi_head_attention_forward`` for the arguments. The work is done batch-first."""
    for name, t in (("query", query), ("key", key), ("value", value)):
        check_tensor(t, name, "multi_head_attention_forward")
    is_batched = _mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads)
    query, key, value, key_padding_mask = _as_batch_first(
        query, key, value, key_padding_mask, is_batched, batch_first)
    bsz, tgt_len, embed_dim = query.shape
    src_len = key.shape[1]
    dt = query._data.dtype
    key_padding_mask, attn_mask, is_causal = _mha_masks(key_padding_mask, attn_mask,
                                                        is_causal, need_weights, dt)
    head_dim = _mha_head_dim(key, value, embed_dim, embed_dim_to_check, num_heads,
                             use_separate_proj_weight)

    q, k, v = _project(query, key, value, in_proj_weight, in_proj_bias, q_proj_weight,
                       k_proj_weight, v_proj_weight, use_separate_proj_weight)
    attn_mask = _checked_attn_mask(attn_mask, bsz * num_heads, tgt_len, src_len)
    k, v, attn_mask, key_padding_mask = _add_bias_kv(k, v, bias_k, bias_v, static_k,
                                                     static_v, attn_mask, key_padding_mask)

    q = _heads(q, num_heads)
    k = _heads(k, num_heads) if static_k is None else _static(
        static_k, "static_k", bsz, num_heads, head_dim)
    v = _heads(v, num_heads) if static_v is None else _static(
        static_v, "static_v", bsz, num_heads, head_dim)

    if add_zero_attn:
        # One more key and value of zeros in every head: a query may attend to nothing.
        zeros = Tensor._wrap(np.zeros((bsz, num_heads, 1, head_dim), dtype=dt))
        from autograd_core import cat

        k, v = cat([k, zeros], dim=2), cat([v, zeros], dim=2)
        attn_mask, key_padding_mask = _pad_last(attn_mask), _pad_last(key_padding_mask)
    attn_mask = _merged_mask(attn_mask, key_padding_mask, bsz, num_heads, tgt_len,
                             k.shape[2])
    out, weights = _attend(q, k, v, attn_mask, dropout_p if training else 0.0, is_causal,
                           need_weights, head_dim)

    # (N, H, L, E/H) -> (N*L, E), the output projection, back to the caller's layout.
    from .linear import linear

    out = out.transpose(1, 2).reshape(bsz * tgt_len, embed_dim)
    out = linear(out, out_proj_weight, out_proj_bias).reshape(bsz, tgt_len, -1)
    if not is_batched:
        out = out.squeeze(0)
    elif not batch_first:
        out = out.transpose(0, 1)
    if weights is not None:
        if average_attn_weights:
            weights = weights.mean(dim=1)
        if not is_batched:
            weights = weights.squeeze(0)
    return out, weights


def _as_batch_first(query: Tensor, key: Tensor, value: Tensor,
                    key_padding_mask: Tensor | None, is_batched: bool, batch_first: bool,
                    ) -> tuple[Tensor, Tensor, Tensor, Tensor | None]:
    """query, key, value as (N, L, E), (N, S, E_k), (N, S, E_v) (unbatched ones get N = 1,
    and key_padding_mask with them), and the mask."""
    if not is_batched:
        query, key, value = query.unsqueeze(0), key.unsqueeze(0), value.unsqueeze(0)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    elif not batch_first:
        # (L, N, E) -> (N, L, E) views, keeping "query is key" for the packed product.
        same_kv = key is value
        same_qk = query is key
        query = query.transpose(0, 1)
        key = query if same_qk else key.transpose(0, 1)
        value = key if same_kv else value.transpose(0, 1)
    return query, key, value, key_padding_mask


def _mha_masks(key_padding_mask: Tensor | None, attn_mask: Tensor | None, is_causal: bool,
               need_weights: bool, dt: np.dtype,
               ) -> tuple[Tensor | None, Tensor | None, bool]:
    """(key_padding_mask, attn_mask, is_causal) as the attention uses them: float masks of
    dtype ``dt`` (bool ones turned to 0/-inf), attn_mask dropped where the is_causal hint
    stands for it, is_causal cleared where a padding mask joins it."""
    key_padding_mask = _canonical_mask(key_padding_mask, "key_padding_mask", attn_mask,
                                       "attn_mask", dt)
    if is_causal and attn_mask is None:
        raise RuntimeError(
            "Need attn_mask if specifying the is_causal hint. You may use the Transformer "
            "module method `generate_square_subsequent_mask` to create this mask.")
    if is_causal and key_padding_mask is None and not need_weights:
        # The hint is trusted, as torch: the mask is taken to be the causal one and the
        # attention is computed with is_causal instead.
        attn_mask = None
    else:
        attn_mask = _canonical_mask(attn_mask, "attn_mask", None, "", dt, check_other=False)
        if key_padding_mask is not None:
            is_causal = False  # the merged mask is no longer causal
    for name, m in (("attn_mask", attn_mask), ("key_padding_mask", key_padding_mask)):
        if m is not None and m._data.dtype != dt:
            raise RuntimeError(
                f"multi_head_attention_forward(): a float {name} must have the query's dtype "
                f"({_cname(dt)}), got {_cname(m._data.dtype)} (Input dtypes must be the same)")
    return key_padding_mask, attn_mask, is_causal


def _mha_head_dim(key: Tensor, value: Tensor, embed_dim: int, embed_dim_to_check: int | None,
                  num_heads: int, use_separate_proj_weight: bool) -> int:
    """E/H, the features per head, after the embedding and key/value shape checks."""
    if embed_dim_to_check is not None and embed_dim != embed_dim_to_check:
        raise AssertionError(f"was expecting embedding dimension of {embed_dim_to_check}, but "
                             f"got {embed_dim}")
    head_dim = embed_dim // num_heads
    if head_dim * num_heads != embed_dim:
        raise AssertionError(f"embed_dim {embed_dim} not divisible by num_heads {num_heads}")
    if use_separate_proj_weight:
        if key.shape[:2] != value.shape[:2]:
            raise AssertionError(f"key's sequence and batch dims {_seq_first(key.shape)[:2]} "
                                 f"do not match value's {_seq_first(value.shape)[:2]}")
    elif key.shape != value.shape:
        raise AssertionError(f"key shape {_seq_first(key.shape)} does not match value shape "
                             f"{_seq_first(value.shape)}")
    return head_dim


def _checked_attn_mask(attn_mask: Tensor | None, n_heads_total: int, tgt_len: int,
                       src_len: int) -> Tensor | None:
    """attn_mask checked: (L, S) becomes (1, L, S); (N*H, L, S) stays."""
    if attn_mask is None:
        return None
    if attn_mask.ndim == 2:
        if tuple(attn_mask.shape) != (tgt_len, src_len):
            raise RuntimeError(
                f"The shape of the 2D attn_mask is torch.Size({list(attn_mask.shape)}), "
                f"but should be {(tgt_len, src_len)}.")
        attn_mask = attn_mask.unsqueeze(0)
    elif attn_mask.ndim == 3:
        want = (n_heads_total, tgt_len, src_len)
        if tuple(attn_mask.shape) != want:
            raise RuntimeError(
                f"The shape of the 3D attn_mask is torch.Size({list(attn_mask.shape)}), "
                f"but should be {want}.")
    else:
        raise RuntimeError(f"attn_mask's dimension {attn_mask.ndim} is not supported")
    return attn_mask


def _add_bias_kv(k: Tensor, v: Tensor, bias_k: Tensor | None, bias_v: Tensor | None,
                 static_k: Tensor | None, static_v: Tensor | None, attn_mask: Tensor | None,
                 key_padding_mask: Tensor | None) -> tuple[Any, Any, Any, Any]:
    """k, v (N, S, E) with bias_k, bias_v (1, 1, E) appended as one more key and value
    (S + 1), and the masks widened to match; unchanged without biases."""
    if (bias_k is None) != (bias_v is None):
        raise AssertionError("bias_k is set but bias_v is None" if bias_v is None
                             else "bias_v is set but bias_k is None")
    if bias_k is None:
        return k, v, attn_mask, key_padding_mask
    if static_k is not None or static_v is not None:
        raise AssertionError("bias cannot be added to static "
                             f"{'key' if static_k is not None else 'value'}.")
    # One more key and value, learned, shared by every sequence of the batch.
    k = _append_row(k, bias_k)
    v = _append_row(v, bias_v)
    return k, v, _pad_last(attn_mask), _pad_last(key_padding_mask)


def _merged_mask(attn_mask: Tensor | None, key_padding_mask: Tensor | None, bsz: int,
                 num_heads: int, tgt_len: int, src_len: int) -> Tensor | None:
    """Both masks as one additive float mask broadcasting to (N, H, L, S)."""
    if attn_mask is not None and attn_mask.shape[0] != 1:
        attn_mask = attn_mask.reshape(bsz, num_heads, tgt_len, src_len)
    if key_padding_mask is not None:
        if key_padding_mask.shape[0] != bsz:
            raise AssertionError(f"Expected key_padded_mask.shape[0] to be {bsz}, but got "
                                 f"{key_padding_mask.shape[0]}")
        if key_padding_mask.shape[1] != src_len:
            raise AssertionError(f"Expected key_padded_mask.shape[1] to be {src_len}, but got "
                                 f"{key_padding_mask.shape[1]}")
        kpm = key_padding_mask.reshape(bsz, 1, 1, src_len)
        attn_mask = kpm if attn_mask is None else attn_mask + kpm
    return attn_mask


def _attend(q: Tensor, k: Tensor, v: Tensor, attn_mask: Tensor | None, dropout_p: float,
            is_causal: bool, need_weights: bool, head_dim: int) -> tuple[Tensor, Any]:
    """(N, H, L, E/H) outputs of the heads, and their weights (N, H, L, S) when
    ``need_weights`` (else None)."""
    if not need_weights:
        return scaled_dot_product_attention(q, k, v, attn_mask, dropout_p, is_causal), None
    # Weights kept (after dropout, as torch returns them); a query whose keys are all
    # masked gets NaN here, as in torch's explicit softmax.
    weights = attention_weights(q, k, attn_mask, scale=1.0 / math.sqrt(head_dim),
                                empty_rows="nan")
    if dropout_p > 0.0:
        weights = _dropout(weights, dropout_p, training=True)
    return weights @ v, weights


def _seq_first(shape: tuple[int, ...]) -> str:
    """A batch-first (N, S, E) shape reported as torch sees it, (S, N, E)."""
    return f"torch.Size({[shape[1], shape[0], *shape[2:]]})"


def _append_row(x: Tensor, row: Tensor) -> Tensor:
    """(N, S, E) and a (1, 1, E) row -> (N, S+1, E), the row appended to every sequence."""
    from autograd_core import cat

    return cat([x, row.expand(x.shape[0], 1, x.shape[2])], dim=1)


def multi_head_attention_forward(
        query: Tensor, key: Tensor, value: Tensor, embed_dim_to_check: int, num_heads: int,
        in_proj_weight: Tensor | None, in_proj_bias: Tensor | None, bias_k: Tensor | None,
        bias_v: Tensor | None, add_zero_attn: bool, dropout_p: float,
        out_proj_weight: Tensor, out_proj_bias: Tensor | None, training: bool = True,
        key_padding_mask: Tensor | None = None, need_weights: bool = True,
        attn_mask: Tensor | None = None, use_separate_proj_weight: bool = False,
        q_proj_weight: Tensor | None = None, k_proj_weight: Tensor | None = None,
        v_proj_weight: Tensor | None = None, static_k: Tensor | None = None,
        static_v: Tensor | None = None, average_attn_weights: bool = True,
        is_causal: bool = False) -> tuple[Tensor, Tensor | None]:
    """Multi-head attention, as ``torch.nn.functional.multi_head_attention_forward``.

    query (L, N, E), key (S, N, E_k), value (S, N, E_v), sequence first (or unbatched
    (L, E), (S, E_k), (S, E_v)) -> output (L, N, E) and, with ``need_weights``, the
    attention weights (N, L, S) averaged over heads, or (N, H, L, S) per head.

    q, k, v = x W^T + b with W = in_proj_weight (3E, E) cut in three (or q/k/v_proj_weight
    with ``use_separate_proj_weight``); each of the H heads attends with E/H features;
    the heads' outputs are joined and projected by out_proj. Masks: key_padding_mask
    (N, S) and attn_mask (L, S) or (N*H, L, S), bool (True = masked out) or float
    (added to the scores). ``is_causal`` is a hint that attn_mask is the causal mask.
    """
    return mha_batch_first(
        query, key, value, num_heads, in_proj_weight, in_proj_bias, bias_k, bias_v,
        add_zero_attn, dropout_p, out_proj_weight, out_proj_bias, training=training,
        key_padding_mask=key_padding_mask, need_weights=need_weights, attn_mask=attn_mask,
        use_separate_proj_weight=use_separate_proj_weight, q_proj_weight=q_proj_weight,
        k_proj_weight=k_proj_weight, v_proj_weight=v_proj_weight, static_k=static_k,
        static_v=static_v, average_attn_weights=average_attn_weights, is_causal=is_causal,
        embed_dim_to_check=embed_dim_to_check, batch_first=False)
