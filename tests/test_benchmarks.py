"""The benchmarks compare like with like: ours, PyTorch and the hand-written NumPy floor
compute the same losses step after step (same data, weights and SGD updates)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import cnn  # noqa: E402
import mlp  # noqa: E402
import per_op  # noqa: E402


@pytest.mark.parametrize("bench", [mlp, cnn], ids=["mlp", "cnn"])
def test_three_implementations_train_identically(bench):
    steps = [bench.ours_step(), bench.torch_step(), bench.numpy_step()]
    for _ in range(4):
        ours, torch_loss, floor = (s() for s in steps)
        # float32 throughout, and the floor sums in other orders (its own layouts), so
        # equal to float32 rounding rather than bitwise.
        np.testing.assert_allclose(ours, torch_loss, rtol=1e-5)
        np.testing.assert_allclose(floor, torch_loss, rtol=1e-5)
    # Training moved: the last loss is not the first (the updates were applied).
    assert abs(steps[0]() - ours) > 1e-6


def test_per_op_chain_gradients_agree():
    vals = [per_op.ours_step()(), per_op.torch_step()(), per_op.numpy_step()()]
    np.testing.assert_allclose(vals[0], vals[1], rtol=1e-5)
    np.testing.assert_allclose(vals[2], vals[1], rtol=1e-5)
