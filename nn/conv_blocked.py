"""Convolution as im2col + matrix product, a block of columns at a time.

``conv2d`` makes the whole batch's columns (kh*kw*C, oh*ow*N) and multiplies once. At
CIFAR scale those columns take tens of megabytes: im2col writes them to memory, the
product reads them back, and the backward pass does the same twice more (the weight
gradient reads them, col2im reads the columns' gradient). The step is then bound by
memory traffic, not by arithmetic.

``Conv2dBlocked`` does the same arithmetic in tiles of whole output rows (the whole
width and batch, so that every copy still moves runs of ow*N numbers): per tile, the
tile's columns are made into a buffer of about ``BLOCK_BYTES`` that stays in cache,
multiplied, and the buffer reused for the next tile. The backward pass goes tile by tile
too: it makes the tile's columns again (a copy from cache is cheaper than keeping them
all), adds the tile's share of the weight gradient, and multiplies and col2im-adds the
tile's input gradient, so no array the size of all the columns exists in either
direction.

Tiles also run at once, one thread per core (``nn._threads``), each thread with its own
buffers and its own weight and bias gradient sums (added at the end): NumPy's copies
run on one core, so without this the copies that im2col and col2im are would leave the
other cores idle. Forward tiles write disjoint output rows. Backward tiles next to each
other add into overlapping input rows (the kernel's halo), so they run in phases: tiles
far enough apart to be disjoint run together, and a phase ends before the next begins.

Memory layout is conv2d's: the input is read batch-last, (C, Hp, Wp, N) padded, and the
output is (C_out, oh, ow, N) memory seen as NCHW. Below ``BLOCKED_MIN_BYTES`` of columns
(and for grouped convolutions) conv2d keeps its plain im2col + matmul graph, which
measured faster on this project's 2-core machine, and where pictures show each step.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import NamedTuple

import numpy as np
from typing_extensions import override

from autograd_core import Tensor
from autograd_core import notation as nt
from autograd_core.function import Function

from . import _threads
from .im2col import Window, _pad_batch_last, col2im, im2col

# conv2d takes the blocked path when its whole columns would take at least this many
# bytes (None: never). Measured (benchmarks/RESULTS.md, issue 19): on a quiet 2-core
# Xeon the blocked path was as fast or faster for 3 of 4 CNN convolutions of 7-75 MB
# of columns (1.35x faster at 75 MB) and 15% slower at 14 MB; on the shared 2-core AMD
# machine the plain path's one large two-thread OpenBLAS product stalls whenever
# another process wants a core (a CIFAR step 5-15x its quiet time, weight-gradient
# products of 7 ms taking 430 ms), while the blocked path's single-thread products on
# their own threads stayed within 2-3x. But the sweep on the AMD machine on 2026-12-04
# (benchmarks/sweep.py's path table, two runs) had the plain path faster for every CNN
# case: CIFAR 32/64 at batch 64 55.7-59.8 ms plain against 78.4-87.3 blocked, 28x28
# 32/64 44.6 against 60.5, 75 MB of columns 350 against 377 (the blocked path's BLAS
# thread switching makes the next products wait: a small GEMM after it took 0.34 ms
# against 0.12). So blocking is kept for columns of 256 MiB and more, where not
# materialising them matters for memory.
BLOCKED_MIN_BYTES: int | None = 256 << 20
# The columns of one tile take about this many bytes: about as fast as any size tried
# (0.25-8 MiB) on both machines (L2: 512 KiB per core on the AMD Zen 3, 2 MiB on the
# Xeon); smaller tiles pay Python and small-product overhead, larger ones leave cache.
BLOCK_BYTES = 1 << 20
# Shares run at once; None: as many as NumPy's BLAS threads (see nn._threads).
WORKERS: int | None = None


@contextlib.contextmanager
def blocking(min_bytes: int | None = 0, block_bytes: int | None = None,
             workers: int | None = None) -> Iterator[None]:
    """Temporarily set the blocked path's thresholds (tests and benchmarks use it):
    ``min_bytes`` None turns the blocked path off, 0 uses it for every convolution."""
    global BLOCKED_MIN_BYTES, BLOCK_BYTES, WORKERS
    saved = BLOCKED_MIN_BYTES, BLOCK_BYTES, WORKERS
    BLOCKED_MIN_BYTES = min_bytes
    if block_bytes is not None:
        BLOCK_BYTES = block_bytes
    if workers is not None:
        WORKERS = workers
    try:
        yield
    finally:
        BLOCKED_MIN_BYTES, BLOCK_BYTES, WORKERS = saved


def use_blocked(x: Tensor, weight: Tensor, window: Window, groups: int) -> bool:
    """Should conv2d take the blocked path for these operands?"""
    limit = BLOCKED_MIN_BYTES
    dt = x._data.dtype
    if limit is None or groups != 1 or dt.kind != "f" or dt.itemsize < 4:
        return False
    n, c = x._data.shape[:2]
    kh, kw = window.kernel
    oh, ow = window.out
    return kh * kw * c * oh * ow * n * dt.itemsize >= limit


class Plan(NamedTuple):
    """How one call is cut. ``tiles``: output row ranges (r0, r1), each with the whole
    width and batch, so that every copy moves runs of ow*N numbers. ``workers``: how
    many threads take tiles at once. ``phases``: groups of tile indices whose input rows
    do not overlap, so that the backward pass can col2im them at once (a phase ends
    before the next begins)."""

    tiles: tuple[tuple[int, int], ...]
    rows: int  # the most output rows in one tile
    workers: int
    phases: tuple[tuple[int, ...], ...]


def make_plan(window: Window, channels: int, batch: int, itemsize: int) -> Plan:
    """Tiles, workers and phases for a convolution with ``channels`` input channels."""
    kh, kw = window.kernel
    oh, ow = window.out
    sh, dh = window.stride[0], window.dilation[0]
    row_bytes = kh * kw * channels * ow * batch * itemsize
    rows = max(1, min(oh, BLOCK_BYTES // row_bytes))
    tiles = tuple((r, min(r + rows, oh)) for r in range(0, oh, rows))
    workers = WORKERS if WORKERS is not None else _threads.workers()
    workers = max(1, min(workers, len(tiles)))
    if workers == 1:
        return Plan(tiles, rows, 1, (tuple(range(len(tiles))),))
    # A full tile reads `span` padded rows and tile t + p starts p*rows*sh rows after
    # tile t: tiles p apart are disjoint once p*rows*sh >= span.
    span = (rows - 1) * sh + (kh - 1) * dh + 1
    p = -(-span // (rows * sh))
    phases = tuple(tuple(range(q, len(tiles), p)) for q in range(p))
    return Plan(tiles, rows, workers, phases)


def _window_slices(w: Window, r0: int, r1: int) -> list[tuple[slice, slice]]:
    """Per kernel offset (i, j), in (i, j) order: the padded rows and columns of the
    input (C, Hp, Wp, N) that the offset reads for output rows r0:r1."""
    (kh, kw), (dh, dw), (sh, sw), ow = w.kernel, w.dilation, w.stride, w.out[1]
    rows = [slice(i * dh + sh * r0, i * dh + sh * (r1 - 1) + 1, sh) for i in range(kh)]
    cols = [slice(j * dw, j * dw + sw * (ow - 1) + 1, sw) for j in range(kw)]
    return [(slice(None), r, c) for r in rows for c in cols]


def _buffer(buf: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """The front of a flat scratch buffer, as a C-contiguous array of ``shape``."""
    return buf[:int(np.prod(shape))].reshape(shape)


def _im2col_tile(xp: np.ndarray, regions: list, buf: np.ndarray,
                 shape6: tuple[int, ...]) -> np.ndarray:
    """A tile's columns (kh*kw*C, rb*ow*N), rows in (i, j, c) order, into ``buf``."""
    cols = _buffer(buf, shape6)
    for k, reg in enumerate(regions):
        cols[divmod(k, shape6[1])] = xp[reg]
    return cols.reshape(shape6[0] * shape6[1] * shape6[2], -1)


