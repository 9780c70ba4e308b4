"""Sweeps: every run exactly once, serial = Dask cluster, SIGKILL then --resume loses
nothing, a failing run is data, a locked directory is refused, indices rank correctly."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from concurrent.futures import Executor, Future

import pandas as pd
import pytest

import carecomplex
from _experiments import TINY, write_experiment
from carecomplex import MODEL_VERSION
from carecomplex.cli import main
from carecomplex.experiments.analysis import report
from carecomplex.experiments.design import load_experiment
from carecomplex.experiments.sweep import run_sweep
from carecomplex.manifest import provenance
from carecomplex.store import Store, StoreError, committed, read_results

VOLATILE = ["seconds", "started", "host", "pid"]


def comparable(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.drop(columns=VOLATILE).sort_values("run_id", ignore_index=True)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """The tiny experiment run serially in-process: (experiment file, store dir)."""
    folder = tmp_path_factory.mktemp("tiny")
    path = write_experiment(folder)
    rep = run_sweep(load_experiment(path), folder / "serial", workers=1)
    assert rep.ran == 24 and rep.failed == 0
    return path, folder / "serial"


def test_serial_sweep_stores_every_run_once_with_provenance(tiny):
    path, out = tiny
    frame = read_results(out)
    exp = load_experiment(path)
    assert sorted(frame.run_id) == sorted(r.run_id for r in exp.runs())
    assert (frame.status == "ok").all() and frame["cost_total:complex"].notna().all()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["experiment"]["digest"] == exp.digest()
    assert len(manifest["runs"]) == 24 and {r["status"] for r in manifest["runs"].values()} == {
        "ok"
    }
    assert manifest["sessions"][0]["ran"] == 24 and "carecomplex" in manifest
    assert manifest["model_version"] == MODEL_VERSION
    assert set(provenance(None)) <= set(manifest), "one manifest builder for every command"
    assert (out / "experiment.toml").read_text() == path.read_text()
    design = pd.read_parquet(out / "design.parquet")
    assert len(design) == 4 and list(design.columns)[1:] == list(exp.bounds)


def test_each_run_records_when_it_started_and_a_worker_runs_one_at_a_time(tiny):
    """``started`` puts every run inside its session, and one worker's runs do not overlap."""
    from datetime import datetime

    _, out = tiny
    frame = read_results(out).sort_values("started")
    session = json.loads((out / "manifest.json").read_text())["sessions"][0]
    begin, end = (datetime.fromisoformat(session[k]).timestamp() for k in ("started", "finished"))
    assert frame["started"].between(begin - 1, end + 1).all()  # the manifest keeps whole seconds
    assert frame.pid.nunique() == 1  # in-process: one timeline
    ends = (frame["started"] + frame["seconds"]).to_numpy()
    gaps = frame["started"].to_numpy()[1:] - ends[:-1]
    assert (gaps > -1e-3).all(), f"runs overlap by up to {-gaps.min():.4f} s"


def test_resume_of_a_finished_sweep_runs_nothing_and_rerun_needs_resume(tiny, tmp_path):
    path, out = tiny
    before = comparable(read_results(out))
    rep = run_sweep(load_experiment(path), out, workers=1, resume=True)
    assert rep.ran == 0 and rep.skipped == 24
    pd.testing.assert_frame_equal(comparable(read_results(out)), before)
    with pytest.raises(StoreError, match="add --resume"):
        run_sweep(load_experiment(path), out, workers=1)
    other = write_experiment(tmp_path, TINY.replace("seeds = 3", "seeds = 2"))
    with pytest.raises(StoreError, match="holds a different experiment"):
        run_sweep(load_experiment(other), out, workers=1, resume=True)


def test_two_local_dask_workers_give_the_serial_results(tiny):
    distributed = pytest.importorskip("distributed")
    path, serial = tiny
    out = serial.parent / "dask"
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
            memory_limit="2GiB",
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        rep = run_sweep(load_experiment(path), out, executor=client.get_executor(), workers=2)
        pids = set(read_results(out).pid)
    assert rep.ran == 24 and rep.failed == 0
    assert len(pids) == 2, f"expected runs on both workers, got pids {pids}"
    pd.testing.assert_frame_equal(comparable(read_results(out)), comparable(read_results(serial)))


