"""dtypes, devices and the CPU-only stand-ins (cuda, backends, accelerator, amp) against
PyTorch 2.13: names, printing, equality, promotion, finfo/iinfo, the default dtype,
``device=`` on every factory, ``Tensor.to`` in all its forms, and bfloat16."""

from __future__ import annotations

import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

import autograd_core as ac
from autograd_core import dtypes as ac_dtypes

ROOT = Path(__file__).resolve().parents[1]

# Every dtype name PyTorch 2.13 offers, complex ones and float8 aside.
DTYPE_NAMES = ["float16", "half", "bfloat16", "float32", "float", "float64", "double",
               "int8", "int16", "short", "int32", "int", "int64", "long", "uint8", "uint16",
               "uint32", "uint64", "bool"]
NUMPY_BACKED = [n for n in DTYPE_NAMES if n != "bfloat16"]


@pytest.fixture
def restore_default_dtype():
    """Leave both libraries' default dtype as it was, whatever the test does."""
    ours, theirs = ac.get_default_dtype(), torch.get_default_dtype()
    yield
    ac.set_default_dtype(ours)
    torch.set_default_dtype(theirs)


# ----- dtype objects ------------------------------------------------------------------------

@pytest.mark.parametrize("name", DTYPE_NAMES)
def test_dtype_alias_prints_and_describes_itself_as_torch(name):
    ours, theirs = getattr(ac, name), getattr(torch, name)
    assert repr(ours) == repr(theirs) and str(ours) == str(theirs)
    assert ours.is_floating_point == theirs.is_floating_point
    assert ours.is_signed == theirs.is_signed
    assert ours.itemsize == theirs.itemsize
    assert ours.is_complex is False and theirs.is_complex is False
    assert isinstance(ours, ac.dtype)


def test_aliases_are_the_same_objects_and_equal_as_in_torch():
    for a, b in (("float", "float32"), ("double", "float64"), ("half", "float16"),
                 ("int", "int32"), ("long", "int64"), ("short", "int16")):
        assert getattr(ac, a) is getattr(ac, b)
        assert (getattr(ac, a) == getattr(ac, b)) == (getattr(torch, a) == getattr(torch, b))
    assert ac.float32 != ac.float64 and torch.float32 != torch.float64
    # As PyTorch's, a dtype never equals a string.
    assert (ac.float32 == "float32") == (torch.float32 == "float32") is False


@pytest.mark.parametrize("name", NUMPY_BACKED)
def test_dtype_is_the_numpy_dtype_to_numpy(name):
    d = getattr(ac, name)
    npdt = torch.empty(0, dtype=getattr(torch, name)).numpy().dtype
    assert d == npdt and npdt == d and d == npdt.type
    assert hash(d) == hash(npdt) and {npdt: 1}[d] == 1 and {d: 1}[npdt] == 1
    assert np.zeros(2, dtype=d).dtype == npdt
    assert np.arange(3).astype(d).dtype == npdt
    assert np.dtype(d) == npdt and d.kind == npdt.kind


def test_dtype_pickles_to_the_same_object():
    for d in (ac.float32, ac.int64, ac.bool, ac.bfloat16):
        assert pickle.loads(pickle.dumps(d)) is d


@pytest.mark.parametrize("data", [[1.5, 2.0], [1, 2], [True], 3.0, 7])
def test_tensor_dtype_equals_and_prints_like_torch(data):
    ours, theirs = ac.tensor(data), torch.tensor(data)
    assert str(ours.dtype) == str(theirs.dtype)
    assert ours.dtype == getattr(ac, str(theirs.dtype).split(".")[1])
    if not isinstance(data, list) or not isinstance(data[0], bool):  # (bool spacing aside)
        assert repr(ours) == repr(theirs)


@pytest.mark.parametrize("name", ["float64", "int32", "int8", "uint8", "float16", "int16"])
def test_repr_names_a_non_default_dtype_as_torch(name):
    ours = ac.tensor([1, 2], dtype=getattr(ac, name))
    theirs = torch.tensor([1, 2], dtype=getattr(torch, name))
    assert repr(ours) == repr(theirs)


