"""Attention against torch: F.scaled_dot_product_attention, nn.MultiheadAttention,
nn.TransformerEncoderLayer and nn.TransformerEncoder (issue 16).

Same weights (copied through state_dict) and inputs in both libraries; outputs,
attention weights and the gradients of every input, mask and parameter are compared in
float64 (1e-10) and float32 (about 1e-5), over the products of the boolean arguments
with the mask kinds taken in turn. Gradchecks (first and second order) go through the
composition: none of these has a backward of its own.
"""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from _nn_helpers import assert_close

import autograd_core as ag
import nn
import nn.functional as F
from autograd_core import gradcheck
from nn.transformer import generate_square_subsequent_mask

TDT = {np.float32: torch.float32, np.float64: torch.float64}


def _both(arr, grad=True):
    """The same array in both libraries (a leaf needing its gradient if float and grad)."""
    g = grad and arr.dtype.kind == "f"
    return ag.tensor(arr, requires_grad=g), torch.tensor(arr, requires_grad=g)


def _grads_match(pairs, dtype, what):
    for i, (o, t) in enumerate(pairs):
        if t.grad is None:
            assert o.grad is None, f"{what}: input {i} has a gradient here, none in torch"
            continue
        assert_close(o.grad, t.grad, dtype, f"{what}: grad of input {i}")


def _copy(ours, theirs):
    theirs.load_state_dict({k: torch.from_numpy(np.array(v.numpy()))
                            for k, v in ours.state_dict().items()})


# ----- scaled_dot_product_attention ----------------------------------------------------

SHAPES = {  # query, key, value
    "4d": ((2, 3, 4, 5), (2, 3, 6, 5), (2, 3, 6, 7)),
    "3d_square": ((2, 5, 4), (2, 5, 4), (2, 5, 4)),
    "2d": ((3, 4), (6, 4), (6, 2)),
    "kv_broadcast": ((2, 3, 4, 5), (1, 3, 6, 5), (1, 3, 6, 5)),
    "long_query": ((1, 2, 7, 3), (1, 2, 4, 3), (1, 2, 4, 3)),
}


def _mask(kind, rng, L, S, lead, dtype):
    if kind == "none" or kind == "causal":
        return None
    if kind == "bool":
        m = rng.random((L, S)) > 0.4
        m[:, 0] = True
        return m
    if kind == "bool_full":
        return rng.random(lead + (L, S)) > 0.3
    if kind == "bool_empty_row":  # a query that sees no key: zeros, zero gradients
        m = rng.random((L, S)) > 0.4
        m[0] = False
        return m
    if kind == "float":
        return rng.standard_normal((L, S)).astype(dtype)
    if kind == "float_inf_row":
        m = np.where(rng.random((L, S)) > 0.5, 0.0, -np.inf).astype(dtype)
        m[-1] = -np.inf
        return m
    raise AssertionError(kind)


MASKS = ("none", "causal", "bool", "bool_full", "bool_empty_row", "float", "float_inf_row")


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape", list(SHAPES))
@pytest.mark.parametrize("mask", MASKS)
def test_sdpa_matches_torch(dtype, shape, mask, rng):
    qs, ks, vs = SHAPES[shape]
    ins = [_both(rng.standard_normal(s).astype(dtype)) for s in (qs, ks, vs)]
    lead = tuple(np.broadcast_shapes(qs[:-2], ks[:-2]))
    m = _mask(mask, rng, qs[-2], ks[-2], lead, dtype)
    kw_o, kw_t = {"is_causal": mask == "causal"}, {"is_causal": mask == "causal"}
    mpair = None
    if m is not None:
        # A float mask is differentiable too (an additive bias); so is its gradient.
        mpair = _both(m, grad=mask == "float")
        kw_o["attn_mask"], kw_t["attn_mask"] = mpair
    for scale in (None, 0.37):
        for t in ins + ([mpair] if mpair else []):
            t[0].grad = None
            t[1].grad = None
        out = F.scaled_dot_product_attention(*[o for o, _ in ins], scale=scale, **kw_o)
        ref = TF.scaled_dot_product_attention(*[t for _, t in ins], scale=scale, **kw_t)
        assert_close(out, ref, dtype, f"output ({shape}, {mask}, scale={scale})")
        g = rng.standard_normal(ref.shape).astype(dtype)
        out.backward(ag.tensor(g))
        ref.backward(torch.tensor(g))
        _grads_match(ins + ([mpair] if mpair and mask == "float" else []), dtype,
                     f"{shape}, {mask}")
    if mask == "bool_empty_row":
        assert np.all(out.detach().numpy()[..., 0, :] == 0)
        assert np.all(ins[0][0].grad.numpy()[..., 0, :] == 0)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_sdpa_grouped_query_attention(dtype, rng):
    ins = [_both(rng.standard_normal(s).astype(dtype))
           for s in ((2, 6, 4, 8), (2, 2, 5, 8), (2, 2, 5, 3))]
    out = F.scaled_dot_product_attention(*[o for o, _ in ins], is_causal=True,
                                         enable_gqa=True)
    ref = TF.scaled_dot_product_attention(*[t for _, t in ins], is_causal=True,
                                          enable_gqa=True)
    assert_close(out, ref, dtype, "gqa output")
    out.sum().backward()
    ref.sum().backward()
    _grads_match(ins, dtype, "gqa")


