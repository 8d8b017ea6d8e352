"""Parity rows for the graph nodes that nn breadth adds (issue 15): softplus (and what
is built on it: mish, logsigmoid), gelu, layer_norm (also behind group_norm) and the
embedding lookup. Each row is compared with
PyTorch in float32/float64 and gradchecked to first and second order by the shared
tests (test_ops_parity.py, test_gradcheck_ops.py, test_op_registry.py).
"""

from __future__ import annotations

import numpy as np
from _helpers import OpCase, nn_of

_IDX = np.array([[1, 3, 1], [0, 4, 1]])  # repeated rows: their gradients sum


def F(L):  # noqa: N802 - torch.nn.functional's usual name
    return nn_of(L).functional


CASES: list[OpCase] = [
    OpCase("nn-softplus", lambda L, x: F(L).softplus(x * 3.0), ((3, 4),)),
    OpCase("nn-softplus-beta-threshold", lambda L, x: F(L).softplus(x * 4.0, 2.0, 3.0),
           ((3, 4),)),
    OpCase("nn-mish", lambda L, x: F(L).mish(x * 2.0), ((3, 4),)),
    OpCase("nn-logsigmoid", lambda L, x: F(L).logsigmoid(x * 3.0), ((3, 4),)),
    OpCase("nn-gelu", lambda L, x: F(L).gelu(x * 2.0), ((3, 4),)),
    OpCase("nn-gelu-tanh", lambda L, x: F(L).gelu(x * 2.0, approximate="tanh"), ((3, 4),)),
    OpCase("nn-layer_norm", lambda L, x, w, b: F(L).layer_norm(x, (4,), w, b),
           ((2, 3, 4), (4,), (4,))),
    OpCase("nn-layer_norm-2d-weight_only", lambda L, x, w: F(L).layer_norm(
        x, (2, 3), w, eps=1e-3), ((4, 2, 3), (2, 3))),
    OpCase("nn-layer_norm-no_affine", lambda L, x: F(L).layer_norm(x, (2, 5)), ((3, 2, 5),)),
    OpCase("nn-layer_norm-unbatched", lambda L, x, w, b: F(L).layer_norm(x, (5,), w, b),
           ((5,), (5,), (5,))),
    OpCase("nn-group_norm", lambda L, x, w, b: F(L).group_norm(x, 2, w, b),
           ((2, 4, 3), (4,), (4,))),
    OpCase("nn-embedding", lambda L, w: F(L).embedding(L.tensor(_IDX), w), ((5, 3),)),
    # padding_idx and scale_grad_by_freq change the gradient on purpose (the padding row
    # gets none; rows are divided by their counts), so finite differences disagree with
    # it by design: these rows are compared with PyTorch only.
    OpCase("nn-embedding-padding_idx",
           lambda L, w: F(L).embedding(L.tensor(_IDX), w, padding_idx=1), ((5, 3),),
           gradcheck=False),
    OpCase("nn-embedding-scale_grad_by_freq",
           lambda L, w: F(L).embedding(L.tensor(_IDX), w, padding_idx=-1,
                                       scale_grad_by_freq=True), ((5, 3),), gradcheck=False),
]
