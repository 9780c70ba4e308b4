"""Golden baseline: every output and state array matches the committed fingerprints.

Results change only on purpose. If this fails after a deliberate change of behaviour,
run ``uv run python scripts/baseline.py --update``, raise ``MODEL_VERSION`` in
``src/carecomplex/__init__.py`` and add a ``CHANGELOG.md`` entry with the headline
figures before and after. If it fails after a refactor, the refactor changed results.
"""

from __future__ import annotations

import numba
import pytest

import _baseline
from carecomplex import MODEL_VERSION


def test_baseline_belongs_to_this_model_version() -> None:
    doc = _baseline.read()
    assert doc["model_version"] == MODEL_VERSION, (
        f"tests/baseline.json is for model_version {doc['model_version']}, the package says "
        f"{MODEL_VERSION}: regenerate it with scripts/baseline.py --update"
    )
    expected = {_baseline.case(s, k) for s in _baseline.SCENARIOS for k in _baseline.SEEDS}
    assert set(doc["runs"]) == expected, "baseline.json must hold every scenario x seed"


@pytest.mark.parametrize("threads", [1, 2])
def test_every_array_matches_the_committed_baseline(threads: int) -> None:
    if threads > numba.config.NUMBA_NUM_THREADS:
        pytest.fail(f"numba offers {numba.config.NUMBA_NUM_THREADS} thread(s), need {threads}")
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(threads)
        now = _baseline.compute()
    finally:
        numba.set_num_threads(before)
    changed = _baseline.changes(_baseline.read()["runs"], now)
    assert not changed, (
        f"with {threads} thread(s) these runs differ from tests/baseline.json "
        f"(run scripts/baseline.py to see them): {changed}"
    )
