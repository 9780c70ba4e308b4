"""Probabilistic sensitivity analysis: draws, CRN across arms, CEAC, switching values."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from carecomplex.calibration import ensemble as ens
from carecomplex.calibration import psa
from carecomplex.cli import main

SMALL = ["--persons", "300", "--years", "2", "--seeds", "2", "--quiet"]


# ---------------------------------------------------------------------------------
# Pure functions


def test_switching_value_recovers_the_crossing_of_a_known_linear_function() -> None:
    rng = np.random.default_rng(3)
    n = 200
    X = pd.DataFrame(
        {
            "crisis.trust_protection": rng.uniform(0, 0.4, n),
            "crisis.base_rate": rng.uniform(0.002, 0.01, n),
            "life.scar": rng.uniform(0, 0.02, n),
        }
    )
    # effect = 1.5 - 5 * trust + 20 * base_rate (+ a little noise); claim: effect <= 0.3
    y = 1.5 - 5 * X["crisis.trust_protection"] + 20 * X["crisis.base_rate"]
    y = y + rng.normal(0, 1e-3, n)
    r = {
        "crisis.trust_protection": psa.Ranges((0.05, 0.32), (0.0, 0.4), (0.0, 0.9)),
        "crisis.base_rate": psa.Ranges((0.003, 0.009), (0.002, 0.01), (0.0, 0.2)),
        "life.scar": psa.Ranges((0.001, 0.019), (0.0, 0.02), (0.0, 0.5)),
    }
    out = psa.switching_values(X, y, 0.3, True, r, top=2)
    assert [s.parameter for s in out] == ["crisis.trust_protection", "crisis.base_rate"]
    s = out[0]
    med = X.median()
    expected = (1.5 + 20 * med["crisis.base_rate"] - 0.3) / 5
    assert s.method == "regression"
    assert s.value == pytest.approx(expected, abs=2e-3)
    assert s.holds_above and not s.holds_now  # at the medians the effect is about 0.62
    assert s.where == "ensemble"
    assert s.sentence.startswith(f"holds only if crisis.trust_protection >= {s.value:.3g}")
    assert "ensemble 95 %: 0.05-0.32; prior 0-0.4" in s.sentence
    # the base rate would need a value below its allowed range: nowhere
    b = out[1]
    assert b.where == "none" and b.sentence == "no value of crisis.base_rate alone flips it"


def test_switching_value_univariate_with_few_draws() -> None:
    X = pd.DataFrame({"a.x": [0.0, 1.0, 2.0, 3.0], "a.y": [1.0, 0.0, 1.0, 0.0]})
    y = 2 * X["a.x"] + 1  # crosses 4 at x = 1.5
    out = psa.switching_values(X, y, 4.0, False, None, top=1)
    assert out[0].method == "univariate" and out[0].value == pytest.approx(1.5)
    assert out[0].holds_above


def test_ceac_at_zero_is_the_share_of_cheaper_worlds_and_monotone_when_effects_gain() -> None:
    rng = np.random.default_rng(1)
    dc = rng.normal(100, 500, 300)
    de = rng.uniform(0.001, 0.05, 300)  # every world gains wellbeing
    curve = psa.ceac(dc, de, [0, 1000, 5000, 20000, 50000, 1e6])
    assert curve["p_cost_effective"].iloc[0] == pytest.approx(np.mean(dc < 0))
    assert np.all(np.diff(curve["p_cost_effective"]) >= 0)
    assert curve["p_cost_effective"].iloc[-1] == pytest.approx(np.mean(1e6 * de - dc > 0))
    png = psa.ce_figure(dc, de, curve)
    assert png.startswith(b"\x89PNG")


def test_spread_and_summary_share_of_worlds() -> None:
    rows = []
    for d, shift in enumerate([-2.0, -1.0, 3.0]):
        for s in (1, 2):
            rows.append((d, s, "a", "cost", "all", 10.0))
            rows.append((d, s, "b", "cost", "all", 10.0 + shift + 0.1 * s))
    long = pd.DataFrame(rows, columns=["draw", "seed", "arm", "metric", "group", "value"])
    t = psa.summary(long, "a", "b").iloc[0]
    assert t["n"] == 6 and t["draws"] == 3
    assert t["share_below_0"] == pytest.approx(2 / 3)
    assert t["diff"] == pytest.approx(np.mean([-1.9, -1.8, -0.9, -0.8, 3.1, 3.2]))
    assert t["diff_lo"] < t["diff"] < t["diff_hi"]
    assert list(psa.per_draw(long, "a", "b", "cost:all")) == pytest.approx([-1.85, -0.85, 3.15])


def test_draws_are_seeded_and_prior_footing() -> None:
    a, b = psa.draws(4, "prior", 7), psa.draws(4, "prior", 7)
    assert a.values == b.values and a.values != psa.draws(4, "prior", 8).values
    assert a.kind == "prior"
    assert psa.footing(a, a.parameters[:2]).startswith("rests on priors alone")


def test_footing_follows_the_informed_parameters(tmp_path: Path) -> None:
    prior = ens.load("prior")
    table = prior.table.copy()
    key = "crisis.base_rate"
    table[key] = float(table[key].median())  # the targets pin this one down
    table.loc[0, key] *= 1.001
    path = tmp_path / "posterior.parquet"
    path.write_bytes(ens.write(ens.Ensemble(table, {**prior.meta, "kind": "posterior"}), path))
    d = psa.draws(3, str(path), 1)
    assert d.kind == "posterior"
    assert psa.footing(d, [key]) == "rests on calibrated evidence"
    loose = "life.scar"
    assert psa.footing(d, [key, loose]) == (
        f"rests partly on priors (the targets narrow none of {loose} on its own)"
    )
    assert psa.footing(d, [loose]).startswith("rests on priors alone")


def test_arms_share_the_draw_and_the_seed() -> None:
    from carecomplex.experiments.decompose import differing
    from carecomplex.scenarios import load

    base, alt = load("siloed").params, load("alliance").params
    d = psa.draws(3, "prior", 5)
    runs = psa.tasks({"siloed": base, "alliance": alt}, d, [1, 2])
    assert len(runs) == 3 * 2 * 2
    by = {}
    for r in runs:
        by.setdefault((r.draw, r.seed), {})[r.arm] = r.params
    assert len(by) == 6
    for (draw, _), pair in by.items():
        a, b = pair["siloed"], pair["alliance"]
        assert differing(a, b) == differing(base, alt), "the arms differ only as the scenarios do"
        for key, value in d.values[draw].items():
            group, name = key.split(".")
            assert getattr(getattr(a, group), name) == value == getattr(getattr(b, group), name)


# ---------------------------------------------------------------------------------
# Command line


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["--psa", "0"], "--psa"),
        (["--psa", "x"], "--psa"),
        (["--psa", "100001"], "--psa"),
    ],
)
def test_bad_psa_count_exits_2(tmp_path: Path, args: list[str], reason: str) -> None:
    out = tmp_path / "o"
    with pytest.raises(SystemExit) as e:
        main(["compare", *args, *SMALL, "--out", str(out)])
    assert e.value.code == 2 and not out.exists()


@pytest.mark.parametrize("command", ["compare", "decompose", "claims"])
def test_bad_ensemble_exits_2_with_one_line_and_writes_nothing(
    tmp_path: Path, command: str
) -> None:
    bad = tmp_path / "bad.parquet"
    bad.write_text("not parquet")
    out = tmp_path / "o"
    files = [str(Path(__file__).parents[1] / "experiments" / "claims" / "brian.toml")]
    argv = [command, *(files if command == "claims" else []), "--psa", "2"]
    argv += ["--ensemble", str(bad), "--out", str(out), "--quiet"]
    proc = subprocess.run(
        [sys.executable, "-m", "carecomplex.cli", *argv], capture_output=True, text=True
    )
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and str(bad) in lines[0], lines
    assert not out.exists()


def test_ensemble_without_psa_is_refused(tmp_path: Path, capsys) -> None:
    out = tmp_path / "o"
    assert main(["compare", "--ensemble", "prior", *SMALL, "--out", str(out)]) == 2
    assert "only with --psa" in capsys.readouterr().err and not out.exists()


@pytest.fixture(scope="module")
def compare_psa(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("cmp") / "psa"
    argv = ["compare", "--psa", "3", "--ensemble", "prior", "--psa-seed", "11"]
    assert main([*argv, *SMALL, "--workers", "1", "--out", str(out)]) == 0
    return out


def test_compare_psa_writes_long_results_draws_summary_and_ceac(compare_psa: Path) -> None:
    out = compare_psa
    names = {p.name for p in out.iterdir()}
    want = {"psa.parquet", "psa_draws.parquet", "psa_summary.csv", "ceac.csv", "ceac.png"}
    assert want | {"manifest.json"} <= names, names
    long = pd.read_parquet(out / "psa.parquet")
    assert list(long.columns) == ["draw", "seed", "arm", "metric", "group", "value"]
    assert sorted(long.draw.unique()) == [0, 1, 2] and sorted(long.seed.unique()) == [1, 2]
    assert set(long.arm) == {"siloed", "alliance"}
    drawn = pd.read_parquet(out / "psa_draws.parquet")
    assert list(drawn.draw) == [0, 1, 2] and "crisis.base_rate" in drawn.columns
    assert drawn.drop(columns="draw").to_dict("records") == psa.draws(3, "prior", 11).values
    s = pd.read_csv(out / "psa_summary.csv")
    row = s[(s.metric == "cost_total") & (s.group == "complex")].iloc[0]
    assert row["diff_lo"] <= row["diff"] <= row["diff_hi"]
    assert 0 <= row["share_below_0"] <= 1
    curve = pd.read_csv(out / "ceac.csv")
    dc = psa.per_draw(long, "siloed", "alliance", psa.COST_KEY)
    assert curve["p_cost_effective"].iloc[0] == pytest.approx(float((dc < 0).mean()))
    m = json.loads((out / "manifest.json").read_text())
    assert m["psa"]["draws"] == 3 and m["psa"]["kind"] == "prior" and m["psa"]["psa_seed"] == 11


def test_compare_psa_is_reproducible(compare_psa: Path, tmp_path: Path) -> None:
    out = tmp_path / "again"
    argv = ["compare", "--psa", "3", "--ensemble", "prior", "--psa-seed", "11"]
    assert main([*argv, *SMALL, "--workers", "1", "--out", str(out)]) == 0
    for name in ("psa.parquet", "psa_draws.parquet"):
        pd.testing.assert_frame_equal(
            pd.read_parquet(out / name), pd.read_parquet(compare_psa / name)
        )
    assert (out / "psa_summary.csv").read_text() == (compare_psa / "psa_summary.csv").read_text()


def test_compare_psa_says_what_you_would_have_to_believe(tmp_path: Path, capsys) -> None:
    out = tmp_path / "believe"
    argv = ["compare", "--psa", "4", "--ensemble", "prior", "--psa-seed", "3"]
    assert main([*argv, *SMALL, "--workers", "1", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    line = next(x for x in printed.splitlines() if "what you would have to believe" in x)
    long = pd.read_parquet(out / "psa.parquet")
    share = float((psa.per_draw(long, "siloed", "alliance", psa.COST_KEY) < 0).mean())
    assert f"costs less (complex needs, per person-year) in {share:.0%}" in line
    assert "rests on priors alone" in line


def test_decompose_psa_shares_add_up_in_every_world(tmp_path: Path) -> None:
    out = tmp_path / "dec"
    argv = ["decompose", "--psa", "2", "--ensemble", "prior", "--groups", "budget,rest"]
    argv += ["--metrics", "cost_total:complex", "--persons", "300", "--years", "1"]
    assert main([*argv, "--seeds", "2", "--workers", "1", "--quiet", "--out", str(out)]) == 0
    f = pd.read_parquet(out / "psa_shapley.parquet")
    assert sorted(f.draw.unique()) == [0, 1] and set(f.group) == {"budget", "rest", "total"}
    wide = f.pivot_table(index=["draw", "seed"], columns="group", values="value")
    np.testing.assert_allclose(wide["budget"] + wide["rest"], wide["total"], rtol=1e-9)
    assert (out / "decompose_psa.png").read_bytes()[:4] == b"\x89PNG"
    t = pd.read_csv(out / "decompose_psa.csv")
    total = t[t.group == "total"].iloc[0]
    assert total["lo"] <= total["value"] <= total["hi"]
    assert t[t.group != "total"]["share_pct"].sum() == pytest.approx(100.0)


CLAIM = """[claim]
id = "crises_halved"
statement = "The alliance halves crises among people with complex needs."
source = "test"
metric = "crises"
population = "complex"
baseline = "siloed"
intervention = "alliance"
window = [52, 104]
effect = "ratio"
value = 0.5

