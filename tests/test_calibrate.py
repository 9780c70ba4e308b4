"""Calibration: targets and priors as data, ABC-SMC that recovers known values, reproducible
with any executor, resumable after a kill, bad input refused with one line."""

from __future__ import annotations

import math
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from carecomplex.calibration import abc, ensemble, targets
from carecomplex.calibration.targets import CalibrationError, Target
from carecomplex.cli import main

PRIORS = """
[prior."crisis.base_rate"]
dist = "loguniform"
lo = 0.003
hi = 0.012
reason = "test"

[prior."crisis.discharge_risk"]
dist = "uniform"
lo = 2.0
hi = 10.0
reason = "test"
"""


SBC_PRIOR = """
[prior."support.reallocation"]
dist = "loguniform"
lo = 0.002
hi = 0.016
reason = "test"
"""


def target(key: str, lo: float, hi: float, part: str = "baseline") -> str:
    kind = "level" if part == "baseline" else "relative"
    return f"""
[[target]]
key = "{key}"
part = "{part}"
kind = "{kind}"
label = "{key}"
lo = {lo}
hi = {hi}
population = "complex-needs group"
window = "whole run"
definition = "test"
source = "test"
"""


TINY = (
    """
name = "tiny"
priors = "priors.toml"

[simulation]
persons = 200
years = 1

[abc]
population_size = 6
generations = 2
seed = 7
"""
    + target("ae", 3.0, 5.0)
    + target("readmission", 15.0, 30.0)
)


def write_tiny(tmp: Path, text: str = TINY, priors: str = PRIORS) -> Path:
    tmp.mkdir(parents=True, exist_ok=True)
    (tmp / "priors.toml").write_text(priors)
    (tmp / "targets.toml").write_text(text)
    return tmp / "targets.toml"


# --------------------------------------------------------------------------------------
# Targets and priors as data.
# --------------------------------------------------------------------------------------


def test_shipped_targets_cover_every_evidence_range_with_sources():
    t = targets.load("default")
    names = {x.name for x in t.targets}
    assert {f"effect.{k}" for k in targets.EFFECT_KEYS} <= names
    assert {f"baseline.{k}" for k in targets.BASELINE_KEYS} <= names
    assert all(x.source and x.definition and x.window and x.population for x in t.targets)
    assert all(p.reason for p in t.priors)
    groups = {p.group for p in t.priors}
    assert not groups & set(targets.LEVER_GROUPS), "a lever must never be calibrated"


def test_the_evidence_command_checks_the_targets_file():
    from carecomplex.experiments import evidence

    t = targets.load("default")
    shipped = {(x.part, x.key): (x.lo, x.hi) for x in t.targets}
    checked = {("effect", r.key): (r.lo, r.hi) for r in evidence.EFFECTS}
    checked |= {("baseline", r.key): (r.lo, r.hi) for r in evidence.BASELINE}
    assert checked == shipped


def test_shipped_priors_contain_the_model_defaults():
    from carecomplex.params import Params

    p = Params()
    for prior in targets.load("default").priors:
        value = getattr(getattr(p, prior.group), prior.field)
        assert prior.lo <= value <= prior.hi, prior.key


