"""The program fuzzer, bounded for CI: random programs must agree with torch 2.13.

``tests/fuzz_many.py`` runs the same generator for many more cases; the failures it
found are pinned in ``test_fuzz_regressions.py``.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from tests import fuzz_programs as fp

SETTINGS = settings(
    max_examples=200,
    deadline=None,
    derandomize=True,  # the same programs on every run: CI stays reproducible
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                           HealthCheck.filter_too_much],
)


@SETTINGS
@given(st.data())
def test_random_programs_match_torch(data):
    prog = fp.build_program(fp.HypothesisChooser(data), max_steps=6)
    note(repr(prog))
    try:
        fp.check_program(prog)
    except fp.IllConditioned:
        pass


@pytest.mark.parametrize("start", range(0, 400, 100))
def test_seeded_programs_match_torch(start):
    """A fixed block of the seeds ``fuzz_many.py`` runs (quick, and no shrinking)."""
    failures = []
    for seed in range(start, start + 100):
        prog, msg = fp.run_case(seed)
        if msg is not None:
            failures.append(f"seed {seed}: {fp.describe_failure(prog, msg)}")
    assert not failures, "\n\n".join(failures[:3])


# ----- the fuzzer itself catches what it should -----------------------------------------


def test_compare_flags_nan_inf_and_value_differences():
    a = np.array([1.0, np.nan, np.inf], np.float32)
    fp.compare_arrays(a, a.copy(), "same")
    for other in ([1.0, 0.0, np.inf], [1.0, np.nan, -np.inf], [1.1, np.nan, np.inf]):
        with pytest.raises(fp.Mismatch):
            fp.compare_arrays(a, np.array(other, np.float32), "differs")
    with pytest.raises(fp.Mismatch, match="shape"):
        fp.compare_arrays(a, a[:2], "shape")
    with pytest.raises(fp.Mismatch, match="dtype"):
        fp.compare_arrays(a, a.astype(np.float64), "dtype")


def test_a_wrong_gradient_is_caught(monkeypatch):
    from autograd_core.ops import unary

    prog = fp.Program([
        fp.Step("leaf", (), {"shape": (3,), "dtype": "float64", "kind": "normal", "seed": 1}),
        fp.Step("tanh", (0,), {}),
    ])
    fp.check_program(prog)
    # The engine runs the fast path: a wrong one differs from torch.
    monkeypatch.setattr(unary.Tanh, "fast_backward", staticmethod(lambda ctx, g: g * 1.0))
    with pytest.raises(fp.Mismatch, match="gradient of leaf 0"):
        fp.check_program(prog)
    monkeypatch.undo()
    # The trace replays the formula: a wrong one differs from the engine.
    monkeypatch.setattr(unary.Tanh, "backward", staticmethod(lambda ctx, g: g * 1.0))
    with pytest.raises(fp.Mismatch, match="trace_backward of leaf 0"):
        fp.check_program(prog)


def test_a_missing_error_is_caught():
    prog = fp.Program([
        fp.Step("leaf", (), {"shape": (2, 3), "dtype": "float32", "kind": "normal", "seed": 1}),
        fp.Step("reshape", (0,), {"shape": (4,)}),  # torch refuses: 6 elements
    ])
    fp.check_program(prog)  # both refuse: agreement


def test_shrink_keeps_a_failure_and_drops_the_rest(monkeypatch):
    from autograd_core.ops import unary

    prog = fp.Program([
        fp.Step("leaf", (), {"shape": (3,), "dtype": "float64", "kind": "normal", "seed": 1}),
        fp.Step("exp", (0,), {}),
        fp.Step("sigmoid", (0,), {}),
        fp.Step("leaf", (), {"shape": (3,), "dtype": "float64", "kind": "normal", "seed": 2}),
        fp.Step("binary", (1, 3), {"op": "mul"}),
    ])
    monkeypatch.setattr(unary.Sigmoid, "backward", staticmethod(lambda ctx, g: g * 2.0))
    small = fp.shrink(prog)
    assert [s.op for s in small.steps] == ["leaf", "sigmoid"]


def test_programs_are_reproducible_from_their_seed():
    a, _ = fp.run_case(1234)
    b, _ = fp.run_case(1234)
    assert repr(a) == repr(b)