def test_sdpa_dropout_drops_weights_and_follows_the_seed(rng):
    q, k = (ag.tensor(rng.standard_normal((2, 50, 8))) for _ in range(2))
    eye = ag.tensor(np.broadcast_to(np.eye(50), (2, 50, 50)).copy())  # out = the weights
    plain = F.scaled_dot_product_attention(q, k, eye).numpy()
    ag.manual_seed(5)
    a = F.scaled_dot_product_attention(q, k, eye, dropout_p=0.3).numpy()
    ag.manual_seed(5)
    b = F.scaled_dot_product_attention(q, k, eye, dropout_p=0.3).numpy()
    np.testing.assert_array_equal(a, b)
    kept = a != 0
    np.testing.assert_allclose(a[kept], plain[kept] / 0.7, rtol=1e-12)
    assert abs((~kept).mean() - 0.3) < 0.02
    assert np.all(F.scaled_dot_product_attention(q, k, eye, dropout_p=1.0).numpy() == 0)


def _raises_like_torch(ours, theirs, match):
    with pytest.raises(Exception) as ref:
        theirs()
    with pytest.raises(type(ref.value), match=match):
        ours()


def test_sdpa_errors(rng):
    def pair(*shape, dtype=np.float32):
        return _both(rng.standard_normal(shape).astype(dtype), grad=False)

    (q, tq), (k, tk), (v, tv) = pair(2, 3, 4), pair(2, 5, 4), pair(2, 5, 6)
    causal_t = torch.ones(3, 5, dtype=torch.bool).tril()
    cases = [
        (lambda: F.scaled_dot_product_attention(q[0, 0], k[0, 0], v[0, 0]),
         lambda: TF.scaled_dot_product_attention(tq[0, 0], tk[0, 0], tv[0, 0]),
         "at least 2 dimensional"),
        (lambda: F.scaled_dot_product_attention(q, k.double(), v),
         lambda: TF.scaled_dot_product_attention(tq, tk.double(), tv),
         "same dtype, but got query.dtype: float key.dtype: double"),
        (lambda: F.scaled_dot_product_attention(q, k, v, attn_mask=ag.zeros(3, 5).double()),
         lambda: TF.scaled_dot_product_attention(tq, tk, tv, attn_mask=torch.zeros(3, 5).double()),
         "attn_mask dtype to be bool or float or to match query dtype"),
        (lambda: F.scaled_dot_product_attention(q, k, v, attn_mask=ag.zeros(3, 5).long()),
         lambda: TF.scaled_dot_product_attention(tq, tk, tv, attn_mask=torch.zeros(3, 5).long()),
         "long int"),
        (lambda: F.scaled_dot_product_attention(q, pair(2, 5, 3)[0], v),
         lambda: TF.scaled_dot_product_attention(tq, torch.zeros(2, 5, 3), tv),
         "same embedding size E"),
        (lambda: F.scaled_dot_product_attention(q, k, pair(2, 4, 6)[0]),
         lambda: TF.scaled_dot_product_attention(tq, tk, torch.zeros(2, 4, 6)),
         "same sequence length S"),
        (lambda: F.scaled_dot_product_attention(q, k, v, dropout_p=1.5),
         lambda: TF.scaled_dot_product_attention(tq, tk, tv, dropout_p=1.5),
         "dropout probability has to be between 0 and 1, but got 1.5"),
        (lambda: F.scaled_dot_product_attention(q, k, v, attn_mask=ag.zeros(4, 5)),
         lambda: TF.scaled_dot_product_attention(tq, tk, tv, attn_mask=torch.zeros(4, 5)),
         r"attn_mask of shape \[4, 5\] cannot be broadcast"),
        (lambda: F.scaled_dot_product_attention(q, k, v, attn_mask=ag.zeros(2, 2, 3, 5)),
         lambda: TF.scaled_dot_product_attention(tq, tk, tv, attn_mask=torch.zeros(2, 2, 3, 5)),
         "cannot be broadcast"),
        (lambda: F.scaled_dot_product_attention(*(pair(1, 4, 3, 8)[0] for _ in range(1)),
                                                pair(1, 3, 5, 8)[0], pair(1, 3, 5, 8)[0],
                                                enable_gqa=True),
         lambda: TF.scaled_dot_product_attention(torch.zeros(1, 4, 3, 8), torch.zeros(1, 3, 5, 8),
                                                 torch.zeros(1, 3, 5, 8), enable_gqa=True),
         "must divide the number of heads"),
        (lambda: F.scaled_dot_product_attention(q.long(), k.long(), v.long()),
         lambda: TF.scaled_dot_product_attention(tq.long(), tk.long(), tv.long()),
         "expected scalar type"),
    ]
    for ours, theirs, match in cases:
        _raises_like_torch(ours, theirs, match)
    # torch documents that a mask and is_causal together are an error; its math kernel
    # raises it (its fused CPU kernel combines them instead).
    from torch.nn.attention import SDPBackend, sdpa_kernel

    with sdpa_kernel(SDPBackend.MATH):
        _raises_like_torch(
            lambda: F.scaled_dot_product_attention(q, k, v, attn_mask=ag.ones(3, 5).bool(),
                                                   is_causal=True),
            lambda: TF.scaled_dot_product_attention(tq, tk, tv, attn_mask=causal_t,
                                                    is_causal=True),
            "Explicit attn_mask should not be set when is_causal=True")
    with pytest.raises(TypeError, match="argument 'key' must be Tensor"):
        F.scaled_dot_product_attention(q, np.zeros((2, 5, 4)), v)