BAD_TARGETS = [  # (text replaced, replacement, message)
    ('name = "tiny"', 'name = "tiny"\nunknown_top = 1', "unknown_top: unknown key"),
    ("population_size = 6", "population_size = 1", "abc.population_size: expected an integer"),
    ("years = 1", "years = 0.5", "simulation.years: expected 1..30 years"),
    ("seed = 7", "seed = 7\nspeed = 1", "abc.speed: unknown key"),
    ('priors = "priors.toml"', "priors = 3", "priors: expected a non-empty string"),
    ("[abc]", "abc = 3\n[abcd]", "unknown key"),
    ("seed = 7", 'seed = 7\nmethod = "mcmc"', "abc.method: expected one of smc, rejection"),
    ("seed = 7", "seed = 7\nepsilon = 0", "abc.epsilon: expected a number > 0"),
]
BAD_TARGET_ROWS = [
    (target("nonsense", 1.0, 2.0), "target[2].key: unknown baseline statistic"),
    (target("ae", 5.0, 3.0), "target[2].hi: must exceed lo"),
    (target("acute", -30.0, 0.0, part="effects"), "target[2].part: expected one of"),
    (target("ae", 3.0, 5.0), "baseline.ae appears twice"),
    (target("ae", 3.0, 5.0).replace("level", "relative"), "measured as level"),
]
BAD_PRIORS = [
    ('[prior."regime.continuity"]\ndist="uniform"\nlo=0\nhi=1\nreason="x"\n', "not a world"),
    ('[prior."crisis.nonsense"]\ndist="uniform"\nlo=0\nhi=1\nreason="x"\n', "unknown parameter"),
    ('[prior."crisis.base_rate"]\ndist="uniform"\nlo=0\nhi=0.5\nreason="x"\n', "allowed range"),
    ('[prior."crisis.base_rate"]\ndist="normal"\nlo=0\nhi=0.1\nreason="x"\n', "dist: expected"),
    ('[prior."crisis.base_rate"]\ndist="loguniform"\nlo=0\nhi=0.1\nreason="x"\n', "lo > 0"),
    ('[prior."crisis.base_rate"]\ndist="uniform"\nlo=0\nhi=0.1\n', "reason: expected"),
    ("", "no priors"),
]