@pytest.mark.parametrize("pytype", [float, int, bool])
def test_python_types_as_dtypes_mean_what_they_mean_in_torch(pytype):
    assert str(ac.zeros(2, dtype=pytype).dtype) == str(torch.zeros(2, dtype=pytype).dtype)
    assert str(ac.ones(2).to(pytype).dtype) == str(torch.ones(2).to(pytype).dtype)


# ----- promotion, finfo, iinfo --------------------------------------------------------------

def _outcome(fn):
    try:
        return str(fn())
    except Exception as e:  # noqa: BLE001 - compared with torch's refusal
        return type(e).__name__


@pytest.mark.parametrize("a", DTYPE_NAMES)
def test_promote_types_matches_torch_for_every_pair(a):
    for b in DTYPE_NAMES:
        ours = _outcome(lambda b=b: ac.promote_types(getattr(ac, a), getattr(ac, b)))
        theirs = _outcome(lambda b=b: torch.promote_types(getattr(torch, a), getattr(torch, b)))
        assert ours == theirs, (a, b)


RESULT_TYPE_ARGS = [
    ("t_int32", 2.5), ("t_int32", 2), ("t_bool", 3), ("t_bool", True), ("t_f16", 1e10),
    ("t_int8", "t0_int64"), ("t_f32", "t0_f64"), ("t_int32", "t_f16"), (2, 3.0), (True, 2),
    (False, True), ("t0_int64", 2.5), (3, "t_uint8"),
]


def _arg(lib, spec):
    if not isinstance(spec, str):
        return spec
    dims, name = spec.split("_")
    dt = {"int32": "int32", "bool": "bool", "f16": "float16", "int8": "int8",
          "int64": "int64", "f32": "float32", "f64": "float64", "uint8": "uint8"}[name]
    shape = () if dims == "t0" else (3,)
    return lib.zeros(shape, dtype=getattr(lib, dt))


@pytest.mark.parametrize("args", RESULT_TYPE_ARGS, ids=str)
def test_result_type_matches_torch(args):
    ours = ac.result_type(*(_arg(ac, a) for a in args))
    theirs = torch.result_type(*(_arg(torch, a) for a in args))
    assert str(ours) == str(theirs)


@pytest.mark.parametrize("name", ["float16", "bfloat16", "float32", "float64"])
def test_finfo_matches_torch(name):
    ours, theirs = ac.finfo(getattr(ac, name)), torch.finfo(getattr(torch, name))
    for attr in ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution",
                 "dtype"):
        assert getattr(ours, attr) == getattr(theirs, attr), attr
    assert repr(ours) == repr(theirs)


@pytest.mark.parametrize("name", ["int8", "int16", "int32", "int64", "uint8"])
def test_iinfo_matches_torch(name):
    ours, theirs = ac.iinfo(getattr(ac, name)), torch.iinfo(getattr(torch, name))
    for attr in ("bits", "max", "min", "dtype"):
        assert getattr(ours, attr) == getattr(theirs, attr), attr
    assert repr(ours) == repr(theirs)


def test_finfo_and_iinfo_refuse_the_other_kind_as_torch():
    for lib in (ac, torch):
        with pytest.raises(TypeError, match="requires a floating point input type"):
            lib.finfo(lib.int32)
        with pytest.raises(TypeError, match="requires an integer input type"):
            lib.iinfo(lib.float32)
    assert ac.finfo().eps == torch.finfo().eps  # the default dtype's


def test_is_floating_point_and_is_complex():
    for name in ("float32", "float64", "int64", "bool", "float16"):
        ours = ac.zeros(2, dtype=getattr(ac, name))
        theirs = torch.zeros(2, dtype=getattr(torch, name))
        assert ac.is_floating_point(ours) == torch.is_floating_point(theirs)
        assert ours.is_floating_point() == theirs.is_floating_point()
        assert ac.is_complex(ours) is False and ours.is_complex() is False
        assert ours.is_signed() == theirs.is_signed()
        assert ours.element_size() == theirs.element_size()


