"""The elementwise functions and products of issue 15 beyond the parity rows: integer,
bool and half inputs, values outside each op's domain, the rounding and modulo rules,
the ``new_*`` factories, and the errors (type and first line of the message as
torch 2.13's). The differentiable cases are rows in tests/cases_elementwise.py.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from _helpers import assert_close

import autograd_core as ac

INT_DTYPES = ["int64", "int32", "int16", "uint8", "bool"]

FLOAT_UNARY = ["erf", "erfc", "sinh", "cosh", "asin", "acos", "atan", "log2", "log10",
               "log1p", "expm1", "exp2", "rsqrt", "reciprocal", "arcsin", "arccos",
               "arctan"]


def _pair(values, dtype):
    arr = np.asarray(values).astype(dtype)
    return ac.tensor(arr), torch.tensor(arr)


def _both(fn, *arrays):
    """fn run on autograd_core and on torch tensors made from the same arrays."""
    ours = fn(ac, *[ac.tensor(a) for a in arrays])
    theirs = fn(torch, *[torch.tensor(a) for a in arrays])
    return ours, theirs


def _error(fn, L):
    try:
        fn(L)
    except Exception as e:  # noqa: BLE001 - the exception itself is what is compared
        return type(e), str(e).split("\n")[0]
    return None


def assert_same_error(fn):
    """fn(L) raises in both libraries: the same exception type and first line."""
    ours, theirs = _error(fn, ac), _error(fn, torch)
    assert theirs is not None, "torch does not raise here: the case is wrong"
    assert ours is not None, f"no error; torch raises {theirs}"
    assert ours[0] is theirs[0], f"{ours} != torch {theirs}"
    assert ours[1] == theirs[1], f"\n ours:  {ours[1]}\n torch: {theirs[1]}"


@pytest.fixture(autouse=True)
def _no_numpy_warnings():
    # NaN and inf for values outside a domain come silently, as from torch.
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        yield


# ----- dtypes ---------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", INT_DTYPES)
@pytest.mark.parametrize("name", FLOAT_UNARY)
def test_integer_and_bool_inputs_give_the_default_float(name, dtype):
    a, t = _pair([0, 1, 2, 5], dtype)
    assert_close(getattr(ac, name)(a), getattr(torch, name)(t))
    assert_close(getattr(a, name)(), getattr(t, name)())


def test_integer_inputs_follow_the_default_dtype():
    a = ac.tensor([1, 2])
    ac.set_default_dtype(ac.float64)
    try:
        assert ac.sinh(a).dtype == ac.float64
        assert ac.atan2(a, a).dtype == ac.float64
    finally:
        ac.set_default_dtype(ac.float32)
    assert ac.sinh(a).dtype == ac.float32


@pytest.mark.parametrize("name", FLOAT_UNARY + ["floor", "round", "sign", "frac", "square"])
def test_half_precision_keeps_its_dtype(name):
    a, t = _pair([0.25, 0.5, 0.75], np.float16)
    assert_close(getattr(ac, name)(a), getattr(torch, name)(t),
                 tol={"rtol": 2e-3, "atol": 1e-3})


@pytest.mark.parametrize("name", FLOAT_UNARY + ["floor", "round", "sign", "frac", "square"])
def test_bfloat16_keeps_its_dtype(name):
    ml_dtypes = pytest.importorskip("ml_dtypes")
    x = np.array([0.25, 0.5, 0.75, 1.5], dtype=np.float32)
    ours = getattr(ac, name)(ac.tensor(x.astype(ml_dtypes.bfloat16)))
    theirs = getattr(torch, name)(torch.tensor(x).to(torch.bfloat16))
    assert ours.dtype == ac.bfloat16
    np.testing.assert_allclose(ours.numpy().astype(np.float32), theirs.float().numpy(),
                               rtol=1e-2, atol=1e-2)


@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8"])
@pytest.mark.parametrize("name", ["floor", "ceil", "round", "trunc", "fix", "sign", "sgn",
                                  "square"])
def test_integer_rounding_and_sign_keep_the_dtype(name, dtype):
    a, t = _pair([0, 3, 7, 250] if dtype == "uint8" else [-7, 0, 3, -1], dtype)
    ours, theirs = getattr(ac, name)(a), getattr(torch, name)(t)
    assert_close(ours, theirs)
    assert ours._data is not a._data and not np.shares_memory(ours._data, a._data)


@pytest.mark.parametrize("name", ["sign", "sgn", "square"])
def test_bool_sign_and_square(name):
    a, t = _pair([True, False], bool)
    assert_close(getattr(ac, name)(a), getattr(torch, name)(t))


@pytest.mark.parametrize("name", ["floor", "ceil", "trunc", "round", "frac"])
def test_unsupported_dtypes_raise_as_torch(name):
    assert_same_error(lambda L: getattr(L, name)(L.tensor([True, False])))
    if name == "frac":
        assert_same_error(lambda L: L.frac(L.tensor([1, 2])))


# ----- values outside the domain, special values ----------------------------------------


_SPECIAL = [-np.inf, -3.0, -1.5, -1.0, -0.5, -0.0, 0.0, 1e-30, 0.5, 1.0, 1.5, 3.0, 30.0,
            800.0, np.inf, np.nan]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", FLOAT_UNARY + ["floor", "ceil", "round", "trunc", "frac",
                                                "sign", "sgn", "square"])
def test_special_values_as_torch(name, dtype):
    a, t = _pair(_SPECIAL, dtype)
    assert_close(getattr(ac, name)(a), getattr(torch, name)(t))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_erf_and_erfc_far_out(dtype):
    # erfc keeps its relative accuracy where 1 - erf(x) would round to 0.
    x = np.array([-6.0, -2.0, 0.1, 2.0, 5.0, 9.0, 12.0, 26.0], dtype=dtype)
    for name in ("erf", "erfc"):
        ours, theirs = _both(lambda L, a, name=name: getattr(L, name)(a), x)
        assert_close(ours, theirs)
        pos = to_np(theirs) > 0
        np.testing.assert_allclose(ours._data[pos], to_np(theirs)[pos],
                                   rtol=1e-5 if dtype == np.float32 else 1e-13)


def to_np(t):
    return t.detach().numpy()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_binary_special_values_as_torch(dtype):
    v = np.array([-np.inf, -2.0, -0.0, 0.0, 1.0, np.inf, np.nan], dtype=dtype)
    a, b = np.meshgrid(v, v)
    for name in ("atan2", "hypot", "logaddexp", "remainder", "fmod"):
        ours, theirs = _both(lambda L, x, y, name=name: getattr(L, name)(x, y), a, b)
        assert_close(ours, theirs)


def test_gradients_at_the_edges_of_the_domain_as_torch():
    # asin/acos at +-1 (infinite slope), outside (NaN); log2/rsqrt at 0; hypot at 0.
    x = np.array([-1.5, -1.0, 0.0, 1.0, 1.5])
    for fn in (lambda L, a: L.asin(a), lambda L, a: L.acos(a), lambda L, a: L.log2(a),
               lambda L, a: L.rsqrt(a), lambda L, a: L.hypot(a, a * 0.0)):
        a, t = ac.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        fn(ac, a).sum().backward()
        fn(torch, t).sum().backward()
        assert_close(a.grad, t.grad)


def test_sign_of_nan_is_zero_and_rounding_gradients_are_zero():
    x = np.array([np.nan, -np.inf, -0.0, 2.5, -2.5])
    a, t = ac.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ours = ac.sign(a) + ac.floor(a) + ac.round(a, decimals=1) + a.ceil() + a.trunc()
    theirs = torch.sign(t) + torch.floor(t) + torch.round(t, decimals=1) + t.ceil() + t.trunc()
    assert_close(ours, theirs)
    assert ours.requires_grad and ours.grad_fn is not None
    ours.sum().backward()
    theirs.sum().backward()
    assert_close(a.grad, t.grad)


# ----- round ------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("decimals", [-3, -1, 0, 1, 2, 5])
def test_round_decimals_as_torch(decimals, dtype):
    rng = np.random.default_rng(decimals + 10)
    x = np.concatenate([rng.standard_normal(50) * 10.0 ** rng.integers(-2, 5, 50),
                        [0.5, 1.5, 2.5, -0.5, -2.5, 0.125, 0.375, 1250.0, 35.0, 3.3e38]])
    a, t = _pair(x, dtype)
    assert_close(ac.round(a, decimals=decimals), torch.round(t, decimals=decimals))
    assert_close(a.round(decimals=decimals), t.round(decimals=decimals))


def test_round_decimals_on_integers_and_non_ints_refused():
    assert_same_error(lambda L: L.round(L.tensor([12, 25]), decimals=-1))
    with pytest.raises(TypeError, match="decimals"):
        ac.round(ac.tensor([1.5]), decimals=1.5)


# ----- remainder and fmod -----------------------------------------------------------


_INT_A = np.array([-7, -6, -1, 0, 1, 5, 7])
_INT_B = np.array([3, -3, 2, -2, 4, -5, 1])


@pytest.mark.parametrize("name", ["remainder", "fmod"])
@pytest.mark.parametrize("dtype", ["int64", "int32", "int8"])
def test_integer_modulo_as_torch(name, dtype):
    ours, theirs = _both(lambda L, x, y: getattr(L, name)(x, y), _INT_A.astype(dtype),
                         _INT_B.astype(dtype))
    assert_close(ours, theirs)
    for other in (3, -4, 2.5):
        ours, theirs = _both(lambda L, x, o=other: getattr(L, name)(x, o), _INT_A.astype(dtype))
        assert_close(ours, theirs)


def test_modulo_promotion_and_operators_as_torch():
    cases = [
        lambda L, i, f: i % 2.5,
        lambda L, i, f: 7 % i[i != 0],
        lambda L, i, f: -7.5 % f,
        lambda L, i, f: f[:3] % i[i != 0],
        lambda L, i, f: L.remainder(i, i.int()[i != 0][:1]),
        lambda L, i, f: L.fmod(f.double(), f),
        lambda L, i, f: i.remainder(-3),
        lambda L, i, f: f.fmod(i[i != 0][:1]),
        lambda L, i, f: L.remainder(i.to(L.uint8) if L is torch else i.to(ac.uint8), 3),
    ]
    f = np.array([-2.5, 1.5, 0.25, 3.0], dtype=np.float32)
    i = np.array([-3, 0, 5, 2])
    for fn in cases:
        ours, theirs = _both(fn, i, f)
        assert_close(ours, theirs)


def test_modulo_wraps_python_ints_into_the_dtype_as_torch():
    for dtype, other in (("int8", 300), ("int8", -200), ("uint8", -3), ("int16", 70000)):
        for name in ("remainder", "fmod"):
            ours, theirs = _both(lambda L, x, name=name, o=other: getattr(L, name)(x, o),
                                 np.array([5, -7, 100, 0]).astype(dtype))
            assert_close(ours, theirs)
    assert_same_error(lambda L: L.tensor([5], dtype=L.uint8) % 256)


def test_modulo_errors_as_torch():
    ints = lambda L: L.tensor([1, -2, 3])  # noqa: E731
    assert_same_error(lambda L: L.remainder(ints(L), 0))
    assert_same_error(lambda L: L.remainder(ints(L), L.tensor([1, 0, 1])))
    assert_same_error(lambda L: L.fmod(ints(L), 0))
    assert_same_error(lambda L: ints(L) % 0)
    assert_same_error(lambda L: L.remainder(L.tensor([True]), L.tensor([True])))
    assert_same_error(lambda L: L.fmod(L.tensor([True]), L.tensor([True])))
    assert_same_error(lambda L: L.fmod(2, L.tensor([1.0])))
    # Floats: a zero divisor gives NaN, as in torch.
    ours, theirs = _both(lambda L, x: L.remainder(x, 0.0), np.array([1.0, -1.0, 0.0]))
    assert_close(ours, theirs)


def test_remainder_gradient_with_a_number_first():
    # torch has no derivative for remainder(number, tensor); ours is the one it has for
    # remainder(tensor, tensor): -floor(a / b) for b.
    b = np.array([0.7, -1.3, 2.0, -0.4])
    x = ac.tensor(b, requires_grad=True)
    (2.5 % x).sum().backward()
    t = torch.tensor(b, requires_grad=True)
    torch.remainder(torch.full_like(t, 2.5), t).sum().backward()
    assert_close(x.grad, t.grad)
    assert ac.gradcheck(lambda v: ac.remainder(-2.5, v), [ac.tensor(b, requires_grad=True)])


# ----- binary functions: argument rules ---------------------------------------------------


@pytest.mark.parametrize("name", ["atan2", "arctan2", "hypot", "logaddexp"])
def test_binary_functions_take_tensors_only(name):
    assert_same_error(lambda L: getattr(L, name)(L.tensor([1.0]), 2.0))
    assert_same_error(lambda L: getattr(L, name)(2, L.tensor([1.0])))


def test_binary_functions_promote_as_torch():
    i = np.array([3, -2, 0])
    f = np.array([0.5, -1.5, 2.0], dtype=np.float32)
    for fn in (lambda L, a, b: L.atan2(a, b), lambda L, a, b: L.atan2(a, a),
               lambda L, a, b: L.hypot(b, b.double()), lambda L, a, b: L.logaddexp(a, b),
               lambda L, a, b: L.atan2(a.bool(), a)):
        ours, theirs = _both(fn, i, f)
        assert_close(ours, theirs)
    assert_same_error(lambda L: L.hypot(L.tensor([1, 2]), L.tensor([1, 2])))
    assert_same_error(lambda L: L.logaddexp(L.tensor([1, 2]), L.tensor([1, 2])))


def test_lerp_argument_rules_as_torch():
    f = lambda L, *s: L.ones(*s)  # noqa: E731
    assert_same_error(lambda L: L.lerp(f(L, 3), f(L, 3).double(), 0.5))
    assert_same_error(lambda L: L.lerp(f(L, 3), f(L, 3), f(L, 3).double()))
    assert_same_error(lambda L: L.lerp(f(L, 3).long(), f(L, 3).long(), 0.5))
    assert_same_error(lambda L: L.lerp(f(L, 3).long(), f(L, 3).long(), f(L, 3).long()))
    assert_same_error(lambda L: L.lerp(f(L, 3), 3.0, 0.5))
    with pytest.raises(RuntimeError, match="size of tensor"):
        ac.lerp(ac.ones(3), ac.ones(4), 0.5)
    # A 0-d weight of another dtype is taken as a number, as in torch.
    ours, theirs = _both(lambda L, a, b, w: L.lerp(a, b, w), np.float32([1.0, 2.0]),
                         np.float32([3.0, -4.0]), np.float64(0.25))
    assert_close(ours, theirs)


def test_lerp_is_exact_at_the_ends():
    rng = np.random.default_rng(3)
    s, e = rng.standard_normal(100), rng.standard_normal(100) * 1e8
    a, b = ac.tensor(s), ac.tensor(e)
    np.testing.assert_array_equal(ac.lerp(a, b, 0.0)._data, s)
    np.testing.assert_array_equal(ac.lerp(a, b, 1.0)._data, e)


# ----- einsum --------------------------------------------------------------------------


def test_einsum_errors_as_torch():
    f = lambda L, *s: L.ones(*s)  # noqa: E731
    for fn in [
        lambda L: L.einsum("ij,jk->ik", f(L, 2, 3)),
        lambda L: L.einsum("ij->ij", f(L, 2, 3), f(L, 2, 3)),
        lambda L: L.einsum("ij,jk->ik", f(L, 2, 3), f(L, 2, 3)),
        lambda L: L.einsum("ij,jk->ik", f(L, 2, 3), f(L, 3, 4).double()),
        lambda L: L.einsum("ij,jk->ik", f(L, 2, 3).long(), f(L, 3, 4)),
        lambda L: L.einsum("ijk,jk->ik", f(L, 2, 3), f(L, 3, 4)),
        lambda L: L.einsum("ij,jk->iz", f(L, 2, 3), f(L, 3, 4)),
        lambda L: L.einsum("ij,jk->ii", f(L, 2, 3), f(L, 3, 4)),
        lambda L: L.einsum("i1,j->ij", f(L, 2, 3), f(L, 4)),
        lambda L: L.einsum("i->i->i", f(L, 3)),
        lambda L: L.einsum("...ij", f(L, 3)),
        lambda L: L.einsum("ij", f(L, 3)),
        lambda L: L.einsum("ii", f(L, 2, 3)),
        lambda L: L.einsum("i.j", f(L, 2, 3)),
        lambda L: L.einsum("...i...", f(L, 2, 3)),
        lambda L: L.einsum("...ij->..", f(L, 2, 3)),
        lambda L: L.einsum(),
        lambda L: L.einsum("i", [1, 2]),
        lambda L: L.einsum(f(L, 2), [60]),
    ]:
        assert_same_error(fn)
    # torch words this one "operand 1has size 4"; ours has the space.
    with pytest.raises(RuntimeError, match="covered by ellipsis in operand 1 has size 4"):
        ac.einsum("...i,...i", ac.ones(2, 3), ac.ones(4, 3))


@pytest.mark.parametrize("dtype", ["int64", "int32", "float16"])
def test_einsum_other_dtypes_as_torch(dtype):
    rng = np.random.default_rng(0)
    a = rng.integers(-3, 4, (2, 3)).astype(dtype)
    b = rng.integers(-3, 4, (3, 4)).astype(dtype)
    for eq in ("ij,jk->ik", "ij->j", "ij,ij->", "ij->", "ij->ji"):
        ops = (0, 1) if "jk" in eq else (0, 0) if "," in eq else (0,)
        ours, theirs = _both(lambda L, x, y, eq=eq, ops=ops: L.einsum(
            eq, *[(x, y)[k] for k in ops]), a, b)
        assert_close(ours, theirs, tol={"rtol": 1e-3, "atol": 1e-3})
    # torch names the kernel its contraction reached ("bmm" here); ours names einsum.
    with pytest.raises(NotImplementedError, match="not implemented for 'Bool'"):
        ac.einsum("ij,jk", ac.ones(2, 2).bool(), ac.ones(2, 2).bool())


def test_einsum_output_owns_its_memory():
    a = ac.tensor(np.arange(9.0).reshape(3, 3))
    for eq in ("ij->ji", "ij->ij", "ii->i"):
        out = ac.einsum(eq, a)
        assert not np.shares_memory(out._data, a._data)
        out._data[...] = -1.0
        np.testing.assert_array_equal(a._data, np.arange(9.0).reshape(3, 3))


def test_einsum_third_order_through_a_diagonal():
    # d^3/dx^3 of sum_i x_ii^3 = 6 on each diagonal element (the ones vector and the
    # identity of the gradient's einsum are themselves differentiated through).
    x = ac.tensor(np.diag([1.0, 2.0, 3.0]) + 0.5, requires_grad=True)
    y = ac.einsum("ii,ii,ii->", x, x, x)
    (g1,) = ac.grad(y, [x], create_graph=True)
    (g2,) = ac.grad(g1.sum(), [x], create_graph=True)
    (g3,) = ac.grad(g2.sum(), [x])
    np.testing.assert_allclose(g3._data, 6.0 * np.eye(3))
    np.testing.assert_allclose(g1._data, np.diag(3 * (np.diag(x._data)) ** 2))


def test_einsum_matches_matmul_on_a_larger_problem():
    rng = np.random.default_rng(1)
    q, k = rng.standard_normal((2, 4, 16, 8)), rng.standard_normal((2, 4, 16, 8))
    ours, theirs = _both(lambda L, a, b: L.einsum("bhqd,bhkd->bhqk", a, b), q, k)
    assert_close(ours, theirs)


# ----- products: argument rules --------------------------------------------------------


def test_product_errors_as_torch():
    f = lambda L, *s: L.ones(*s)  # noqa: E731
    for fn in [
        lambda L: L.mm(f(L, 3), f(L, 3, 4)),
        lambda L: L.mm(f(L, 2, 3), f(L, 3)),
        lambda L: L.mm(f(L, 2, 3), f(L, 2, 3)),
        lambda L: L.mm(f(L, 2, 3), f(L, 3, 4).double()),
        lambda L: L.mm(f(L, 2, 2), [1]),
        lambda L: L.mm(f(L, 2, 2).bool(), f(L, 2, 2).bool()),
        lambda L: L.mv(f(L, 2, 3), f(L, 4)),
        lambda L: L.mv(f(L, 3), f(L, 3)),
        lambda L: L.mv(f(L, 2, 3), f(L, 3).double()),
        lambda L: L.dot(f(L, 2, 3), f(L, 3)),
        lambda L: L.dot(f(L, 3), f(L, 4)),
        lambda L: L.dot(f(L, 3), f(L, 3).double()),
        lambda L: L.dot(f(L, 3).bool(), f(L, 3).bool()),
        lambda L: L.outer(f(L, 2, 2), f(L, 2)),
        lambda L: L.outer(f(L, 2), f(L, 2, 2)),
        lambda L: L.bmm(f(L, 2, 3), f(L, 3, 4)),
        lambda L: L.bmm(f(L, 5, 2, 3), f(L, 3, 4)),
        lambda L: L.bmm(f(L, 5, 2, 3), f(L, 4, 3, 4)),
        lambda L: L.bmm(f(L, 5, 2, 3), f(L, 5, 2, 3)),
        lambda L: L.bmm(f(L, 5, 2, 3), f(L, 5, 3, 4).double()),
        lambda L: L.bmm(f(L, 1, 2, 2).bool(), f(L, 1, 2, 2).bool()),
        lambda L: L.baddbmm(f(L, 3), f(L, 5, 2, 3), f(L, 5, 3, 4)),
        lambda L: L.baddbmm(f(L, 1, 5, 2, 4), f(L, 5, 2, 3), f(L, 5, 3, 4)),
        lambda L: L.baddbmm(f(L, 5, 2, 4).double(), f(L, 5, 2, 3), f(L, 5, 3, 4)),
        lambda L: L.baddbmm(f(L, 5, 2, 4).long(), f(L, 5, 2, 3), f(L, 5, 3, 4)),
    ]:
        assert_same_error(fn)


def test_products_of_integers_and_promotion_in_outer():
    i = np.array([[1, -2, 3], [0, 4, 5]])
    v = np.array([2, -1, 3])
    for fn in (lambda L, a, b: L.mm(a, a.t()), lambda L, a, b: L.mv(a, b),
               lambda L, a, b: L.dot(b, b), lambda L, a, b: L.bmm(a[None], a.t()[None]),
               lambda L, a, b: L.outer(b, b.float()), lambda L, a, b: L.outer(b, b.double()),
               lambda L, a, b: L.ger(b.bool(), b.bool())):
        ours, theirs = _both(fn, i, v)
        assert_close(ours, theirs)


def test_baddbmm_with_beta_zero_ignores_nan_and_gives_a_zero_gradient():
    rng = np.random.default_rng(2)
    c = np.full((3, 2, 4), np.nan)
    a, b = rng.standard_normal((3, 2, 5)), rng.standard_normal((3, 5, 4))
    ours_c, theirs_c = ac.tensor(c, requires_grad=True), torch.tensor(c, requires_grad=True)
    ours = ac.baddbmm(ours_c, ac.tensor(a), ac.tensor(b), beta=0, alpha=0.5)
    theirs = torch.baddbmm(theirs_c, torch.tensor(a), torch.tensor(b), beta=0, alpha=0.5)
    assert_close(ours, theirs)
    ours.sum().backward()
    theirs.sum().backward()
    assert_close(ours_c.grad, theirs_c.grad)


# ----- new tensors like this one, numel ----------------------------------------------


def _same_new(fn):
    x = np.array([[1.0, 2.0]], dtype=np.float64)
    i = np.array([3, 4])
    ours, theirs = fn(ac, ac.tensor(x), ac.tensor(i)), fn(torch, torch.tensor(x),
                                                         torch.tensor(i))
    assert_close(ours, theirs)
    assert ours.requires_grad == theirs.requires_grad
    assert ours.is_leaf


@pytest.mark.parametrize("fn", [
    lambda L, x, i: x.new_zeros(2),
    lambda L, x, i: x.new_zeros((2, 1)),
    lambda L, x, i: x.new_zeros(2, 3, dtype=L.int32),
    lambda L, x, i: x.new_zeros(2, requires_grad=True),
    lambda L, x, i: i.new_ones(3),
    lambda L, x, i: x.new_ones((1, 2), dtype=L.float32),
    lambda L, x, i: i.new_full((2,), 2.7),
    lambda L, x, i: x.new_full([2, 2], 3),
    lambda L, x, i: x.new_full((2,), True, dtype=L.bool),
    lambda L, x, i: x.new_empty(2, 3).zero_(),
    lambda L, x, i: x.new_tensor([1, 2]),
    lambda L, x, i: i.new_tensor([1.5, 2.0, -2.5]),
    lambda L, x, i: x.new_tensor([1.0, 2.0], requires_grad=True),
    lambda L, x, i: x.new_tensor([1.7, 2.0], dtype=L.int64),
    lambda L, x, i: i.type_as(x),
    lambda L, x, i: x.type_as(i),
    lambda L, x, i: x.type_as(x),
], ids=lambda f: f.__code__.co_firstlineno)
def test_new_factories_as_torch(fn):
    _same_new(fn)


def test_new_tensor_copies_and_detaches():
    x = ac.tensor([1.0, 2.0], requires_grad=True)
    src = ac.tensor([5.0, 6.0])
    y = x.new_tensor(src)
    y._data[0] = -1.0
    assert src._data[0] == 5.0 and not y.requires_grad and y.dtype == x.dtype


def test_type_as_is_differentiable():
    x = ac.tensor([1.0, 2.0], requires_grad=True)
    y = x.type_as(ac.tensor([0.0], dtype=ac.float64))
    assert y.dtype == ac.float64
    (y * y).sum().backward()
    np.testing.assert_allclose(x.grad._data, [2.0, 4.0])
    assert x.grad.dtype == ac.float32


def test_new_factory_errors():
    assert_same_error(lambda L: L.ones(2).new_full(2, 3.0))
    with pytest.raises(RuntimeError, match="Only Tensors of floating point"):
        ac.ones(2).new_zeros(2, requires_grad=True, dtype=ac.int64)
    with pytest.raises(RuntimeError, match="CPU"):
        ac.ones(2).new_zeros(2, device="cuda")


def test_numel_and_nelement():
    x = ac.ones(2, 3, 4)
    assert ac.numel(x) == x.numel() == x.nelement() == 24
    assert ac.numel(ac.tensor(3.0)) == 1 == torch.numel(torch.tensor(3.0))
    assert ac.numel(ac.ones(0, 5)) == 0
    assert_same_error(lambda L: L.numel([1, 2]))
