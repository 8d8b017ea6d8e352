"""Op rows for the reductions, sorting, indexing and shape ops of issue 15
(ops/index_more.py, ops/reduce_more.py, ops/sorting.py, linalg.py): each is compared
with torch 2.13 in float32 and float64 and gradchecked to first and second order
(tests/test_ops_parity.py, tests/test_gradcheck_ops.py), and the op registry finds in
them a row for each new Function.

Ties: a tensor joined with itself (``cat([a, a])``) has every value twice; whichever of
two tied copies an op picks, the gradient reaches the same element of ``a``, so the rows
compare gradients with torch's even where the choice among ties is unspecified (topk),
and compare indices too where torch documents the order (stable sort). Zeros: ``a``
times a 0/1 mask keeps exact zeros under gradcheck's perturbations, which takes
cumprod and prod through their zero-safe gradients.
"""

from __future__ import annotations

import numpy as np
from _helpers import OpCase

CASES: list[OpCase] = []
add = CASES.append

S345 = ((3, 4, 5),)
S34 = ((3, 4),)

_IDX = np.array([3, 0, 3, 1])  # repeated index
_SC = np.array([[[0, 4], [2, 1], [4, 3], [1, 0]]] * 3)  # (3, 4, 2), no repeats in a row
_ZERO_MASK = np.array([[1.0, 0.0, 1.0, 1.0, 0.0],
                       [1.0, 1.0, 1.0, 1.0, 1.0],
                       [0.0, 1.0, 1.0, 1.0, 1.0],
                       [1.0, 1.0, 1.0, 0.0, 0.0]])  # zeros first, mid, last, twice


def _zeros(L, a):
    return a * L.tensor(_ZERO_MASK, dtype=a.dtype)


