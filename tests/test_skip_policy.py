"""Under CI a skip fails unless it names a missing optional dependency (conftest.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

PROGRAM = '''
import pytest

def test_hidden():
    pytest.skip("not ready")

def test_optional():
    pytest.importorskip("no_such_module_for_the_skip_policy")
'''


def test_a_plain_skip_fails_under_ci_and_a_missing_dependency_does_not():
    tests_dir = Path(__file__).parent
    probe = tests_dir / "test_zz_skip_policy_probe.py"
    probe.write_text(PROGRAM)
    try:
        env = dict(os.environ, CI="true")
        run = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(probe)],
            cwd=tests_dir.parent, env=env, capture_output=True, text=True, timeout=120)
    finally:
        probe.unlink()
    out = run.stdout
    assert "1 failed, 1 skipped" in out, out
    assert "test_hidden" in out and "without naming a missing optional dependency" in out
