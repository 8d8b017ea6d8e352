"""The Tensor API against PyTorch 2.13: construction and dtypes, factories, repr,
conversions, comparisons, reflected operators, type promotion, and error messages.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from _helpers import assert_close, pair

import autograd_core as ac
from autograd_core import Function, Tensor


def np_dtype(t: torch.Tensor) -> np.dtype:
    """torch's dtype as the NumPy dtype autograd_core uses."""
    return torch.empty(0, dtype=t.dtype).numpy().dtype


# ----- construction and dtypes ----------------------------------------------------------

CONSTRUCT = {
    "python_float": 1.5,
    "python_int": 3,
    "python_bool": True,
    "float_list": [1.0, 2.5],
    "int_list": [[1, 2], [3, 4]],
    "mixed_list": [1, 2.5],
    "bool_list": [True, False],
    "empty_list": [],
    "ndarray_float64": np.array([1.0, 2.0]),
    "ndarray_float32": np.array([1.0, 2.0], dtype=np.float32),
    "ndarray_int32": np.array([1, 2], dtype=np.int32),
    "ndarray_int64": np.array([1, 2], dtype=np.int64),
    "ndarray_bool": np.array([True, False]),
    "numpy_float64_scalar": np.float64(2.5),
}


@pytest.mark.parametrize("name", list(CONSTRUCT))
def test_constructor_dtype_like_torch(name):
    data = CONSTRUCT[name]
    ours, theirs = ac.tensor(data), torch.tensor(data)
    assert ours.dtype == np_dtype(theirs)
    assert ours.shape == tuple(theirs.shape)
    np.testing.assert_array_equal(ours._data, theirs.numpy())
    assert Tensor(data).dtype == ours.dtype


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "int32", "bool"])
def test_constructor_dtype_argument(dtype):
    ours = ac.tensor([1, 0, 2], dtype=getattr(ac, dtype if dtype != "bool" else "bool_"))
    theirs = torch.tensor([1, 0, 2], dtype=getattr(torch, dtype))
    assert_close(ours, theirs)


def test_explicit_float64_keeps_python_float_precision():
    assert ac.tensor(0.1, dtype=ac.float64).item() == torch.tensor(0.1, dtype=torch.float64).item()
    assert ac.tensor([0.1, 1 / 3], dtype=ac.float64).tolist() == [0.1, 1 / 3]


def test_constructor_copies_its_data():
    arr = np.array([1.0, 2.0])
    t = ac.tensor(arr)
    arr[0] = 100.0
    assert t._data[0] == 1.0
    u = ac.tensor(t)
    t._data[1] = 50.0
    assert u._data[1] == 2.0


@pytest.mark.parametrize(
    "make",
    [
        lambda: ac.tensor([1, 2], requires_grad=True),
        lambda: ac.tensor([True, False], requires_grad=True),
        lambda: Tensor(np.arange(3), requires_grad=True),
        lambda: ac.zeros(3, dtype=ac.int64, requires_grad=True),
        lambda: ac.tensor([1, 2]).requires_grad_(),
    ],
    ids=["int_list", "bool_list", "Tensor_int_array", "zeros_int64", "requires_grad_"],
)
def test_int_and_bool_cannot_require_grad(make):
    with pytest.raises(RuntimeError, match="floating point") as err:
        make()
    assert "int64" in str(err.value) or "bool" in str(err.value)


def test_float_tensors_can_require_grad():
    assert ac.tensor([1.0], requires_grad=True).requires_grad
    assert ac.tensor(np.ones(2), requires_grad=True).dtype == np.float64
    t = ac.tensor([1.0, 2.0]).requires_grad_()
    assert t.requires_grad and t.is_leaf


# ----- factories ------------------------------------------------------------------------