[run]
persons = 400
years = 2.0
seeds = 3
"""


def test_claim_psa_tasks_share_draw_and_seeds(tmp_path: Path) -> None:
    from carecomplex import claims as cl
    from carecomplex.claims.verdict import psa_tasks

    f = tmp_path / "c.toml"
    f.write_text(CLAIM)
    c = cl.load(f)
    d = psa.draws(2, "prior", 3)
    ts = psa_tasks(c, d, 2)
    assert [(t.point, t.seed) for t in ts] == [
        ("psa:0", 1),
        ("psa:0", 2),
        ("psa:1", 1),
        ("psa:1", 2),
    ]
    for t in ts:
        values = d.values[int(t.point.split(":")[1])]
        for key, v in values.items():
            group, name = key.split(".")
            assert getattr(getattr(t.baseline, group), name) == v
            assert getattr(getattr(t.intervention, group), name) == v


def test_claims_psa_end_to_end(tmp_path: Path, capsys) -> None:
    f = tmp_path / "c.toml"
    f.write_text(CLAIM)
    out = tmp_path / "rep"
    argv = ["claims", str(f), "--psa", "3", "--ensemble", "prior", "--psa-seed", "4"]
    argv += ["--seeds", "2", "--no-screen", "--no-persona", "--workers", "1", "--quiet"]
    assert main([*argv, "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "crises_halved: seed-only (parameters at the defaults):" in printed
    line = next(x for x in printed.splitlines() if x.startswith("crises_halved: PSA:"))
    assert "of plausible worlds" in line and "rests on priors alone" in line
    t = pd.read_csv(out / "claims.csv")
    row = t.iloc[0]
    runs = pd.read_parquet(out / "psa_runs.parquet")
    assert sorted(runs.draw.unique()) == [0, 1, 2] and sorted(runs.seed.unique()) == [1, 2]
    per_draw = runs.groupby("draw")["effect"].mean()
    assert row["psa_share_holds"] == pytest.approx(float((per_draw <= 0.6).mean()))
    assert row["psa_mean"] == pytest.approx(runs["effect"].mean())
    assert row["psa_lo"] <= row["psa_mean"] <= row["psa_hi"]
    assert row["switch1_parameter"] and row["psa_footing"].startswith("rests on priors alone")
    assert set(pd.read_parquet(out / "claims.parquet").columns) == set(t.columns)
    md = (out / "report.md").read_text()
    assert "Plausible worlds (PSA)" in md and "What you would have to believe" in md
    assert "holds in (share of plausible worlds)" in md
    assert (out / "figures" / "psa.png").read_bytes()[:4] == b"\x89PNG"
    m = json.loads((out / "manifest.json").read_text())
    assert m["psa"]["draws"] == 3 and m["psa"]["psa_seeds"] == 2