# ----- the default dtype ------------------------------------------------------------------

DEFAULT_DTYPE_PROGRAMS = {
    "float literal": lambda L: L.tensor(1.5),
    "float list": lambda L: L.tensor([1.0, 2.0]),
    "int list": lambda L: L.tensor([1, 2]),
    "zeros": lambda L: L.zeros(2),
    "ones": lambda L: L.ones(2),
    "empty": lambda L: L.empty(2),
    "full float": lambda L: L.full((2,), 1.5),
    "arange float": lambda L: L.arange(0.0, 2.0),
    "arange int": lambda L: L.arange(3),
    "linspace": lambda L: L.linspace(0, 1, 3),
    "logspace": lambda L: L.logspace(0, 1, 3),
    "eye": lambda L: L.eye(2),
    "rand": lambda L: L.rand(2),
    "randn": lambda L: L.randn(2),
    "normal": lambda L: L.normal(0.0, 1.0, (2,)),
    "int tensor times float": lambda L: L.tensor([1, 2]) * 2.5,
    "float32 tensor times float": lambda L: L.ones(2, dtype=L.float32) * 2.5,
    "nn.Linear weight": lambda L: L.nn.Linear(2, 3).weight,
    "nn.Conv2d bias": lambda L: L.nn.Conv2d(1, 2, 3).bias,
    "nn.Embedding weight": lambda L: L.nn.Embedding(4, 2).weight,
    "nn.LayerNorm weight": lambda L: L.nn.LayerNorm(3).weight,
}


@pytest.mark.parametrize("default", ["float64", "float32", "float16"])
@pytest.mark.parametrize("program", list(DEFAULT_DTYPE_PROGRAMS))
def test_set_default_dtype_changes_what_torch_changes(default, program, restore_default_dtype):
    ac.set_default_dtype(getattr(ac, default))
    torch.set_default_dtype(getattr(torch, default))
    assert str(ac.get_default_dtype()) == str(torch.get_default_dtype())
    fn = DEFAULT_DTYPE_PROGRAMS[program]
    assert str(fn(ac).dtype) == str(fn(torch).dtype)


def test_set_default_dtype_refuses_integers_as_torch(restore_default_dtype):
    for lib in (ac, torch):
        with pytest.raises(TypeError, match="only floating-point types"):
            lib.set_default_dtype(lib.int64)
    assert ac.get_default_dtype() == ac.float32


# ----- devices --------------------------------------------------------------------------

DEVICE_SPECS = [("cpu",), ("cpu:0",), ("cpu", 0), ("cuda",), ("cuda:1",), ("cuda", 2),
                ("mps",), ("xpu:0",), ("meta",)]


@pytest.mark.parametrize("spec", DEVICE_SPECS, ids=str)
def test_device_objects_as_torch(spec):
    ours, theirs = ac.device(*spec), torch.device(*spec)
    assert (repr(ours), str(ours), ours.type, ours.index) == (
        repr(theirs), str(theirs), theirs.type, theirs.index)
    assert ac.device(ours) == ours and hash(ac.device(*spec)) == hash(ours)
    assert pickle.loads(pickle.dumps(ours)) == ours


def test_device_equality_as_torch():
    pairs = [(("cpu",), ("cpu",)), (("cpu",), ("cpu:0",)), (("cpu:0",), ("cpu", 0)),
             (("cpu",), ("cuda",))]
    for a, b in pairs:
        assert (ac.device(*a) == ac.device(*b)) == (torch.device(*a) == torch.device(*b))
    # A device never equals a string, in PyTorch as here.
    assert (ac.device("cpu") == "cpu") == (torch.device("cpu") == "cpu")
    assert str(ac.ones(1).device) == "cpu" and ac.ones(1).device == ac.device("cpu")