# ----- pieces and views: split, chunk, unbind, narrow ------------------------------------
rows = {
    "split-int-dim1": (lambda L, a: a.split(3, 1), S345),
    "split-int-dimneg1-uneven": (lambda L, a: L.split(a, 2, dim=-1), S345),
    "split-list": (lambda L, a: a.split([1, 0, 3], dim=1), S345),
    "split-tuple-dim0": (lambda L, a: L.split(a, (2, 1)), S345),
    "chunk-3-dim1": (lambda L, a: a.chunk(3, 1), S345),
    "chunk-fewer-dimneg1": (lambda L, a: L.chunk(a, 4, dim=-1), S345),
    "unbind-dim0": (lambda L, a: a.unbind(), S345),
    "unbind-dimneg1": (lambda L, a: L.unbind(a, -1), S345),
    "narrow": (lambda L, a: a.narrow(1, 1, 2), S345),
    "narrow-negative_start": (lambda L, a: L.narrow(a, -1, -3, 2), S345),
    # ----- triangles, flips, rolls, diagonals -----------------------------------------
    "tril": (lambda L, a: a.tril(), S345),
    "tril-diag1": (lambda L, a: L.tril(a, 1), S34),
    "triu-diagneg1": (lambda L, a: a.triu(diagonal=-1), S345),
    "triu-fn": (lambda L, a: L.triu(a, 2), S34),
    "flip-0": (lambda L, a: a.flip(0), S345),
    "flip-two_dims": (lambda L, a: L.flip(a, (0, -1)), S345),
    "flip-list": (lambda L, a: a.flip([-2]), S345),
    "roll-flat": (lambda L, a: a.roll(7), S345),
    "roll-dim": (lambda L, a: L.roll(a, -2, 1), S345),
    "roll-two": (lambda L, a: a.roll((1, 3), (0, -1)), S345),
    "diagonal": (lambda L, a: a.diagonal(), S34),
    "diagonal-offset": (lambda L, a: L.diagonal(a, 1), S34),
    "diagonal-negative_offset-dims": (lambda L, a: a.diagonal(-1, -1, 0), S345),
    "diagonal-3d-dim12": (lambda L, a: a.diagonal(dim1=1, dim2=2), S345),
    "diag-matrix": (lambda L, a: L.diag(a), S34),
    "diag-matrix-offset": (lambda L, a: a.diag(-2), S34),
    "diag-vector": (lambda L, a: L.diag(a), ((4,),)),
    "diag-vector-offset": (lambda L, a: a.diag(1), ((3,),)),
    "diag-vector-negative_offset": (lambda L, a: L.diag(a, -2), ((3,),)),
    "trace": (lambda L, a: a.trace(), S34),
    "trace-fn": (lambda L, a: L.trace(a), ((4, 4),)),
    # ----- selecting and placing by index --------------------------------------------
    "index_select-dim1-repeated": (lambda L, a: a.index_select(1, L.tensor(_IDX)), S345),
    "index_select-dimneg1": (lambda L, a: L.index_select(a, -1, L.tensor([4, 4, 0])), S345),
    "index_select-0d_index": (lambda L, a: a.index_select(0, L.tensor(2)), S345),
    "masked_select": (lambda L, a: a.masked_select(a > 0), S345),
    "masked_select-broadcast_mask": (
        lambda L, a: L.masked_select(a, L.tensor(np.array([True, False, True, True]))), S34),
    "masked_select-broadcast_input": (
        lambda L, a: a.masked_select(L.tensor(np.array([[True], [False], [True]]))),
        ((4,),)),
    "index_add-repeated": (
        lambda L, a, s: a.index_add(1, L.tensor(_IDX), s), ((3, 4, 5), (3, 4, 5))),
    "index_add-alpha-dimneg1": (
        lambda L, a, s: L.index_add(a, -1, L.tensor([1, 1]), s, alpha=-0.5),
        ((3, 4), (3, 2))),
    "scatter-src": (lambda L, a, s: a.scatter(2, L.tensor(_SC), s), ((3, 4, 5), (3, 4, 2))),
    "scatter-value": (lambda L, a: a.scatter(2, L.tensor(_SC), 1.5), S345),
    "scatter-value_kw": (lambda L, a: a.scatter(2, L.tensor(_SC), value=-2.0), S345),
    "masked_fill": (lambda L, a: a.masked_fill(a > 0.5, -1.0), S345),
    "masked_fill-broadcast_mask": (
        lambda L, a: L.masked_fill(a, L.tensor(np.array([True, False, False, True])), 2.0),
        S34),
    "masked_fill-tensor_value": (lambda L, a, v: a.masked_fill(a < 0, v), ((3, 4), ())),
    # ----- repeating and broadcasting -------------------------------------------------
    "repeat": (lambda L, a: a.repeat(2, 3), S34),
    "repeat-new_dims": (lambda L, a: a.repeat(2, 1, 1, 2), S345),
    "repeat-tuple": (lambda L, a: a.repeat((1, 2)), S34),
    "repeat_interleave-int": (lambda L, a: a.repeat_interleave(2), S34),
    "repeat_interleave-int-dim": (lambda L, a: a.repeat_interleave(3, dim=-1), S34),
    "repeat_interleave-tensor": (
        lambda L, a: L.repeat_interleave(a, L.tensor([2, 0, 1]), dim=0), S34),
    "repeat_interleave-tensor1": (
        lambda L, a: a.repeat_interleave(L.tensor([3]), dim=1), S34),
    "broadcast_to": (lambda L, a: L.broadcast_to(a, (2, 3, 4)), ((3, 1),)),
    "broadcast_to-keep": (lambda L, a: a.broadcast_to((5, -1)), ((4,),)),
    "meshgrid-ij": (lambda L, a, b: L.meshgrid(a, b, indexing="ij"), ((3,), (4,))),
    "meshgrid-xy": (lambda L, a, b: L.meshgrid(a, b, indexing="xy"), ((3,), (4,))),
    "meshgrid-three-list": (
        lambda L, a, b, c: L.meshgrid([a, b, c], indexing="xy"), ((2,), (3,), ())),
    # ----- scans and products -----------------------------------------------------------
    "cumsum-dim1": (lambda L, a: a.cumsum(1), S345),
    "cumsum-dimneg1": (lambda L, a: L.cumsum(a, dim=-1), S345),
    "cumsum-scalar": (lambda L, a: a.cumsum(0), ((),)),
    "cumsum-dtype64": (lambda L, a: a.cumsum(0, dtype=L.float64), S34),
    "cumprod-dim1": (lambda L, a: a.cumprod(1), S345),
    "cumprod-dimneg1": (lambda L, a: L.cumprod(a, -1), S34),
    "cumprod-zeros-dimneg1": (lambda L, a: _zeros(L, a).cumprod(-1), ((4, 5),)),
    "cumprod-zeros-dim0": (lambda L, a: L.cumprod(_zeros(L, a), 0), ((4, 5),)),
    "prod": (lambda L, a: a.prod(), S34),
    "prod-dim1": (lambda L, a: a.prod(1), S345),
    "prod-dimneg1-keepdim": (lambda L, a: L.prod(a, -1, keepdim=True), S345),
    "prod-zeros-dim1": (lambda L, a: _zeros(L, a).prod(1), ((4, 5),)),
    "prod-zeros-dim0-keepdim": (lambda L, a: _zeros(L, a).prod(0, True), ((4, 5),)),
    "prod-zeros-all": (lambda L, a: _zeros(L, a)[1:3].prod(), ((4, 5),)),
    "prod-one_zero-all": (lambda L, a: _zeros(L, a)[2].prod(), ((4, 5),)),
    "prod-scalar": (lambda L, a: a.prod(), ((),)),
    # ----- norms ------------------------------------------------------------------------
    "norm": (lambda L, a: a.norm(), S345),
    "norm-p1-dim1": (lambda L, a: a.norm(p=1, dim=1), S345),
    "norm-p3-dims-keepdim": (lambda L, a: L.norm(a, 3, dim=(0, -1), keepdim=True), S345),
    "norm-inf": (lambda L, a: a.norm(float("inf")), S345),
    "norm-neg_inf-dim": (lambda L, a: a.norm(float("-inf"), dim=-1), S345),
    "norm-fro-dims": (lambda L, a: a.norm("fro", dim=(1, 2)), S345),
    "norm-p0.5": (lambda L, a: a.norm(0.5, dim=0), S34),
    "norm-p1.5": (lambda L, a: L.norm(a, 1.5), S34),
    "norm-pneg1": (lambda L, a: a.norm(-1, dim=1), S34),
    "norm-inf-ties": (lambda L, a: L.cat([a, -a]).norm(float("inf"), dim=0), S34),
    "linalg.norm": (lambda L, a: L.linalg.norm(a), S345),
    "linalg.norm-vector_ord": (lambda L, a: L.linalg.norm(a, 3), ((5,),)),
    "linalg.norm-matrix_ord1": (lambda L, a: L.linalg.norm(a, 1), S34),
    "linalg.norm-dim": (lambda L, a: L.linalg.norm(a, dim=1, keepdim=True), S345),
    "linalg.norm-dims-inf": (lambda L, a: L.linalg.norm(a, float("inf"), dim=(0, 2)), S345),
    "linalg.vector_norm": (lambda L, a: L.linalg.vector_norm(a), S345),
    "linalg.vector_norm-ord4-dim": (lambda L, a: L.linalg.vector_norm(a, 4, dim=-1), S345),
    "linalg.vector_norm-ord_neg2": (lambda L, a: L.linalg.vector_norm(a, -2, (0, 1)), S345),
    "linalg.matrix_norm-fro": (lambda L, a: L.linalg.matrix_norm(a), S345),
    "linalg.matrix_norm-1": (lambda L, a: L.linalg.matrix_norm(a, 1), S345),
    "linalg.matrix_norm-neg1-keepdim": (
        lambda L, a: L.linalg.matrix_norm(a, -1, keepdim=True), S345),
    "linalg.matrix_norm-inf-dims": (
        lambda L, a: L.linalg.matrix_norm(a, float("inf"), dim=(2, 0)), S345),
    "linalg.matrix_norm-neg_inf": (
        lambda L, a: L.linalg.matrix_norm(a, float("-inf")), S34),
    # ----- var / std (unbiased by default), max / min along a dim -------------------------
    "var-dims-neg": (lambda L, a: a.var(dim=(-1, 0)), S345),
    "var-correction2-keepdim": (lambda L, a: L.var(a, 1, keepdim=True, correction=2), S345),
    "var-unbiased_positional": (lambda L, a: a.var(False), S34),
    "std": (lambda L, a: a.std(), S345),
    "std-dims-unbiased_false": (lambda L, a: L.std(a, (0, 2), False, True), S345),
    "std-correction0": (lambda L, a: a.std(-1, correction=0), S345),
    "max-dim-ties": (lambda L, a: L.cat([a, a], 1).max(1), S34),
    "min-dimneg1-keepdim-ties": (lambda L, a: L.cat([a, a], -1).min(-1, keepdim=True), S34),
    # ----- sorting (values are a gather; its backward scatters) ----------------------------
    "sort": (lambda L, a: a.sort(), S345),
    "sort-dim0-descending": (lambda L, a: L.sort(a, 0, descending=True), S345),
    "sort-ties-stable": (lambda L, a: L.cat([a, a], 1).sort(dim=1, stable=True), S34),
    "sort-ties-descending-stable": (
        lambda L, a: L.cat([a, a], 0).sort(dim=0, descending=True, stable=True), S34),
    "topk": (lambda L, a: a.topk(2), S345),
    "topk-dim1-smallest": (lambda L, a: L.topk(a, 3, dim=1, largest=False), S345),
    "topk-dim0-all": (lambda L, a: a.topk(3, 0), S345),
    "topk-ties-values": (lambda L, a: L.cat([a, a], -1).topk(3).values, S34),
    "topk-partial_selection": (lambda L, a: a.topk(3, largest=False), ((3, 20),)),
}

for name, (fn, shapes) in rows.items():
    add(OpCase(name, fn, shapes))
