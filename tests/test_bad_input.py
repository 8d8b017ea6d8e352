"""The table of bad inputs tried on the public functions of autograd_core, nn and optim.

Each case is ``fn(L)`` where L names one library: ``L.t`` is autograd_core or torch,
``L.nn``, ``L.F``, ``L.optim`` and ``L.data`` the matching nn, nn.functional, optim and
utils.data. By default the case runs in both: if torch raises, ours must raise the same
exception type; if torch returns, ours must return the same values. ``ours=(type,
fragment)`` sets what ours must raise instead, for functions torch lacks or where the
wording is our own; the fragment is a piece of the message naming what was expected.
``lenient=g`` marks the few inputs torch refuses but we accept on purpose (a Python
number or list where torch wants a tensor): torch must refuse ``fn`` and ours must give
the value torch gives for ``g``, the same call spelled with tensors. Every error of ours
must also come from our code, not from deep inside NumPy.
"""

from __future__ import annotations

import math
import os
import traceback
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
import torch

import autograd_core as ac
import nn
import nn.functional as nnF
import optim
from autograd_core.utils import data as ac_data

OURS = SimpleNamespace(t=ac, nn=nn, F=nnF, optim=optim, data=ac_data, name="ours")
THEIRS = SimpleNamespace(t=torch, nn=torch.nn, F=torch.nn.functional, optim=torch.optim,
                         data=torch.utils.data, name="torch")
NAN = float("nan")
NUMPY_DIR = os.path.dirname(np.__file__)


@dataclass
class Case:
    id: str
    fn: Callable[[Any], Any]
    ours: tuple[type, str] | None = None  # what ours must raise (then torch is not run)
    fragment: str | None = None  # must be in our message when both raise
    lenient: Callable[[Any], Any] | None = None  # torch's value ours must equal


def leaf(L, *shape, dtype=None):
    x = L.t.ones(*shape, dtype=dtype or L.t.float32)
    return x.requires_grad_()


def lin(L, i=3, o=2):
    L.t.manual_seed(0)
    return L.nn.Linear(i, o)


def sgd(L, **kw):
    return L.optim.SGD([leaf(L, 2)], **kw)


def adam(L, **kw):
    return L.optim.Adam([leaf(L, 2)], **kw)


def _backward_twice(L):
    y = (leaf(L, 3) * 2).exp().sum()
    y.backward()
    y.backward()


def _grad_unused(L):
    x, z = leaf(L, 2), leaf(L, 2)
    return L.t.autograd.grad((x * 2).sum(), [x, z]) if L is THEIRS else ac.grad(
        (x * 2).sum(), [x, z])


def _grad_no_rg(L):
    x = L.t.ones(2)
    y = leaf(L, 2)
    g = L.t.autograd.grad if L is THEIRS else ac.grad
    return g((y * 2).sum(), x)


def _grad_outputs_shape(L):
    x = leaf(L, 3)
    g = L.t.autograd.grad if L is THEIRS else ac.grad
    return g(x * 2, x, grad_outputs=L.t.ones(2))


def _backward_no_grad_fn(L):
    L.t.ones(2).sum().backward()


def _backward_int_gradient_shape(L):
    (leaf(L, 3) * 2).backward(L.t.ones(4))


def _inplace_leaf(L):
    leaf(L, 3).mul_(2)


def _module_wrong_state(L):
    m = lin(L)
    m.load_state_dict({"weight": L.t.ones(2, 3)})


def _module_state_shape(L):
    m = lin(L)
    m.load_state_dict({"weight": L.t.ones(3, 3), "bias": L.t.ones(2)})


def _opt_non_leaf(L):
    return L.optim.SGD([leaf(L, 2) * 2], lr=0.1)


def _opt_dup(L):
    p = leaf(L, 2)
    return L.optim.SGD([p, p], lr=0.1)


def _scheduler_bad(L):
    return L.optim.lr_scheduler.StepLR("not an optimizer", step_size=1)


def _loader(L, **kw):
    ds = L.data.TensorDataset(L.t.ones(4, 2), L.t.zeros(4))
    return list(L.data.DataLoader(ds, **kw))


def _gradcheck_float32(L):
    return ac.gradcheck(lambda x: x * 2, (ac.ones(2, requires_grad=True),))


def _gradcheck_wrong(L):
    class Wrong(ac.Function):
        __slots__ = ()

        @staticmethod
        def forward(ctx, a):
            return a * 2

        @staticmethod
        def backward(ctx, g):
            return g * 3

    x = ac.ones(2, dtype=ac.float64, requires_grad=True)
    return ac.gradcheck(Wrong.apply, (x,))


def _function_wrong_count(L):
    class Two(ac.Function):
        __slots__ = ()

        @staticmethod
        def forward(ctx, a):
            return a * 2

        @staticmethod
        def backward(ctx, g):
            return g, g

    Two.apply(leaf(OURS, 2)).sum().backward()


def _function_not_array(L):
    class Bad(ac.Function):
        __slots__ = ()

        @staticmethod
        def forward(ctx, a):
            return "not an array"

        @staticmethod
        def backward(ctx, g):
            return g

    Bad.apply(leaf(OURS, 2))