def _second_order(fn, n_in):
    """x -> d(sum(fn(x)^2))/dx with create_graph: its gradcheck is fn's second order."""
    def f(*ins):
        out = fn(*ins)
        return ag.autograd.grad((out * out).sum(), list(ins[:n_in]), create_graph=True)
    return f


SDPA_GRADCHECK = {
    "plain": dict(),
    "causal": dict(is_causal=True),
    "bool_mask": dict(attn_mask=ag.tensor(np.array([[1, 0, 1, 1], [0, 1, 1, 0],
                                                    [0, 0, 0, 0]], bool))),
    "scale": dict(scale=0.7),
}


@pytest.mark.parametrize("case", list(SDPA_GRADCHECK))
def test_sdpa_gradcheck_first_and_second_order(case, rng):
    kw = SDPA_GRADCHECK[case]
    ins = tuple(ag.tensor(rng.standard_normal(s), requires_grad=True)
                for s in ((1, 2, 3, 2), (1, 2, 4, 2), (1, 2, 4, 3)))

    def fn(q, k, v):
        return F.scaled_dot_product_attention(q, k, v, **kw)

    assert gradcheck(fn, ins)
    assert gradcheck(_second_order(fn, 3), ins)


def test_sdpa_gradcheck_through_a_float_mask(rng):
    ins = (ag.tensor(rng.standard_normal((2, 3, 2)), requires_grad=True),
           ag.tensor(rng.standard_normal((2, 4, 2)), requires_grad=True),
           ag.tensor(rng.standard_normal((2, 4, 2)), requires_grad=True),
           ag.tensor(rng.standard_normal((3, 4)), requires_grad=True))

    def fn(q, k, v, m):
        return F.scaled_dot_product_attention(q, k, v, attn_mask=m)

    assert gradcheck(fn, ins)
    assert gradcheck(_second_order(fn, 4), ins)


def test_sdpa_second_derivatives_match_torch(rng):
    arrs = [rng.standard_normal(s) for s in ((2, 3, 4), (2, 5, 4), (2, 5, 3))]
    pairs = [_both(a) for a in arrs]
    g = rng.standard_normal((2, 3, 3))
    res = []
    for lib, idx, f in ((ag, 0, F.scaled_dot_product_attention),
                        (torch, 1, TF.scaled_dot_product_attention)):
        ins = [p[idx] for p in pairs]
        out = f(*ins, is_causal=True)
        grads = lib.autograd.grad((out * lib.tensor(g)).sum(), ins, create_graph=True)
        total = sum((gr * gr).sum() for gr in grads)
        res.append(lib.autograd.grad(total, ins))
    for o, t in zip(*res):
        assert_close(o, t, np.float64, "second derivative")


# ----- MultiheadAttention --------------------------------------------------------------

E, H, N, L, S = 8, 2, 2, 3, 4


