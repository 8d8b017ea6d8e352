"""``import autograd_core as torch``: the names PyTorch programs reach from ``torch``.

nn, nn.functional, optim, optim.lr_scheduler, utils.data and autograd are attributes
(nn and optim imported on first use, so the engine never loads them itself); the dtype,
device, random, cuda/backends/amp and grad-mode names exist and behave as PyTorch's. A
small training program written once runs under both libraries and gives the same losses.
"""

from __future__ import annotations

import threading

import numpy as np
import pytest
import torch

import autograd_core as ac

# Dotted names a PyTorch program reaches from ``torch``; each must exist in torch too.
NAMES = [
    "nn", "nn.Module", "nn.Linear", "nn.functional", "nn.functional.relu", "nn.init",
    "nn.Parameter", "optim", "optim.SGD", "optim.Adam", "optim.lr_scheduler",
    "optim.lr_scheduler.StepLR", "utils", "utils.data", "utils.data.DataLoader",
    "utils.data.TensorDataset", "utils.data.random_split", "utils.data.RandomSampler",
    "autograd", "autograd.grad", "autograd.backward", "autograd.Function",
    "autograd.gradcheck", "autograd.set_detect_anomaly", "autograd.detect_anomaly",
    "autograd.no_grad", "autograd.enable_grad", "autograd.set_grad_enabled",
    "autograd.inference_mode", "autograd.Variable", "autograd.function.Function",
    "no_grad", "enable_grad", "set_grad_enabled", "inference_mode", "is_grad_enabled",
    "is_inference_mode_enabled", "is_tensor", "is_floating_point", "is_complex",
    "Tensor", "tensor", "dtype", "device", "Generator", "default_generator", "manual_seed",
    "seed", "initial_seed", "get_rng_state", "set_rng_state", "random.manual_seed",
    "random.fork_rng", "get_default_dtype", "set_default_dtype", "finfo", "iinfo",
    "promote_types", "result_type", "set_default_device", "get_default_device",
    "cuda.is_available", "cuda.device_count", "cuda.manual_seed", "cuda.manual_seed_all",
    "cuda.synchronize", "cuda.amp.GradScaler", "cuda.amp.autocast", "amp.GradScaler",
    "amp.autocast", "autocast", "backends.mps.is_available", "backends.cudnn",
    "accelerator.is_available", "accelerator.current_accelerator", "multinomial", "normal",
    "bernoulli", "randperm", "rand_like", "randn_like", "randint_like", "empty_like",
    "logspace", "compile", "set_float32_matmul_precision", "get_float32_matmul_precision",
    "use_deterministic_algorithms", "are_deterministic_algorithms_enabled",
    "set_num_threads", "get_num_threads", "float", "double", "half", "bfloat16", "long",
    "int", "short", "bool",
    "uint8", "int8", "float16", "float32", "float64", "int16", "int32", "int64",
]


def _resolve(root, dotted):
    obj = root
    for part in dotted.split("."):
        obj = getattr(obj, part)
    return obj


@pytest.mark.parametrize("name", NAMES)
def test_name_exists_as_in_torch(name):
    _resolve(torch, name)  # the list is PyTorch's own
    _resolve(ac, name)


def test_from_import_goes_through_the_lazy_attributes():
    import nn as nn_pkg
    import optim as optim_pkg
    from autograd_core import autograd, nn, optim
    assert nn is nn_pkg and optim is optim_pkg
    assert ac.nn.functional is nn_pkg.functional
    assert ac.optim.lr_scheduler is optim_pkg.lr_scheduler
    assert autograd.grad is ac.grad and autograd.backward is ac.backward
    assert ac.utils.data.DataLoader is ac.utils.data.dataloader.DataLoader


def test_unknown_attribute_raises_attribute_error():
    with pytest.raises(AttributeError, match="has no attribute 'not_a_torch_name'"):
        ac.not_a_torch_name  # noqa: B018
    assert not hasattr(ac, "cudaa")


def test_autograd_namespace_is_the_engine():
    x = ac.tensor([1.0, 2.0], requires_grad=True)
    (g,) = ac.autograd.grad((x ** 3).sum(), x, create_graph=True)
    np.testing.assert_allclose(g.detach().numpy(), [3.0, 12.0])
    ac.autograd.backward([g.sum()])
    np.testing.assert_allclose(x.grad.numpy(), [6.0, 12.0])
    assert ac.autograd.no_grad is ac.no_grad and ac.autograd.gradcheck is ac.gradcheck
    assert ac.autograd.set_detect_anomaly is ac.set_detect_anomaly
    assert ac.autograd.inference_mode is ac.inference_mode
    v = ac.autograd.Variable(ac.ones(2), requires_grad=True)
    assert isinstance(v, ac.Tensor) and v.requires_grad and v.is_leaf


