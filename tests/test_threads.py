"""OpenMP threads that wait sleep (``OMP_WAIT_POLICY=passive``) unless the user says otherwise.

Spinning waiters stalled every parallel region of a 2-thread model while another
process held a core (10,000 persons: 3,300 instead of 400 ns per person-step); the
figures are in benchmarks/README.md. Results do not depend on the policy or on the
thread count (tests/test_determinism.py runs 1 and 2 threads under the default).
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

PROBE = "import carecomplex, os; print(os.environ.get('OMP_WAIT_POLICY'))"


@pytest.mark.parametrize(("given", "expected"), [(None, "passive"), ("active", "active")])
def test_importing_carecomplex_sets_a_passive_wait_policy_unless_given(given, expected):
    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    if given:
        env["OMP_WAIT_POLICY"] = given
    out = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == expected