@pytest.mark.parametrize(
    ("text", "message"),
    [(TINY.replace(a, b, 1), m) for a, b, m in BAD_TARGETS]
    + [(TINY + row, m) for row, m in BAD_TARGET_ROWS],
)
def test_bad_targets_file_is_one_line_exit_2_nothing_written(tmp_path, capsys, text, message):
    path = write_tiny(tmp_path / "in", text)
    out = tmp_path / "out"
    assert main(["calibrate", str(path), "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and str(path) in err and message in err, err
    assert not out.exists()


@pytest.mark.parametrize(("priors", "message"), BAD_PRIORS)
def test_bad_priors_file_is_one_line_exit_2_nothing_written(tmp_path, capsys, priors, message):
    path = write_tiny(tmp_path / "in", priors=priors)
    out = tmp_path / "out"
    assert main(["calibrate", str(path), "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "priors.toml" in err and message in err, err
    assert not out.exists()


def test_missing_files_are_one_line_errors(tmp_path, capsys):
    assert main(["calibrate", str(tmp_path / "none.toml"), "--out", str(tmp_path / "o")]) == 2
    assert "none.toml: file not found" in capsys.readouterr().err
    path = write_tiny(tmp_path / "in")
    (tmp_path / "in" / "priors.toml").unlink()
    assert main(["calibrate", str(path), "--out", str(tmp_path / "o"), "--quiet"]) == 2
    assert "priors.toml: file not found" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


# --------------------------------------------------------------------------------------
# The distance.
# --------------------------------------------------------------------------------------

RANGES = (
    Target("ae", "baseline", "level", "ae", 3.0, 5.0, "p", "w", "d", "s"),
    Target("cost", "baseline", "level", "cost", 20_000.0, 35_000.0, "p", "w", "d", "s", 2.0),
)


def test_distance_is_zero_inside_and_counts_range_widths_outside():
    d = abc.RangeDistance(RANGES)
    assert d({"baseline.ae": 4.0, "baseline.cost": 30_000.0}) == 0.0
    assert d.excess({"baseline.ae": 7.0, "baseline.cost": 5_000.0}) == {
        "baseline.ae": 1.0,
        "baseline.cost": 1.0,
    }
    # weights 1 and 2: sqrt((1 * 1 + 2 * 0) / 3)
    assert d({"baseline.ae": 7.0, "baseline.cost": 30_000.0}) == pytest.approx(math.sqrt(1 / 3))
    assert d({"baseline.ae": math.nan, "baseline.cost": 30_000.0}) == pytest.approx(
        abc.NAN_DISTANCE / math.sqrt(3)
    )


@given(st.floats(-100, 100), st.floats(-1e6, 1e6))
def test_distance_is_nonnegative_and_zero_only_inside(ae, cost):
    d = abc.RangeDistance(RANGES)({"baseline.ae": ae, "baseline.cost": cost})
    inside = 3.0 <= ae <= 5.0 and 20_000.0 <= cost <= 35_000.0
    assert d >= 0.0 and (d == 0.0) == inside


# --------------------------------------------------------------------------------------
# Ensembles.
# --------------------------------------------------------------------------------------


def test_ensemble_draws_are_seeded_and_follow_the_weights(tmp_path):
    table = pd.DataFrame({"crisis.base_rate": [0.004, 0.008], "weight": [0.9, 0.1]})
    ens = ensemble.Ensemble(table)
    a, b = ens.draw(4000, seed=3), ens.draw(4000, seed=3)
    assert a == b and a != ens.draw(4000, seed=4)
    share = np.mean([d["crisis.base_rate"] == 0.004 for d in a])
    assert share == pytest.approx(0.9, abs=0.02)
    path = tmp_path / "e.parquet"
    path.write_bytes(ensemble.write(ens, path))
    back = ensemble.load(path)
    pd.testing.assert_frame_equal(back.table, table)


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (pd.DataFrame({"crisis.base_rate": [0.004]}), "weight"),
        (pd.DataFrame({"crisis.base_rate": [0.9], "weight": [1.0]}), "outside the allowed"),
        (pd.DataFrame({"crisis.nonsense": [0.1], "weight": [1.0]}), "unknown parameter"),
        (pd.DataFrame({"crisis.base_rate": [0.004], "weight": [-1.0]}), "weights must be"),
    ],
)
def test_bad_ensemble_files_are_refused_with_one_line(tmp_path, table, message):
    path = tmp_path / "e.parquet"
    table.to_parquet(path)
    with pytest.raises(CalibrationError, match=message):
        ensemble.load(path)
    (tmp_path / "junk.parquet").write_text("not parquet")
    with pytest.raises(CalibrationError, match="not a readable Parquet"):
        ensemble.load(tmp_path / "junk.parquet")


def test_weighted_quantile_matches_repetition():
    rng = np.random.default_rng(1)
    x = rng.normal(size=50)
    w = rng.integers(1, 5, size=50)
    for q in (0.05, 0.5, 0.95):
        rep = np.repeat(x, w)
        expect = np.sort(rep)[math.ceil(q * len(rep)) - 1]
        assert ensemble.weighted_quantile(x, w.astype(float), q) == expect


def test_shipped_ensemble_loads_and_lies_inside_the_priors():
    ens = ensemble.load()
    t = targets.load("default")
    assert ens.parameters == t.parameters
    for p in t.priors:
        x = ens.table[p.key]
        assert x.between(p.lo, p.hi).all(), p.key


# --------------------------------------------------------------------------------------
# Calibration runs: reproducible, on any executor, resumable.
# --------------------------------------------------------------------------------------


def ensemble_of(out: Path) -> pd.DataFrame:
    return pd.read_parquet(out / "ensemble.parquet")


@pytest.fixture(scope="module")
def inline(tmp_path_factory) -> tuple[Path, Path]:
    tmp = tmp_path_factory.mktemp("cal")
    path = write_tiny(tmp / "in")
    out = tmp / "inline"
    assert main(["calibrate", str(path), "--out", str(out), "--workers", "1", "--quiet"]) == 0
    return path, out


def test_calibration_writes_ensemble_fit_diagnostics_and_manifest(inline):
    import json

    _, out = inline
    names = {p.name for p in out.iterdir()}
    assert {
        "abc.db",
        "ensemble.parquet",
        "posterior.csv",
        "fit.csv",
        "generations.csv",
        "marginals.png",
        "pairwise.png",
        "fit.png",
        "generations.png",
        "manifest.json",
    } <= names
    ens = ensemble.load(out / "ensemble.parquet")
    assert len(ens.table) == 6 and ens.weights.sum() == pytest.approx(1.0)
    assert ens.parameters == ["crisis.base_rate", "crisis.discharge_risk"]
    fit = pd.read_csv(out / "fit.csv")
    assert list(fit.target) == ["baseline.ae", "baseline.readmission"]
    gens = pd.read_csv(out / "generations.csv")
    assert list(gens.t) == [0, 1] and (gens.epsilon.diff().dropna() <= 0).all()
    man = json.loads((out / "manifest.json").read_text())
    assert "pyabc" in man["calibration"]["library"] and man["calibration"]["settings"]["seed"] == 7
    for png in ("marginals.png", "fit.png"):
        assert (out / png).read_bytes()[:4] == b"\x89PNG"


def test_same_seed_same_ensemble_in_process_and_in_a_process_pool(inline, tmp_path):
    path, out = inline
    pool = tmp_path / "pool"
    assert main(["calibrate", str(path), "--out", str(pool), "--workers", "2", "--quiet"]) == 0
    pd.testing.assert_frame_equal(ensemble_of(pool), ensemble_of(out))
    other = tmp_path / "seed8"
    assert main(["calibrate", str(path), "--out", str(other), "--seed", "8", "--quiet",
                 "--workers", "1"]) == 0  # fmt: skip
    assert not ensemble_of(other).equals(ensemble_of(out))


@pytest.mark.slow
def test_same_ensemble_on_a_dask_local_cluster(inline, tmp_path):
    distributed = pytest.importorskip("distributed")
    path, out = inline
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
        memory_limit="2GiB",
    ) as cluster:
        dask_out = tmp_path / "dask"
        argv = ["calibrate", str(path), "--out", str(dask_out), "--quiet"]
        assert main([*argv, "--scheduler", cluster.scheduler_address]) == 0
    pd.testing.assert_frame_equal(ensemble_of(dask_out), ensemble_of(out))


def test_rerun_needs_resume_and_resume_checks_the_targets(inline, tmp_path, capsys):
    path, out = inline
    assert main(["calibrate", str(path), "--out", str(out), "--quiet"]) == 2
    assert "--resume continues it" in capsys.readouterr().err
    assert main(["calibrate", str(path), "--out", str(out), "--resume", "--seed", "9"]) == 2
    assert "settings differ" in capsys.readouterr().err
    assert main(["calibrate", str(path), "--out", str(tmp_path / "new"), "--resume"]) == 2
    assert "holds no calibration" in capsys.readouterr().err
    before = ensemble_of(out)
    assert main(["calibrate", str(path), "--out", str(out), "--resume", "--quiet"]) == 0
    pd.testing.assert_frame_equal(ensemble_of(out), before)


def test_rejection_keeps_equal_weights_and_only_particles_within_epsilon(tmp_path):
    import pyabc

    text = TINY.replace("seed = 7", 'seed = 7\nmethod = "rejection"\nepsilon = 0.4')
    path = write_tiny(tmp_path / "in", text)
    out = tmp_path / "out"
    assert main(["calibrate", str(path), "--out", str(out), "--workers", "1", "--quiet"]) == 0
    ens = ensemble.load(out / "ensemble.parquet")
    assert np.allclose(ens.weights, 1 / 6) and ens.effective_size() == pytest.approx(6)
    h = pyabc.History(f"sqlite:///{out / 'abc.db'}")
    assert h.max_t == 0, "rejection is one generation from the prior"
    assert (h.get_weighted_distances(t=0)["distance"] <= 0.4).all()
    gens = pd.read_csv(out / "generations.csv")
    assert gens.epsilon.tolist() == [0.4] and gens.samples.iloc[0] >= 6


def test_a_generation_that_cannot_finish_stops_at_the_budget(tmp_path, capsys):
    text = TINY.replace("seed = 7", 'seed = 7\nmethod = "rejection"\nepsilon = 1e-9')
    text = text.replace("[abc]", "[abc]\nmax_simulations = 5")
    path = write_tiny(tmp_path / "in", text.replace(target("ae", 3.0, 5.0), target("ae", 90, 99)))
    out = tmp_path / "out"
    assert main(["calibrate", str(path), "--out", str(out), "--workers", "1", "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "--max-simulations: 5 paired runs" in err, err


def test_too_few_years_for_the_targets_is_refused(tmp_path, capsys):
    argv = ["calibrate", "--out", str(tmp_path / "o"), "--years", "2", "--quiet"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "--years: cost_years3_5 needs at least 5 measured years, got 2" in err
    assert not (tmp_path / "o").exists()


def generations_stored(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as con:
            return con.execute("select count(*) from populations where t >= 0").fetchone()[0]
    except sqlite3.Error:
        return 0


@pytest.mark.slow
def test_sigkill_then_resume_gives_the_uninterrupted_ensemble(inline, tmp_path):
    path, _ = inline
    killed = tmp_path / "killed"
    text = path.read_text().replace("generations = 2", "generations = 3")
    path3 = write_tiny(tmp_path / "in3", text)
    full = tmp_path / "full"
    assert main(["calibrate", str(path3), "--out", str(full), "--workers", "1", "--quiet"]) == 0
    cmd = [sys.executable, "-m", "carecomplex.cli", "calibrate", str(path3), "--out", str(killed)]
    proc = subprocess.Popen(
        [*cmd, "--workers", "1", "--quiet"],
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 300
    while generations_stored(killed / "abc.db") < 1 and proc.poll() is None:
        assert time.monotonic() < deadline, "no generation finished in time"
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    stored = generations_stored(killed / "abc.db")
    assert 1 <= stored < 3, f"kill landed after {stored} generations; need a partial run"
    assert not (killed / "ensemble.parquet").exists()
    argv = ["calibrate", str(path3), "--out", str(killed), "--resume", "--workers", "1"]
    assert main([*argv, "--quiet"]) == 0
    pd.testing.assert_frame_equal(ensemble_of(killed), ensemble_of(full))


# --------------------------------------------------------------------------------------
# Simulation-based calibration: known values are recovered.
# --------------------------------------------------------------------------------------


@pytest.mark.slow
def test_known_parameter_values_are_recovered(tmp_path):
    """Targets simulated at known values; the 90 % posterior interval holds them.

    Synthetic targets: the siloed A&E rate and new workers met per person-year at known
    ``crisis.base_rate`` and ``support.reallocation``, each a range of the mean +- 2 s.d.
    over seeds. A&E depends strongly on the base rate (1.7 to 5.8 a year over the prior
    box, s.d. about 0.5 between seeds of 400 persons); new workers hardly on
    reallocation in one year (3.1 to 3.3, s.d. 0.3-0.4). So the base rate must be
    informed (posterior s.d. under 0.7 of the prior's) and reallocation must not be (no
    false precision), and both known values must lie inside their 90 % posterior
    intervals.
    """
    from carecomplex.calibration.ensemble import apply
    from carecomplex.experiments.evidence import measures, outcome
    from carecomplex.experiments.simulate import Run
    from carecomplex.scenarios import load

    truth = {"crisis.base_rate": 0.008, "support.reallocation": 0.004}
    size = {"population": {"persons": 800}, "run": {"years": 1}}
    params = apply(load("siloed", size).params, truth)
    runs = [measures(Run("siloed", params, s)) for s in range(1, 7)]
    rows = ""
    for key in ("ae", "new_workers"):
        x = np.array([outcome(m, key) for m in runs])
        rows += target(key, x.mean() - 2 * x.std(ddof=1), x.mean() + 2 * x.std(ddof=1))
    text = TINY.split("[[target]]")[0].replace("persons = 200", "persons = 800")
    text = text.replace("population_size = 6", "population_size = 24")
    text = text.replace("generations = 2", "generations = 3")
    priors = PRIORS.split('[prior."crisis.discharge_risk"]')[0] + SBC_PRIOR
    path = write_tiny(tmp_path / "in", text + rows, priors)
    out = tmp_path / "out"
    assert main(["calibrate", str(path), "--out", str(out), "--workers", "2", "--quiet"]) == 0
    post = pd.read_csv(out / "posterior.csv").set_index("parameter")
    for key, value in truth.items():
        r = post.loc[key]
        assert r.posterior_lo <= value <= r.posterior_hi, (key, value, r.to_dict())
    assert post.loc["crisis.base_rate"].informed, "the targets inform the base rate"
    assert not post.loc["support.reallocation"].informed, "no false precision"


# --------------------------------------------------------------------------------------
# Fuzzing: any mutation of a targets, priors or beliefs file loads or is one clean line.
# --------------------------------------------------------------------------------------

JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)


def _toml(v: object) -> str:
    import json

    if v is None:
        return '""'
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return (
            "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf") if math.isinf(v) else repr(v)
        )
    if isinstance(v, dict):
        return "{" + ", ".join(f"{json.dumps(k)} = {_toml(x)}" for k, x in v.items()) + "}"
    if isinstance(v, list):
        return "[" + ", ".join(_toml(x) for x in v) + "]"
    return json.dumps(v) if isinstance(v, str) else str(v)


def _mutate(text: str, line: int, value: object) -> str:
    lines = text.splitlines()
    idx = [i for i, s in enumerate(lines) if "=" in s and not s.lstrip().startswith("#")]
    i = idx[line % len(idx)]
    key = lines[i].split("=")[0].rstrip()
    lines[i] = f"{key} = {_toml(value)}"
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("kind", ["targets", "priors", "beliefs"])
@given(line=st.integers(0, 500), value=JUNK)
@pytest.mark.filterwarnings("ignore")
def test_any_mutated_file_loads_or_is_refused_in_one_line(kind, line, value):
    import tempfile

    from carecomplex import beliefs
    from carecomplex.errors import InputError
    from carecomplex.resources import EXAMPLES, data_path

    src = {
        "targets": targets.default_path(),
        "priors": targets.default_path().parent / "priors.toml",
        "beliefs": data_path(EXAMPLES, "beliefs", "optimistic.toml"),
    }[kind]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / src.name
        path.write_text(_mutate(src.read_text(encoding="utf-8"), line, value))
        (Path(tmp) / "priors.toml").write_text(
            src.parent.joinpath("priors.toml").read_text(encoding="utf-8")
            if kind == "targets"
            else path.read_text()
        )
        try:
            {"targets": targets.load, "priors": targets.load_priors, "beliefs": beliefs.load}[kind](
                path
            )
        except InputError as e:
            assert "\n" not in str(e) and str(path) in str(e), str(e)


def test_a_missing_priors_file_is_named_with_the_targets_file(tmp_path: Path) -> None:
    """Found by the fuzz above in a newcomer's run: ``priors = "0"`` gave an error naming
    only the missing file, not the targets file and key that named it."""
    import re

    text = re.sub(r"(?m)^priors = .*$", 'priors = "0"', targets.default_path().read_text())
    path = tmp_path / "targets.toml"
    path.write_text(text)
    with pytest.raises(targets.CalibrationError) as err:
        targets.load(path)
    assert str(err.value) == f"{path}: priors: {tmp_path / '0'}: file not found"
    assert "\n" not in str(err.value)