FACTORIES = {
    "zeros": lambda L: L.zeros(2, 3),
    "zeros_tuple": lambda L: L.zeros((2, 3)),
    "zeros_float64": lambda L: L.zeros(2, dtype=L.float64),
    "ones": lambda L: L.ones(4),
    "ones_int": lambda L: L.ones(2, 2, dtype=L.int64),
    "full_float": lambda L: L.full((2, 3), 1.5),
    "full_int": lambda L: L.full((2,), 7),
    "full_bool": lambda L: L.full((2,), True),
    "arange_int": lambda L: L.arange(5),
    "arange_start_end": lambda L: L.arange(2, 9, 3),
    "arange_float": lambda L: L.arange(0, 1, 0.25),
    "arange_float_end": lambda L: L.arange(3.0),
    "linspace": lambda L: L.linspace(0, 1, 5),
    "eye": lambda L: L.eye(3),
    "eye_rect": lambda L: L.eye(2, 4),
    "zeros_like": lambda L: L.zeros_like(L.ones(2, 3, dtype=L.float64)),
    "ones_like": lambda L: L.ones_like(L.arange(4)),
    "full_like": lambda L: L.full_like(L.ones(3), 2.5),
    "zeros_scalar": lambda L: L.zeros(()),
}


@pytest.mark.parametrize("name", list(FACTORIES))
def test_factory_like_torch(name):
    assert_close(FACTORIES[name](ac), FACTORIES[name](torch))


@pytest.mark.parametrize(
    "name, make, dtype, shape",
    [
        ("rand", lambda: ac.rand(3, 4), np.float32, (3, 4)),
        ("randn", lambda: ac.randn((2, 5)), np.float32, (2, 5)),
        ("randn_float64", lambda: ac.randn(6, dtype=ac.float64), np.float64, (6,)),
        ("randint", lambda: ac.randint(0, 10, (4, 2)), np.int64, (4, 2)),
        ("randperm", lambda: ac.randperm(7), np.int64, (7,)),
    ],
)
def test_random_factories_shapes_dtypes_and_seed(name, make, dtype, shape):
    ac.manual_seed(123)
    a = make()
    ac.manual_seed(123)
    b = make()
    assert a.dtype == dtype and a.shape == shape
    np.testing.assert_array_equal(a._data, b._data)
    if name == "rand":
        assert a._data.min() >= 0.0 and a._data.max() < 1.0
    if name == "randint":
        assert a._data.min() >= 0 and a._data.max() < 10
    if name == "randperm":
        assert sorted(a.tolist()) == list(range(7))


def test_factories_can_require_grad():
    for t in (ac.zeros(2, requires_grad=True), ac.ones(2, requires_grad=True),
              ac.randn(2, requires_grad=True), ac.full((2,), 1.0, requires_grad=True)):
        assert t.requires_grad and t.is_leaf


# ----- repr -----------------------------------------------------------------------------


def _torch_repr(t: torch.Tensor) -> str:
    """torch's repr in our spelling: node names without the version digit."""
    r = repr(t)
    for digit in "0123456789":
        r = r.replace(f"Backward{digit}>", "Backward>")
    return r


REPRS = {
    "float_list": lambda L: L.tensor([1.0, 2.0]),
    "requires_grad": lambda L: L.tensor([1.0, 2.0], requires_grad=True),
    "mul_backward": lambda L: L.tensor([1.0, 2.0], requires_grad=True) * 2,
    "add_backward": lambda L: L.tensor([1.0, 2.0], requires_grad=True) + 1,
    "sum_backward": lambda L: L.tensor([1.5, 2.0], requires_grad=True).sum(),
    "exp_backward": lambda L: L.tensor([0.0, 1.0], requires_grad=True).exp(),
    "negative_padding": lambda L: L.tensor([-1.0, 2.0]),
    "decimals": lambda L: L.tensor([1.5, 2.25, -3.125]),
    "matrix": lambda L: L.tensor([[1.0, -2.5], [3.0, 4.0]]),
    "scalar": lambda L: L.tensor(3.0),
    "scalar_decimal": lambda L: L.tensor(2.5),
    "sci_small": lambda L: L.tensor([1e-5, 1.0]),
    "sci_ratio": lambda L: L.tensor([0.001, 10.0]),
    "sci_big": lambda L: L.tensor([1e10, 1.0]),
    "inf": lambda L: L.tensor([float("inf"), 1.5]),
    "int": lambda L: L.tensor([1, 2, -3]),
    "bool": lambda L: L.tensor([True, False]),
    "float64": lambda L: L.tensor([1.0, 2.0], dtype=L.float64),
    "float64_requires_grad": lambda L: L.tensor([1.0], dtype=L.float64, requires_grad=True),
    "int32": lambda L: L.tensor([1, 2], dtype=L.int32),
    "empty": lambda L: L.zeros(0),
    "zeros": lambda L: L.zeros(3),
    "elided_1d": lambda L: L.arange(2000.0),
    "elided_int": lambda L: L.arange(2000),
    "elided_2d": lambda L: L.arange(10000.0).reshape(100, 100),
    "wrapped_rows": lambda L: L.arange(30.0).reshape(2, 15) / 7,
    "wrapped_int_rows": lambda L: L.arange(40).reshape(2, 20),
}