def _mha_masks(kind, rng, batched, dtype):
    """(key_padding_mask, attn_mask) as arrays, in MultiheadAttention's convention."""
    kpm_shape = (N, S) if batched else (S,)
    kpm_b = rng.random(kpm_shape) > 0.6
    kpm_b[..., 0] = False  # every query sees some key
    if kind == "none":
        return None, None
    if kind == "kpm_bool":
        return kpm_b, None
    if kind == "kpm_float":
        return np.where(kpm_b, -np.inf, 0.0).astype(dtype), None
    if kind == "attn_2d_bool":
        am = rng.random((L, S)) > 0.6
        am[:, 0] = False
        return None, am
    if kind == "attn_3d_float":
        return None, rng.standard_normal(((N if batched else 1) * H, L, S)).astype(dtype)
    if kind == "both_bool":
        am = rng.random((L, S)) > 0.7
        am[:, 0] = False
        return kpm_b, am
    raise AssertionError(kind)


MHA_MASKS = ("none", "kpm_bool", "kpm_float", "attn_2d_bool", "attn_3d_float", "both_bool")
MHA_FLAGS = list(itertools.product([False, True], repeat=7))


def _mha_pair(dtype, bias=True, add_bias_kv=False, add_zero_attn=False, separate=False,
              batch_first=False, dropout=0.0):
    kw = dict(bias=bias, add_bias_kv=add_bias_kv, add_zero_attn=add_zero_attn,
              kdim=5 if separate else None, vdim=6 if separate else None,
              batch_first=batch_first, dropout=dropout)
    ours = nn.MultiheadAttention(E, H, dtype=dtype, **kw)
    theirs = torch.nn.MultiheadAttention(E, H, dtype=TDT[dtype], **kw)
    _copy(ours, theirs)
    return ours, theirs


def _mha_compare(ours, theirs, dtype, rng, batched=True, self_attn=False, masks="none",
                 need_weights=True, average=True, is_causal=False, what=""):
    bf = ours.batch_first
    kd, vd = ours.kdim, ours.vdim

    def shape(n, e):
        if not batched:
            return (n, e)
        return (N, n, e) if bf else (n, N, e)

    q = _both(rng.standard_normal(shape(L if not self_attn else S, E)).astype(dtype))
    if self_attn:
        k = v = q
    else:
        k = _both(rng.standard_normal(shape(S, kd)).astype(dtype))
        v = _both(rng.standard_normal(shape(S, vd)).astype(dtype))
    kpm, am = _mha_masks(masks, rng, batched, dtype)
    if self_attn and am is not None:
        am = am[..., :S, :S] if am.shape[-2] == S else np.resize(am, am.shape[:-2] + (S, S))
    kw = [{}, {}]
    for name, arr in (("key_padding_mask", kpm), ("attn_mask", am)):
        if arr is not None:
            kw[0][name], kw[1][name] = _both(arr, grad=False)
    args = dict(need_weights=need_weights, average_attn_weights=average, is_causal=is_causal)
    out, w = ours(q[0], k[0], v[0], **args, **kw[0])
    ref, wr = theirs(q[1], k[1], v[1], **args, **kw[1])
    assert_close(out, ref, dtype, f"output {what}")
    if need_weights:
        assert_close(w, wr, dtype, f"weights {what}")
    else:
        assert w is None and wr is None
    g = rng.standard_normal(ref.shape).astype(dtype)
    loss_o, loss_t = (out * ag.tensor(g)).sum(), (ref * torch.tensor(g)).sum()
    if need_weights:
        gw = rng.standard_normal(wr.shape).astype(dtype)
        loss_o = loss_o + (w * ag.tensor(gw)).sum()
        loss_t = loss_t + (wr * torch.tensor(gw)).sum()
    loss_o.backward()
    loss_t.backward()
    _grads_match([q] if self_attn else [q, k, v], dtype, what)
    named = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        assert_close(p.grad, named[name].grad, dtype, f"grad of {name} {what}")


@pytest.mark.parametrize("flags", MHA_FLAGS,
                         ids=lambda f: "".join("TF"[not b] for b in f))
def test_mha_matches_torch_every_flag_combination(flags, rng):
    """batch_first, need_weights, average_attn_weights, kdim/vdim, bias, add_bias_kv and
    add_zero_attn: all 128 combinations, each with one of the mask kinds in turn."""
    bf, need, avg, sep, bias, bkv, zero = flags
    i = MHA_FLAGS.index(flags)
    ours, theirs = _mha_pair(np.float64, bias=bias, add_bias_kv=bkv, add_zero_attn=zero,
                             separate=sep, batch_first=bf)
    _mha_compare(ours, theirs, np.float64, rng, masks=MHA_MASKS[i % len(MHA_MASKS)],
                 need_weights=need, average=avg, what=str(flags))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("masks", MHA_MASKS)