CASES: list[Case] = [
    # ----- creation ------------------------------------------------------------------
    Case("tensor/ragged", lambda L: L.t.tensor([[1.0, 2.0], [3.0]]), fragment="length"),
    Case("tensor/str", lambda L: L.t.tensor("abc"), ours=(TypeError, "dtype")),
    Case("tensor/object", lambda L: L.t.tensor(object()),
         ours=(TypeError, "cannot make a tensor from object")),
    Case("tensor/int requires grad", lambda L: L.t.tensor([1, 2], requires_grad=True),
         fragment="floating point"),
    Case("tensor/nan", lambda L: L.t.tensor([NAN, 1.0]) * 2),
    Case("tensor/empty", lambda L: L.t.tensor([])),
    Case("as_tensor/str", lambda L: L.t.as_tensor("x"), ours=(TypeError, "dtype")),
    Case("from_numpy/list", lambda L: L.t.from_numpy([1, 2]),
         ours=(TypeError, "expected np.ndarray")),
    Case("zeros/negative", lambda L: L.t.zeros(-1), fragment="negative dimension"),
    Case("zeros/str", lambda L: L.t.zeros("a"), fragment="tuple of ints"),
    Case("zeros/float size", lambda L: L.t.zeros(2.5), fragment="tuple of ints"),
    Case("zeros/empty dim", lambda L: L.t.zeros(0, 3)),
    Case("ones/negative", lambda L: L.t.ones(2, -3), fragment="negative dimension"),
    Case("empty/negative", lambda L: L.t.empty(-2), fragment="negative dimension"),
    Case("full/str value", lambda L: L.t.full((2,), "a"), fragment="fill_value"),
    Case("full/nan", lambda L: L.t.full((2,), NAN)),
    Case("full_like/str value", lambda L: L.t.full_like(L.t.ones(2), "x"),
         fragment="fill_value"),
    Case("zeros_like/list", lambda L: L.t.zeros_like([1.0, 2.0]),
         ours=(TypeError, "Tensor")),
    Case("ones_like/None", lambda L: L.t.ones_like(None), ours=(TypeError, "Tensor")),
    Case("arange/zero step", lambda L: L.t.arange(0, 10, 0), fragment="step must be nonzero"),
    Case("arange/wrong sign", lambda L: L.t.arange(1, 0, 1), fragment="step sign"),
    Case("arange/empty", lambda L: L.t.arange(0)),
    Case("linspace/negative steps", lambda L: L.t.linspace(0, 1, -1),
         fragment="non-negative"),
    Case("linspace/zero steps", lambda L: L.t.linspace(0, 1, 0)),
    Case("eye/negative", lambda L: L.t.eye(-1), fragment="greater or equal to 0"),
    Case("eye/zero", lambda L: L.t.eye(0)),
    Case("rand/negative", lambda L: L.t.rand(-1), fragment="negative dimension"),
    Case("randn/str", lambda L: L.t.randn("3"), fragment="tuple of ints"),
    Case("randint/low >= high", lambda L: L.t.randint(5, 2, (3,)),
         fragment="'from' to be less than 'to'"),
    Case("randperm/negative", lambda L: L.t.randperm(-1), fragment="negative dimension"),
    Case("randperm/zero", lambda L: L.t.randperm(0)),
    Case("manual_seed/str", lambda L: L.t.manual_seed("abc"),
         ours=(ValueError, "invalid literal")),
    # ----- devices, dtypes, randomness (issue 15); CUDA: torch raises AssertionError ----
    Case("zeros/cuda", lambda L: L.t.zeros(2, device="cuda"), ours=(RuntimeError, "CPU only")),
    Case("to/cuda", lambda L: L.t.ones(2).to("cuda"), ours=(RuntimeError, "CPU only")),
    Case("to/dtype then device", lambda L: L.t.ones(2).to(L.t.float64, "cpu"),
         fragment="invalid combination"),
    Case("device/bogus", lambda L: L.t.device("bogus"), fragment="device type at start"),
    Case("device/negative index", lambda L: L.t.device("cpu", -1), fragment="negative"),
    Case("empty_like/list", lambda L: L.t.empty_like([1.0]), fragment="must be Tensor"),
    Case("empty_like/cuda", lambda L: L.t.empty_like(L.t.ones(2), device="cuda"),
         ours=(RuntimeError, "CPU only")),
    Case("get_default_device/cpu", lambda L: L.t.get_default_device()),
    Case("set_default_device/cuda", lambda L: L.t.set_default_device("cuda"),
         ours=(RuntimeError, "CPU only")),
    Case("get_default_dtype/float32", lambda L: L.t.zeros(2, dtype=L.t.get_default_dtype())),
    Case("set_default_dtype/int", lambda L: L.t.set_default_dtype(L.t.int64),
         fragment="floating-point types"),
    Case("promote_types/uint16 and int32",
         lambda L: L.t.promote_types(L.t.uint16, L.t.int32), fragment="uint16"),
    Case("result_type/str", lambda L: L.t.result_type("a", 1), fragment="invalid combination"),
    Case("result_type/int tensor and float",
         lambda L: L.t.ones(1, dtype=L.t.result_type(L.t.ones(2, dtype=L.t.int32), 2.5))),
    Case("is_tensor/int", lambda L: L.t.tensor(L.t.is_tensor(3))),
    Case("is_complex/int", lambda L: L.t.is_complex(3), fragment="must be Tensor"),
    Case("is_floating_point/list", lambda L: L.t.is_floating_point([1.0]),
         fragment="must be Tensor"),
    Case("is_inference_mode_enabled/outside",
         lambda L: L.t.tensor(L.t.is_inference_mode_enabled())),
    Case("seed/then initial_seed", lambda L: L.t.tensor(L.t.seed() == L.t.initial_seed())),
    Case("initial_seed/after manual_seed",
         lambda L: L.t.tensor(L.t.manual_seed(7).initial_seed() == L.t.initial_seed() == 7)),
    Case("get_rng_state/round trip", lambda L: L.t.set_rng_state(L.t.get_rng_state())),
    Case("set_rng_state/float tensor", lambda L: L.t.set_rng_state(L.t.zeros(3)),
         fragment="ByteTensor"),
    Case("set_rng_state/wrong size",
         lambda L: L.t.set_rng_state(L.t.zeros(3, dtype=L.t.uint8)),
         fragment="CPUGeneratorImplState of size"),
    Case("randn/generator not a Generator", lambda L: L.t.randn(2, generator=3),
         ours=(TypeError, "torch.Generator")),
    Case("randint/size an int", lambda L: L.t.randint(5, 3), fragment="tuple of ints"),
    Case("randint/high only", lambda L: L.t.randint(5), ours=(TypeError, "size")),
    Case("rand_like/int", lambda L: L.t.rand_like(L.t.ones(2, dtype=L.t.int64)),
         fragment="check_uniform_bounds"),
    Case("randn_like/list", lambda L: L.t.randn_like([1.0]), fragment="must be Tensor"),
    Case("randint_like/low >= high", lambda L: L.t.randint_like(L.t.ones(2), 5, 2),
         fragment="'from' to be less than 'to'"),
    Case("logspace/negative steps", lambda L: L.t.logspace(0, 2, -1), fragment="non-negative"),
    Case("logspace/base 2", lambda L: L.t.logspace(0, 3, 4, base=2)),
    Case("normal/negative std", lambda L: L.t.normal(0.0, -1.0, (2,)), fragment="std >= 0.0"),
    Case("normal/negative std tensor", lambda L: L.t.normal(L.t.zeros(2), -L.t.ones(2)),
         fragment="std >= 0.0"),
    Case("normal/floats without size", lambda L: L.t.normal(0.0, 1.0),
         fragment="invalid combination"),
    Case("normal/int mean", lambda L: L.t.normal(L.t.zeros(2, dtype=L.t.int64), 1.0),
         fragment="normal_kernel_cpu"),
    Case("normal/zero std", lambda L: L.t.normal(L.t.tensor([1.0, 2.0]), 0.0)),
    Case("multinomial/int weights", lambda L: L.t.multinomial(L.t.tensor([1, 2]), 1),
         fragment="floating-point dtypes"),
    Case("multinomial/too many", lambda L: L.t.multinomial(L.t.tensor([0.5, 0.5]), 3),
         fragment="without replacement"),
    Case("multinomial/negative", lambda L: L.t.multinomial(L.t.tensor([-1.0, 2.0]), 1),
         fragment="element < 0"),
    Case("multinomial/nan", lambda L: L.t.multinomial(L.t.tensor([NAN, 2.0]), 1),
         fragment="element < 0"),
    Case("multinomial/all zero", lambda L: L.t.multinomial(L.t.zeros(2), 1),
         fragment="sum of probabilities"),
    Case("multinomial/3-d", lambda L: L.t.multinomial(L.t.ones(2, 2, 2), 1),
         fragment="1 or 2 dim"),
    Case("multinomial/zero samples", lambda L: L.t.multinomial(L.t.ones(2), 0),
         fragment="n_sample <= 0"),
    Case("multinomial/one-hot rows",
         lambda L: L.t.multinomial(L.t.tensor([[0.0, 1.0], [1.0, 0.0]]), 1)),
    Case("bernoulli/above 1", lambda L: L.t.bernoulli(L.t.tensor([1.5])), fragment="p_in"),
    Case("bernoulli/list", lambda L: L.t.bernoulli([0.5]), fragment="must be Tensor"),
    Case("bernoulli/int", lambda L: L.t.bernoulli(L.t.tensor([1, 0])),
         fragment="not implemented for 'Long'"),
    Case("bernoulli/certain", lambda L: L.t.bernoulli(L.t.tensor([0.0, 1.0, 1.0]))),
    Case("uniform_/from > to", lambda L: L.t.zeros(2).uniform_(3, 1), fragment="from=3"),
    Case("normal_/negative std", lambda L: L.t.zeros(2).normal_(0, -1), fragment="std >= 0.0"),
    Case("random_/from >= to", lambda L: L.t.zeros(2).random_(5, 2),
         fragment="'from' to be less than 'to'"),
    Case("bernoulli_/p above 1", lambda L: L.t.zeros(2).bernoulli_(2.0), fragment="[0, 1]"),
    Case("uniform_/leaf requiring grad", lambda L: leaf(L, 2).uniform_(),
         fragment="leaf Variable"),
    Case("compile/not callable", lambda L: L.t.compile(3), ours=(TypeError, "callable")),
    Case("set_num_threads/zero", lambda L: L.t.set_num_threads(0), fragment="positive integer"),
    Case("get_num_threads/positive", lambda L: L.t.tensor(L.t.get_num_threads() > 0)),
    Case("use_deterministic_algorithms/str", lambda L: L.t.use_deterministic_algorithms("x"),
         fragment="must be bool"),
    Case("are_deterministic_algorithms_enabled/default",
         lambda L: L.t.tensor(L.t.are_deterministic_algorithms_enabled())),
    Case("is_deterministic_algorithms_warn_only_enabled/default",
         lambda L: L.t.tensor(L.t.is_deterministic_algorithms_warn_only_enabled())),
    Case("set_float32_matmul_precision/bogus",
         lambda L: L.t.set_float32_matmul_precision("bogus"), ours=(ValueError, "'highest'")),
    Case("get_float32_matmul_precision/default",
         lambda L: L.t.tensor(L.t.get_float32_matmul_precision() == "highest")),
    # ----- elementwise ----------------------------------------------------------------
    Case("exp/str", lambda L: L.t.exp("a"), fragment="must be Tensor"),
    Case("exp/None", lambda L: L.t.exp(None), fragment="must be Tensor"),
    Case("exp/int tensor", lambda L: L.t.exp(L.t.tensor([1, 2]))),
    Case("log/negative and zero", lambda L: L.t.log(L.t.tensor([-1.0, 0.0, 1.0]))),
    Case("sqrt/negative", lambda L: L.t.sqrt(L.t.tensor([-4.0, 4.0]))),
    Case("sin/list", lambda L: L.t.sin([1.0]), fragment="must be Tensor"),
    Case("cos/empty", lambda L: L.t.cos(L.t.ones(0))),
    Case("tanh/nan", lambda L: L.t.tanh(L.t.tensor([NAN, 1e30, -1e30]))),
    Case("sigmoid/inf", lambda L: L.t.sigmoid(L.t.tensor([-math.inf, math.inf, NAN]))),
    Case("relu/nan", lambda L: L.t.relu(L.t.tensor([NAN, -1.0]))),
    Case("relu/bool", lambda L: L.t.relu(L.t.tensor([True, False])),
         fragment="Boolean inputs not supported for relu"),
    Case("F.relu/bool", lambda L: L.F.relu(L.t.tensor([True, False])),
         fragment="Boolean inputs not supported for relu"),
    Case("abs/str", lambda L: L.t.abs("x"), ours=(TypeError, "Tensor")),
    Case("neg/bool", lambda L: L.t.neg(L.t.tensor([True])), fragment="bool tensor"),
    Case("neg/str", lambda L: L.t.neg("x"), fragment="must be Tensor"),
    Case("clone/str", lambda L: L.t.clone("x"), fragment="must be Tensor"),
    Case("clone/empty", lambda L: L.t.clone(L.t.ones(0, 2))),
    Case("leaky_relu/str slope",
         lambda L: (L.t.leaky_relu if L is OURS else L.F.leaky_relu)(L.t.ones(2), "a"),
         fragment="negative_slope"),
    Case("clamp/no bounds", lambda L: L.t.clamp(L.t.ones(2)), fragment="min' or 'max"),
    Case("clamp/nan bound", lambda L: L.t.clamp(L.t.tensor([1.0, -1.0]), min=NAN)),
    Case("clamp/min > max", lambda L: L.t.clamp(L.t.tensor([1.0, -1.0, 5.0]), 2.0, 0.0)),
    Case("clip/str", lambda L: L.t.clip(L.t.ones(2), "a"), ours=(TypeError, "")),
    # ----- binary ----------------------------------------------------------------------
    Case("add/shapes", lambda L: L.t.add(L.t.ones(2, 3), L.t.ones(4)),
         fragment="must match the size of tensor b"),
    Case("add/str", lambda L: L.t.ones(2) + "a", ours=(TypeError, "")),
    Case("add/alpha str", lambda L: L.t.ones(2).add(L.t.ones(2), alpha="a"),
         fragment="alpha"),
    Case("sub/bool tensors", lambda L: L.t.sub(L.t.tensor([True]), L.t.tensor([False])),
         fragment="bool tensors"),
    Case("add/list", lambda L: L.t.ones(2) + [1.0, 2.0],
         lenient=lambda L: L.t.ones(2) + L.t.tensor([1.0, 2.0])),
    Case("mul/shapes", lambda L: L.t.mul(L.t.ones(3), L.t.ones(2)), fragment="size"),
    Case("mul/None", lambda L: L.t.ones(2) * None, ours=(TypeError, "")),
    Case("div/by zero", lambda L: L.t.div(L.t.tensor([1.0, -1.0, 0.0]), 0.0)),
    Case("div/int by int zero", lambda L: L.t.div(L.t.tensor([1, 0]), L.t.tensor([0, 0]))),
    Case("pow/negative base fractional", lambda L: L.t.pow(L.t.tensor([-8.0]), 1 / 3)),
    Case("pow/int negative exponent", lambda L: L.t.pow(L.t.tensor([2]), -1),
         fragment="negative integer powers"),
    Case("pow/str", lambda L: L.t.ones(2) ** "a", ours=(TypeError, "")),
    Case("maximum/shapes", lambda L: L.t.maximum(L.t.ones(2), L.t.ones(3)),
         fragment="size"),
    Case("maximum/number", lambda L: L.t.maximum(L.t.ones(2), 1.0),
         lenient=lambda L: L.t.maximum(L.t.ones(2), L.t.tensor(1.0))),
    Case("minimum/nan", lambda L: L.t.minimum(L.t.tensor([NAN, 1.0]), L.t.tensor([0.0, NAN]))),
    Case("where/shapes", lambda L: L.t.where(L.t.ones(2) > 0, L.t.ones(3), L.t.ones(2)),
         fragment="size"),
    Case("where/float condition",
         lambda L: L.t.where(L.t.tensor([1.0, 0.0]), L.t.ones(2), 0.0),
         lenient=lambda L: L.t.where(L.t.tensor([True, False]), L.t.ones(2), 0.0)),
    Case("matmul/shapes", lambda L: L.t.matmul(L.t.ones(2, 3), L.t.ones(4, 5)),
         fragment="mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)"),
    Case("matmul/0-d", lambda L: L.t.matmul(L.t.ones(()), L.t.ones(2)),
         fragment="1D"),
    Case("matmul/dtypes", lambda L: L.t.matmul(L.t.tensor([[1, 2]]), L.t.ones(2, 1)),
         fragment="same dtype"),
    Case("matmul/empty", lambda L: L.t.matmul(L.t.ones(2, 0), L.t.ones(0, 3))),
    Case("matmul/vectors mismatch", lambda L: L.t.matmul(L.t.ones(3), L.t.ones(4)),
         fragment="size"),
    Case("matmul/batch mismatch", lambda L: L.t.matmul(L.t.ones(2, 2, 3), L.t.ones(3, 3, 4)),
         fragment="cannot be broadcast"),
    Case("addmm/shapes", lambda L: L.t.addmm(L.t.ones(5), L.t.ones(2, 3), L.t.ones(4, 5)),
         fragment="mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)"),
    Case("addmm/vector", lambda L: L.t.addmm(L.t.ones(2), L.t.ones(3), L.t.ones(3, 2)),
         fragment="mat1 must be a matrix"),
    Case("addmm/input shape", lambda L: L.t.addmm(L.t.ones(3), L.t.ones(2, 3), L.t.ones(3, 5)),
         fragment="The expanded size of the tensor (5) must match the existing size (3)"),
    Case("addmm/dtypes",
         lambda L: L.t.addmm(L.t.ones(5, dtype=L.t.float64), L.t.ones(2, 3), L.t.ones(3, 5)),
         fragment="must have the same dtype"),
    Case("addmm/empty", lambda L: L.t.addmm(L.t.ones(3), L.t.ones(2, 0), L.t.ones(0, 3))),
    # ----- reductions ----------------------------------------------------------------
    Case("sum/dim out of range", lambda L: L.t.sum(L.t.ones(2, 3), 5),
         fragment="Dimension out of range"),
    Case("sum/empty", lambda L: L.t.sum(L.t.ones(0))),
    Case("sum/str dim", lambda L: L.t.ones(2).sum("a"), ours=(TypeError, "")),
    Case("mean/int", lambda L: L.t.mean(L.t.tensor([1, 2])), fragment="dtype"),
    Case("mean/empty", lambda L: L.t.mean(L.t.ones(0))),
    Case("var/int", lambda L: L.t.var(L.t.tensor([1, 2])), ours=(RuntimeError, "dtype")),
    Case("var/one element", lambda L: L.t.var(L.t.ones(1))),
    Case("std/empty", lambda L: L.t.ones(0).std()),
    Case("max/empty", lambda L: L.t.max(L.t.ones(0)), fragment="Expected reduction dim"),
    Case("max/empty dim", lambda L: L.t.ones(2, 0).max(1), fragment="non-zero size"),
    Case("min/nan", lambda L: L.t.min(L.t.tensor([1.0, NAN]))),
    Case("amax/empty", lambda L: L.t.amax(L.t.ones(0)), fragment="Expected reduction dim"),
    Case("amin/dim out of range", lambda L: L.t.amin(L.t.ones(2), 3),
         fragment="Dimension out of range"),
    Case("argmax/empty", lambda L: L.t.argmax(L.t.ones(0)), fragment="Expected reduction"),
    Case("argmin/dim out of range", lambda L: L.t.argmin(L.t.ones(2), 2),
         fragment="Dimension out of range"),
    Case("argmax/nan", lambda L: L.t.argmax(L.t.tensor([1.0, NAN, 3.0]))),
    Case("logsumexp/no dim", lambda L: L.t.logsumexp(L.t.ones(2)), fragment="dim"),
    Case("logsumexp/empty", lambda L: L.t.logsumexp(L.t.ones(0), 0)),
    Case("logsumexp/int", lambda L: L.t.logsumexp(L.t.tensor([1, 2]), 0),
         ours=(RuntimeError, "dtype")),
    Case("softmax/dim out of range", lambda L: L.t.softmax(L.t.ones(2), 1),
         fragment="Dimension out of range"),
    Case("softmax/int", lambda L: L.t.softmax(L.t.tensor([1, 2]), 0),
         ours=(RuntimeError, "dtype")),
    Case("softmax/nan and inf", lambda L: L.t.softmax(L.t.tensor([NAN, 1.0, math.inf]), 0)),
    Case("log_softmax/empty", lambda L: L.t.log_softmax(L.t.ones(2, 0), 1)),
    Case("log_softmax/no dim", lambda L: L.t.ones(3).log_softmax(), fragment="dim"),
    # ----- shape ops -----------------------------------------------------------------
    Case("reshape/wrong size", lambda L: L.t.reshape(L.t.ones(6), (4,)),
         fragment="shape '[4]' is invalid for input of size 6"),
    Case("reshape/two -1", lambda L: L.t.ones(6).reshape(-1, -1),
         fragment="only one dimension can be inferred"),
    Case("reshape/empty -1", lambda L: L.t.ones(0, 3).reshape(-1, 0), fragment="invalid"),
    Case("view/wrong size", lambda L: L.t.ones(6).view(5), fragment="invalid"),
    Case("permute/duplicate", lambda L: L.t.permute(L.t.ones(2, 3), (0, 0)),
         fragment="duplicate dims"),
    Case("permute/wrong count", lambda L: L.t.ones(2, 3).permute(0), fragment="dims"),
    Case("transpose/out of range", lambda L: L.t.transpose(L.t.ones(2, 3), 0, 5),
         fragment="Dimension out of range"),
    Case("t/3-d", lambda L: L.t.ones(2, 3, 4).t(), fragment="<= 2 dimensions"),
    Case("squeeze/out of range", lambda L: L.t.squeeze(L.t.ones(2, 3), 4),
         fragment="Dimension out of range"),
    Case("unsqueeze/out of range", lambda L: L.t.unsqueeze(L.t.ones(2), 3),
         fragment="Dimension out of range"),
    Case("expand/wrong size", lambda L: L.t.ones(3).expand(2, 4),
         fragment="must match the existing size"),
    Case("expand/fewer dims", lambda L: L.t.ones(2, 3).expand(3), fragment="number of sizes"),
    Case("flatten/start after end", lambda L: L.t.flatten(L.t.ones(2, 3, 4), 2, 1),
         fragment="start_dim cannot come after end_dim"),
    Case("cat/empty list", lambda L: L.t.cat([]), fragment="non-empty list"),
    Case("cat/shapes", lambda L: L.t.cat([L.t.ones(2, 3), L.t.ones(2, 4)], 0),
         fragment="Sizes of tensors must match except in dimension 0"),
    Case("cat/0-d", lambda L: L.t.cat([L.t.ones(()), L.t.ones(())]),
         fragment="zero-dimensional"),
    Case("cat/not a list of tensors", lambda L: L.t.cat([L.t.ones(2), "a"]),
         ours=(TypeError, "Tensor")),
    Case("cat/mixed dtypes", lambda L: L.t.cat([L.t.ones(2), L.t.tensor([1, 2])])),
    Case("stack/shapes", lambda L: L.t.stack([L.t.ones(2), L.t.ones(3)]),
         fragment="stack expects each tensor to be equal size"),
    Case("stack/empty", lambda L: L.t.stack([]), ours=(RuntimeError, "non-empty")),
    Case("stack/dim out of range", lambda L: L.t.stack([L.t.ones(2)], 3),
         fragment="Dimension out of range"),
    # ----- indexing --------------------------------------------------------------------
    Case("getitem/out of range", lambda L: L.t.ones(2)[5], fragment="out of bounds"),
    Case("getitem/float", lambda L: L.t.ones(2)[1.5], fragment="index"),
    Case("getitem/float tensor", lambda L: L.t.ones(2)[L.t.ones(1)], fragment="long"),
    Case("getitem/too many", lambda L: L.t.ones(2)[0, 0], fragment="index"),
    Case("getitem/bool mask shape", lambda L: L.t.ones(3)[L.t.tensor([True, False])],
         fragment="shape"),
    Case("getitem/empty list", lambda L: L.t.ones(3)[[]]),
    Case("gather/float index", lambda L: L.t.gather(L.t.ones(2, 3), 1, L.t.ones(2, 3)),
         ours=(RuntimeError, "Expected dtype int64 for index")),
    Case("gather/out of bounds", lambda L: L.t.gather(L.t.ones(2, 3), 1,
                                                     L.t.tensor([[5], [0]])),
         fragment="out of bounds"),
    Case("gather/ndim", lambda L: L.t.gather(L.t.ones(2, 3), 1, L.t.tensor([0])),
         fragment="same number of dimensions"),
    Case("scatter_add/out of bounds",
         lambda L: L.t.scatter_add(L.t.zeros(3), 0, L.t.tensor([5]), L.t.ones(1)),
         fragment="out of bounds"),
    # ----- Tensor methods and conversions ------------------------------------------------
    Case("item/several", lambda L: L.t.ones(2).item(), fragment="2 elements"),
    Case("item/empty", lambda L: L.t.ones(0).item(), fragment="0 elements"),
    Case("bool/several", lambda L: bool(L.t.ones(2)), fragment="ambiguous"),
    Case("float/several", lambda L: float(L.t.ones(2)), fragment="only one element"),
    Case("int/several", lambda L: int(L.t.ones(2)), fragment="only one element"),
    Case("len/0-d", lambda L: len(L.t.ones(())), fragment="0-d tensor"),
    Case("iter/0-d", lambda L: iter(L.t.ones(())), fragment="0-d tensor"),
    Case("numpy/requires grad", lambda L: leaf(L, 2).numpy(), fragment="detach().numpy()"),
    Case("to/unknown", lambda L: L.t.ones(2).to("bogus"), fragment="device type"),
    Case("requires_grad_/int", lambda L: L.t.tensor([1]).requires_grad_(),
         fragment="floating point"),
    Case("requires_grad_/non-leaf off", lambda L: (leaf(L, 2) * 2).requires_grad_(False),
         fragment="leaf variables"),
    Case("retain_grad/no grad", lambda L: L.t.ones(2).retain_grad(),
         fragment="requires_grad=False"),
    Case("register_hook/no grad", lambda L: L.t.ones(2).register_hook(lambda g: g),
         fragment="doesn't require gradient"),
    Case("index/float tensor", lambda L: [1, 2, 3][L.t.tensor(1.0)], ours=(TypeError, "integer")),
    # ----- in-place ---------------------------------------------------------------------
    Case("add_/leaf requiring grad", _inplace_leaf, fragment="a leaf Variable"),
    Case("add_/broadcast shape", lambda L: L.t.ones(3).add_(L.t.ones(2, 3)),
         fragment="doesn't match the broadcast shape"),
    Case("mul_/int by float", lambda L: L.t.ones(3, dtype=L.t.int64).mul_(1.5),
         fragment="can't be cast"),
    Case("div_/int", lambda L: L.t.ones(3, dtype=L.t.int64).div_(2), fragment="can't be cast"),
    Case("fill_/1-d value", lambda L: L.t.ones(3).fill_(L.t.ones(2)),
         fragment="0-dimension value tensor"),
    Case("fill_/str", lambda L: L.t.ones(3).fill_("a"), fragment="Number"),
    Case("copy_/not broadcastable", lambda L: L.t.ones(3).copy_(L.t.ones(4)), fragment="4"),
    Case("copy_/list", lambda L: L.t.ones(3).copy_([1.0, 2.0, 3.0]), fragment="Tensor"),
    Case("clamp_/no bounds", lambda L: L.t.ones(3).clamp_(), fragment="min' or 'max"),
    # torch lets fill_/zero_ write an expanded tensor (one value to all aliases); ours
    # refuses every in-place write to an expanded (read-only) view, with torch's words
    # for the other in-place ops.
    Case("zero_/expanded", lambda L: L.t.ones(3).expand(2, 3).zero_(),
         ours=(RuntimeError, "single memory location")),
    Case("mul_/expanded", lambda L: L.t.ones(3).expand(2, 3).mul_(2),
         fragment="single memory location"),
    Case("sub_/alpha str", lambda L: L.t.ones(3).sub_(1, alpha="x"), fragment="alpha"),
    # ----- autograd ---------------------------------------------------------------------
    Case("backward/non-scalar", lambda L: (leaf(L, 2) * 2).backward(),
         fragment="only for scalar outputs"),
    Case("backward/no grad_fn", _backward_no_grad_fn, fragment="does not require grad"),
    Case("backward/twice", _backward_twice, fragment="second time"),
    Case("backward/gradient shape", _backward_int_gradient_shape, fragment="Mismatch in shape"),
    Case("backward/function on non-tensors", lambda L: ac.backward([1.0]),
         ours=(TypeError, "Tensor")),
    Case("grad/unused input", _grad_unused, fragment="appears to not have been used"),
    Case("grad/input without grad", _grad_no_rg, fragment="does not require grad"),
    Case("grad/grad_outputs shape", _grad_outputs_shape, fragment="Mismatch in shape"),
    Case("grad/outputs not tensors", lambda L: ac.grad(1.0, leaf(OURS, 2)),
         ours=(TypeError, "Tensor")),
    Case("set_grad_enabled/str", lambda L: ac.set_grad_enabled("yes"),
         ours=(TypeError, "bool")),
    Case("gradcheck/float32 inputs", _gradcheck_float32, ours=(ValueError, "float64")),
    Case("gradcheck/wrong backward", _gradcheck_wrong, ours=(ac.GradcheckError, "")),
    Case("gradcheck/not callable", lambda L: ac.gradcheck(3, (ac.ones(2, dtype=ac.float64),)),
         ours=(TypeError, "callable")),
    Case("Function/wrong gradient count", _function_wrong_count,
         ours=(RuntimeError, "incorrect number of gradients")),
    Case("Function/forward not an array", _function_not_array, ours=(TypeError, "ndarray")),
    Case("detect_anomaly/check_nan str", lambda L: ac.detect_anomaly(check_nan="x"),
         ours=(TypeError, "bool")),
    # ----- saving, drawing, data ----------------------------------------------------------
    Case("save/bad path", lambda L: ac.save({"a": ac.ones(2)}, "/nonexistent/dir/x.pt"),
         ours=(FileNotFoundError, "")),
    Case("load/missing file", lambda L: ac.load("/nonexistent/file.pt"),
         ours=(FileNotFoundError, "")),
    Case("save_safetensors/not a tensor", lambda L: ac.save_safetensors({"a": 3}, "/tmp/x.st"),
         ours=(TypeError, "expected a Tensor")),
    Case("load_safetensors/missing file",
         lambda L: ac.load_safetensors("/nonexistent/file.safetensors"),
         ours=(FileNotFoundError, "No such file")),
    Case("draw_graph/not a tensor", lambda L: ac.draw_graph("x"), ours=(TypeError, "Tensor")),
    Case("trace_backward/non-scalar", lambda L: ac.trace_backward(leaf(OURS, 2) * 2),
         ours=(RuntimeError, "scalar")),
    Case("load_digits/bad split", lambda L: ac.datasets.load_digits("validation"),
         ours=(ValueError, "split must be")),
    Case("TensorDataset/sizes", lambda L: L.data.TensorDataset(L.t.ones(3), L.t.ones(4)),
         ours=(ValueError, "Size mismatch")),
    Case("DataLoader/batch size 0", lambda L: _loader(L, batch_size=0),
         fragment="batch_size"),
    Case("DataLoader/shuffle and sampler",
         lambda L: _loader(L, shuffle=True, sampler=[0, 1]), fragment="sampler"),
    Case("random_split/lengths", lambda L: L.data.random_split(range(5), [2, 2]),
         fragment="Sum of input lengths"),
    # ----- nn ---------------------------------------------------------------------------
    Case("Linear/input features", lambda L: lin(L)(L.t.ones(4, 5)),
         fragment="mat1 and mat2 shapes cannot be multiplied (4x5 and 3x2)"),
    Case("Linear/int input", lambda L: lin(L)(L.t.ones(4, 3, dtype=L.t.int64)),
         fragment="dtype"),
    # nn builds the weight with np.empty, whose message is NumPy's (reported to the lead).
    Case("Linear/negative size", lambda L: L.nn.Linear(-1, 2),
         ours=(ValueError, "negative dimensions")),
    Case("Linear/empty batch", lambda L: lin(L)(L.t.ones(0, 3))),
    Case("Conv2d/channels", lambda L: L.nn.Conv2d(3, 4, 3)(L.t.ones(1, 2, 5, 5)),
         fragment="to have 3 channels, but got 2 channels instead"),
    Case("Conv2d/kernel too big", lambda L: L.nn.Conv2d(1, 1, 7)(L.t.ones(1, 1, 5, 5)),
         fragment="Kernel size can't be greater than actual input size"),
    Case("Conv2d/2-d input", lambda L: L.nn.Conv2d(1, 1, 3)(L.t.ones(5, 5)),
         fragment="3D (unbatched) or 4D (batched)"),
    Case("Conv2d/groups", lambda L: L.nn.Conv2d(3, 4, 3, groups=2), fragment="groups"),
    Case("MaxPool2d/kernel too big", lambda L: L.nn.MaxPool2d(7)(L.t.ones(1, 1, 5, 5)),
         fragment="too small"),
    Case("AvgPool2d/padding", lambda L: L.nn.AvgPool2d(2, padding=2)(L.t.ones(1, 1, 5, 5)),
         fragment="pad should be at most half"),
    Case("BatchNorm2d/features", lambda L: L.nn.BatchNorm2d(3)(L.t.ones(2, 4, 2, 2)),
         fragment="running_mean should contain 4 elements not 3"),
    Case("BatchNorm1d/one value", lambda L: L.nn.BatchNorm1d(3)(L.t.ones(1, 3)),
         fragment="Expected more than 1 value per channel"),
    Case("Dropout/p", lambda L: L.nn.Dropout(1.5), fragment="between 0 and 1"),
    Case("Flatten/dims", lambda L: L.nn.Flatten(3)(L.t.ones(2, 3)),
         fragment="Dimension out of range"),
    Case("Sequential/not a module", lambda L: L.nn.Sequential(L.nn.ReLU(), 3),
         ours=(TypeError, "Module")),
    Case("CrossEntropyLoss/float target shape",
         lambda L: L.nn.CrossEntropyLoss()(L.t.ones(2, 3), L.t.ones(2)),
         ours=(RuntimeError, "")),
    Case("CrossEntropyLoss/target out of range",
         lambda L: L.nn.CrossEntropyLoss()(L.t.ones(2, 3), L.t.tensor([0, 3])),
         ours=(IndexError, "out of bounds")),
    Case("CrossEntropyLoss/batch mismatch",
         lambda L: L.nn.CrossEntropyLoss()(L.t.ones(2, 3), L.t.tensor([0, 1, 2])),
         fragment="batch_size"),
    Case("NLLLoss/float target", lambda L: L.nn.NLLLoss()(L.t.ones(2, 3), L.t.ones(2)),
         ours=(RuntimeError, "")),
    Case("MSELoss/nan", lambda L: L.nn.MSELoss()(L.t.tensor([NAN, 1.0]), L.t.ones(2))),
    Case("MSELoss/empty", lambda L: L.nn.MSELoss()(L.t.ones(0), L.t.ones(0))),
    Case("L1Loss/shapes", lambda L: L.nn.L1Loss()(L.t.ones(2, 3), L.t.ones(4)),
         fragment="size"),
    Case("BCELoss/out of range", lambda L: L.nn.BCELoss()(L.t.tensor([1.5]), L.t.ones(1)),
         fragment="between 0 and 1"),
    Case("BCEWithLogitsLoss/shapes",
         lambda L: L.nn.BCEWithLogitsLoss()(L.t.ones(2), L.t.ones(3)),
         fragment="must be the same as input size"),
    Case("Softmax/dim out of range", lambda L: L.nn.Softmax(dim=2)(L.t.ones(2, 3)),
         fragment="Dimension out of range"),
    Case("F.one_hot/negative", lambda L: L.F.one_hot(L.t.tensor([-1, 0])),
         fragment="non-negative"),
    Case("F.one_hot/float", lambda L: L.F.one_hot(L.t.tensor([1.0])),
         fragment="index tensor"),
    Case("F.pad/odd", lambda L: L.F.pad(L.t.ones(2, 2), (1,)), fragment="divisible by 2"),
    Case("init/kaiming on 1-d", lambda L: L.nn.init.kaiming_uniform_(L.t.ones(3)),
         fragment="fewer than 2 dimensions"),
    Case("init/xavier on 1-d", lambda L: L.nn.init.xavier_normal_(L.t.ones(3)),
         fragment="fewer than 2 dimensions"),
    Case("init/eye_ on 3-d", lambda L: L.nn.init.eye_(L.t.ones(2, 2, 2)),
         fragment="2 dimensions"),
    Case("Parameter/int", lambda L: L.nn.Parameter(L.t.tensor([1, 2])),
         fragment="floating point"),
    Case("load_state_dict/missing key", _module_wrong_state, fragment="Missing key(s)"),
    Case("load_state_dict/shape", _module_state_shape, fragment="size mismatch"),
    # ----- optim ------------------------------------------------------------------------
    Case("SGD/negative lr", lambda L: sgd(L, lr=-1.0), fragment="Invalid learning rate"),
    Case("SGD/negative momentum", lambda L: sgd(L, lr=0.1, momentum=-0.5),
         fragment="Invalid momentum value"),
    Case("SGD/nesterov without momentum", lambda L: sgd(L, lr=0.1, nesterov=True),
         fragment="Nesterov momentum requires a momentum and zero dampening"),
    Case("SGD/negative weight decay", lambda L: sgd(L, lr=0.1, weight_decay=-1),
         fragment="Invalid weight_decay value"),
    Case("SGD/empty params", lambda L: L.optim.SGD([], lr=0.1),
         fragment="empty parameter list"),
    Case("SGD/non-leaf param", _opt_non_leaf, fragment="non-leaf Tensor"),
    Case("SGD/duplicate params", _opt_dup),  # torch only warns
    Case("SGD/params not iterable", lambda L: L.optim.SGD(leaf(L, 2), lr=0.1),
         fragment="iterable"),
    Case("Adam/beta out of range", lambda L: adam(L, betas=(1.5, 0.9)),
         fragment="Invalid beta parameter at index 0"),
    Case("Adam/negative eps", lambda L: adam(L, eps=-1e-8), fragment="Invalid epsilon value"),
    Case("AdamW/negative lr", lambda L: L.optim.AdamW([leaf(L, 2)], lr=-1),
         fragment="Invalid learning rate"),
    Case("RMSprop/negative alpha", lambda L: L.optim.RMSprop([leaf(L, 2)], alpha=-1),
         fragment="Invalid alpha value"),
    Case("Adagrad/negative lr decay", lambda L: L.optim.Adagrad([leaf(L, 2)], lr_decay=-1),
         fragment="Invalid lr_decay value"),
    Case("StepLR/not an optimizer", _scheduler_bad, fragment="is not an Optimizer"),
    # ----- reductions, sorting, indexing and shapes (issue 15) ---------------------------
    Case("all/dim out of range", lambda L: L.t.all(L.t.ones(2), dim=1),
         fragment="Dimension out of range"),
    Case("any/str", lambda L: L.t.any("a"), fragment="must be Tensor"),
    Case("allclose/dtypes", lambda L: L.t.allclose(L.t.ones(2), L.t.ones(2).double()),
         fragment="did not match"),
    Case("isclose/number", lambda L: L.t.isclose(L.t.ones(2), 1.0), fragment="must be Tensor"),
    Case("equal/list", lambda L: L.t.equal(L.t.ones(2), [1.0]), fragment="must be Tensor"),
    Case("count_nonzero/dim", lambda L: L.t.count_nonzero(L.t.ones(2), 2),
         fragment="Dimension out of range"),
    Case("sort/dim", lambda L: L.t.sort(L.t.ones(2), 1), fragment="Dimension out of range"),
    Case("argsort/str", lambda L: L.t.argsort("a"), fragment="must be Tensor"),
    Case("topk/k too large", lambda L: L.t.topk(L.t.ones(2), 3), fragment="k out of range"),
    Case("topk/bool", lambda L: L.t.topk(L.t.ones(2) > 0, 1), fragment="bool"),
    Case("unique/dim", lambda L: L.t.unique(L.t.ones(2), dim=1),
         fragment="Dimension out of range"),
    Case("nonzero/str", lambda L: L.t.nonzero("a"), fragment="must be Tensor"),
    Case("bincount/negative", lambda L: L.t.bincount(L.t.tensor([-1, 2])),
         fragment="non-negative"),
    Case("bincount/float", lambda L: L.t.bincount(L.t.ones(2)), fragment="not implemented"),
    Case("histc/int", lambda L: L.t.histc(L.t.tensor([1, 2])), fragment="not implemented"),
    Case("histc/min above max", lambda L: L.t.histc(L.t.ones(2), 4, min=3, max=1),
         fragment="max must be larger than min"),
    Case("histogram/bins 0", lambda L: L.t.histogram(L.t.ones(2), 0), fragment="bins must be"),
    Case("histogram/inf", lambda L: L.t.histogram(L.t.tensor([1.0, math.inf]), 2),
         fragment="is not finite"),
    Case("cumsum/dim", lambda L: L.t.cumsum(L.t.ones(2), 1), fragment="Dimension out of range"),
    Case("cumprod/no dim", lambda L: L.t.cumprod(L.t.ones(2)), fragment="dim"),
    Case("prod/dim tuple", lambda L: L.t.prod(L.t.ones(2, 2), (0, 1)), fragment="dim"),
    Case("norm/int", lambda L: L.t.norm(L.t.tensor([1, 2])), fragment="floating point"),
    Case("norm/p string", lambda L: L.t.norm(L.t.ones(2, 2), "abc"), fragment="not supported"),
    Case("split/sizes sum", lambda L: L.t.split(L.t.ones(5), [2, 2]),
         fragment="sum exactly to 5"),
    Case("chunk/zero", lambda L: L.t.chunk(L.t.ones(5), 0), fragment="greater than 0"),
    Case("unbind/0-d", lambda L: L.t.unbind(L.t.ones(())), fragment="no dimensions"),
    Case("narrow/past the end", lambda L: L.t.narrow(L.t.ones(4), 0, 3, 2),
         fragment="exceeds dimension size"),
    Case("tril/1-d", lambda L: L.t.tril(L.t.ones(3)), fragment="at least 2 dimensions"),
    Case("triu/float diagonal", lambda L: L.t.triu(L.t.ones(2, 2), 0.5),
         fragment="must be int"),
    Case("flip/repeated dim", lambda L: L.t.flip(L.t.ones(2, 2), (0, -2)),
         fragment="appears multiple times"),
    Case("roll/misaligned", lambda L: L.t.roll(L.t.ones(2, 2), (1, 2), 0),
         fragment="must align"),
    Case("diag/3-d", lambda L: L.t.diag(L.t.ones(2, 2, 2)), fragment="1D or 2D"),
    Case("diagonal/same dims", lambda L: L.t.diagonal(L.t.ones(2, 2), 0, 1, 1),
         fragment="cannot be identical"),
    Case("trace/3-d", lambda L: L.t.trace(L.t.ones(2, 2, 2)), fragment="expected a matrix"),
    Case("index_select/float index",
         lambda L: L.t.index_select(L.t.ones(3), 0, L.t.tensor([1.0])), fragment="int"),
    Case("index_select/out of range",
         lambda L: L.t.index_select(L.t.ones(3), 0, L.t.tensor([3])),
         fragment="index out of range"),
    Case("masked_select/int mask",
         lambda L: L.t.masked_select(L.t.ones(2), L.t.tensor([1, 0])), fragment="Bool"),
    Case("masked_fill/int mask",
         lambda L: L.t.masked_fill(L.t.ones(2), L.t.tensor([1, 0]), 0.0),
         fragment="boolean masks"),
    Case("index_add/dtype",
         lambda L: L.t.index_add(L.t.ones(2), 0, L.t.tensor([0]), L.t.ones(1).double()),
         fragment="same scalar type"),
    Case("scatter/index dtype",
         lambda L: L.t.scatter(L.t.ones(2), 0, L.t.tensor([0.0]), 1.0), fragment="int"),
    Case("scatter/out of bounds",
         lambda L: L.t.scatter(L.t.ones(2), 0, L.t.tensor([2]), 1.0),
         fragment="out of bounds"),
    Case("repeat_interleave/negative",
         lambda L: L.t.repeat_interleave(L.t.ones(2), -1), fragment="non-negative"),
    Case("broadcast_to/incompatible",
         lambda L: L.t.broadcast_to(L.t.ones(2), (3, 3)), fragment="must match"),
    Case("meshgrid/dtypes",
         lambda L: L.t.meshgrid(L.t.ones(2), L.t.ones(2).long(), indexing="ij"),
         fragment="same dtype"),
    # ----- elementwise and linear algebra (issue 15) --------------------------------
    Case("erf/list", lambda L: L.t.erf([1.0]), fragment="must be Tensor"),
    Case("erfc/nan", lambda L: L.t.erfc(L.t.tensor([NAN, 1.0, 30.0]))),
    Case("sinh/overflow", lambda L: L.t.sinh(L.t.tensor([1000.0, -1000.0]))),
    Case("cosh/int", lambda L: L.t.cosh(L.t.tensor([1, 2]))),
    Case("asin/out of domain", lambda L: L.t.asin(L.t.tensor([2.0, -1.0]))),
    Case("arcsin/str", lambda L: L.t.arcsin("a"), fragment="must be Tensor"),
    Case("acos/out of domain", lambda L: L.t.acos(L.t.tensor([-1.5, 1.0]))),
    Case("arccos/bool", lambda L: L.t.arccos(L.t.tensor([True, False]))),
    Case("atan/inf", lambda L: L.t.atan(L.t.tensor([math.inf, -math.inf]))),
    Case("arctan/list", lambda L: L.t.arctan([1.0]), fragment="must be Tensor"),
    Case("atan2/number", lambda L: L.t.atan2(L.t.ones(2), 1.0), fragment="must be Tensor"),
    Case("arctan2/shapes", lambda L: L.t.arctan2(L.t.ones(2), L.t.ones(3)),
         fragment="size of tensor a (2)"),
    Case("log2/negative", lambda L: L.t.log2(L.t.tensor([-1.0, 0.0]))),
    Case("log10/int zero", lambda L: L.t.log10(L.t.tensor([0, 100]))),
    Case("log1p/below -1", lambda L: L.t.log1p(L.t.tensor([-2.0, -1.0]))),
    Case("expm1/overflow", lambda L: L.t.expm1(L.t.tensor([1000.0, -1000.0]))),
    Case("exp2/int", lambda L: L.t.exp2(L.t.tensor([3, -1]))),
    Case("rsqrt/zero", lambda L: L.t.rsqrt(L.t.tensor([0.0, -0.0, -1.0]))),
    Case("reciprocal/int zero", lambda L: L.t.reciprocal(L.t.tensor([0, 2]))),
    Case("square/bool", lambda L: L.t.square(L.t.tensor([True, False]))),
    Case("floor/bool", lambda L: L.t.floor(L.t.tensor([True])),
         fragment="not implemented for 'Bool'"),
    Case("ceil/int", lambda L: L.t.ceil(L.t.tensor([1, -2]))),
    Case("round/float decimals", lambda L: L.t.round(L.t.ones(2), decimals=0.5),
         fragment="decimals"),
    Case("trunc/bool", lambda L: L.t.trunc(L.t.tensor([True])),
         fragment="not implemented for 'Bool'"),
    Case("fix/str", lambda L: L.t.fix("a"), fragment="must be Tensor"),
    Case("frac/int", lambda L: L.t.frac(L.t.tensor([1, 2])), fragment="frac_cpu"),
    Case("sign/nan", lambda L: L.t.sign(L.t.tensor([NAN, -0.0, -2.0]))),
    Case("sgn/int", lambda L: L.t.sgn(L.t.tensor([-3, 0, 5]))),
    Case("remainder/int zero", lambda L: L.t.remainder(L.t.tensor([1, 2]), 0),
         fragment="ZeroDivisionError"),
    Case("fmod/number first", lambda L: L.t.fmod(2, L.t.ones(2)),
         fragment="invalid combination of arguments"),
    Case("hypot/int", lambda L: L.t.hypot(L.t.tensor([3]), L.t.tensor([4])),
         fragment="hypot_cpu"),
    Case("logaddexp/number", lambda L: L.t.logaddexp(L.t.ones(2), 0.0),
         fragment="must be Tensor"),
    Case("lerp/end dtype", lambda L: L.t.lerp(L.t.ones(2), L.t.ones(2).double(), 0.5),
         fragment="expected dtype float for `end`"),
    Case("einsum/operands", lambda L: L.t.einsum("ij,jk->ik", L.t.ones(2, 3)),
         fragment="fewer operands"),
    Case("einsum/subscript", lambda L: L.t.einsum("i1", L.t.ones(2, 3)),
         fragment="invalid subscript"),
    Case("mm/1-d", lambda L: L.t.mm(L.t.ones(3), L.t.ones(3, 2)), fragment="must be a matrix"),
    Case("mv/size", lambda L: L.t.mv(L.t.ones(2, 3), L.t.ones(4)), fragment="size mismatch"),
    Case("dot/2-d", lambda L: L.t.dot(L.t.ones(2, 2), L.t.ones(2)),
         fragment="1D tensors expected"),
    Case("outer/2-d", lambda L: L.t.outer(L.t.ones(2, 2), L.t.ones(2)),
         fragment="Expected 1-D argument self"),
    Case("ger/0-d", lambda L: L.t.ger(L.t.ones(2), L.t.tensor(1.0)),
         fragment="Expected 1-D argument vec2"),
    Case("bmm/2-d", lambda L: L.t.bmm(L.t.ones(2, 3), L.t.ones(3, 2)),
         fragment="batch1 must be a 3D tensor"),
    Case("baddbmm/dtype",
         lambda L: L.t.baddbmm(L.t.ones(1, 2, 2).double(), L.t.ones(1, 2, 2), L.t.ones(1, 2, 2)),
         fragment="Input dtypes must be the same"),
    Case("numel/list", lambda L: L.t.numel([1, 2]), fragment="must be Tensor"),
]