@pytest.mark.parametrize("spec", [("bogus",), ("cuda:x",), ("cpu:-1",), ("cpu", -1),
                                  ("cpu:0", 1)], ids=str)
def test_bad_device_strings_raise_as_torch(spec):
    with pytest.raises(RuntimeError) as theirs:
        torch.device(*spec)
    with pytest.raises(RuntimeError) as ours:
        ac.device(*spec)
    assert str(ours.value) == str(theirs.value)


FACTORIES = {
    "tensor": lambda L, d: L.tensor([1.0, 2.0], device=d),
    "as_tensor": lambda L, d: L.as_tensor([1.0], device=d),
    "zeros": lambda L, d: L.zeros(2, 3, device=d),
    "ones": lambda L, d: L.ones((2,), device=d),
    "empty": lambda L, d: L.empty(2, device=d),
    "full": lambda L, d: L.full((2,), 3.0, device=d),
    "arange": lambda L, d: L.arange(4, device=d),
    "linspace": lambda L, d: L.linspace(0, 1, 5, device=d),
    "logspace": lambda L, d: L.logspace(0, 1, 5, device=d),
    "eye": lambda L, d: L.eye(3, device=d),
    "rand": lambda L, d: L.rand(2, device=d),
    "randn": lambda L, d: L.randn(2, device=d),
    "randint": lambda L, d: L.randint(0, 5, (3,), device=d),
    "randperm": lambda L, d: L.randperm(4, device=d),
    "normal": lambda L, d: L.normal(0.0, 1.0, (2,), device=d),
    "zeros_like": lambda L, d: L.zeros_like(L.ones(2), device=d),
    "ones_like": lambda L, d: L.ones_like(L.ones(2), device=d),
    "empty_like": lambda L, d: L.empty_like(L.ones(2), device=d),
    "full_like": lambda L, d: L.full_like(L.ones(2), 7, device=d),
    "rand_like": lambda L, d: L.rand_like(L.ones(2), device=d),
    "randn_like": lambda L, d: L.randn_like(L.ones(2), device=d),
    "randint_like": lambda L, d: L.randint_like(L.ones(2), 5, device=d),
}


@pytest.mark.parametrize("name", list(FACTORIES))
def test_every_factory_takes_the_cpu_device(name):
    fn = FACTORIES[name]
    for dev in ("cpu", "cpu:0", ac.device("cpu"), None):
        t = fn(ac, dev)
        theirs = fn(torch, dev if not isinstance(dev, ac.device) else torch.device("cpu"))
        assert t.device == ac.device("cpu")
        assert t.shape == tuple(theirs.shape) and str(t.dtype) == str(theirs.dtype)
    # pin_memory is accepted where torch takes it (it means nothing without a GPU)
    assert ac.zeros(2, pin_memory=False).shape == (2,)


@pytest.mark.parametrize("name", list(FACTORIES))
@pytest.mark.parametrize("dev", ["cuda", "cuda:0", "mps", "xpu", 0])
def test_every_factory_refuses_other_devices(name, dev):
    with pytest.raises(RuntimeError, match="runs on the CPU only"):
        FACTORIES[name](ac, dev)


TO_CALLS = {
    "dtype": lambda L, t: t.to(L.float64),
    "same dtype": lambda L, t: t.to(L.float32),
    "device": lambda L, t: t.to("cpu"),
    "device object": lambda L, t: t.to(L.device("cpu")),
    "device and dtype": lambda L, t: t.to("cpu", L.int32),
    "keywords": lambda L, t: t.to(device="cpu", dtype=L.float16),
    "tensor": lambda L, t: t.to(L.zeros(1, dtype=L.int64)),
    "same tensor": lambda L, t: t.to(t),
    "copy": lambda L, t: t.to(L.float32, copy=True),
    "device copy": lambda L, t: t.to("cpu", copy=True),
    "positional flags": lambda L, t: t.to(L.float64, False, True),
    "non_blocking": lambda L, t: t.to("cpu", non_blocking=True),
    "python float": lambda L, t: t.to(float),
    "cpu()": lambda L, t: t.cpu(),
    "float()": lambda L, t: t.float(),
    "double()": lambda L, t: t.double(),
    "half()": lambda L, t: t.half(),
    "long()": lambda L, t: t.long(),
    "int()": lambda L, t: t.int(),
    "short()": lambda L, t: t.short(),
    "char()": lambda L, t: t.char(),
    "byte()": lambda L, t: t.byte(),
    "bool()": lambda L, t: t.bool(),
    "type(name)": lambda L, t: t.type("torch.DoubleTensor"),
    "type(dtype)": lambda L, t: t.type(L.int16),
    "pin_memory()": lambda L, t: t.pin_memory() if L is ac else t,
}


