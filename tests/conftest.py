"""Fixtures shared by the test suite."""

from __future__ import annotations

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