def _run(case: Case, lib: SimpleNamespace) -> tuple[Any, BaseException | None]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with np.errstate(all="ignore"):
            try:
                return case.fn(lib), None
            except Exception as e:  # noqa: BLE001 - the table compares refusals
                return None, e


def _values(x: Any) -> Any:
    if isinstance(x, (ac.Tensor, torch.Tensor)):
        return np.asarray(x.detach().numpy() if isinstance(x, torch.Tensor) else x._data)
    if isinstance(x, (tuple, list)):
        return [_values(v) for v in x]
    return x


def _same_values(a: Any, b: Any, cid: str) -> None:
    va, vb = _values(a), _values(b)
    if isinstance(va, np.ndarray) or isinstance(vb, np.ndarray):
        va, vb = np.asarray(va), np.asarray(vb)
        assert va.shape == vb.shape, f"{cid}: shape {va.shape} vs torch {vb.shape}"
        assert va.dtype == vb.dtype, f"{cid}: dtype {va.dtype} vs torch {vb.dtype}"
        if va.dtype.kind == "f":
            np.testing.assert_allclose(va, vb, rtol=1e-5, atol=1e-6, equal_nan=True,
                                       err_msg=cid)
        else:
            np.testing.assert_array_equal(va, vb, err_msg=cid)
    elif isinstance(va, list):
        assert len(va) == len(vb), cid
        for x, y in zip(va, vb):
            _same_values(x, y, cid)