@pytest.mark.parametrize("call", list(TO_CALLS))
def test_to_and_conversions_as_torch(call):
    data = [[1.5, -2.0], [0.0, 3.25]]
    ours, theirs = ac.tensor(data), torch.tensor(data)
    o, t = TO_CALLS[call](ac, ours), TO_CALLS[call](torch, theirs)
    assert str(o.dtype) == str(t.dtype)
    assert (o is ours) == (t is theirs), "returns self exactly when torch does"
    np.testing.assert_array_equal(np.asarray(o.tolist()), np.asarray(t.tolist()))


def test_to_keeps_the_graph_and_casts_the_gradient_back():
    x = ac.tensor([1.5, 2.0], requires_grad=True)
    xt = torch.tensor([1.5, 2.0], requires_grad=True)
    (x.to(ac.float64) ** 2).sum().backward()
    (xt.to(torch.float64) ** 2).sum().backward()
    assert x.grad.dtype == ac.float32
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy())
    y = ac.tensor([1.0], requires_grad=True)
    assert y.to("cpu", copy=True).grad_fn is not None  # a copy stays in the graph


def test_tensor_device_facts_as_torch():
    ours, theirs = ac.ones(2), torch.ones(2)
    assert ours.is_cuda == theirs.is_cuda is False
    assert ours.is_cpu == theirs.is_cpu is True
    assert ours.get_device() == theirs.get_device() == -1
    assert ours.type() == theirs.type() == "torch.FloatTensor"
    assert ac.ones(2, dtype=ac.int64).type() == torch.ones(2, dtype=torch.int64).type()
    assert ours.is_pinned() is False and ours.pin_memory() is ours


@pytest.mark.parametrize("call", [lambda t: t.cuda(), lambda t: t.cuda(0),
                                  lambda t: t.to("cuda"), lambda t: t.to("mps"),
                                  lambda t: t.to(ac.device("cuda", 1)),
                                  lambda t: t.to("xpu", ac.float64)])
def test_tensors_never_leave_the_cpu(call):
    with pytest.raises(RuntimeError, match="runs on the CPU only"):
        call(ac.ones(2))


def test_to_refuses_bad_arguments():
    with pytest.raises(TypeError, match="invalid combination"):
        ac.ones(2).to(ac.float64, "cpu")
    with pytest.raises(TypeError, match="unexpected keyword"):
        ac.ones(2).to(dtype=ac.float64, bogus=1)


def test_default_device():
    assert ac.get_default_device() == ac.device("cpu")
    assert str(torch.get_default_device()) == str(ac.get_default_device())
    ac.set_default_device("cpu")
    ac.set_default_device(None)
    with pytest.raises(RuntimeError, match="runs on the CPU only"):
        ac.set_default_device("cuda")
    with ac.device("cpu"):
        assert ac.zeros(1).device == ac.device("cpu")
    with pytest.raises(RuntimeError, match="runs on the CPU only"), ac.device("cuda"):
        pass


# ----- cuda, backends, accelerator ----------------------------------------------------------

