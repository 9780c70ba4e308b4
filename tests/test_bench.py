"""benchmarks/run.py: the issue-19 targets from a result, the phase profile, one small run.

The figures themselves are benchmarks, not tests; these check that the harness computes
and reports them (a target not measured is reported as such, a kernel the step does not
call is absent rather than 0) and that a small run writes every key.
"""

from __future__ import annotations

import copy
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _load(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


bench = _load("run")

# A result as run() writes it, with made-up figures (no timing).
RESULT = {
    "care_model": [
        {
            "persons": 1_000,
            "ns_per_person_step": 350.0,
            "state_bytes_per_person": 272.0,
            "peak_rss_bytes": 300e6,
            "step_over_bandwidth_floor": 25.0,
            "run_520_weeks_s_extrapolated": 0.18,
            "weeks_timed": 52,
        },
        {
            "persons": 1_000_000,
            "ns_per_person_step": 40.0,
            "state_bytes_per_person": 272.0,
            "peak_rss_bytes": 1.2e9,
            "step_over_bandwidth_floor": 2.6,
            "run_520_weeks_s_extrapolated": 20.8,
            "weeks_timed": 10,
        },
    ],
    "plain_mesa": {
        "rows": [
            {
                "persons": 1_000,
                "ns_per_person_step": 24_000.0,
                "care_life_crisis_ns_per_person_step": 100.0,
                "ratio_like_for_like": 240.0,
            },
            {
                "persons": 10_000,
                "ns_per_person_step": 27_000.0,
                "care_life_crisis_ns_per_person_step": 90.0,
                "ratio_like_for_like": 300.0,
            },
        ]
    },
    "startup": {"warm_cache_s": 1.8, "warm_parts_s": {"import_s": 1.2}},
    "bandwidth": {"gb_per_s": 18.0},
    "full_run": None,
    "sweep": {
        "runs": 8,
        "failed": 0,
        "workers": 2,
        "persons": 10_000,
        "years": 10.0,
        "wall_s": 100.0,
        "runs_per_hour": 288.0,
        "outside_share": 0.08,
    },
}


def verdicts(res: dict) -> dict[str, tuple[bool | None, bool | None]]:
    return {t["target"]: (t["met"], t["stretch_met"]) for t in bench.targets(res)}


def test_every_issue_19_target_is_judged_from_a_result() -> None:
    v = verdicts(RESULT)
    assert len(v) == 10
    assert v["1e6 persons x 520 weeks, whole run <= 30 s (stretch <= 15 s)"] == (True, False)
    assert v["ns/person-step at 1e6 <= 3x the bandwidth floor (stretch)"] == (None, True)
    assert v["1e3 persons <= 400 ns per person-step"] == (True, None)
    assert v[">= 200x plain Mesa like for like at 1,000"] == (True, None)
    assert v[">= 400x plain Mesa like for like at 10,000"] == (False, None)
    assert v["state <= 300 B/person"] == (True, None)
    assert v["peak RSS at 1e6 <= 1.5 GB"] == (True, None)
    assert v["warm start to first step <= 2 s"] == (True, None)
    assert v["sweep of 10,000 persons x 10 years: runs per hour reported"] == (True, None)
    assert v["sweep: time outside the model < 5 %"] == (False, None)
    text = {t["target"]: t["this_run"] for t in bench.targets(RESULT)}
    assert text["1e6 persons x 520 weeks, whole run <= 30 s (stretch <= 15 s)"].startswith(
        "extrapolated 20.8 s"
    )


def test_a_measured_whole_run_is_used_over_the_extrapolation() -> None:
    res = copy.deepcopy(RESULT)
    res["full_run"] = {"persons": 1_000_000, "weeks": 520, "run_s": 14.0, "build_s": 3.0}
    (t,) = [t for t in bench.targets(res) if t["target"].startswith("1e6 persons x 520")]
    assert t["this_run"].startswith("measured 14.0 s") and t["stretch_met"] is True
    res["full_run"]["persons"] = 100_000  # another size: not the target's figure
    (t,) = [t for t in bench.targets(res) if t["target"].startswith("1e6 persons x 520")]
    assert t["this_run"].startswith("extrapolated")


def test_what_a_run_did_not_measure_is_not_judged() -> None:
    res = copy.deepcopy(RESULT)
    res["care_model"] = res["care_model"][:1]  # 1e3 only
    res["plain_mesa"]["rows"] = []
    res["startup"] = {"warm_cache_s": float("nan")}
    res["sweep"] = None
    v = verdicts(res)
    judged = {k for k, (met, stretch) in v.items() if met is not None or stretch is not None}
    assert judged == {"1e3 persons <= 400 ns per person-step", "state <= 300 B/person"}
    res = copy.deepcopy(RESULT)
    res["sweep"]["persons"] = 500  # a smaller sweep is reported but not judged
    v = verdicts(res)
    assert v["sweep: time outside the model < 5 %"] == (None, None)


def test_the_phase_profile_times_every_kernel_and_reports_the_absent(monkeypatch) -> None:
    phases = dict(bench.PHASES)
    phases["gone"] = ("carecomplex.processes.life", "no_such_kernel")  # fused away, say
    monkeypatch.setattr(bench, "PHASES", phases)
    out = bench.time_phases(1_000, 2)
    sec = out["seconds"]
    for name in ("access", "support", "housing", "learn", "workforce", "charge_posts"):
        assert sec[name] is not None and sec[name] > 0, name
        assert out["calls"][name] == 1.0, name
    assert sec["gone"] is None and "gone" not in out["calls"]
    life = [k for k in bench.LIFE if sec[k] is not None]
    assert life, "no life kernel timed"
    assert sec["total"] > 0
    parts = sum(v for k, v in sec.items() if v is not None and k != "total")
    assert parts == pytest.approx(sec["total"])
    # The patches are undone.
    import carecomplex.processes.workforce as wf

    assert type(wf.charge_posts).__name__ != "function"


def test_the_phase_profile_runs_a_fused_model_kernel_by_kernel(monkeypatch) -> None:
    """With a ``CareModel.fused`` switch, the breakdown is of the kernel-by-kernel form."""
    from carecomplex.model import CareModel

    seen = []
    step = CareModel.step

    def spy(self):
        seen.append(self.fused)
        step(self)

    monkeypatch.setattr(CareModel, "fused", True, raising=False)
    monkeypatch.setattr(CareModel, "step", spy)
    assert bench.has_fused_path()
    bench.time_phases(1_000, 1)
    assert seen == [False, False]  # warm-up and the timed step
    seen.clear()
    bench.time_phases(1_000, 1, fused=True)
    assert seen == [True, True]


def test_a_small_run_writes_every_key(tmp_path) -> None:
    out = tmp_path / "bench.json"
    cmd = [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--sizes", "1e3"]
    cmd += ["--weeks", "2", "--repeats", "1", "--mesa-sizes", "1e3", "--mesa-weeks", "1"]
    cmd += ["--no-startup", "--no-sweep", "--quiet", "--out", str(out)]
    res = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr[-3000:]
    data = json.loads(out.read_text())
    assert "Targets (issue 19)" in res.stdout
    (row,) = data["care_model"]
    keys = ("ns_per_person_step", "phases_ns_per_person_step", "phases_absent")
    for key in (*keys, "phases_fused_ns_per_person_step", "bandwidth_floor_ns_per_person_step"):
        assert key in row
    assert row["phases_ns_per_person_step"]["housing"] > 0
    assert data["plain_mesa"]["rows"][0]["ratio_like_for_like"] > 0
    assert data["sweep"] is None and data["full_run"] is None
    assert len(data["targets"]) == 10
    assert {"warm_cache_s", "cold_cache_s", "warm_all", "cold_all"} <= set(data["startup"])
    # A result written before issue 19 (no targets, sweep, absent phases...) still shows.
    del data["targets"], data["sweep"], data["meta"]["fused_path"]
    for key in ("phases_absent", "phases_fused_ns_per_person_step", "phases_calls_per_step"):
        del row[key]
    row["phases_ns_per_person_step"] = {
        k: v for k, v in row["phases_ns_per_person_step"].items() if v is not None
    }
    bench.show(data)


def test_the_start_up_is_what_a_user_does() -> None:
    """Import, build the default population (10,000 persons), one step; warm cache."""
    out = bench.startup_seconds(cold=False)
    assert out["persons"] == bench.STARTUP_N == 10_000
    assert out["wall_s"] > out["import_s"] + out["build_s"] + out["first_step_s"] > 0


@pytest.mark.slow
def test_the_sweep_figures_are_reported(tmp_path) -> None:
    out = tmp_path / "bench.json"
    cmd = [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--sizes", "1e3"]
    cmd += ["--weeks", "2", "--repeats", "1", "--mesa-sizes", "", "--quiet", "--no-startup"]
    cmd += ["--sweep-seeds", "1", "--sweep-persons", "300", "--sweep-years", "0.5"]
    cmd += ["--out", str(out)]
    res = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=1200)
    assert res.returncode == 0, res.stderr[-3000:]
    data = json.loads(out.read_text())
    sw = data["sweep"]
    assert sw["runs"] == 2 and sw["failed"] == 0 and sw["runs_per_hour"] > 0
    assert 0 <= sw["outside_share"] < 1
    (t,) = [t for t in data["targets"] if t["target"].startswith("sweep: time outside")]
    assert t["met"] is None  # not the issue's 10,000 persons x 10 years


def test_sweep_anatomy_splits_each_workers_idle_time_into_start_up_gaps_and_end() -> None:
    import pandas as pd

    sweep = _load("sweep")
    # Called at t = 100, returned at 120. Worker 1: runs 102-107 and 108-115 (idle 2 + 1 +
    # 5 = 8 s); worker 2: runs 103-118 (idle 3 + 0 + 2 = 5 s).
    frame = pd.DataFrame(
        {"pid": [1, 2, 1], "started": [108.0, 103.0, 102.0], "seconds": [7.0, 15.0, 5.0]}
    )
    parts = sweep.anatomy(frame, called=100.0, returned=120.0)
    assert parts["startup_s"] == 2.5 and parts["between_s"] == 0.5 and parts["end_s"] == 3.5
    assert parts["gap_per_run_ms"] == 1_000.0  # one gap, on worker 1
    assert parts["share"] == {"startup": 0.125, "between": 0.025, "end": 0.175}
    outside = 1 - (7 + 15 + 5) / (2 * 20)
    assert sum(parts["share"].values()) == pytest.approx(outside)
    line = sweep.describe(
        RESULT["sweep"]
        | {
            "outside_parts": parts,
            "failed": 0,
            "model_s_per_run_median": 1.0,
            "loadavg_before": (0.0,),
            "loadavg_after": (0.0,),
        }
    )
    assert "start-up 2.5 s, 1000 ms between runs, end 3.5 s" in line
    res = copy.deepcopy(RESULT)
    res["sweep"]["outside_parts"] = parts
    (shown,) = [t for t in bench.targets(res) if t["target"].startswith("sweep: time outside")]
    assert shown["this_run"] == (
        "8.0% (once: start-up 2.5 s + end 3.5 s per worker; per run: 1000 ms)"
    )
    assert shown["met"] is False
