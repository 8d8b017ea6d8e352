"""Op rows for the elementwise functions and products of issue 15 (ops/elementwise.py,
ops/linalg.py): each is compared with torch 2.13 in float32 and float64 and gradchecked
to first and second order (tests/test_ops_parity.py, tests/test_gradcheck_ops.py).

The rounding functions and sign have a zero gradient, as in torch; their rows multiply
by the input as well, so that a nonzero gradient passes beside the zero one.
"""

from __future__ import annotations

from _helpers import BROADCAST_SHAPES, OpCase, shape_id

CASES: list[OpCase] = []
add = CASES.append

S = ((3, 4),)

# ----- one tensor -------------------------------------------------------------------
_UNARY = {
    "erf": (lambda L, a: a.erf(), "normal"),
    "erfc": (lambda L, a: a.erfc(), "normal"),
    "sinh": (lambda L, a: a.sinh(), "normal"),
    "cosh": (lambda L, a: a.cosh(), "normal"),
    "asin": (lambda L, a: a.asin(), "unit"),
    "acos": (lambda L, a: a.acos(), "unit"),
    "atan": (lambda L, a: a.atan(), "normal"),
    "log2": (lambda L, a: a.log2(), "pos"),
    "log10": (lambda L, a: a.log10(), "pos"),
    "log1p": (lambda L, a: a.log1p(), "unit"),
    "expm1": (lambda L, a: a.expm1(), "normal"),
    "exp2": (lambda L, a: a.exp2(), "normal"),
    "rsqrt": (lambda L, a: a.rsqrt(), "pos"),
    "reciprocal": (lambda L, a: a.reciprocal(), "nonzero"),
    "square": (lambda L, a: a.square(), "normal"),
    "frac": (lambda L, a: a.frac(), "nonzero"),
    "floor": (lambda L, a: a.floor(), "nonzero"),
    "ceil": (lambda L, a: a.ceil(), "nonzero"),
    "round": (lambda L, a: a.round(), "nonzero"),
    "trunc": (lambda L, a: a.trunc(), "nonzero"),
    "fix": (lambda L, a: a.fix(), "nonzero"),
    "sign": (lambda L, a: a.sign(), "nonzero"),
    # sgn alone: torch's gradient is a ZeroTensor, which has no NumPy view to compare.
    "sgn": (lambda L, a: a.sgn() * a, "nonzero"),
    "arcsin": (lambda L, a: a.arcsin(), "unit"),
    "arccos": (lambda L, a: L.arccos(a), "unit"),
    "arctan": (lambda L, a: L.arctan(a), "normal"),
    "fn_erf": (lambda L, a: L.erf(a), "normal"),
    "fn_erfc": (lambda L, a: L.erfc(a), "normal"),
    "fn_sinh": (lambda L, a: L.sinh(a), "normal"),
    "fn_cosh": (lambda L, a: L.cosh(a), "normal"),
    "fn_asin": (lambda L, a: L.asin(a), "unit"),
    "fn_acos": (lambda L, a: L.acos(a), "unit"),
    "fn_atan": (lambda L, a: L.atan(a), "normal"),
    "fn_log2": (lambda L, a: L.log2(a), "pos"),
    "fn_log10": (lambda L, a: L.log10(a), "pos"),
    "fn_log1p": (lambda L, a: L.log1p(a), "pos"),
    "fn_expm1": (lambda L, a: L.expm1(a), "normal"),
    "fn_exp2": (lambda L, a: L.exp2(a), "normal"),
    "fn_rsqrt": (lambda L, a: L.rsqrt(a), "pos"),
    "fn_reciprocal": (lambda L, a: L.reciprocal(a), "nonzero"),
    "fn_square": (lambda L, a: L.square(a), "normal"),
    "fn_frac": (lambda L, a: L.frac(a), "nonzero"),
    "fn_floor": (lambda L, a: L.floor(a), "nonzero"),
    "fn_ceil": (lambda L, a: L.ceil(a), "nonzero"),
    "fn_round": (lambda L, a: L.round(a), "nonzero"),
    "fn_trunc": (lambda L, a: L.trunc(a), "nonzero"),
    "fn_sign": (lambda L, a: L.sign(a), "nonzero"),
    "fn_sgn": (lambda L, a: L.sgn(a) + a, "nonzero"),
}
for _name, (_fn, _dom) in _UNARY.items():
    add(OpCase(f"{_name}-3x4", _fn, S, (_dom,)))
for _name in ("erf", "sinh", "asin", "log2", "expm1", "rsqrt", "reciprocal", "floor"):
    _fn, _dom = _UNARY[_name]
    add(OpCase(f"{_name}-scalar", _fn, ((),), (_dom,)))