@pytest.mark.parametrize("batched", [True, False])
def test_mha_masks_and_unbatched_inputs(dtype, masks, batched, rng):
    for bf, need in ((False, True), (True, False)):
        ours, theirs = _mha_pair(dtype, batch_first=bf)
        _mha_compare(ours, theirs, dtype, rng, batched=batched, masks=masks,
                     need_weights=need, what=f"{masks} batched={batched} bf={bf}")


@pytest.mark.parametrize("need_weights", [True, False])
@pytest.mark.parametrize("with_kpm", [True, False])
def test_mha_self_attention_with_the_causal_hint(need_weights, with_kpm, rng):
    ours, theirs = _mha_pair(np.float64, batch_first=True)
    causal = np.triu(np.ones((S, S), bool), 1)
    kpm = np.zeros((N, S), bool)
    kpm[0, -1] = with_kpm
    q = _both(rng.standard_normal((N, S, E)))
    outs = []
    for m, x, lib in ((ours, q[0], ag), (theirs, q[1], torch)):
        kw = {"key_padding_mask": lib.tensor(kpm)} if with_kpm else {}
        outs.append(m(x, x, x, attn_mask=lib.tensor(causal), is_causal=True,
                      need_weights=need_weights, **kw))
    assert_close(outs[0][0], outs[1][0], np.float64, "causal output")
    outs[0][0].sum().backward()
    outs[1][0].sum().backward()
    _grads_match([q], np.float64, "causal")
    with pytest.raises(RuntimeError, match="Need attn_mask if specifying the is_causal hint"):
        ours(q[0], q[0], q[0], is_causal=True)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_mha_eval_mode_without_grad_matches_torch_fast_path(dtype, rng):
    """In eval mode under no_grad torch runs its fused kernel; the numbers agree."""
    ours, theirs = _mha_pair(dtype, batch_first=True, dropout=0.5)
    ours.eval()
    theirs.eval()
    x = rng.standard_normal((N, S, E)).astype(dtype)
    kpm = np.zeros((N, S), bool)
    kpm[1, 2:] = True
    with ag.no_grad(), torch.no_grad():
        for need in (True, False):
            o, w = ours(*[ag.tensor(x)] * 3, key_padding_mask=ag.tensor(kpm), need_weights=need)
            t, wt = theirs(*[torch.tensor(x)] * 3, key_padding_mask=torch.tensor(kpm),
                           need_weights=need)
            assert_close(o, t, dtype, "eval output")
            if need:
                assert_close(w, wt, dtype, "eval weights")


def test_mha_a_query_with_no_key_follows_torch(rng):
    """Every key padded: NaN with need_weights (torch's explicit softmax), zeros without
    (its fused attention)."""
    ours, theirs = _mha_pair(np.float64, batch_first=True)
    x = rng.standard_normal((N, S, E))
    kpm = np.zeros((N, S), bool)
    kpm[0] = True
    for need in (True, False):
        o, _ = ours(*[ag.tensor(x)] * 3, key_padding_mask=ag.tensor(kpm), need_weights=need)
        t, _ = theirs(*[torch.tensor(x)] * 3, key_padding_mask=torch.tensor(kpm),
                      need_weights=need)
        np.testing.assert_array_equal(np.isnan(o.detach().numpy()), np.isnan(t.detach().numpy()))
        assert np.isnan(o.detach().numpy()[0]).all() == need
        assert_close(o[1], t[1], np.float64, "the other sequence")


def test_mha_dropout_on_the_weights(rng):
    ours, _ = _mha_pair(np.float64, batch_first=True, dropout=0.5)
    x = ag.tensor(rng.standard_normal((N, S, E)))
    ag.manual_seed(1)
    o1, w1 = ours(x, x, x, average_attn_weights=False)
    ag.manual_seed(1)
    o2, w2 = ours(x, x, x, average_attn_weights=False)
    np.testing.assert_array_equal(o1.detach().numpy(), o2.detach().numpy())
    dropped = w1.detach().numpy() == 0
    assert 0.2 < dropped.mean() < 0.8
    ours.eval()
    _, w3 = ours(x, x, x, average_attn_weights=False)
    np.testing.assert_allclose(w3.detach().numpy().sum(-1), 1.0, rtol=1e-12)
    kept = ~dropped
    np.testing.assert_allclose(w1.detach().numpy()[kept], 2 * w3.detach().numpy()[kept],
                               rtol=1e-12)