def _forward_tiles(xp, wm, b, out, window, plan, tiles):
    """out[:, r0:r1] = wm @ cols(r0:r1) + b for each tile (r0, r1) in ``tiles``."""
    c_out, k = wm.shape
    kh, kw = window.kernel
    c = k // (kh * kw)
    ow, n = out.shape[2], out.shape[3]
    buf = np.empty(k * plan.rows * ow * n, xp.dtype)
    out2d = out.reshape(c_out, -1)
    for r0, r1 in tiles:
        cols = _im2col_tile(xp, _window_slices(window, r0, r1), buf,
                            (kh, kw, c, r1 - r0, ow, n))
        dst = out2d[:, r0 * ow * n:r1 * ow * n]
        np.matmul(wm, cols, out=dst)
        if b is not None:
            dst += b.reshape(c_out, 1)


class _Worker:
    """One backward worker's scratch buffers and gradient sums (kept across phases)."""

    def __init__(self, c_out: int, k: int, m: int, dt: np.dtype, needs: tuple) -> None:
        need_x, need_w, need_b = needs
        self.gbuf = np.empty(c_out * m, dt)
        self.cbuf = np.empty(k * m, dt) if need_x or need_w else None
        self.gw = np.zeros((c_out, k), dt) if need_w else None
        self.gw_tile = np.empty((c_out, k), dt) if need_w else None
        self.gb = np.zeros(c_out, dt) if need_b else None


