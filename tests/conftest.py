"""Fixtures shared by the test suite."""

from __future__ import annotations

import os
import zlib

import numpy as np
import pytest

import autograd_core as ac


@pytest.fixture
def rng(request: pytest.FixtureRequest) -> np.random.Generator:
    """A generator seeded from the test's id: every test draws the same numbers each run."""
    return np.random.default_rng(zlib.crc32(request.node.nodeid.encode()))


@pytest.fixture(autouse=True)
def _grad_mode_restored():
    """A test that fails inside no_grad() must not leave recording off for the next one."""
    yield
    ac.set_grad_enabled(True)


# Under CI a skipped test fails, unless it was skipped because an optional dependency is
# missing (pytest.importorskip's reason): a skip must never hide a regression.
_OPTIONAL_DEPENDENCY = ("could not import", "No module named")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    outcome = yield
    report = outcome.get_result()
    if not os.environ.get("CI") or not report.skipped or hasattr(report, "wasxfail"):
        return
    reason = str(report.longrepr[-1]) if isinstance(report.longrepr, tuple) else str(
        report.longrepr)
    if not any(s in reason for s in _OPTIONAL_DEPENDENCY):
        report.outcome = "failed"
        report.longrepr = (f"skipped under CI without naming a missing optional dependency: "
                           f"{reason}")
