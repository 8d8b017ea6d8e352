"""conv2d, unfold and fold against torch, the im2col/col2im primitive, Conv2d errors.

Every case compares the output and the gradients of input, weight and bias with torch
2.13 on identical data (float64 to 1e-10, float32 to ~1e-5).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from _nn_helpers import assert_close, copy_weights, pair

import autograd_core as ag
import nn
import nn.functional as F

DTYPES = [np.float64, np.float32]

# stride x padding x dilation x groups, each with its own (odd, non-square) sizes so the
# grid also covers batch 1, odd spatial sizes and non-square kernels.
GRID = list(itertools.product((1, 2), (0, 1, 2), (1, 2), (1, 2)))
KERNELS = [(3, 3), (2, 3), (3, 1), (1, 2)]
SIZES = [(1, 7, 7), (2, 6, 5), (3, 5, 8), (1, 9, 4)]


def _conv_case(i: int, stride: int, padding: int, dilation: int, groups: int, dtype, rng,
               bias: bool = True):
    kh, kw = KERNELS[i % len(KERNELS)]
    n, h, w = SIZES[i % len(SIZES)]
    c_in, c_out = 2 * groups, 2 * groups if i % 2 else 3 * groups
    x = rng.standard_normal((n, c_in, h, w)).astype(dtype)
    wt = rng.standard_normal((c_out, c_in // groups, kh, kw)).astype(dtype)
    b = rng.standard_normal(c_out).astype(dtype) if bias else None
    return x, wt, b


def _run_both(x, wt, b, dtype, rng, **kw):
    xo, xt = pair(x)
    wo, wt_ = pair(wt)
    bo, bt = pair(b) if b is not None else (None, None)
    out_o = F.conv2d(xo, wo, bo, **kw)
    out_t = TF.conv2d(xt, wt_, bt, **kw)
    assert_close(out_o, out_t, dtype, "conv2d output")
    g = rng.standard_normal(out_t.shape).astype(dtype)
    out_o.backward(ag.tensor(g))
    out_t.backward(torch.tensor(g))
    assert_close(xo.grad, xt.grad, dtype, "input grad")
    assert_close(wo.grad, wt_.grad, dtype, "weight grad")
    if b is not None:
        assert_close(bo.grad, bt.grad, dtype, "bias grad")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("i,opts", list(enumerate(GRID)))
def test_conv2d_matches_torch_over_grid(i, opts, dtype, rng):
    stride, padding, dilation, groups = opts
    x, wt, b = _conv_case(i, stride, padding, dilation, groups, dtype, rng, bias=i % 3 != 0)
    h, w = x.shape[2:]
    eff = [dilation * (k - 1) + 1 for k in wt.shape[2:]]
    if eff[0] > h + 2 * padding or eff[1] > w + 2 * padding:
        # Too large a kernel for this random input: both libraries must refuse it.
        with pytest.raises(RuntimeError):
            torch.nn.functional.conv2d(torch.tensor(x), torch.tensor(wt), None, stride,
                                       padding, dilation, groups)
        with pytest.raises(RuntimeError):
            F.conv2d(ag.tensor(x), ag.tensor(wt), None, stride, padding, dilation, groups)
        return
    _run_both(x, wt, b, dtype, rng, stride=stride, padding=padding, dilation=dilation,
              groups=groups)


@pytest.mark.filterwarnings("ignore:Using padding='same'")
@pytest.mark.parametrize("kw", [
    dict(stride=(2, 1), padding=(0, 2), dilation=(1, 2)),
    dict(padding="same"),
    dict(padding="same", dilation=(2, 1)),  # odd total padding: the extra goes after
    dict(padding="valid", stride=(1, 3)),
    dict(groups=4, padding=1),  # depthwise
])
@pytest.mark.parametrize("dtype", DTYPES)
def test_conv2d_asymmetric_options(kw, dtype, rng):
    groups = kw.get("groups", 1)
    x = rng.standard_normal((2, 4, 6, 7)).astype(dtype)
    wt = rng.standard_normal((4, 4 // groups, 2, 3)).astype(dtype)
    b = rng.standard_normal(4).astype(dtype)
    _run_both(x, wt, b, dtype, rng, **kw)


def test_conv2d_unbatched_input(rng):
    x = rng.standard_normal((3, 5, 6))
    wt = rng.standard_normal((2, 3, 3, 3))
    _run_both(x, wt, None, np.float64, rng, padding=1)


@pytest.mark.parametrize("mode", ["zeros", "reflect", "replicate", "circular"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_conv2d_layer_padding_modes(mode, dtype, rng):
    tdt = torch.float64 if dtype == np.float64 else torch.float32
    for padding in (1, (2, 1), "same"):
        ag.manual_seed(0)
        ours = nn.Conv2d(2, 3, (3, 2), padding=padding, padding_mode=mode, dtype=dtype)
        theirs = torch.nn.Conv2d(2, 3, (3, 2), padding=padding, padding_mode=mode, dtype=tdt)
        copy_weights(ours, theirs)
        x = rng.standard_normal((2, 2, 5, 4)).astype(dtype)
        xo, xt = pair(x)
        out_o, out_t = ours(xo), theirs(xt)
        assert_close(out_o, out_t, dtype, f"{mode} {padding} output")
        out_o.sum().backward()
        out_t.sum().backward()
        assert_close(xo.grad, xt.grad, dtype, "input grad")
        assert_close(ours.weight.grad, theirs.weight.grad, dtype, "weight grad")
        assert_close(ours.bias.grad, theirs.bias.grad, dtype, "bias grad")


def _correlate_valid(a: np.ndarray, k: np.ndarray) -> np.ndarray:
    """Plain loops: out[i, j] = sum_{u,v} a[i+u, j+v] k[u, v] (valid cross-correlation)."""
    oh, ow = a.shape[0] - k.shape[0] + 1, a.shape[1] - k.shape[1] + 1
    out = np.zeros((oh, ow))
    for i in range(oh):
        for j in range(ow):
            s = 0.0
            for u in range(k.shape[0]):
                for v in range(k.shape[1]):
                    s += a[i + u, j + v] * k[u, v]
            out[i, j] = s
    return out


def _convolve_full(a: np.ndarray, k: np.ndarray) -> np.ndarray:
    """Plain loops: full 2-D convolution, out[i, j] = sum_{u,v} a[i-u, j-v] k[u, v]."""
    oh, ow = a.shape[0] + k.shape[0] - 1, a.shape[1] + k.shape[1] - 1
    out = np.zeros((oh, ow))
    for i in range(oh):
        for j in range(ow):
            s = 0.0
            for u in range(k.shape[0]):
                for v in range(k.shape[1]):
                    if 0 <= i - u < a.shape[0] and 0 <= j - v < a.shape[1]:
                        s += a[i - u, j - v] * k[u, v]
            out[i, j] = s
    return out


@pytest.mark.parametrize("padding", [0, 1])
def test_conv2d_gradients_are_correlation_and_full_convolution(padding, rng):
    """Computed without the library: for O = X (*) K (cross-correlation, stride 1),
    dL/dK[c_out, c_in] = X_padded[c_in] correlated with dL/dO[c_out], and
    dL/dX[c_in] = sum over c_out of the full convolution of dL/dO[c_out] with K, i.e. the
    full correlation with K rotated 180 degrees (then the padding border cropped)."""
    n, c_in, c_out, h, w, kh, kw = 2, 2, 3, 6, 5, 3, 2
    x = rng.standard_normal((n, c_in, h, w))
    k = rng.standard_normal((c_out, c_in, kh, kw))
    xo = ag.tensor(x, requires_grad=True)
    ko = ag.tensor(k, requires_grad=True)
    out = F.conv2d(xo, ko, padding=padding)
    delta = rng.standard_normal(out.shape)
    out.backward(ag.tensor(delta))

    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    dk = np.zeros_like(k)
    dx_p = np.zeros_like(xp)
    for b in range(n):
        for co in range(c_out):
            for ci in range(c_in):
                dk[co, ci] += _correlate_valid(xp[b, ci], delta[b, co])
                # The full convolution with K equals the full correlation with K
                # rotated by 180 degrees; check that identity on the way.
                full = _convolve_full(delta[b, co], k[co, ci])
                rot = k[co, ci][::-1, ::-1]
                padded = np.pad(delta[b, co], ((kh - 1, kh - 1), (kw - 1, kw - 1)))
                np.testing.assert_allclose(full, _correlate_valid(padded, rot), atol=1e-12)
                dx_p[b, ci] += full
    dx = dx_p[:, :, padding:padding + h, padding:padding + w]
    np.testing.assert_allclose(ko.grad._data, dk, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(xo.grad._data, dx, rtol=1e-10, atol=1e-12)


# ----- unfold / fold ---------------------------------------------------------------

UNFOLD_CASES = [
    dict(kernel_size=2),
    dict(kernel_size=(3, 2), stride=2, padding=1),
    dict(kernel_size=(2, 3), dilation=2, padding=(2, 0), stride=(1, 2)),
    dict(kernel_size=1),
]


@pytest.mark.parametrize("kw", UNFOLD_CASES)
@pytest.mark.parametrize("dtype", DTYPES)
def test_unfold_and_fold_match_torch(kw, dtype, rng):
    x = rng.standard_normal((2, 3, 6, 7)).astype(dtype)
    xo, xt = pair(x)
    cols_o, cols_t = F.unfold(xo, **kw), TF.unfold(xt, **kw)
    assert_close(cols_o, cols_t, dtype, "unfold")
    g = rng.standard_normal(cols_t.shape).astype(dtype)
    cols_o.backward(ag.tensor(g))
    cols_t.backward(torch.tensor(g))
    assert_close(xo.grad, xt.grad, dtype, "unfold input grad")

    c = rng.standard_normal(cols_t.shape).astype(dtype)
    co, ct = pair(c)
    img_o, img_t = F.fold(co, (6, 7), **kw), TF.fold(ct, (6, 7), **kw)
    assert_close(img_o, img_t, dtype, "fold")
    g2 = rng.standard_normal(img_t.shape).astype(dtype)
    img_o.backward(ag.tensor(g2))
    img_t.backward(torch.tensor(g2))
    assert_close(co.grad, ct.grad, dtype, "fold input grad")


def test_unfold_fold_unbatched_and_layers(rng):
    x = rng.standard_normal((2, 5, 4))
    assert_close(F.unfold(ag.tensor(x), 2, padding=1), TF.unfold(torch.tensor(x), 2, padding=1))
    c = rng.standard_normal((8, 6))
    assert_close(F.fold(ag.tensor(c), (3, 4), 2), TF.fold(torch.tensor(c), (3, 4), 2))
    assert repr(nn.Unfold(3)) == repr(torch.nn.Unfold(3))
    assert repr(nn.Fold((4, 4), 2)) == repr(torch.nn.Fold((4, 4), 2))
    xb = rng.standard_normal((1, 2, 4, 4))
    assert_close(nn.Fold((4, 4), 2, stride=2)(nn.Unfold(2, stride=2)(ag.tensor(xb))), xb)


def test_unfold_output_never_aliases_input():
    x = ag.tensor(np.arange(16.0).reshape(1, 1, 4, 4))
    cols = F.unfold(x, 1)
    cols._data[...] = -1
    assert x._data.min() == 0


def test_unfold_and_fold_errors_name_sizes():
    with pytest.raises(RuntimeError, match=r"calculated shape of the array of sliding blocks"):
        F.unfold(ag.zeros(1, 1, 3, 3), 4)
    with pytest.raises(RuntimeError, match=r"divisible by the product of kernel_size.*=5"):
        F.fold(ag.zeros(1, 5, 4), (3, 3), 2)
    with pytest.raises(RuntimeError, match=r"sliding blocks 2 \* 2 = 4, but got input.size\(2\)=3"):
        F.fold(ag.zeros(1, 4, 3), (3, 3), 2)
    with pytest.raises(RuntimeError, match="Only 3D or 4D"):
        F.unfold(ag.zeros(3, 3), 2)


# ----- errors ------------------------------------------------------------------------


def test_conv2d_wrong_channel_count_names_expected_and_actual():
    conv = nn.Conv2d(3, 6, 5)
    with pytest.raises(RuntimeError) as e:
        conv(ag.zeros(1, 4, 32, 32))
    msg = str(e.value)
    assert "expected input[1, 4, 32, 32] to have 3 channels, but got 4 channels" in msg
    assert "weight of size [6, 3, 5, 5]" in msg


def test_conv2d_kernel_larger_than_padded_input():
    with pytest.raises(RuntimeError, match=r"padded input size per channel: \(4 x 4\)\. "
                                           r"Kernel size: \(5 x 5\)"):
        F.conv2d(ag.zeros(1, 3, 2, 2), ag.zeros(6, 3, 5, 5), padding=1)
    with pytest.raises(RuntimeError, match=r"Kernel size: \(5 x 5\)"):
        # a 3x3 kernel with dilation 2 spans 5 pixels
        F.conv2d(ag.zeros(1, 3, 4, 4), ag.zeros(6, 3, 3, 3), dilation=2)


@pytest.mark.parametrize("call,pattern", [
    (lambda: F.conv2d(ag.zeros(3, 4), ag.zeros(1, 3, 1, 1)),
     r"Expected 3D \(unbatched\) or 4D \(batched\) input to conv2d, but got input of size: "
     r"\[3, 4\]"),
    (lambda: F.conv2d(ag.zeros(1, 4, 4, 4), ag.zeros(3, 2, 3, 3), groups=2),
     r"expected weight to be divisible by 2 at dimension 0, but got weight of size "
     r"\[3, 2, 3, 3\]"),
    (lambda: F.conv2d(ag.zeros(1, 3, 4, 4), ag.zeros(6, 3, 3, 3), ag.zeros(5)),
     r"expected bias to be 1-dimensional with 6 elements, but got bias of size \[5\]"),
    (lambda: F.conv2d(ag.zeros(1, 3, 4, 4), ag.zeros(6, 3, 3, 3), stride=0),
     "non-positive stride"),
    (lambda: F.conv2d(ag.zeros(1, 3, 4, 4), ag.zeros(6, 3, 3, 3), padding=-1),
     "negative padding"),
    (lambda: F.conv2d(ag.zeros(1, 3, 4, 4), ag.zeros(6, 3, 3, 3), stride=2, padding="same"),
     "padding='same' is not supported for strided convolutions"),
    (lambda: F.conv2d(ag.zeros(1, 3, 4, 4), ag.zeros(6, 3, 3, 3), stride=(1, 1, 1)),
     r"expected stride to be a single integer value or a list of 2 values"),
    (lambda: F.conv2d(ag.zeros(1, 3, 4, 4), ag.zeros(6, 3, 3, 3, dtype=ag.float64)),
     r"expected scalar type Float but found Double"),
    (lambda: nn.Conv2d(3, 6, 3, groups=2), "in_channels must be divisible by groups"),
    (lambda: nn.Conv2d(3, 6, 3, padding_mode="foo"), "padding_mode must be one of"),
    (lambda: nn.Conv2d(3, 6, 3, padding="foo"), "Invalid padding string 'foo'"),
])
def test_conv2d_bad_arguments(call, pattern):
    with pytest.raises((RuntimeError, ValueError), match=pattern):
        call()


def test_conv2d_repr_matches_torch():
    for args, kw in [((1, 6, 5), {}), ((3, 6, (3, 5)), dict(stride=2, padding=1, dilation=2,
                                                          groups=3, bias=False,
                                                          padding_mode="reflect")),
                     ((2, 2, 3), dict(padding="same"))]:
        assert repr(nn.Conv2d(*args, **kw)) == repr(torch.nn.Conv2d(*args, **kw))


@pytest.mark.parametrize("layout", ["unfold", "kcln"])
@pytest.mark.parametrize("kw", [
    dict(kernel=(2, 3), dilation=(1, 2), pads=((1, 0), (2, 1)), stride=(2, 1)),
    dict(kernel=(3, 3), dilation=(1, 1), pads=((1, 1), (1, 1)), stride=(1, 1)),
    # Disjoint windows (col2im assigns instead of adding): tiling exactly, with gaps,
    # with padding, and dilated windows whose span fits in the stride.
    dict(kernel=(2, 2), dilation=(1, 1), pads=((0, 1), (0, 0)), stride=(2, 2)),
    dict(kernel=(2, 2), dilation=(1, 1), pads=((0, 1), (1, 0)), stride=(3, 3)),
    dict(kernel=(2, 2), dilation=(1, 1), pads=((1, 1), (0, 0)), stride=(2, 2)),
    dict(kernel=(2, 1), dilation=(2, 1), pads=((0, 0), (0, 0)), stride=(3, 1)),
])
def test_col2im_is_the_adjoint_of_im2col(layout, kw, rng):
    """<im2col(x), c> == <x, col2im(c)> for every x, c: col2im is im2col's transpose,
    which is exactly what makes it im2col's backward (and vice versa)."""
    from nn.im2col import col2im_array, im2col_array, make_window

    win = make_window((5, 6), kw["kernel"], kw["dilation"], kw["pads"], kw["stride"])
    x = rng.standard_normal((2, 3, 5, 6))
    cols = im2col_array(x, win, layout=layout)
    c = rng.standard_normal(cols.shape)
    back = col2im_array(c, win, layout)
    assert back.shape == x.shape
    np.testing.assert_allclose(np.sum(cols * c), np.sum(x * back), rtol=1e-12)
    # Adjointness cannot see a pixel that both layouts miss, so also check col2im of all
    # ones against a direct count of the windows covering each pixel.
    counts = np.zeros((5, 6))
    (kh, kw_), (dh, dw), (sh, sw), (oh, ow) = win.kernel, win.dilation, win.stride, win.out
    (pt, _), (pl, _) = win.pads
    for r in range(oh):
        for s in range(ow):
            for i in range(kh):
                for j in range(kw_):
                    y, x_ = r * sh + i * dh - pt, s * sw + j * dw - pl
                    if 0 <= y < 5 and 0 <= x_ < 6:
                        counts[y, x_] += 1
    np.testing.assert_array_equal(col2im_array(np.ones_like(cols), win, layout),
                                  np.broadcast_to(counts, x.shape))
    # The two layouts hold the same numbers: kcln = unfold with (kh, kw, C) first and
    # the batch moved innermost.
    unf = im2col_array(x, win, layout="unfold")
    as_kcln = unf.reshape(2, 3, kh, kw_, -1).transpose(2, 3, 1, 4, 0).reshape(kh * kw_ * 3, -1)
    np.testing.assert_array_equal(as_kcln, im2col_array(x, win, layout="kcln"))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("stride,padding,dilation,groups", GRID)
def test_inference_path_equals_the_graph_path_and_torch(stride, padding, dilation, groups,
                                                        dtype):
    # Under no_grad conv2d runs on the arrays without graph ops (groups == 1): the same
    # numbers, bit for bit, as the recorded path, which the other tests check against
    # torch's gradients.
    rng = np.random.default_rng(11)
    x = rng.standard_normal((2, 2 * groups, 7, 6)).astype(dtype)
    w = rng.standard_normal((2 * groups, 2, 3, 2)).astype(dtype)
    b = rng.standard_normal(2 * groups).astype(dtype)
    kw = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
    for unbatched in (False, True):
        xi = x[0] if unbatched else x
        with ag.no_grad():
            fast = F.conv2d(ag.tensor(xi), ag.tensor(w), ag.tensor(b), **kw)
        graph = F.conv2d(ag.tensor(xi), ag.tensor(w, requires_grad=True), ag.tensor(b),
                         **kw)
        assert fast.grad_fn is None and graph.grad_fn is not None
        np.testing.assert_array_equal(fast._data, graph._data)
        ref = TF.conv2d(torch.tensor(xi), torch.tensor(w), torch.tensor(b), **kw)
        assert_close(fast, ref, dtype, "output")