def test_cuda_module_answers_as_a_machine_without_cuda():
    assert ac.cuda.is_available() is torch.cuda.is_available() is False
    assert ac.cuda.device_count() == torch.cuda.device_count() == 0
    assert ac.cuda.is_initialized() is False and ac.cuda.is_bf16_supported() is False
    for fn in (ac.cuda.manual_seed, ac.cuda.manual_seed_all):
        assert fn(3) is None
    with pytest.raises(ValueError):
        ac.cuda.manual_seed("x")  # torch's int() conversion refuses it too
    assert ac.cuda.synchronize() is None and ac.cuda.empty_cache() is None
    assert ac.cuda.seed() is None and ac.cuda.seed_all() is None
    for fn in (ac.cuda.current_device, ac.cuda.get_device_name):
        with pytest.raises(RuntimeError, match="runs on the CPU only"):
            fn()
    with pytest.raises(RuntimeError, match="runs on the CPU only"):
        ac.cuda.set_device(0)
    # The idiom that picks the device.
    dev = ac.device("cuda" if ac.cuda.is_available() else "cpu")
    assert ac.zeros(2, device=dev).device == ac.device("cpu")


def test_backends_and_accelerator_flags_as_torch_on_a_cpu_machine():
    assert ac.backends.mps.is_available() is torch.backends.mps.is_available() is False
    assert ac.backends.mps.is_built() is False
    assert ac.backends.cudnn.is_available() is torch.backends.cudnn.is_available() is False
    for flag in ("enabled", "benchmark", "deterministic"):
        assert getattr(ac.backends.cudnn, flag) == getattr(torch.backends.cudnn, flag)
    assert (ac.backends.cuda.matmul.allow_tf32
            == torch.backends.cuda.matmul.allow_tf32)
    old = ac.backends.cudnn.benchmark
    ac.backends.cudnn.benchmark = True  # programs set it; it is kept and changes nothing
    assert ac.backends.cudnn.benchmark is True
    ac.backends.cudnn.benchmark = old
    assert ac.accelerator.is_available() is torch.accelerator.is_available() is False
    assert ac.accelerator.current_accelerator() is torch.accelerator.current_accelerator()
    assert ac.accelerator.device_count() == torch.accelerator.device_count() == 0


# ----- amp ------------------------------------------------------------------------------------

def _train(lib, scaler, autocast, steps=5):
    """A tiny linear regression in the usual AMP pattern; returns the losses."""
    w = lib.tensor([[0.5, -0.25], [0.1, 0.3]], requires_grad=True)
    x = lib.tensor([[1.0, 2.0], [3.0, -1.0], [0.5, 0.5]])
    y = lib.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])

    class Opt:  # a plain SGD step, the same in both libraries
        def zero_grad(self):
            w.grad = None

        def step(self):
            with lib.no_grad():
                w.sub_(0.1 * w.grad)
            return "stepped"

    opt, losses = Opt(), []
    for _ in range(steps):
        opt.zero_grad()
        with autocast():
            loss = ((x @ w - y) ** 2).mean()
        scaler.scale(loss).backward()
        scaler.unscale_(opt)
        assert scaler.step(opt) == "stepped"
        scaler.update()
        losses.append(loss.item())
    return losses


def test_grad_scaler_and_autocast_behave_as_disabled():
    plain = _train(ac, ac.amp.GradScaler(enabled=False), lambda: ac.amp.autocast("cpu",
                                                                                 enabled=False))
    for scaler, autocast in (
        (ac.amp.GradScaler(), lambda: ac.amp.autocast("cuda", dtype=ac.float16)),
        (ac.amp.GradScaler("cuda", init_scale=1024.0), lambda: ac.autocast("cuda")),
        (ac.cuda.amp.GradScaler(), lambda: ac.cuda.amp.autocast()),
    ):
        assert _train(ac, scaler, autocast) == plain
        assert scaler.get_scale() == 1.0 and scaler.is_enabled() is False
        assert scaler.state_dict() == {}
        scaler.load_state_dict({})
    theirs = _train(torch, torch.amp.GradScaler(enabled=False),
                    lambda: torch.autocast("cpu", enabled=False))
    np.testing.assert_allclose(plain, theirs, rtol=1e-6)
    disabled = torch.amp.GradScaler(enabled=False)
    assert (disabled.get_scale(), disabled.is_enabled(), disabled.state_dict()) == (
        ac.amp.GradScaler().get_scale(), False, {})


