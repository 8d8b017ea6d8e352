"""The nodes that split their NumPy work over the cores (nn/functional/_shares.py):
attention, gelu and layer_norm on inputs large enough to be split give PyTorch's values and
gradients, and exactly the values of the same node run in one call."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from _helpers import assert_close

import autograd_core as ac
import nn
from nn.functional import _shares


def _run(fn_ours, fn_torch, arrays, rng):
    xs = [ac.tensor(a, requires_grad=True) for a in arrays]
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    out, tout = fn_ours(*xs), fn_torch(*ts)
    delta = rng.standard_normal(out.shape).astype(arrays[0].dtype)
    out.backward(ac.tensor(delta))
    tout.backward(torch.tensor(delta))
    return out, tout, xs, ts


CASES = {
    "attention-causal": (
        lambda q, k, v: nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True),
        lambda q, k, v: torch.nn.functional.scaled_dot_product_attention(q, k, v,
                                                                         is_causal=True),
        [(5, 2, 120, 16)] * 3),
    "attention-scale": (
        lambda q, k, v: nn.functional.scaled_dot_product_attention(q, k, v, scale=0.3),
        lambda q, k, v: torch.nn.functional.scaled_dot_product_attention(q, k, v,
                                                                         scale=0.3),
        [(3, 90, 8), (3, 300, 8), (3, 300, 4)]),
    "gelu-tanh": (lambda x: nn.functional.gelu(x * 3.0, approximate="tanh"),
                  lambda x: torch.nn.functional.gelu(x * 3.0, approximate="tanh"),
                  [(300, 257)]),
    "gelu-exact": (lambda x: nn.functional.gelu(x * 3.0),
                   lambda x: torch.nn.functional.gelu(x * 3.0), [(300, 257)]),
    "layer_norm": (lambda x, w, b: nn.functional.layer_norm(x * 2.0 + 1.0, (128,), w, b),
                   lambda x, w, b: torch.nn.functional.layer_norm(x * 2.0 + 1.0, (128,),
                                                                  w, b),
                   [(3, 200, 128), (128,), (128,)]),
}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", list(CASES))
def test_split_matches_torch_and_one_call(name, dtype, monkeypatch):
    fo, ft, shapes = CASES[name]
    rng = np.random.default_rng(7)
    arrays = [rng.standard_normal(s).astype(dtype) for s in shapes]
    # Two shares even where the BLAS runs on one thread (every case's work is larger
    # than SHARE_MIN: attention weights of 144,000 and 81,000 numbers, gelu of 77,100,
    # layer_norm of 76,800).
    monkeypatch.setattr(_shares._threads, "workers", lambda: 2)
    calls = []
    real = _shares._threads.run_shares
    monkeypatch.setattr(_shares._threads, "run_shares",
                        lambda fn, parts: calls.append(len(parts)) or real(fn, parts))
    out, tout, xs, ts = _run(fo, ft, arrays, np.random.default_rng(1))
    tol = {"rtol": 1e-4, "atol": 1e-5} if dtype == np.float32 else None
    assert_close(out, tout, what="value", tol=tol)
    for x, t in zip(xs, ts):
        assert_close(x.grad, t.grad, what="grad", tol=tol)
    assert calls == [2, 2]  # forward and backward were split
    # The same node in one call (no threads): bit for bit the same.
    monkeypatch.setattr(_shares, "SHARE_MIN", 1 << 62)
    out1, _, xs1, _ = _run(fo, ft, arrays, np.random.default_rng(1))
    np.testing.assert_array_equal(out1._data, out._data)
    for x, x1 in zip(xs, xs1):
        np.testing.assert_array_equal(x1.grad._data, x.grad._data)
