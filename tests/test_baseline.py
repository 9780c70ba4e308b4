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
from carecomplex.model import CareModel


def test_baseline_belongs_to_this_model_version() -> None:
    doc = _baseline.read()
    assert doc["model_version"] == MODEL_VERSION, (
        f"tests/baseline.json is for model_version {doc['model_version']}, the package says "
        f"{MODEL_VERSION}: regenerate it with scripts/baseline.py --update"
    )
    expected = {_baseline.case(s, k) for s in _baseline.SCENARIOS for k in _baseline.SEEDS}
    assert set(doc["runs"]) == expected, "baseline.json must hold every scenario x seed"


@pytest.mark.parametrize(
    ("threads", "path"),
    [(1, "fused"), (2, "fused"), (1, "kernel by kernel"), (2, "kernel by kernel"), (0, "default")],
)
def test_every_array_matches_the_committed_baseline(
    threads: int, path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each path of the step, on 1 and 2 threads, gives the committed runs bit for bit.

    "fused" is the model's one compiled call a week (``processes/week.py``), "kernel by
    kernel" the readable sequence of ``CareModel._kernels``; both with the parallel
    kernels on ``threads`` threads at the baseline's 600 persons (``serial_below`` 0).
    "default" is the model as a user gets it (600 persons step on one thread).
    """
    if threads > numba.config.NUMBA_NUM_THREADS:
        pytest.fail(f"numba offers {numba.config.NUMBA_NUM_THREADS} thread(s), need {threads}")
    if path != "default":
        monkeypatch.setattr(CareModel, "serial_below", 0)
        monkeypatch.setattr(CareModel, "fused", path == "fused")
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(threads or before)
        now = _baseline.compute()
    finally:
        numba.set_num_threads(before)
    changed = _baseline.changes(_baseline.read()["runs"], now)
    assert not changed, (
        f"{path}, {threads} thread(s): these runs differ from tests/baseline.json "
        f"(run scripts/baseline.py to see them): {changed}"
    )