def test_autocast_as_decorator_keeps_dtypes():
    @ac.autocast("cuda", dtype=ac.bfloat16)
    def f(a, b):
        return a @ b

    assert f(ac.ones(2, 2), ac.ones(2, 2)).dtype == ac.float32
    with ac.autocast(device_type="cpu", dtype=ac.bfloat16):
        assert (ac.ones(2) * 2).dtype == ac.float32
    with pytest.raises(ValueError, match="device_type"):
        ac.autocast(ac.device("cpu"))


# ----- bfloat16 -------------------------------------------------------------------------------

def test_bfloat16_rounds_and_computes_as_torch():
    pytest.importorskip("ml_dtypes", reason="bfloat16 needs the optional ml_dtypes package")
    vals = [1.0, 2.5, 3.14159, -1e-3, 65504.0, 1e18]
    ours, theirs = ac.tensor(vals, dtype=ac.bfloat16), torch.tensor(vals, dtype=torch.bfloat16)
    assert str(ours.dtype) == "torch.bfloat16" and ours.dtype.itemsize == 2
    np.testing.assert_array_equal(ours.float().numpy(), theirs.float().numpy())
    np.testing.assert_array_equal(ac.tensor(vals).to(ac.bfloat16).float().numpy(),
                                  torch.tensor(vals).to(torch.bfloat16).float().numpy())
    prod = (ours * ours).float().numpy()
    np.testing.assert_array_equal(prod, (theirs * theirs).float().numpy())
    assert repr(ac.tensor([1.0, 2.5], dtype=ac.bfloat16)) == repr(
        torch.tensor([1.0, 2.5], dtype=torch.bfloat16))
    assert ours.is_floating_point() and ac.is_floating_point(ours)
    assert ac.zeros(2, dtype=ac.bfloat16).bfloat16().dtype == ac.bfloat16


def test_bfloat16_refuses_autograd_instead_of_cutting_the_graph():
    pytest.importorskip("ml_dtypes", reason="bfloat16 needs the optional ml_dtypes package")
    with pytest.raises(RuntimeError, match="bfloat16 tensors cannot take part in autograd"):
        ac.ones(2, dtype=ac.bfloat16, requires_grad=True)
    x = ac.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="compute and differentiate in float32"):
        x.to(ac.bfloat16)
    with ac.no_grad():
        assert x.to(ac.bfloat16).dtype == ac.bfloat16


def test_bfloat16_without_ml_dtypes_says_what_is_missing():
    # A fresh interpreter in which ml_dtypes cannot be imported.
    code = (
        "import sys; sys.modules['ml_dtypes'] = None\n"
        "import autograd_core as t\n"
        "assert str(t.bfloat16) == 'torch.bfloat16' and t.bfloat16.itemsize == 2\n"
        "assert t.bfloat16 != t.float16 and t.float32 == t.float32\n"
        "for make in (lambda: t.zeros(2, dtype=t.bfloat16), lambda: t.ones(2).bfloat16(),\n"
        "             lambda: t.finfo(t.bfloat16)):\n"
        "    try:\n"
        "        make()\n"
        "    except TypeError as e:\n"
        "        assert 'ml_dtypes' in str(e), e\n"
        "    else:\n"
        "        raise AssertionError('no error')\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr


def test_dtypes_module_keeps_numpy_dtypes_for_the_engine():
    assert ac_dtypes.to_dtype(ac.float32) is np.dtype(np.float32) or (
        ac_dtypes.to_dtype(ac.float32) == np.dtype(np.float32))
    assert isinstance(ac_dtypes.to_dtype(ac.long), np.dtype)
    assert ac_dtypes.to_dtype("torch.long") == np.int64
    with pytest.raises(TypeError, match="unknown dtype"):
        ac_dtypes.to_dtype(object())
