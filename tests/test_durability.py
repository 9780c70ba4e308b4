"""Durability of the results store: nothing lost, duplicated or half-written.

* A crash at every write of a sweep (before the temporary file, half-way through it,
  after the rename), and chains of such crashes, resume to the complete set.
* A corrupted or truncated result file is detected when results are read, named in
  one line, and re-run by ``--resume``; the manifest holds every file's sha256.
* A full disk ends the command with one line naming the file and no partial file,
  for sweeps (the committed runs are kept and resumed) and for ``run`` outputs; on a
  real full file system too (a tiny tmpfs in a user namespace), where available.
* ``-m slow``: a real sweep killed with SIGKILL at random moments, again and again,
  then resumed, holds every run exactly once with the serial results.

The crash and disk-full tests use a cheap analytic run function, so they check the
store and the runner's bookkeeping, not the model.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from _experiments import TINY, write_experiment
from carecomplex import store as store_mod
from carecomplex.cli import main
from carecomplex.experiments.design import load_experiment
from carecomplex.experiments.sweep import run_sweep
from carecomplex.store import StoreError, committed, read_results, scan

VOLATILE = ["seconds", "started", "host", "pid"]
ROOT = Path(__file__).resolve().parents[1]

# 2 points x 2 arms x 5 seeds = 20 runs; in-process, 4 batches of 5: 12 writes in all.
MANY = TINY.replace("seeds = 3", "seeds = 5").replace('"workforce.turnover" = [0.002, 0.02]\n', "")


def cheap(params, seed):
    """An analytic stand-in for the model: depends on the parameters, arm and seed."""
    lever = 2.0 if params.regime.continuity > 0.5 else 1.0
    return {m: lever * params.crisis.base_rate * 1e4 + seed for m in ("cost_total:complex",)}


def comparable(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.drop(columns=VOLATILE).sort_values("run_id", ignore_index=True)


class Crash(BaseException):
    """Stands for the process dying: not an Exception, so nothing catches it."""


class Faults:
    """Make the n-th call of ``store.write_atomic`` crash (before, torn, after) or fail (enospc)."""

    def __init__(self, monkeypatch, at: int, mode: str):
        self.calls, self.at, self.mode, self.fired = 0, at, mode, False
        real = store_mod.write_atomic

        def write_atomic(path: Path, data: bytes) -> None:
            self.calls += 1
            if self.calls != self.at:
                return real(path, data)
            self.fired = True
            tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            if self.mode == "before":
                raise Crash
            if self.mode == "torn":  # the process dies with half the bytes written
                tmp.write_bytes(data[: len(data) // 2])
                raise Crash
            if self.mode == "after":  # renamed, but the directory entry not yet synced
                real(path, data)
                raise Crash
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))

        monkeypatch.setattr(store_mod, "write_atomic", write_atomic)
        monkeypatch.setattr("carecomplex.experiments.analysis.write_atomic", write_atomic)


def _sweep(path: Path, out: Path, resume: bool):
    return run_sweep(load_experiment(path), out, workers=1, resume=resume, run_fn=cheap)


@pytest.fixture(scope="module")
def many(tmp_path_factory):
    """The experiment file, its reference results, and the number of writes a sweep makes."""
    folder = tmp_path_factory.mktemp("many")
    path = write_experiment(folder, MANY)
    calls = []
    real = store_mod.write_atomic
    store_mod.write_atomic = lambda p, d: (calls.append(p.name), real(p, d))[1]
    try:
        rep = _sweep(path, folder / "reference", resume=False)
    finally:
        store_mod.write_atomic = real
    assert rep.ran == 20 and rep.failed == 0
    batches = sum(n.endswith(".json") and n != "manifest.json" for n in calls)
    assert batches >= 4 and len(calls) == 2 * batches + 4, calls
    return path, comparable(read_results(folder / "reference")), len(calls)


def _assert_complete(out: Path, reference: pd.DataFrame) -> None:
    frame = read_results(out)
    assert frame.run_id.is_unique and len(frame) == 20, "every run exactly once"
    pd.testing.assert_frame_equal(comparable(frame), reference)
    _, verified, bad = scan(out)
    assert not bad, f"left behind: {bad}"
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "complete" and len(manifest["runs"]) == 20
    assert manifest["files"] == {f"runs/{k}": {"sha256": v} for k, v in verified.items()}
    for name, entry in manifest["files"].items():
        assert hashlib.sha256((out / name).read_bytes()).hexdigest() == entry["sha256"]
    leftovers = [p.name for p in out.rglob(".*.tmp")]
    assert not leftovers, leftovers


@pytest.mark.parametrize("mode", ["before", "torn", "after"])
def test_a_crash_at_every_write_resumes_to_the_complete_set(many, tmp_path, monkeypatch, mode):
    path, reference, n_writes = many
    for at in range(1, n_writes + 1):
        out = tmp_path / f"{mode}-{at}"
        with monkeypatch.context() as m:
            faults = Faults(m, at, mode)
            with pytest.raises(Crash):
                _sweep(path, out, resume=False)
            assert faults.fired
        before = committed(out)
        rep = _sweep(path, out, resume=(out / "manifest.json").exists())
        assert rep.ran == 20 - len(before), "only the runs without a verified result ran"
        _assert_complete(out, reference)


@settings(max_examples=25, deadline=None)
@given(
    chain=st.lists(
        st.tuples(st.integers(1, 40), st.sampled_from(["before", "torn", "after"])),
        min_size=1,
        max_size=6,
    )
)
def test_chains_of_crashes_lose_and_duplicate_nothing(many, tmp_path_factory, chain):
    path, reference, _ = many
    out = tmp_path_factory.mktemp("chain") / "out"
    mp = pytest.MonkeyPatch()
    try:
        for at, mode in chain:
            with mp.context() as m:
                Faults(m, at, mode)
                with contextlib.suppress(Crash):
                    _sweep(path, out, resume=(out / "manifest.json").exists())
    finally:
        mp.undo()
    _sweep(path, out, resume=(out / "manifest.json").exists())
    _assert_complete(out, reference)


def test_a_corrupted_or_truncated_file_is_named_on_load_and_rerun(many, tmp_path, capsys):
    path, reference, _ = many
    out = tmp_path / "damaged"
    _sweep(path, out, resume=False)
    files = sorted((out / "runs").glob("*.parquet"))
    flipped, cut, record = files[0], files[1], files[2].with_suffix(".json")
    lost = set().union(*(pd.read_parquet(f).run_id for f in files[:3]))
    data = bytearray(flipped.read_bytes())
    data[len(data) // 2] ^= 0x01  # one bit: same size, same footer
    flipped.write_bytes(bytes(data))
    cut.write_bytes(cut.read_bytes()[:-10])
    record.write_text(record.read_text()[:-5])

    first = sorted(f.stem for f in files[:3])[0]
    with pytest.raises(StoreError, match=f"runs/{first}.parquet and 2 more batches failed"):
        read_results(out)
    assert main(["analyse", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "failed the checksum check" in err[0] and "--resume" in err[0], err

    rep = _sweep(path, out, resume=True)
    assert rep.ran == len(lost) and rep.skipped == 20 - len(lost)
    _assert_complete(out, reference)


def test_a_full_disk_during_a_sweep_names_the_file_and_keeps_the_committed_runs(
    many, tmp_path, monkeypatch, capsys
):
    path, reference, n_writes = many
    seen = set()
    for at in range(1, n_writes + 3):  # + the analysis: paired.parquet, pooled.csv
        out = tmp_path / f"full-{at}"
        with monkeypatch.context() as m:
            m.setattr("carecomplex.experiments.simulate.summarise", cheap)
            Faults(m, at, "enospc")
            code = main(["sweep", str(path), "--out", str(out), "--workers", "1", "--quiet"])
        err = capsys.readouterr().err.strip().splitlines()
        assert code == 1 and len(err) == 1, err
        assert "No space left on device" in err[0] and "--resume" in err[0], err
        assert str(out) in err[0], "the message names the file"
        seen.add(Path(err[0].split(": ")[2]).name)
        assert not list(out.rglob(".*.tmp")), "no partial file"
        _, _, bad = scan(out)
        assert not bad
        _sweep(path, out, resume=(out / "manifest.json").exists())
        _assert_complete(out, reference)
    assert {"manifest.json", "design.parquet"} <= seen and any(s.endswith(".json") for s in seen)


def test_a_full_disk_while_writing_run_outputs_leaves_nothing(tmp_path, monkeypatch, capsys):
    real = pd.DataFrame.to_parquet

    def full(self, path, *a, **k):
        Path(path).write_bytes(b"PAR1 half a file")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(pd.DataFrame, "to_parquet", full)
    out = tmp_path / "new" / "out"
    args = ["--seeds", "1", "--persons", "300", "--years", "0.1", "--out", str(out), "--quiet"]
    code = main(["run", *args])
    monkeypatch.setattr(pd.DataFrame, "to_parquet", real)
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1 and len(err) == 1 and "No space left on device" in err[0], err
    assert str(out) in err[0]
    assert not out.exists(), "the folder it created is removed again"


def _unshare_works() -> bool:
    if not shutil.which("unshare"):
        return False
    probe = subprocess.run(
        ["unshare", "-rm", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs /mnt"],
        capture_output=True,
    )
    return probe.returncode == 0


@pytest.mark.skipif(
    not _unshare_works(),
    reason="needs unprivileged user and mount namespaces for a tiny tmpfs; "
    "test_a_full_disk_during_a_sweep_* injects the same error everywhere",
)
@pytest.mark.parametrize("size_kb", [24, 48])
def test_a_real_full_file_system(many, tmp_path, size_kb):
    """A sweep into a tmpfs of a few pages stops with one line and no partial file."""
    path, reference, _ = many
    mnt, kept = tmp_path / "mnt", tmp_path / "kept"
    mnt.mkdir()
    script = (
        f"mount -t tmpfs -o size={size_kb}k tmpfs {mnt} && "
        f"{sys.executable} -c 'import sys, test_durability as t; "
        "import carecomplex.experiments.simulate as s; "
        "s.summarise = t.cheap; from carecomplex.cli import main; "
        f"sys.exit(main(sys.argv[1:]))' sweep {path} --out {mnt}/out --workers 1 --quiet; "
        f"echo $? > {tmp_path}/rc; cp -a {mnt}/out {kept}"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "tests"), str(ROOT / "src")])}
    proc = subprocess.run(
        ["unshare", "-rm", "sh", "-c", script], capture_output=True, text=True, env=env
    )
    err = proc.stderr.strip().splitlines()
    assert (tmp_path / "rc").read_text().strip() == "1", (proc.stdout, proc.stderr)
    assert len(err) == 1 and "No space left on device" in err[0] and "--resume" in err[0], err
    assert not list(kept.rglob(".*.tmp")) and not list(kept.rglob(".partial-*"))
    assert not scan(kept)[2], "every file left is verified"
    _sweep(path, kept, resume=(kept / "manifest.json").exists())
    _assert_complete(kept, reference)


@pytest.mark.slow
def test_repeated_sigkill_at_random_moments(tmp_path):
    """A real sweep (2 worker processes) killed 10 times at random moments, then resumed."""
    path = write_experiment(tmp_path)
    serial = tmp_path / "serial"
    assert main(["sweep", str(path), "--out", str(serial), "--workers", "1", "--quiet"]) == 0
    out = tmp_path / "killed"
    cmd = [sys.executable, "-m", "carecomplex.cli", "sweep", str(path), "--out", str(out)]
    rnd, kills, progress = random.Random(20261123), 0, []
    while kills < 10:
        resume = ["--resume"] if (out / "manifest.json").exists() else []
        before = len(committed(out))
        proc = subprocess.Popen(
            [*cmd, *resume, "--workers", "2", "--quiet"],
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        # Kill once a random number of further runs (0: during start-up) is committed,
        # plus a random fraction of a second, whatever the speed of the machine.
        target, deadline = before + rnd.randint(0, 8), time.monotonic() + 300
        while len(committed(out)) < target and proc.poll() is None:
            assert time.monotonic() < deadline, "the sweep made no progress in 300 s"
            time.sleep(0.02)
        time.sleep(rnd.uniform(0.0, 0.5))
        if proc.poll() is not None:  # finished before the kill: start again from scratch
            shutil.rmtree(out)
            continue
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        kills += 1
        progress.append(len(committed(out)))
    assert max(progress) > 0, f"no kill landed after a commit: {progress}"
    assert main(["sweep", str(path), "--out", str(out), "--resume", "--quiet"]) == 0
    frame = read_results(out)
    assert frame.run_id.is_unique and len(frame) == 24, "every run exactly once"
    ref = comparable(read_results(serial))
    pd.testing.assert_frame_equal(comparable(frame), ref)
    assert not scan(out)[2] and not list(out.rglob(".*.tmp"))