def _backward_tiles(xp, wm, gt, dxp, needs, window, tiles, wk: _Worker) -> None:
    """Gradients from the tiles (r0, r1) in ``tiles``: the weight and bias gradients
    summed into ``wk``, the input gradient added into dxp."""
    c_out, k = wm.shape
    kh, kw = window.kernel
    c = k // (kh * kw)
    ow, n = gt.shape[2], gt.shape[3]
    need_x, need_w, need_b = needs
    # The delta as (C_out, oh*ow*N) when it lies batch-last in memory, as a
    # convolution's own output (and what follows it elementwise) does.
    g2d = gt.reshape(c_out, -1) if gt.flags.c_contiguous else None
    wmt = wm.T
    for r0, r1 in tiles:
        m = (r1 - r0) * ow * n
        if g2d is not None:
            g = g2d[:, r0 * ow * n:r1 * ow * n]
        else:
            g = _buffer(wk.gbuf, (c_out, m))
            np.copyto(g.reshape(c_out, r1 - r0, ow, n), gt[:, r0:r1])
        if need_b:
            wk.gb += g.sum(axis=1)
        regions = _window_slices(window, r0, r1)
        if need_w:
            cols = _im2col_tile(xp, regions, wk.cbuf, (kh, kw, c, r1 - r0, ow, n))
            np.matmul(g, cols.T, out=wk.gw_tile)
            wk.gw += wk.gw_tile
        if need_x:
            dcols = np.matmul(wmt, g, out=_buffer(wk.cbuf, (k, m)))
            d6 = dcols.reshape(kh, kw, c, r1 - r0, ow, n)
            for idx, reg in enumerate(regions):
                dst = dxp[reg]
                np.add(dst, d6[divmod(idx, kw)], out=dst)