def test_pytorch_form_function_through_the_namespace():
    def run(lib):
        class Cube(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x ** 3

            @staticmethod
            def backward(ctx, delta):
                (x,) = ctx.saved_tensors
                return delta * 3 * x ** 2

        x = lib.tensor([0.5, -2.0], dtype=lib.float64, requires_grad=True)
        Cube.apply(x).sum().backward()
        assert lib.autograd.gradcheck(Cube.apply, (x,))
        return x.grad.numpy()

    np.testing.assert_allclose(run(ac), run(torch))


# ----- inference_mode ------------------------------------------------------------------------

@pytest.mark.parametrize("lib", [ac, torch], ids=["ours", "torch"])
def test_inference_mode_as_torch(lib):
    x = lib.ones(2, requires_grad=True)
    with lib.inference_mode():
        assert not (x * 2).requires_grad and not lib.is_grad_enabled()
        assert lib.is_inference_mode_enabled()
        with lib.inference_mode(False):
            assert not lib.is_inference_mode_enabled()
    assert lib.is_grad_enabled() and not lib.is_inference_mode_enabled()
    assert (x * 2).requires_grad

    @lib.inference_mode()
    def called():
        return lib.is_grad_enabled(), (x * 2).requires_grad

    @lib.inference_mode
    def bare():
        return lib.is_grad_enabled()

    assert called() == (False, False) and bare() is False and lib.is_grad_enabled()


def test_inference_mode_is_per_thread():
    seen = {}

    def other():
        seen["other"] = ac.is_grad_enabled()

    with ac.inference_mode():
        t = threading.Thread(target=other)
        t.start()
        t.join()
    assert seen["other"] is True


def test_is_tensor():
    import nn
    assert ac.is_tensor(ac.ones(1)) and ac.is_tensor(nn.Parameter(ac.ones(1)))
    assert not ac.is_tensor(np.ones(1)) and not ac.is_tensor([1.0])
    assert torch.is_tensor(torch.nn.Parameter(torch.ones(1)))


# ----- one program, two libraries ------------------------------------------------------------

def _program(torch, w1, b1, w2, b2, x, y):
    """A typical PyTorch training script, written against the ``torch`` it is given."""
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(3, 8), torch.nn.Tanh(),
                                torch.nn.Linear(8, 1)).to(device)
    with torch.no_grad():
        for p, v in zip(model.parameters(), (w1, b1, w2, b2)):
            p.copy_(torch.tensor(v, dtype=torch.float32))
    data = torch.utils.data.TensorDataset(torch.tensor(x).to(device),
                                          torch.tensor(y).to(device, torch.float32))
    loader = torch.utils.data.DataLoader(data, batch_size=16)
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    scaler = torch.amp.GradScaler("cuda", enabled=torch.cuda.is_available())
    losses = []
    for _ in range(4):
        for xb, yb in loader:
            opt.zero_grad()
            with torch.autocast(device_type=device.type, enabled=False):
                loss = torch.nn.functional.mse_loss(model(xb), yb)
            scaler.scale(loss).backward()
            scaler.step(opt)
            scaler.update()
            losses.append(loss.item())
        sched.step()
    with torch.inference_mode():
        final = model(torch.tensor(x)).mean().item()
    return losses, final


def test_a_training_program_runs_unchanged_and_matches_torch():
    rng = np.random.default_rng(0)
    w1, b1 = rng.standard_normal((8, 3)) * 0.5, rng.standard_normal(8) * 0.1
    w2, b2 = rng.standard_normal((1, 8)) * 0.5, rng.standard_normal(1) * 0.1
    x = rng.standard_normal((64, 3)).astype(np.float32)
    y = (x @ [[1.0], [-2.0], [0.5]] + 0.3).astype(np.float64)
    ours = _program(ac, w1, b1, w2, b2, x, y)
    theirs = _program(torch, w1, b1, w2, b2, x, y)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-5, atol=1e-6)


def test_runtime_switches_are_kept_and_change_nothing():
    model = ac.nn.Linear(2, 1)
    assert ac.compile(model) is model
    assert ac.compile(mode="max-autotune")(model) is model

    @ac.compile
    def f(x):
        return x * 2

    assert f(ac.ones(1)).tolist() == [2.0]
    ac.set_float32_matmul_precision("high")
    assert ac.get_float32_matmul_precision() == "high"
    ac.set_float32_matmul_precision("highest")
    ac.use_deterministic_algorithms(True, warn_only=True)
    assert ac.are_deterministic_algorithms_enabled()
    assert ac.is_deterministic_algorithms_warn_only_enabled()
    ac.use_deterministic_algorithms(False)
    assert not ac.are_deterministic_algorithms_enabled()
    ac.set_num_threads(3)
    assert ac.get_num_threads() == 3