def test_sigkill_then_resume_loses_and_duplicates_nothing(tiny):
    path, serial = tiny
    out = serial.parent / "killed"
    cmd = [sys.executable, "-m", "carecomplex.cli", "sweep", str(path), "--out", str(out)]
    proc = subprocess.Popen(
        [*cmd, "--workers", "2", "--quiet"],
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 180
    while len(committed(out)) < 1 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    done = len(committed(out))
    assert 1 <= done < 24, f"kill landed after {done} committed runs; need a partial sweep"
    assert (
        main(["sweep", str(path), "--out", str(out), "--resume", "--workers", "1", "--quiet"]) == 0
    )
    frame = read_results(out)
    assert frame.run_id.is_unique and len(frame) == 24, "every run exactly once"
    pd.testing.assert_frame_equal(comparable(frame), comparable(read_results(serial)))
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "complete" and len(manifest["sessions"]) == 2
    assert manifest["sessions"][1]["ran"] == 24 - done
    leftovers = [p.name for p in (out / "runs").iterdir() if p.suffix not in (".json", ".parquet")]
    assert not leftovers, leftovers


def fail_at_high_turnover(params, seed):
    """A run function that raises for one corner of the design (a failing model run)."""
    from carecomplex.experiments.simulate import summarise

    if params.workforce.turnover > 0.01 and params.regime.continuity > 0.5:
        raise FloatingPointError(f"diverged at seed {seed}\nsecond line")
    return summarise(params, seed)


def test_a_failing_run_is_recorded_and_the_others_complete(tiny):
    path, serial = tiny
    out = serial.parent / "failing"
    rep = run_sweep(load_experiment(path), out, workers=1, run_fn=fail_at_high_turnover)
    frame = read_results(out)
    bad = frame[frame.status == "failed"]
    assert rep.failed == len(bad) == 6, "alliance arm x 2 high-turnover points x 3 seeds"
    assert set(bad.arm) == {"alliance"} and (bad["workforce.turnover"] > 0.01).all()
    assert bad.error.str.fullmatch(r"FloatingPointError: diverged at seed \d second line").all()
    assert bad["cost_total:complex"].isna().all()
    good = frame[frame.status == "ok"]
    ref = read_results(serial).set_index("run_id").loc[good.run_id]
    assert (good["cost_total:complex"].to_numpy() == ref["cost_total:complex"].to_numpy()).all()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "complete, with failed runs"
    assert sum(r["status"] == "failed" for r in manifest["runs"].values()) == 6
    assert report(out)["pooled"].set_index("metric").loc["cost_total:complex", "seeds"] == 3


def test_a_truncated_batch_file_is_detected_and_rerun(tiny, tmp_path):
    path, serial = tiny
    out = tmp_path / "cut"
    shutil.copytree(serial, out)
    victim = sorted((out / "runs").glob("*.parquet"))[0]
    lost = set(pd.read_parquet(victim).run_id)
    victim.write_bytes(victim.read_bytes()[:100])
    (out / "runs" / ".x.parquet.123.tmp").write_bytes(b"partial")
    rep = run_sweep(load_experiment(path), out, workers=1, resume=True)
    assert rep.ran == len(lost) > 0
    pd.testing.assert_frame_equal(comparable(read_results(out)), comparable(read_results(serial)))


def test_a_locked_directory_is_refused_and_left_untouched(tiny, tmp_path, capsys):
    path, _ = tiny
    out = tmp_path / "busy"
    with Store.open(out, "some-other-sweep", resume=False):
        before = sorted(p.name for p in out.rglob("*"))
        code = main(["sweep", str(path), "--out", str(out), "--workers", "1", "--quiet"])
        assert code == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and f"in use by another sweep (pid {os.getpid()})" in err[0], err
        assert sorted(p.name for p in out.rglob("*")) == before


SOBOL = """
[experiment]
design = "{design}"
samples = {samples}
levels = 4
seeds = 2
persons = 100
years = 0.1

[arms]
siloed = "siloed"
alliance = "alliance"

[parameters]
"crisis.trust_protection" = [0.0, 0.5]
"trust.erode" = [0.0, 0.5]
"workforce.turnover" = [0.0, 0.05]

[outputs]
metrics = ["cost_total:complex"]
"""


def analytic(params, seed):
    """A known response: strong in trust protection, weak in erosion, none in turnover."""
    lever = 2.0 if params.regime.continuity > 0.5 else 1.0
    x, y = params.crisis.trust_protection, params.trust.erode
    return {"cost_total:complex": lever * (10 * x + y + 0.001 * seed)}


@pytest.mark.parametrize(
    ("design", "samples", "index"), [("sobol", 32, "ST"), ("morris", 10, "mu_star")]
)
def test_sensitivity_indices_rank_a_known_response(tmp_path, design, samples, index):
    path = write_experiment(tmp_path, SOBOL.format(design=design, samples=samples), "sa.toml")
    run_sweep(load_experiment(path), tmp_path / "sa", workers=1, run_fn=analytic)
    table = report(tmp_path / "sa")["sensitivity"]
    diff = table[table.target == "alliance-minus-siloed"].set_index("parameter")[index]
    assert diff["crisis.trust_protection"] > 5 * diff["trust.erode"] > 0, diff
    assert abs(diff["workforce.turnover"]) < 0.05 * diff["crisis.trust_protection"], diff
    png = tmp_path / "sa" / "analysis" / "sensitivity-alliance-minus-siloed.png"
    assert png.stat().st_size > 10_000


class _OtherModelVersion(Executor):
    """Runs each batch here, as a worker with another model_version would report it."""

    def submit(self, fn, /, *args, **kwargs):
        future: Future = Future()
        rows = fn(*args, **kwargs)
        for row in rows:
            row["version"] = f"{carecomplex.__version__} (model 0)"
        future.set_result(rows)
        return future


def test_runs_of_a_worker_with_another_model_version_are_failed(tmp_path):
    # Same package version, different results: such runs must not mix with this client's.
    exp = load_experiment(write_experiment(tmp_path))
    rep = run_sweep(exp, tmp_path / "out", executor=_OtherModelVersion())
    frame = read_results(tmp_path / "out")
    assert rep.failed == len(frame) == 24 and set(frame["status"]) == {"failed"}
    assert frame["error"].str.contains(f"model {MODEL_VERSION}").all(), frame["error"].iloc[0]