@pytest.mark.parametrize("name", list(REPRS))
def test_repr_like_torch(name):
    assert repr(REPRS[name](ac)) == _torch_repr(REPRS[name](torch))


def test_repr_examples_from_the_issue():
    x = ac.tensor([1.0, 2.0], requires_grad=True)
    assert repr(x) == "tensor([1., 2.], requires_grad=True)"
    assert repr(x * x) == "tensor([1., 4.], grad_fn=<MulBackward>)"


# ----- conversions and facts ------------------------------------------------------------


def test_item_returns_python_numbers():
    for data in (2.5, 3, True):
        ours, theirs = ac.tensor(data).item(), torch.tensor(data).item()
        assert type(ours) is type(theirs) and ours == theirs
    assert ac.tensor([[4.0]]).item() == 4.0
    with pytest.raises(RuntimeError, match="cannot be converted to Scalar"):
        ac.tensor([1.0, 2.0]).item()


def test_numpy_shares_memory_and_refuses_grad_tensors():
    t = ac.tensor([1.0, 2.0])
    arr = t.numpy()
    arr[0] = 9.0
    assert t._data[0] == 9.0
    with pytest.raises(RuntimeError, match=r"detach\(\)\.numpy\(\)"):
        ac.tensor([1.0], requires_grad=True).numpy()


def test_numpy_protocol_sees_the_values():
    t = ac.tensor([1.0, 2.0])
    arr = np.asarray(t)
    assert arr.dtype == np.float32 and arr.tolist() == [1.0, 2.0]
    assert_close(ac.tensor([ac.tensor(1.5), ac.tensor(2.0)]),
                 torch.tensor([torch.tensor(1.5), torch.tensor(2.0)]))
    with pytest.raises(RuntimeError, match="requires grad"):
        np.asarray(ac.tensor([1.0], requires_grad=True))


def test_tolist_like_torch():
    for data in ([[1.5, 2.0], [3.0, 4.0]], [1, 2, 3], 2.5, [True]):
        assert ac.tensor(data).tolist() == torch.tensor(data).tolist()


def test_detach_shares_data_and_leaves_the_graph():
    x = ac.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    d = y.detach()
    assert not d.requires_grad and d.grad_fn is None and d.is_leaf
    assert np.shares_memory(d._data, y._data)


def test_clone_copies_and_passes_the_gradient():
    x, tx = pair(np.array([1.0, 2.0, 3.0]))
    c, tc = x.clone(), tx.clone()
    assert not np.shares_memory(c._data, x._data)
    assert repr(c).endswith("grad_fn=<CloneBackward>)")
    (c * c).sum().backward()
    (tc * tc).sum().backward()
    assert_close(x.grad, tx.grad)


def test_is_leaf_like_torch():
    x, tx = pair(np.ones(2))
    c, tc = pair(np.ones(2), requires_grad=False)
    for ours, theirs in ((x, tx), (x * 2, tx * 2), (c * 2, tc * 2), (c, tc),
                         ((x * 2).detach(), (tx * 2).detach())):
        assert ours.is_leaf == theirs.is_leaf
        assert ours.requires_grad == theirs.requires_grad


def test_size_numel_shape_ndim():
    t, tt = ac.zeros(2, 3, 4), torch.zeros(2, 3, 4)
    assert t.size() == tuple(tt.size())
    assert t.size(1) == tt.size(1) and t.size(-1) == tt.size(-1)
    assert t.numel() == tt.numel() == 24
    assert t.shape == (2, 3, 4) and t.ndim == 3 and t.dim() == 3 and len(t) == 2
    assert ac.tensor(1.0).numel() == 1 and ac.tensor(1.0).shape == ()


# ----- comparisons ----------------------------------------------------------------------