# Zero-gradient ops beside a path with a gradient; and wide inputs for the tails.
add(OpCase("floor-times-x", lambda L, a: a.floor() * a, S))
add(OpCase("ceil-plus-square", lambda L, a: a.ceil() + a * a, S))
add(OpCase("trunc-times-x", lambda L, a: L.trunc(a * 3.0) * a, S))
add(OpCase("sign-times-x", lambda L, a: a.sign() * a.exp(), S, ("nonzero",)))
add(OpCase("round-times-x", lambda L, a: L.round(a * 2.0) * a, S))
add(OpCase("round-decimals2", lambda L, a: a.round(decimals=2) + a.sin(), S))
add(OpCase("round-decimals-neg1", lambda L, a: L.round(a * 100.0, decimals=-1) * a, S))
add(OpCase("frac-times-x", lambda L, a: (a * 3.0).frac() * a, S, ("nonzero",)))
add(OpCase("erf-wide", lambda L, a: (a * 3.0).erf(), S))
add(OpCase("erfc-tail", lambda L, a: (a * 2.0 + 3.0).erfc(), S, ("pos",)))
add(OpCase("log1p-tiny", lambda L, a: (a * 1e-6).log1p(), S))
add(OpCase("expm1-tiny", lambda L, a: (a * 1e-6).expm1() * 1e6, S))

# ----- two tensors, broadcast -------------------------------------------------------
_BINARY = {
    "atan2": (lambda L, a, b: L.atan2(a, b), ("normal", "normal")),
    "remainder": (lambda L, a, b: L.remainder(a, b), ("normal", "nonzero")),
    "fmod": (lambda L, a, b: L.fmod(a, b), ("normal", "nonzero")),
    "hypot": (lambda L, a, b: L.hypot(a, b), ("nonzero", "nonzero")),
    "logaddexp": (lambda L, a, b: L.logaddexp(a, b), ("normal", "normal")),
}
for _op, (_fn, _doms) in _BINARY.items():
    for _sa, _sb in BROADCAST_SHAPES[:4]:
        add(OpCase(f"{_op}-{shape_id(_sa)}-{shape_id(_sb)}", _fn, (_sa, _sb), _doms))
add(OpCase("atan2-method", lambda L, a, b: a.atan2(b), ((4, 1), (1, 3))))
add(OpCase("arctan2", lambda L, a, b: L.arctan2(a, b), ((2, 3), (2, 3))))
add(OpCase("arctan2-method", lambda L, a, b: a.arctan2(b), ((2, 3), (3,))))
add(OpCase("hypot-method", lambda L, a, b: a.hypot(b), ((2, 3), (3,)), ("normal", "pos")))
add(OpCase("logaddexp-method", lambda L, a, b: a.logaddexp(b * 30.0), ((2, 3), (2, 1))))
add(OpCase("remainder-method", lambda L, a, b: a.remainder(b), ((2, 3), (3,)),
           ("normal", "nonzero")))
add(OpCase("fmod-method", lambda L, a, b: a.fmod(b), ((2, 3), (2, 1)), ("normal", "nonzero")))
add(OpCase("mod-operator", lambda L, a, b: (a * 3.0) % b, ((3, 4), (4,)), ("normal", "nonzero")))
add(OpCase("mod-scalar", lambda L, a: (a * 3.0) % 1.5, S))
# torch has no derivative for remainder(number, tensor) (backward raises); values only
# here, the gradient (that of a tensor first argument) is checked in
# test_elementwise_breadth.py.
add(OpCase("rmod-scalar", lambda L, a: 2.5 % a, S, ("nonzero",), differentiable=False))
add(OpCase("remainder-scalar_first", lambda L, a: L.remainder(-2.5, a), S, ("nonzero",),
           differentiable=False))
add(OpCase("remainder-scalar", lambda L, a: L.remainder(a * 3.0, -0.7), S))
add(OpCase("fmod-scalar", lambda L, a: (a * 3.0).fmod(-1.3), S))

# lerp: scalar weights on each side of 0.5 (PyTorch switches formulas there), tensor
# weights in [-0.9, 0.9] that cross it, and all three arguments broadcast.
add(OpCase("lerp-scalar_weight", lambda L, a, b: L.lerp(a, b, 0.3), ((3, 4), (3, 4))))
add(OpCase("lerp-scalar_weight_high", lambda L, a, b: a.lerp(b, 0.75), ((3, 4), (4,))))
add(OpCase("lerp-int_weight", lambda L, a, b: a.lerp(b, 1), ((3, 4), (3, 4))))
add(OpCase("lerp-tensor_weight", lambda L, a, b, w: L.lerp(a, b, w),
           ((3, 4), (3, 4), (3, 4)), ("normal", "normal", "unit")))
add(OpCase("lerp-broadcast3", lambda L, a, b, w: L.lerp(a, b, w),
           ((3, 1), (4,), (2, 1, 1)), ("normal", "normal", "unit")))
add(OpCase("lerp-0d_weight", lambda L, a, b, w: a.lerp(b, w), ((3, 4), (3, 4), ()),
           ("normal", "normal", "unit")))