def test_mha_parameters_names_init_and_repr():
    for kw in ({}, {"kdim": 5, "vdim": 3}, {"bias": False}, {"add_bias_kv": True}):
        ours, theirs = nn.MultiheadAttention(E, H, **kw), torch.nn.MultiheadAttention(E, H, **kw)
        assert list(ours.state_dict()) == list(theirs.state_dict())
        for (n, p), (nt, pt) in zip(ours.named_parameters(), theirs.named_parameters()):
            assert n == nt and tuple(p.shape) == tuple(pt.shape)
        assert repr(ours) == repr(theirs)
    m = nn.MultiheadAttention(64, 4)
    bound = np.sqrt(6 / (64 + 3 * 64))  # xavier_uniform_ over the (3E, E) matrix
    w = m.in_proj_weight.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.9 * bound
    assert np.all(m.in_proj_bias.detach().numpy() == 0)
    assert np.all(m.out_proj.bias.detach().numpy() == 0)
    assert type(m.out_proj).__name__ == "NonDynamicallyQuantizableLinear"
    assert isinstance(m.out_proj, nn.Linear)


def test_mha_errors(rng):
    with pytest.raises(AssertionError, match="embed_dim must be divisible by num_heads"):
        nn.MultiheadAttention(6, 4)
    ours, theirs = _mha_pair(np.float32)
    x = _both(rng.standard_normal((L, N, E)).astype(np.float32), grad=False)
    y = _both(rng.standard_normal((S, N, E)).astype(np.float32), grad=False)
    cases = [
        (dict(attn_mask=np.zeros((L, L), bool)), "The shape of the 2D attn_mask is"),
        (dict(attn_mask=np.zeros((3, L, S), bool)), "The shape of the 3D attn_mask is"),
        (dict(attn_mask=np.zeros((1, 1, L, S), bool)), "expected `attn_mask` to be `None`, 2-D"),
        (dict(key_padding_mask=np.zeros((N, S), np.int64)),
         "only bool and floating types of key_padding_mask are supported"),
        (dict(key_padding_mask=np.zeros((N, L), bool)),
         r"Expected key_padded_mask.shape\[1\] to be 4"),
        (dict(attn_mask=np.zeros((L, S), np.float64)), "dtype"),
    ]
    for kw, match in cases:
        kw_o = {k: ag.tensor(v) for k, v in kw.items()}
        kw_t = {k: torch.tensor(v) for k, v in kw.items()}
        _raises_like_torch(lambda kw_o=kw_o: ours(x[0], y[0], y[0], **kw_o),
                           lambda kw_t=kw_t: theirs(x[1], y[1], y[1], **kw_t), match)
    _raises_like_torch(lambda: ours(x[0], y[0][:, :, :4], y[0]),
                       lambda: theirs(x[1], y[1][:, :, :4], y[1]), "does not match value shape")
    _raises_like_torch(lambda: ours(x[0][0], y[0], y[0]),
                       lambda: theirs(x[1][0], y[1], y[1]), "expected `key` and `value` to be 2-D")
    _raises_like_torch(lambda: ours(x[0][..., :4], y[0], y[0]),
                       lambda: theirs(x[1][..., :4], y[1], y[1]),
                       "was expecting embedding dimension of 8")
    with pytest.warns(UserWarning, match="Support for mismatched key_padding_mask and attn_mask"):
        ours(x[0], y[0], y[0], key_padding_mask=ag.zeros(N, S).bool(),
             attn_mask=ag.zeros(L, S))


def test_mha_gradcheck_first_and_second_order(rng):
    m = nn.MultiheadAttention(4, 2, dtype=np.float64, batch_first=True)
    q = ag.tensor(rng.standard_normal((1, 2, 4)), requires_grad=True)
    kv = ag.tensor(rng.standard_normal((1, 3, 4)), requires_grad=True)
    kpm = ag.tensor(np.array([[False, False, True]]))
    w = m.in_proj_weight

    def fn(q, kv, w):
        # The packed weight enters as an argument so that it is checked too.
        m._parameters["in_proj_weight"] = w
        return m(q, kv, kv, key_padding_mask=kpm)[0]

    assert gradcheck(fn, (q, kv, w))
    assert gradcheck(_second_order(fn, 3), (q, kv, w))


# ----- TransformerEncoderLayer / TransformerEncoder ------------------------------------

D, NHEAD, FF = 8, 2, 12