COMPARISONS = {
    "eq": lambda a, b: a == b,
    "ne": lambda a, b: a != b,
    "lt": lambda a, b: a < b,
    "le": lambda a, b: a <= b,
    "gt": lambda a, b: a > b,
    "ge": lambda a, b: a >= b,
    "eq_scalar": lambda a, b: a == 0.5,
    "gt_scalar": lambda a, b: a > 0.0,
    "le_scalar_reflected": lambda a, b: 0.0 >= a,
    "lt_method": lambda a, b: a.lt(b),
    "ge_method": lambda a, b: a.ge(b),
}


@pytest.mark.parametrize("name", list(COMPARISONS))
def test_comparisons_return_bool_tensors_without_grad(name):
    a_np = np.array([[0.5, -1.0, 2.0], [0.0, 0.5, 3.0]])
    b_np = np.array([0.5, 0.0, 2.5])  # broadcast against a
    a, ta = pair(a_np)
    b, tb = pair(b_np)
    ours, theirs = COMPARISONS[name](a, b), COMPARISONS[name](ta, tb)
    assert_close(ours, theirs)
    assert ours.dtype == np.bool_
    assert not ours.requires_grad and ours.grad_fn is None


# ----- reflected operators --------------------------------------------------------------

REFLECTED = {
    "radd_int": lambda x, c: 2 + x,
    "rsub_float": lambda x, c: 2.5 - x,
    "rmul_float": lambda x, c: 0.5 * x,
    "rtruediv_float": lambda x, c: 3.0 / x,
    "rpow_float": lambda x, c: 1.5**x,
    "ndarray_add": lambda x, c: c(np.array([1.0, -2.0, 0.5])) + x,
    "ndarray_sub": lambda x, c: c(np.array([1.0, -2.0, 0.5])) - x,
    "ndarray_mul": lambda x, c: c(np.array([1.0, -2.0, 0.5])) * x,
    "ndarray_div": lambda x, c: c(np.array([1.0, -2.0, 0.5])) / x,
    "ndarray_pow": lambda x, c: c(np.array([1.0, 2.0, 0.5])) ** x,
    # torch's matmul does not promote, so this array has x's dtype.
    "ndarray_matmul": lambda x, c: c(np.arange(6.0, dtype=np.float32).reshape(2, 3)) @ x,
    "ndarray_float32_mul": lambda x, c: c(np.array([1.0, 2.0, 3.0], dtype=np.float32)) * x,
    "tensor_plus_ndarray": lambda x, c: x + c(np.array([1.0, -2.0, 0.5])),
}


@pytest.mark.parametrize("name", list(REFLECTED))
def test_reflected_operators(name):
    # With an ndarray on the left, NumPy must defer to Tensor (no object arrays). torch
    # itself refuses `ndarray + tensor` under NumPy 2, so the oracle converts the array.
    x, tx = pair(np.array([0.5, 1.5, 2.0], dtype=np.float32))
    ours = REFLECTED[name](x, lambda a: a)
    theirs = REFLECTED[name](tx, torch.from_numpy)
    assert isinstance(ours, Tensor)
    assert_close(ours, theirs, tol={"rtol": 1e-6, "atol": 1e-6})
    ours.sum().backward()
    theirs.sum().backward()
    assert_close(x.grad, tx.grad, tol={"rtol": 1e-6, "atol": 1e-6})


# ----- type promotion -------------------------------------------------------------------

PROMOTION = {
    "int_tensor_times_float": lambda L: L.tensor([1, 2]) * 2.5,
    "int_tensor_times_int": lambda L: L.tensor([1, 2], dtype=L.int32) * 2,
    "float32_plus_float64_0d": lambda L: L.ones(3) + L.tensor(1.5, dtype=L.float64),
    "float64_0d_plus_float32": lambda L: L.tensor(1.5, dtype=L.float64) + L.ones(3),
    "float32_plus_float64": lambda L: L.ones(3) + L.ones(3, dtype=L.float64),
    "float32_0d_plus_float64_0d": lambda L: L.tensor(1.0) + L.tensor(2.0, dtype=L.float64),
    "int_plus_float32": lambda L: L.tensor([1, 2]) + L.ones(2),
    "int_plus_float64_0d": lambda L: L.tensor([1, 2]) + L.tensor(0.5, dtype=L.float64),
    "int_div_int": lambda L: L.tensor([1, 2, 3]) / L.tensor([2, 4, 5]),
    "int_div_scalar": lambda L: L.tensor([1, 2, 3]) / 2,
    "int32_plus_int64": lambda L: L.tensor([1], dtype=L.int32) + L.tensor([1]),
    "bool_plus_int": lambda L: L.tensor([True, False]) + 1,
    "bool_times_float": lambda L: L.tensor([True, False]) * 1.5,
    "float64_times_python_float": lambda L: L.ones(2, dtype=L.float64) * 0.1,
    "int_pow_float": lambda L: L.tensor([1, 2, 3]) ** 0.5,
    "where_int_float": lambda L: L.where(L.tensor([True, False]), L.tensor([1, 2]),
                                         L.ones(2)),
    "maximum_int_float": lambda L: L.maximum(L.tensor([1, 5]), L.full((2,), 2.5)),
    "cat_int_float": lambda L: L.cat([L.tensor([1, 2]), L.ones(2)]),
    "sum_int": lambda L: L.tensor([[1, 2], [3, 4]], dtype=L.int32).sum(),
    "sum_bool": lambda L: L.tensor([True, True, False]).sum(),
    "exp_int": lambda L: L.tensor([0, 1]).exp(),
}