class Conv2dBlocked(Function):
    """conv2d (groups 1) of x (N, C, H, W), weight (C_out, C, kh, kw) and bias (C_out,)
    or None: im2col + matrix product a tile at a time; the output is (N, C_out, oh, ow),
    a view of (C_out, oh, ow, N) memory."""

    __slots__ = ("window", "plan", "xp", "wm")
    label_name = "conv2d"
    _fresh_grads = True  # every gradient is a new array only this node made

    @override
    def reads_input(self, i: int) -> bool:
        # The input's values make the weight gradient, the weight's the input gradient.
        other = self.inputs[1 - i] if i < 2 else None
        return isinstance(other, Tensor) and other.requires_grad

    @staticmethod
    @override
    def forward(ctx, x, weight, bias, window):
        n, c = x.shape[:2]
        c_out = weight.shape[0]
        kh, kw = window.kernel
        oh, ow = window.out
        xp = _pad_batch_last(x, window, 0.0)
        # The weight with rows in the columns' (kernel row, kernel column, channel) order.
        wm = np.ascontiguousarray(weight.transpose(0, 2, 3, 1)).reshape(c_out, kh * kw * c)
        plan = make_plan(window, c, n, x.dtype.itemsize)
        out = np.empty((c_out, oh, ow, n), dtype=x.dtype)
        t = plan.workers
        _threads.run_shares(
            lambda tiles: _forward_tiles(xp, wm, bias, out, window, plan, tiles),
            [plan.tiles[w::t] for w in range(t)])
        ctx.window, ctx.plan, ctx.xp, ctx.wm = window, plan, xp, wm
        return out.transpose(3, 0, 1, 2)

    @staticmethod
    @override
    def backward(ctx, grad):
        # The formula, in Tensor ops (differentiable again): the plain im2col + matmul
        # graph's gradients, all columns at once.
        x, weight, bias = ctx.inputs[:3]
        n, c = x.shape[:2]
        c_out, _, kh, kw = weight.shape
        g2 = grad.permute(1, 2, 3, 0).reshape(c_out, -1)  # (C_out, oh*ow*N)
        gx = gw = gb = None
        if x.requires_grad:
            wm = weight.permute(0, 2, 3, 1).reshape(c_out, kh * kw * c)
            gx = col2im(wm.mT @ g2, ctx.window, "kcln")
        if weight.requires_grad:
            cols = im2col(x, ctx.window, 0.0, "kcln")
            gw = (g2 @ cols.mT).reshape(c_out, kh, kw, c).permute(0, 3, 1, 2).contiguous()
        if isinstance(bias, Tensor) and bias.requires_grad:
            gb = g2.sum(1)
        return gx, gw, gb, None

    @staticmethod
    @override
    def fast_backward(ctx, grad):
        x, weight, bias = ctx.inputs[:3]
        window, xp, wm = ctx.window, ctx.xp, ctx.wm
        needs = (x.requires_grad, weight.requires_grad,
                 isinstance(bias, Tensor) and bias.requires_grad)
        n, c, h, wd = x.shape
        c_out, k = wm.shape
        kh, kw = window.kernel
        gt = grad._data.transpose(1, 2, 3, 0)  # (C_out, oh, ow, N)
        dxp = np.zeros(xp.shape, xp.dtype) if needs[0] else None
        plan = ctx.plan
        m = plan.rows * gt.shape[2] * n
        t = plan.workers
        workers = [_Worker(c_out, k, m, xp.dtype, needs) for _ in range(t)]
        for phase in plan.phases:
            tiles = [plan.tiles[i] for i in phase]
            _threads.run_shares(
                lambda w, tiles=tiles: _backward_tiles(xp, wm, gt, dxp, needs, window,
                                                       tiles[w::t], workers[w]),
                range(t))
        gx = gw = gb = None
        if needs[0]:
            (pt, _), (pl, _) = window.pads
            gx = Tensor._wrap(dxp[:, pt:pt + h, pl:pl + wd, :].transpose(3, 0, 1, 2))
        if needs[1]:
            total = workers[0].gw
            for wk in workers[1:]:
                total += wk.gw
            gw = Tensor._wrap(np.ascontiguousarray(
                total.reshape(c_out, kh, kw, c).transpose(0, 3, 1, 2)))
        if needs[2]:
            total = workers[0].gb
            for wk in workers[1:]:
                total += wk.gb
            gb = Tensor._wrap(total)
        return gx, gw, gb, None

    @override
    def label(self) -> str:
        return f"conv2d({self.window.describe()})"

    @override
    def formula(self, operands):
        return nt.call("conv2d", *[o for o in operands if o is not None])

    @override
    def trace_rule(self, k, operands, out, numbers):
        x, w = operands[0], operands[1]
        if k == 0:
            return ("custom", lambda u: nt.call(
                "col2im", nt.matmul(nt.Expr(nt.transposed(w), nt.ATOM), u)))
        if k == 1:
            return ("custom", lambda u: nt.matmul(u, nt.Expr(
                nt.transposed(nt.call("im2col", x)), nt.ATOM)))
        return ("custom", lambda u: nt.call("sum", u))


def conv2d_blocked(x: Tensor, weight: Tensor, bias: Tensor | None,
                   window: Window) -> Tensor:
    """conv2d of a 4-D x through ``Conv2dBlocked`` (arguments already checked):
    (N, C, H, W) -> (N, C_out, oh, ow)."""
    return Conv2dBlocked.apply(x, weight, bias, window)