def _not_from_numpy(err: BaseException, cid: str) -> None:
    frames = traceback.extract_tb(err.__traceback__)
    if frames:
        last = frames[-1].filename
        assert not last.startswith(NUMPY_DIR), (
            f"{cid}: a bare NumPy error: {type(err).__name__}: {err} (raised in {last})")


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input(case: Case):
    ours, err_o = _run(case, OURS)
    if case.lenient is not None:
        _, err_t = _run(case, THEIRS)
        assert err_t is not None, f"{case.id}: torch accepts it; drop lenient="
        assert err_o is None, f"{case.id}: ours raised {type(err_o).__name__}: {err_o}"
        theirs, err = _run(Case(case.id, case.lenient), THEIRS)
        assert err is None, err
        _same_values(ours, theirs, case.id)
        return
    if case.ours is not None:
        etype, fragment = case.ours
        assert err_o is not None, f"{case.id}: expected {etype.__name__}, got {ours!r}"
        assert isinstance(err_o, etype), f"{case.id}: {type(err_o).__name__}: {err_o}"
        assert fragment in str(err_o), f"{case.id}: {err_o!s} lacks {fragment!r}"
        _not_from_numpy(err_o, case.id)
        return
    theirs, err_t = _run(case, THEIRS)
    if err_t is not None:
        assert err_o is not None, (
            f"{case.id}: torch raised {type(err_t).__name__}: {err_t}; ours returned {ours!r}")
        assert isinstance(err_o, type(err_t)), (
            f"{case.id}: ours {type(err_o).__name__}: {err_o}; torch "
            f"{type(err_t).__name__}: {err_t}")
        if case.fragment is not None:
            assert case.fragment in str(err_o), f"{case.id}: {err_o!s} lacks {case.fragment!r}"
        _not_from_numpy(err_o, case.id)
        return
    assert err_o is None, f"{case.id}: ours raised {type(err_o).__name__}: {err_o}"
    _same_values(ours, theirs, case.id)


def test_table_covers_every_public_autograd_core_function():
    """Each public callable of autograd_core appears in at least one case id."""
    skip = {"Tensor", "GradcheckError", "BackwardTrace", "is_grad_enabled", "no_grad",
            "enable_grad", "default_generator", "is_anomaly_enabled", "save_backward_frames",
            "set_detect_anomaly"}
    names = [n for n in dir(ac) if not n.startswith("_") and callable(getattr(ac, n))
             and not isinstance(getattr(ac, n), np.dtype) and not isinstance(
                 getattr(ac, n), type(np.float32)) and n not in skip]
    ids = " ".join(c.id.split("/")[0] for c in CASES)
    missing = [n for n in names if n not in ids.split()]
    assert not missing, f"no bad-input case for: {missing}"