@pytest.mark.parametrize("name", list(PROMOTION))
def test_type_promotion_like_torch(name):
    assert_close(PROMOTION[name](ac), PROMOTION[name](torch))


def test_gradient_comes_back_in_each_inputs_dtype():
    x, tx = pair(np.ones(3, dtype=np.float32))
    y, ty = pair(np.full(3, 2.0))
    (x * y).sum().backward()
    (tx * ty).sum().backward()
    assert_close(x.grad, tx.grad)
    assert_close(y.grad, ty.grad)


# ----- errors ---------------------------------------------------------------------------


def test_matmul_shape_error_names_both_shapes():
    with pytest.raises(RuntimeError) as err:
        ac.ones(2, 3) @ ac.ones(4, 5)
    with pytest.raises(RuntimeError) as terr:
        torch.ones(2, 3) @ torch.ones(4, 5)
    assert str(err.value) == "mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)"
    assert str(err.value) == str(terr.value)


@pytest.mark.parametrize(
    "sa, sb", [((3,), (4, 5)), ((2, 3), (4,)), ((3,), (4,)), ((2, 2, 3), (4, 5))]
)
def test_matmul_errors_name_the_shapes(sa, sb):
    with pytest.raises(RuntimeError) as err:
        ac.ones(*sa) @ ac.ones(*sb)
    with pytest.raises(RuntimeError):
        torch.ones(*sa) @ torch.ones(*sb)
    msg = str(err.value)
    assert str(sa[-1]) in msg and str(sb[0] if len(sb) == 1 else sb[-2]) in msg


def test_matmul_of_a_0d_tensor_is_an_error():
    with pytest.raises(RuntimeError, match="at least 1D"):
        ac.tensor(2.0) @ ac.ones(3)


@pytest.mark.parametrize(
    "op, fn",
    [
        ("add", lambda a, b: a + b),
        ("sub", lambda a, b: a - b),
        ("mul", lambda a, b: a * b),
        ("div", lambda a, b: a / b),
        ("pow", lambda a, b: a**b),
        ("maximum", lambda a, b: ac.maximum(a, b)),
        ("minimum", lambda a, b: ac.minimum(a, b)),
        ("where", lambda a, b: ac.where(ac.tensor(True), a, b)),
    ],
)
def test_broadcast_error_names_op_and_both_shapes(op, fn):
    with pytest.raises(RuntimeError) as err:
        fn(ac.ones(3, 1, 5), ac.ones(4, 6))
    msg = str(err.value)
    assert op in msg and "[3, 1, 5]" in msg and "[4, 6]" in msg
    # PyTorch's wording for the axis that fails is kept.
    assert "must match the size of tensor b (6) at non-singleton dimension 2" in msg


def test_where_condition_that_does_not_broadcast_is_named():
    with pytest.raises(RuntimeError, match=r"condition of shape \[4\].*\[2, 3\]"):
        ac.where(ac.ones(4) > 0, ac.ones(2, 3), 0.0)


def test_backward_on_non_scalar_needs_gradient():
    x = ac.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError) as err:
        (x * 2).backward()
    with pytest.raises(RuntimeError) as terr:
        (torch.ones(2, requires_grad=True) * 2).backward()
    assert str(err.value) == "grad can be implicitly created only for scalar outputs"
    assert str(err.value) == str(terr.value)