def _encoder_pair(dtype, layers, norm=True, **kw):
    kw = dict(dict(dim_feedforward=FF, dropout=0.0), **kw)
    act_t = kw.pop("act_t", None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch's nested-tensor notice, tested below
        lo = nn.TransformerEncoderLayer(D, NHEAD, dtype=dtype, **kw)
        if act_t is not None:
            kw["activation"] = act_t
        lt = torch.nn.TransformerEncoderLayer(D, NHEAD, dtype=TDT[dtype], **kw)
        if layers is None:
            return lo, lt
        ours = nn.TransformerEncoder(lo, layers, norm=nn.LayerNorm(D, dtype=dtype) if norm
                                     else None)
        theirs = torch.nn.TransformerEncoder(lt, layers, norm=torch.nn.LayerNorm(
            D, dtype=TDT[dtype]) if norm else None)
    return ours, theirs


ACTIVATIONS = {
    "relu": ("relu", None),
    "gelu": ("gelu", None),
    "gelu_module": (nn.GELU(approximate="tanh"), torch.nn.GELU(approximate="tanh")),
    "callable": (lambda x: F.silu(x), lambda x: TF.silu(x)),
}
ENC_MASKS = ("none", "causal_float", "causal_bool_hint", "kpm", "kpm_and_mask")


def _enc_masks(kind, batched, rng):
    causal = np.triu(np.ones((S, S), bool), 1)
    kpm = np.zeros((N, S) if batched else (S,), bool)
    kpm[..., -1] = True
    return {
        "none": ({}, None),
        "causal_float": ({"mask": np.where(causal, -np.inf, 0.0)}, None),
        "causal_bool_hint": ({"mask": causal}, True),
        "kpm": ({"src_key_padding_mask": kpm}, None),
        "kpm_and_mask": ({"src_key_padding_mask": np.where(kpm, -np.inf, 0.0),
                          "mask": np.where(rng.random((S, S)) > 0.7, -np.inf, 0.0)}, None),
    }[kind]


@pytest.mark.parametrize("act", list(ACTIVATIONS))
@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("bias", [True, False])
def test_encoder_matches_torch(act, norm_first, batch_first, bias, rng):
    i = list(ACTIVATIONS).index(act) + 2 * norm_first + batch_first + bias
    mask_kind = ENC_MASKS[i % len(ENC_MASKS)]
    a_o, a_t = ACTIVATIONS[act]
    ours, theirs = _encoder_pair(np.float64, 2, activation=a_o, act_t=a_t, bias=bias,
                                 norm_first=norm_first, batch_first=batch_first)
    _copy(ours, theirs)
    x = _both(rng.standard_normal((N, S, D) if batch_first else (S, N, D)))
    masks, hint = _enc_masks(mask_kind, True, rng)
    kw = [{k: lib.tensor(v) for k, v in masks.items()} for lib in (ag, torch)]
    out = ours(x[0], is_causal=hint, **kw[0])
    ref = theirs(x[1], is_causal=hint, **kw[1])
    assert_close(out, ref, np.float64, f"encoder output ({mask_kind})")
    g = rng.standard_normal(ref.shape)
    out.backward(ag.tensor(g))
    ref.backward(torch.tensor(g))
    _grads_match([x], np.float64, "encoder")
    named = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        assert_close(p.grad, named[name].grad, np.float64, f"grad of {name}")


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("mask_kind", ENC_MASKS)
def test_encoder_layer_alone_unbatched_and_float32(dtype, mask_kind, rng):
    for batched in (True, False):
        ours, theirs = _encoder_pair(dtype, None, batch_first=True)
        _copy(ours, theirs)
        x = _both(rng.standard_normal((N, S, D) if batched else (S, D)).astype(dtype))
        masks, hint = _enc_masks(mask_kind, batched, rng)
        masks = {("src_mask" if k == "mask" else k): v.astype(dtype) if v.dtype.kind == "f"
                 else v for k, v in masks.items()}
        kw = [{k: lib.tensor(v) for k, v in masks.items()} for lib in (ag, torch)]
        out = ours(x[0], is_causal=bool(hint), **kw[0])
        ref = theirs(x[1], is_causal=bool(hint), **kw[1])
        assert_close(out, ref, dtype, f"layer output ({mask_kind}, batched={batched})")
        out.sum().backward()
        ref.sum().backward()
        _grads_match([x], dtype, "layer")
        named = dict(theirs.named_parameters())
        for name, p in ours.named_parameters():
            assert_close(p.grad, named[name].grad, dtype, f"grad of {name}")


@pytest.mark.parametrize("batch_first", [True, False])
def test_encoder_eval_without_grad_matches_torch_including_padding(batch_first, rng):
    """In inference torch runs padded batches as nested tensors and returns zeros at the
    padding (batch_first only); the same numbers here."""
    ours, theirs = _encoder_pair(np.float32, 2, dropout=0.2, batch_first=batch_first)
    _copy(ours, theirs)
    ours.eval()
    theirs.eval()
    x = rng.standard_normal((N, S, D) if batch_first else (S, N, D)).astype(np.float32)
    kpm = np.zeros((N, S), bool)
    kpm[0, 2:] = True
    with ag.no_grad(), torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch: "nested tensors are in prototype stage"
        out = ours(ag.tensor(x), src_key_padding_mask=ag.tensor(kpm))
        ref = theirs(torch.tensor(x), src_key_padding_mask=torch.tensor(kpm))
        # torch takes its nested-tensor route (zeros at the padding) only when all its
        # fast-path conditions hold, which other tests' global torch settings can change;
        # the positions that are not padding must agree either way.
        keep = ~kpm if batch_first else ~kpm.T
        o, r = out.detach().numpy(), ref.numpy()
        np.testing.assert_allclose(o[keep], r[keep], rtol=1e-5, atol=2e-5)
        if not np.any(r[~keep]):
            assert_close(out, ref, np.float32, "eval output")
        out2 = ours(ag.tensor(x))
        assert_close(out2, theirs(torch.tensor(x)), np.float32, "eval output, no mask")


def test_encoder_structure_warnings_and_helpers():
    with warnings.catch_warnings(record=True) as rec_o:
        warnings.simplefilter("always")
        lo = nn.TransformerEncoderLayer(D, NHEAD, dim_feedforward=FF)
        ours = nn.TransformerEncoder(lo, 3)
    with warnings.catch_warnings(record=True) as rec_t:
        warnings.simplefilter("always")
        lt = torch.nn.TransformerEncoderLayer(D, NHEAD, dim_feedforward=FF)
        theirs = torch.nn.TransformerEncoder(lt, 3)
    assert [str(w.message) for w in rec_o] == [str(w.message) for w in rec_t
                                               if "enable_nested_tensor" in str(w.message)]
    assert rec_o and "batch_first was not True" in str(rec_o[0].message)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert repr(ours) == repr(theirs)
    # Deep copies: equal at first, then independent.
    w0 = ours.layers[0].linear1.weight.detach().numpy()
    np.testing.assert_array_equal(w0, ours.layers[2].linear1.weight.detach().numpy())
    assert ours.layers[0].linear1.weight is not ours.layers[1].linear1.weight
    with pytest.raises(RuntimeError, match="activation should be relu/gelu, not tanh"):
        nn.TransformerEncoderLayer(D, NHEAD, activation="tanh")
    with pytest.raises(RuntimeError, match="activation should be relu/gelu, not tanh"):
        torch.nn.TransformerEncoderLayer(D, NHEAD, activation="tanh")
    m = generate_square_subsequent_mask(5)
    np.testing.assert_array_equal(
        m.numpy(), torch.nn.Transformer.generate_square_subsequent_mask(5).numpy())
    assert m.dtype == ag.float32
    with pytest.warns(UserWarning, match="mismatched src_key_padding_mask and src_mask"):
        lo(ag.zeros(S, N, D), src_mask=ag.zeros(S, S),
           src_key_padding_mask=ag.zeros(N, S).bool())


def test_encoder_dropout_is_on_in_training_only(rng):
    layer = nn.TransformerEncoderLayer(D, NHEAD, dim_feedforward=FF, dropout=0.5,
                                       dtype=np.float64)
    x = ag.tensor(rng.standard_normal((S, N, D)))
    ag.manual_seed(0)
    a = layer(x).detach().numpy()
    ag.manual_seed(0)
    b = layer(x).detach().numpy()
    ag.manual_seed(1)
    c = layer(x).detach().numpy()
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)
    layer.eval()
    ag.manual_seed(0)
    d = layer(x).detach().numpy()
    ag.manual_seed(1)
    np.testing.assert_array_equal(d, layer(x).detach().numpy())


