"""Experiment files: designs have the documented sizes, runs are paired by seed, and bad
files stop with one line naming the file and key, exit 2, and nothing written."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from _experiments import TINY, write_experiment
from carecomplex.cli import main
from carecomplex.errors import ExperimentError
from carecomplex.experiments.design import load_experiment

REPO = Path(__file__).resolve().parents[1]
POOL = {
    "crisis.trust_protection": (0.05, 0.4),
    "workforce.turnover": (0.002, 0.02),
    "trust.erode": (0.06, 0.4),
    "capacity.caseload": (10, 20),
}


def test_shipped_experiments_load():
    sizes = {p.stem: load_experiment(p).n_runs for p in (REPO / "experiments").glob("*.toml")}
    assert sizes == {"quick": 12, "default": 400, "sobol-screen": 896, "morris-quick": 64}, sizes


def test_summary_names_match_a_real_run():
    from carecomplex.metrics import summary, summary_names
    from carecomplex.model import CareModel
    from carecomplex.params import Params

    p = Params().replace(population={"persons": 200}, run={"years": 1, "burn_in": 2})
    keys = set(summary(CareModel(p, rng=1).run()))
    assert keys == set(summary_names()), keys ^ set(summary_names())


def _text(design: str, names: list[str], samples: int, levels: int, seeds: int) -> str:
    ranges = "\n".join(f'"{n}" = [{POOL[n][0]}, {POOL[n][1]}]' for n in names)
    return (
        f'[experiment]\ndesign = "{design}"\nsamples = {samples}\nlevels = {levels}\n'
        f"seeds = {seeds}\npersons = 100\nyears = 0.1\nbudget_runs = 100000\n"
        f'[arms]\na = "siloed"\nb = "alliance"\nc = "transition"\n[parameters]\n{ranges}\n'
    )


@settings(max_examples=25, deadline=None)
@given(
    design=st.sampled_from(["factorial", "lhs", "sobol", "morris"]),
    names=st.lists(st.sampled_from(sorted(POOL)), min_size=1, max_size=4, unique=True),
    samples=st.sampled_from([1, 2, 4, 8]),
    levels=st.sampled_from([2, 4]),
    seeds=st.integers(1, 4),
)
def test_design_invariants(design, names, samples, levels, seeds):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "e.toml"
        path.write_text(_text(design, names, samples, levels, seeds))
        exp = load_experiment(path)
        again = load_experiment(path)
    d = len(names)
    expected = {
        "factorial": levels**d,
        "lhs": samples,
        "sobol": samples * (d + 2),
        "morris": samples * (d + 1),
    }[design]
    if design == "factorial" and "capacity.caseload" in names:
        assert len(exp.points) <= expected  # integer rounding may merge levels
    else:
        assert len(exp.points) == expected, (design, d, samples, levels)
    runs = exp.runs()
    ids = [r.run_id for r in runs]
    assert len(set(ids)) == len(ids) == exp.n_runs, "run ids must be unique, one per run"
    assert ids == [r.run_id for r in again.runs()], "run ids must be stable across loads"
    seed_sets = {}
    for r in runs:
        seed_sets.setdefault((r.point, r.arm), set()).add(r.seed)
    assert all(s == set(range(1, seeds + 1)) for s in seed_sets.values()), "CRN: same seeds"
    lo = np.array([POOL[n][0] for n in names])
    hi = np.array([POOL[n][1] for n in names])
    assert np.all((exp.points >= lo) & (exp.points <= hi)), "points outside their ranges"
    for r in runs[:5]:
        for key, value in r.values:
            group, name = key.split(".")
            assert getattr(getattr(r.params, group), name) == value, "value not applied"
        assert r.params.population.persons == 100


def test_arms_keep_their_levers_and_share_the_uncertainties(tmp_path):
    exp = load_experiment(write_experiment(tmp_path))
    by = {(r.arm, r.point, r.seed): r for r in exp.runs()}
    s, a = by[("siloed", 3, 1)], by[("alliance", 3, 1)]
    assert s.values == a.values and s.params.crisis == a.params.crisis
    assert s.params.regime != a.params.regime
    assert s.params.run.burn_in == a.params.run.burn_in == 2


BAD = [
    ('design = "grid"', "experiment.design: unknown design 'grid'"),
    ('"crisis.base_rate" = [0.001, 0.001]', "parameters.crisis.base_rate: empty range"),
    ('"crisis.base_rate" = [0.001, 0.0005]', "parameters.crisis.base_rate: empty range"),
    ("budget_runs = 10", "experiment.budget_runs: 24 runs (4 points × 2 arms × 3 seeds) exceed"),
    ('"crisis.bogus" = [0, 1]', "parameters.crisis.bogus: unknown parameter"),
    ('"crisis.base_rate" = [0.1, 0.5]', "out of range (allowed 0 to 0.2 1/week)"),
    ('"run.seed" = [1, 5]', "parameters.run.seed: seeds are set by experiment.seeds"),
    ('metrics = ["gaming", "happiness"]', "outputs.metrics: unknown metric 'happiness'"),
    ("seeds = 0", "experiment.seeds: expected a whole number from 1"),
    ('alliance = "nowhere.toml"', "arms.alliance: nowhere.toml: file not found"),
    ("persons = 0", "experiment.persons: value 0 is out of range"),
    ("[extra]", "extra: unknown section"),
]


def _edit(text: str, line: str) -> str:
    key = line.split("=")[0].strip()
    if line.startswith("["):
        return text + f"\n{line}\n"
    lines = [ln for ln in text.splitlines() if not ln.startswith(key + " ")]
    header = {"metrics": "[outputs]", "alliance": "[arms]"}.get(key.strip('"'), "")
    if key.startswith('"'):
        header = "[parameters]"
    header = header or "[experiment]"
    i = lines.index(header)
    return "\n".join([*lines[: i + 1], line, *lines[i + 1 :]]) + "\n"


@pytest.mark.parametrize(("line", "reason"), BAD)
def test_bad_experiment_exits_2_with_one_line_and_writes_nothing(tmp_path, capsys, line, reason):
    path = write_experiment(tmp_path, _edit(TINY, line))
    out = tmp_path / "out"
    assert main(["sweep", str(path), "--out", str(out), "--workers", "1", "--quiet"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert str(path) in err[0] and reason in err[0], err[0]
    assert not out.exists(), "output written despite bad input"


def test_bad_experiment_in_a_subprocess_has_no_traceback(tmp_path):
    path = write_experiment(tmp_path, TINY.replace('"factorial"', '"sobel"'))
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, "-m", "carecomplex.cli", "sweep", str(path), "--out", str(out)],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    assert proc.stderr.strip().count("\n") == 0 and "unknown design 'sobel'" in proc.stderr
    assert not out.exists()


def test_sobol_needs_power_of_two(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text(_text("sobol", ["trust.erode"], 3, 2, 1))
    with pytest.raises(ExperimentError, match="sobol needs a power of two, got 3"):
        load_experiment(path)