# ----- einsum -------------------------------------------------------------------------
_EINSUM = [
    ("matmul", "ij,jk->ik", ((2, 3), (3, 4))),
    ("batched", "bij,bjk->bik", ((5, 2, 3), (5, 3, 4))),
    ("implicit", "ij,jk", ((2, 3), (3, 4))),
    ("implicit_transpose", "ba", ((2, 3),)),
    ("transpose", "ij->ji", ((2, 3),)),
    ("sum_all", "ij->", ((2, 3),)),
    ("row_sum", "ij->i", ((2, 3),)),
    ("dot", "i,i->", ((4,), (4,))),
    ("outer", "i,j->ij", ((3,), (4,))),
    ("hadamard", "ij,ij->ij", ((2, 3), (2, 3))),
    ("diagonal", "ii->i", ((3, 3),)),
    ("trace", "ii", ((3, 3),)),
    ("batch_diagonal", "bii->bi", ((2, 3, 3),)),
    ("repeated_twice", "iij->j", ((3, 3, 2),)),
    ("diag_times_vector", "ii,i->i", ((3, 3), (3,))),
    ("summed_alone", "ij,k->ik", ((2, 3), (4,))),
    ("three", "ij,jk,kl->il", ((2, 3), (3, 4), (4, 2))),
    ("bilinear", "bn,anm,bm->ba", ((2, 3), (4, 3, 5), (2, 5))),
    ("ellipsis", "...ij,...jk->...ik", ((5, 2, 3), (1, 3, 4))),
    ("ellipsis_implicit", "...ij,...jk", ((5, 2, 3), (3, 4))),
    ("ellipsis_middle", "i...j->ji", ((2, 5, 3),)),
    ("size1_broadcast", "ij,ij->ij", ((2, 1), (2, 3))),
    ("size1_contracted", "ij,jk->ik", ((2, 1), (3, 4))),
    ("attention_scores", "bhqd,bhkd->bhqk", ((2, 2, 3, 4), (2, 2, 5, 4))),
    ("upper_case", "iJ,Jk->ik", ((2, 3), (3, 4))),
]
for _name, _eq, _shapes in _EINSUM:
    add(OpCase(f"einsum-{_name}", lambda L, *xs, eq=_eq: L.einsum(eq, *xs), _shapes))
add(OpCase("einsum-operand_list", lambda L, a, b: L.einsum("ij,jk->ik", [a, b]),
           ((2, 3), (3, 4))))
add(OpCase("einsum-sublists", lambda L, a, b: L.einsum(a, [0, 1], b, [1, 2], [0, 2]),
           ((2, 3), (3, 4))))
add(OpCase("einsum-sublists_implicit", lambda L, a, b: L.einsum(a, [1, 0], b, [0, 2]),
           ((3, 2), (2, 4))))
add(OpCase("einsum-same_operand_twice", lambda L, a: L.einsum("ij,kj->ik", a, a), ((3, 4),)))

# ----- matrix products ----------------------------------------------------------------
add(OpCase("mm", lambda L, a, b: L.mm(a, b), ((2, 3), (3, 4))))
add(OpCase("mm-method-transposed", lambda L, a, b: a.mm(b.t()), ((2, 3), (4, 3))))
add(OpCase("bmm", lambda L, a, b: L.bmm(a, b), ((5, 2, 3), (5, 3, 4))))
add(OpCase("bmm-method", lambda L, a, b: a.bmm(b), ((2, 4, 3), (2, 3, 1))))
add(OpCase("mv", lambda L, a, v: L.mv(a, v), ((2, 3), (3,))))
add(OpCase("mv-method", lambda L, a, v: a.mv(v), ((4, 3), (3,))))
add(OpCase("dot", lambda L, a, b: L.dot(a, b), ((5,), (5,))))
add(OpCase("dot-method", lambda L, a, b: a.dot(b), ((3,), (3,))))
add(OpCase("outer", lambda L, a, b: L.outer(a, b), ((3,), (4,))))
add(OpCase("outer-method", lambda L, a, b: a.outer(b), ((2,), (5,))))
add(OpCase("ger", lambda L, a, b: L.ger(a, b), ((3,), (4,))))
add(OpCase("baddbmm", lambda L, c, a, b: L.baddbmm(c, a, b),
           ((5, 2, 4), (5, 2, 3), (5, 3, 4))))
add(OpCase("baddbmm-broadcast-beta-alpha",
           lambda L, c, a, b: L.baddbmm(c, a, b, beta=0.5, alpha=-2.0),
           ((4,), (5, 2, 3), (5, 3, 4))))
add(OpCase("baddbmm-beta0", lambda L, c, a, b: L.baddbmm(c, a, b, beta=0),
           ((1, 2, 4), (5, 2, 3), (5, 3, 4))))
add(OpCase("baddbmm-method", lambda L, c, a, b: c.baddbmm(a, b, alpha=3),
           ((2, 1), (3, 2, 4), (3, 4, 1))))
