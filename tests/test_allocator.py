"""autograd_core.allocator: freed array memory is reused instead of re-faulted.

Each check runs in a fresh interpreter, since malloc settings are per process and made
at import. The workload frees 24 MiB of touched arrays per round; under glibc's default
settings that memory goes back to the kernel and every round page-faults it in again.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

_PROBE = """
import json, resource
import numpy as np
import autograd_core
def faults():
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt
def round_():
    arrays = [np.ones(1 << 20, dtype=np.float32) for _ in range(6)]  # 6 x 4 MiB, touched
    del arrays
for _ in range(3):
    round_()
before = faults()
for _ in range(10):
    round_()
print(json.dumps({"faults_per_round": (faults() - before) / 10,
                  "tuned": autograd_core.allocator.tuned,
                  "status": autograd_core.allocator.status}))
"""

glibc_only = pytest.mark.skipif(
    not sys.platform.startswith("linux")
    or not os.confstr("CS_GNU_LIBC_VERSION").startswith("glibc"),
    reason="the settings apply to glibc's malloc only")


def _probe(**env: str) -> dict:
    full_env = {k: v for k, v in os.environ.items()
                if not k.startswith("MALLOC_") and k != "AUTOGRAD_CORE_MALLOC"}
    full_env.update(env)
    full_env["PYTHONPATH"] = str(ROOT) + os.pathsep + full_env.get("PYTHONPATH", "")
    out = subprocess.run([sys.executable, "-c", _PROBE], env=full_env, check=True,
                         capture_output=True, text=True, timeout=120).stdout
    return json.loads(out)


@glibc_only
def test_import_tunes_malloc_and_freed_arrays_are_reused():
    got = _probe()
    assert got["tuned"] and got["status"] == "tuned"
    # 24 MiB touched per round is 6,144 pages; reused memory faults (almost) none.
    assert got["faults_per_round"] < 100, got


@glibc_only
def test_opting_out_leaves_glibc_defaults_which_fault_every_round():
    got = _probe(AUTOGRAD_CORE_MALLOC="system")
    assert not got["tuned"] and "AUTOGRAD_CORE_MALLOC=system" in got["status"]
    # The control: without the settings the same workload faults its pages in again,
    # which is what the test above shows the settings prevent.
    assert got["faults_per_round"] > 3000, got


@glibc_only
def test_glibc_environment_settings_win():
    got = _probe(MALLOC_TRIM_THRESHOLD_="1000000")
    assert not got["tuned"]
    assert "MALLOC_TRIM_THRESHOLD_" in got["status"]


def test_tune_malloc_again_changes_nothing():
    from autograd_core import allocator

    tuned, status = allocator.tuned, allocator.status
    assert allocator.tune_malloc() is tuned
    assert (allocator.tuned, allocator.status) == (tuned, status)
