"""Helpers shared by the nn parity tests: move data and weights between this library and
torch, and compare values and gradients."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

import autograd_core as ag

torch.set_num_threads(1)

# float64 to 1e-10; float32 to about 1e-5 (relative, plus a small absolute floor).
TOL = {np.float64: dict(rtol=1e-10, atol=1e-10), np.float32: dict(rtol=1e-5, atol=2e-5)}


def tol(dtype: Any) -> dict:
    return TOL[np.dtype(dtype).type]


def pair(arr: np.ndarray, requires_grad: bool = True) -> tuple[ag.Tensor, torch.Tensor]:
    """The same array as a leaf in both libraries."""
    ours = ag.tensor(arr, requires_grad=requires_grad and arr.dtype.kind == "f")
    theirs = torch.tensor(arr, requires_grad=requires_grad and arr.dtype.kind == "f")
    return ours, theirs


def assert_close(ours: Any, theirs: Any, dtype: Any = None, what: str = "") -> None:
    a = ours._data if isinstance(ours, ag.Tensor) else np.asarray(ours)
    b = theirs.detach().numpy() if isinstance(theirs, torch.Tensor) else np.asarray(theirs)
    assert a.shape == b.shape, f"{what}: shape {a.shape} != torch {b.shape}"
    kw = tol(dtype or b.dtype)
    np.testing.assert_allclose(a, b, err_msg=what, **kw)


def copy_weights(ours: Any, theirs: torch.nn.Module) -> None:
    """Give the torch module our module's parameters and buffers (by state_dict key)."""
    sd = {k: torch.from_numpy(np.array(v._data)) for k, v in ours.state_dict().items()}
    theirs.load_state_dict(sd)


def compare_module(ours: Any, theirs: torch.nn.Module, inputs: list[np.ndarray],
                   dtype: Any, seed_grad: int = 0) -> None:
    """Run both modules on the same inputs; compare outputs, input grads, param grads."""
    ins = [pair(a) for a in inputs]
    out_o = ours(*[o for o, _ in ins])
    out_t = theirs(*[t for _, t in ins])
    assert_close(out_o, out_t, dtype, "output")
    g = np.random.default_rng(seed_grad).standard_normal(out_t.shape).astype(dtype)
    out_o.backward(ag.tensor(g))
    out_t.backward(torch.tensor(g))
    for i, (o, t) in enumerate(ins):
        if t.grad is not None:
            assert_close(o.grad, t.grad, dtype, f"grad of input {i}")
    named_t = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        assert_close(p.grad, named_t[name].grad, dtype, f"grad of {name}")