def test_encoder_layer_gradcheck_first_and_second_order(rng):
    layer = nn.TransformerEncoderLayer(4, 2, dim_feedforward=3, dropout=0.0,
                                       activation="gelu", batch_first=True, norm_first=True,
                                       dtype=np.float64)
    x = ag.tensor(rng.standard_normal((1, 3, 4)), requires_grad=True)
    mask = generate_square_subsequent_mask(3, dtype=np.float64)

    def fn(x):
        return layer(x, src_mask=mask, is_causal=True)

    assert gradcheck(fn, (x,))
    assert gradcheck(_second_order(fn, 1), (x,))



def test_gpt_benchmark_trains_as_torch(monkeypatch):
    """benchmarks/gpt.py: the same model code, weights and data give the same losses in
    both libraries, step after step (so its timing compares like with like); at a smaller
    batch and context, for time."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    import gpt

    monkeypatch.setattr(gpt, "BATCH", 4)
    monkeypatch.setattr(gpt, "CONTEXT", 16)

    ours, theirs = gpt.ours_step(), gpt.torch_step()
    losses = [(ours(), theirs()) for _ in range(3)]
    for o, t in losses:
        np.testing.assert_allclose(o, t, rtol=2e-5)
    assert losses[-1][0] < losses[0][0]  # SGD moved the weights downhill
