"""The blocked convolution (nn/conv_blocked.py) against torch: tiles, threads and phases
change the order of the work, never the result; conv2d dispatches to it only for large
columns; the BLAS thread count is restored; the sweep's models are the same program in
both libraries."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
import torch

import autograd_core as ac
import nn
import nn.functional as F
from nn import _threads
from nn.conv_blocked import Conv2dBlocked, blocking, make_plan
from nn.im2col import make_window

GEOMETRIES = [
    # (N, C, H, W), (C_out, kh, kw), stride, padding, dilation
    ((4, 3, 9, 7), (5, 3, 3), 1, 1, 1),
    ((5, 2, 10, 11), (3, 3, 2), 2, (1, 2), 1),
    ((3, 4, 12, 12), (6, 3, 3), 1, 2, 2),
    ((2, 2, 6, 6), (2, 1, 1), 1, 0, 1),
    ((7, 3, 8, 8), (4, 5, 5), 3, 2, 1),
    ((1, 2, 7, 5), (3, 2, 2), 2, 0, 1),
]


def _torch_conv(x, w, b, g, stride, padding, dilation, x_grad):
    xt = torch.tensor(x, requires_grad=x_grad)
    wt = torch.tensor(w, requires_grad=True)
    bt = None if b is None else torch.tensor(b, requires_grad=True)
    yt = torch.nn.functional.conv2d(xt, wt, bt, stride, padding, dilation)
    yt.backward(torch.tensor(g))
    return (yt.detach().numpy(), xt.grad.numpy() if x_grad else None, wt.grad.numpy(),
            None if b is None else bt.grad.numpy())


@pytest.mark.parametrize("geom", GEOMETRIES, ids=lambda g: "x".join(map(str, g[0])))
@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("block_bytes,workers", [(1, 1), (1, 2), (1, 3), (600, 2),
                                                 (1 << 30, 1)])
def test_blocked_conv_matches_torch(geom, dtype, block_bytes, workers, rng):
    (n, c, h, w), (co, kh, kw), stride, padding, dilation = geom
    x = rng.standard_normal((n, c, h, w)).astype(dtype)
    wt = rng.standard_normal((co, c, kh, kw)).astype(dtype)
    b = rng.standard_normal(co).astype(dtype)
    tol = {"rtol": 1e-10, "atol": 1e-10} if dtype == np.float64 else {"rtol": 2e-4,
                                                                       "atol": 2e-4}
    for bias, x_grad, batch_last in ((True, True, False), (False, True, True),
                                     (True, False, True)):
        xa = ac.tensor(x, requires_grad=x_grad)
        wa = ac.tensor(wt, requires_grad=True)
        ba = ac.tensor(b, requires_grad=True) if bias else None
        with blocking(min_bytes=0, block_bytes=block_bytes, workers=workers):
            ya = F.conv2d(xa, wa, ba, stride, padding, dilation)
        assert isinstance(ya.grad_fn, Conv2dBlocked)
        g = rng.standard_normal(ya.shape).astype(dtype)
        if batch_last:  # the delta a following relu or pooling hands back
            g = np.ascontiguousarray(g.transpose(1, 2, 3, 0)).transpose(3, 0, 1, 2)
        ya.backward(ac.tensor(g))
        want = _torch_conv(x, wt, b if bias else None, np.ascontiguousarray(g), stride,
                           padding, dilation, x_grad)
        np.testing.assert_allclose(ya._data, want[0], **tol)
        if x_grad:
            np.testing.assert_allclose(xa.grad._data, want[1], **tol)
        else:
            assert xa.grad is None
        np.testing.assert_allclose(wa.grad._data, want[2], **tol)
        assert wa.grad._data.flags.c_contiguous
        if bias:
            np.testing.assert_allclose(ba.grad._data, want[3], **tol)


def test_blocked_conv_second_order_matches_torch(rng):
    x = rng.standard_normal((3, 2, 6, 5))
    w = rng.standard_normal((4, 2, 3, 3))
    xa, wa = ac.tensor(x, requires_grad=True), ac.tensor(w, requires_grad=True)
    with blocking(min_bytes=0, block_bytes=1, workers=2):
        y = F.conv2d(xa, wa, padding=1)
    gx, gw = ac.grad((y * y).sum(), [xa, wa], create_graph=True)
    gxa, gwa = ac.grad((gx * gx).sum() + (gw * gw).sum(), [xa, wa])
    xt, wt = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    yt = torch.nn.functional.conv2d(xt, wt, padding=1)
    gxt, gwt = torch.autograd.grad((yt * yt).sum(), [xt, wt], create_graph=True)
    gxat, gwat = torch.autograd.grad((gxt * gxt).sum() + (gwt * gwt).sum(), [xt, wt])
    np.testing.assert_allclose(gxa._data, gxat.numpy(), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(gwa._data, gwat.numpy(), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("kernel,stride,dilation", [(3, 1, 1), (5, 1, 1), (3, 2, 1),
                                                    (3, 1, 2), (2, 2, 1), (1, 1, 1),
                                                    (4, 3, 2)])
@pytest.mark.parametrize("block_rows", [1, 2, 3, 5])
def test_tiles_of_one_phase_read_disjoint_rows(kernel, stride, dilation, block_rows):
    """The backward pass col2im-adds the tiles of a phase at once: their input rows
    must not overlap, and every tile must be in exactly one phase."""
    win = make_window((40, 9), (kernel, kernel), (dilation, dilation), ((1, 1), (1, 1)),
                      (stride, stride))
    row_bytes = kernel * kernel * 2 * win.out[1] * 3 * 8
    with blocking(min_bytes=0, block_bytes=row_bytes * block_rows, workers=2):
        plan = make_plan(win, 2, 3, 8)
    assert plan.workers == 2 and plan.rows == min(block_rows, win.out[0])
    assert sorted(i for p in plan.phases for i in p) == list(range(len(plan.tiles)))
    for phase in plan.phases:
        spans = [(r0 * stride, (r1 - 1) * stride + (kernel - 1) * dilation)
                 for r0, r1 in (plan.tiles[i] for i in phase)]
        for (_a0, a1), (b0, _) in zip(spans, spans[1:]):
            assert a1 < b0, (phase, spans)


def test_conv2d_takes_the_blocked_path_only_for_large_columns(rng):
    x = ac.tensor(rng.standard_normal((2, 3, 8, 8)).astype(np.float32))
    w = ac.tensor(rng.standard_normal((4, 3, 3, 3)).astype(np.float32), requires_grad=True)
    cols_bytes = 27 * 64 * 2 * 4
    with blocking(min_bytes=cols_bytes):
        assert isinstance(F.conv2d(x, w, padding=1).grad_fn, Conv2dBlocked)
        # Grouped convolutions and half precision keep the plain graph.
        w2 = ac.tensor(rng.standard_normal((4, 1, 3, 3)).astype(np.float32),
                       requires_grad=True)
        assert not isinstance(F.conv2d(x[:, :2], w2[:, :1].contiguous(), padding=1,
                                       groups=2).grad_fn, Conv2dBlocked)
        h = ac.tensor(rng.standard_normal((2, 3, 8, 8)).astype(np.float16))
        wh = ac.tensor(rng.standard_normal((4, 3, 3, 3)).astype(np.float16),
                       requires_grad=True)
        assert not isinstance(F.conv2d(h, wh, padding=1).grad_fn, Conv2dBlocked)
    with blocking(min_bytes=cols_bytes + 1):
        assert not isinstance(F.conv2d(x, w, padding=1).grad_fn, Conv2dBlocked)
    with blocking(min_bytes=None):
        assert not isinstance(F.conv2d(x, w, padding=1).grad_fn, Conv2dBlocked)


def test_a_conv2d_module_step_is_the_same_either_way(rng):
    """A Conv2d/ReLU/MaxPool training step gives the same gradients on both paths."""
    x = ac.tensor(rng.standard_normal((6, 3, 10, 10)).astype(np.float32))
    grads = []
    for cfg in ({"min_bytes": None}, {"min_bytes": 0, "block_bytes": 1, "workers": 2}):
        ac.manual_seed(0)
        model = nn.Sequential(nn.Conv2d(3, 5, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                              nn.Conv2d(5, 4, 3, padding=1), nn.Flatten())
        with blocking(**cfg):
            loss = (model(x) ** 2).mean()
        loss.backward()
        grads.append([p.grad._data for p in model.parameters()])
    for a, b in zip(*grads):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_run_shares_restores_the_blas_threads_and_reraises():
    libs = _threads._numpy_blas()
    if not libs:
        pytest.skip("threadpoolctl is not installed: shares run in turn")
    before = libs[0].get_num_threads()
    seen = []

    def work(i):
        seen.append(libs[0].get_num_threads())
        if i == 1:
            raise ValueError("share 1 failed")
        return i

    assert _threads.run_shares(lambda i: i * 10, [0, 1, 2]) == [0, 10, 20]
    with pytest.raises(ValueError, match="share 1 failed"):
        _threads.run_shares(work, [0, 1])
    assert libs[0].get_num_threads() == before
    assert seen and set(seen) == {1}  # one BLAS thread per share while they ran


def test_sweep_models_are_the_same_program_in_both_libraries():
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    import models

    for case in models.CASES[:1] + [c for c in models.CASES if c.kind == "mlp"][:2]:
        ours, theirs = models.build("ours", case), models.build("torch", case)
        for _ in range(3):
            np.testing.assert_allclose(ours(), theirs(), rtol=1e-5)