def test_backward_gradient_of_the_wrong_shape():
    x = ac.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"shape of \(3,\).*shape of \(2,\)"):
        (x * 2).backward(ac.ones(3))


def test_backward_on_a_tensor_without_grad():
    with pytest.raises(RuntimeError, match="does not require grad"):
        ac.tensor([1.0]).sum().backward()


def test_integer_to_negative_power_is_a_runtime_error_as_in_torch():
    with pytest.raises(RuntimeError, match="negative integer powers") as err:
        ac.tensor([2, 3]) ** -1
    assert "pow" in str(err.value)
    with pytest.raises(RuntimeError, match="negative integer powers"):
        torch.tensor([2, 3]) ** -1


def test_getitem_out_of_range_names_the_shape():
    with pytest.raises(IndexError, match=r"\[2, 3\]"):
        ac.ones(2, 3)[5]


def test_gather_negative_index_is_an_error_as_in_torch():
    idx = np.array([[-1, 0]])
    with pytest.raises(RuntimeError, match="out of bounds"):
        ac.ones(2, 3).gather(1, ac.tensor(idx))
    with pytest.raises(RuntimeError, match="out of bounds"):
        torch.ones(2, 3).gather(1, torch.tensor(idx))


# ----- custom Functions and gradcheck ----------------------------------------------------


class Square(Function):
    """x**2 with a correct backward, written as a custom Function."""

    __slots__ = ()

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * Tensor._wrap(2.0 * x)


class WrongSquare(Function):
    """x**2 whose backward is off by 0.01 at element 1 and by 0.5 at element 2."""

    __slots__ = ()

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * Tensor._wrap(2.0 * x + np.array([0.0, 0.01, 0.5]))


def test_custom_function_passes_gradcheck_and_matches_torch():
    x = ac.tensor([1.0, 2.0, 3.0], dtype=ac.float64, requires_grad=True)
    assert ac.gradcheck(Square.apply, (x,))
    y = Square.apply(x)
    assert repr(y).endswith("grad_fn=<SquareBackward>)")
    tx = torch.tensor(x._data, requires_grad=True)
    (y * 3).sum().backward()
    (tx * tx * 3).sum().backward()
    assert_close(x.grad, tx.grad)


def test_gradcheck_names_the_worst_element():
    x = ac.tensor([1.0, 2.0, 3.0], dtype=ac.float64, requires_grad=True)
    with pytest.raises(ac.GradcheckError) as err:
        ac.gradcheck(WrongSquare.apply, (x,))
    msg = str(err.value)
    assert "input 0, element (2,)" in msg and "output element 2" in msg
    assert "analytic 6.5" in msg and "numerical 6.0" in msg
    assert ac.gradcheck(WrongSquare.apply, (x,), raise_exception=False) is False
    # A coarser tolerance lets the 0.01 error at element 1 pass, never the 0.5 one.
    with pytest.raises(ac.GradcheckError, match=r"element \(2,\)"):
        ac.gradcheck(WrongSquare.apply, (x,), atol=0.05)


def test_gradcheck_wants_float64():
    x = ac.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(ValueError, match="float64"):
        ac.gradcheck(Square.apply, (x,))


def test_matmul_refuses_mixed_dtypes_like_torch():
    a = ac.ones(2, 3)
    b = ac.ones(3, 2, dtype=ac.float64)
    with pytest.raises(RuntimeError, match="same dtype"):
        a @ b
    with pytest.raises(RuntimeError, match="same dtype"):
        torch.ones(2, 3) @ torch.ones(3, 2, dtype=torch.float64)


@pytest.mark.parametrize("op", ["reshape", "permute", "expand", "squeeze"])
def test_shape_ops_with_unchanged_shape_still_make_a_new_node(op):
    x = ac.ones(2, 3, requires_grad=True)
    xt = torch.ones(2, 3, requires_grad=True)
    args = {"reshape": (2, 3), "permute": (0, 1), "expand": (2, 3), "squeeze": ()}[op]
    y = getattr(x, op)(*args)
    yt = getattr(xt, op)(*args)
    assert y is not x
    assert y.is_leaf == yt.is_leaf is False
    y.sum().backward()
    assert np.array_equal(x.grad._data, np.ones((2, 3), dtype=np.float32))
