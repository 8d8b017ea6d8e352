"""Parity rows for ``t[index] = value`` (IndexPut), gathered into OP_CASES."""

from __future__ import annotations

import numpy as np
from _helpers import OpCase


def _put(index):
    def fn(L, a, v):
        y = a * 1.0
        y[index] = v
        return y
    return fn


def _put_scalar(L, a):
    y = a * 1.0
    y[1] = 2.5
    return y


CASES = [
    OpCase("setitem-slice", _put((slice(None), slice(1, 3))), ((3, 4), (3, 2))),
    OpCase("setitem-broadcast-row", _put(slice(0, 2)), ((3, 4), (4,))),
    OpCase("setitem-int-list", _put((1, [0, 2])), ((3, 4), (2,))),
    OpCase("setitem-mask", _put(np.array([True, False, True])), ((3, 4), (1, 4))),
    OpCase("setitem-scalar", _put_scalar, ((3, 4),)),
]
