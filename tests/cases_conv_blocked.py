"""Parity rows for the blocked convolution (nn/conv_blocked.py): conv2d forced onto the
blocked path with tiny tiles, so that these small cases cross tile boundaries, run
their tiles on two threads and, in the backward pass, in phases. The shared tests
compare them with torch's conv2d (float32/float64) and gradcheck them to first and
second order (the second through the node's Tensor-op formula).
"""

from __future__ import annotations

from _helpers import TORCH, OpCase, nn_of

from nn.conv_blocked import blocking


def _conv(**kw):
    def fn(L, x, w, *b):
        F = nn_of(L).functional
        if L is TORCH:
            return F.conv2d(x, w, *b, **kw)
        # 1 byte per tile: one output row per tile; two threads take the tiles.
        with blocking(min_bytes=0, block_bytes=1, workers=2):
            return F.conv2d(x, w, *b, **kw)

    return fn


CASES: list[OpCase] = [
    OpCase("conv2d-blocked", _conv(padding=1), ((2, 3, 5, 4), (4, 3, 3, 3), (4,))),
    OpCase("conv2d-blocked-stride-dilation", _conv(stride=2, padding=(2, 1), dilation=2),
           ((3, 2, 7, 6), (3, 2, 3, 2), (3,))),
    OpCase("conv2d-blocked-no_bias", _conv(stride=(1, 2)), ((2, 2, 6, 5), (3, 2, 2, 3))),
]
