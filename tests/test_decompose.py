"""Effect decomposition: Shapley shares of lever groups, complete and exact per seed."""

import dataclasses
import json
import math

import numpy as np
import pandas as pd
import pytest

from carecomplex import MODEL_VERSION
from carecomplex.cli import main
from carecomplex.errors import UsageError
from carecomplex.experiments import decompose as dec
from carecomplex.metrics import summary
from carecomplex.model import CareModel
from carecomplex.params import RegimeLevers
from carecomplex.scenarios import load

SMALL = {"population": {"persons": 300}, "run": {"years": 1.5}}  # long enough to differ
CLI_SMALL = ["--persons", "300", "--years", "0.5", "--quiet", "--workers", "1"]
METRICS = ["cost_total:complex", "crises:complex", "wellbeing:complex", "ea_weeks:complex"]


@pytest.fixture(scope="module")
def arms():
    return load("siloed", SMALL).params, load("alliance", SMALL).params


def test_every_lever_is_in_exactly_one_group():
    listed = [f for levers in dec.LEVER_GROUPS.values() for f in levers]
    fields = [f.name for f in dataclasses.fields(RegimeLevers)]
    assert sorted(listed) == sorted(fields), "a lever is in no group, or in two"
    assert len(set(listed)) == len(listed)
    assert not {dec.REST, dec.OTHER} & set(dec.LEVER_GROUPS)


def test_shapley_of_a_known_game():
    # v(S) = sum of own effects + an interaction of players 0 and 1, split equally.
    own, both = np.array([3.0, -2.0, 5.0]), 4.0
    v = np.array(
        [sum(own[i] for i in range(3) if m >> i & 1) + both * (m & 3 == 3) for m in range(8)]
    )
    expected = own + np.array([both, both, 0.0]) / 2
    np.testing.assert_allclose(dec.shapley(v), expected, rtol=0, atol=1e-12)


def test_shapley_is_efficient_symmetric_and_zero_for_a_null_player():
    rng = np.random.default_rng(7)
    k = 5
    v = rng.normal(size=(2**k, 3, 2)) * 1e4
    phi = dec.shapley(v)
    np.testing.assert_allclose(phi.sum(axis=0), v[-1] - v[0], rtol=1e-12, atol=1e-9)
    # player 4 adds nothing to any coalition: exactly 0
    v[16:] = v[:16]
    phi = dec.shapley(v)
    assert np.all(phi[4] == 0.0)
    # players 0 and 1 interchangeable: equal shares
    sym = np.array([float(bin(m & 3).count("1")) ** 2 + (m >> 2) for m in range(8)])
    phi = dec.shapley(sym)
    assert phi[0] == phi[1]


def run(params, seed):
    s = summary(CareModel(params, rng=seed).run())
    return np.array([s[m] for m in METRICS])


def test_two_groups_match_a_hand_computation(arms):
    a, b = arms
    team = dec.players(a, b, "budget,rest")
    assert [p.name for p in team] == ["budget", "rest"]
    seeds = [1, 2]
    d = dec.decompose(a, b, team, seeds, METRICS)
    budget_only = a.replace(regime={"flexible_budget": b.regime.flexible_budget})
    rest_only = b.replace(regime={"flexible_budget": a.regime.flexible_budget})
    for j, seed in enumerate(seeds):
        v0, v1, v2, v12 = (run(p, seed) for p in (a, budget_only, rest_only, b))
        np.testing.assert_array_equal(d.values[0, j], v0)  # v({}) is A, bit for bit
        np.testing.assert_array_equal(d.values[3, j], v12)  # v(all) is B
        np.testing.assert_array_equal(d.values[1, j], v1)
        np.testing.assert_array_equal(d.values[2, j], v2)
        hand_budget = 0.5 * ((v1 - v0) + (v12 - v2))
        hand_rest = 0.5 * ((v2 - v0) + (v12 - v1))
        np.testing.assert_allclose(d.phi[0, j], hand_budget, rtol=1e-12)
        np.testing.assert_allclose(d.phi[1, j], hand_rest, rtol=1e-12)


def test_shares_add_up_to_the_total_per_seed(arms):
    a, b = arms
    d = dec.decompose(a, b, dec.players(a, b, "budget,continuity,rest"), [1, 2, 3], METRICS)
    total = d.total
    assert np.all(np.isfinite(total))
    np.testing.assert_allclose(d.phi.sum(axis=0), total, rtol=1e-9, atol=1e-9 * np.abs(total).max())
    t = dec.table(d, "siloed", "alliance")
    for metric, sub in t.groupby("metric"):
        shares = sub[sub.group != "total"]
        assert math.isclose(shares.share_pct.sum(), 100.0, rel_tol=1e-9), metric
        assert (sub.lo <= sub.value).all() and (sub.value <= sub.hi).all()


def test_a_group_equal_in_both_arms_gets_exactly_zero(arms):
    a, _ = arms
    b = a.replace(regime={"continuity": 0.9})
    team = dec.players(a, b, "budget,continuity,rest")
    params, _ = dec.plan(a, b, team)
    assert len(params) == 2, "coalitions that set nothing new share a run"
    d = dec.decompose(a, b, team, [1, 2], METRICS)
    assert np.all(d.phi[0] == 0.0) and np.all(d.phi[2] == 0.0)
    np.testing.assert_allclose(d.phi[1], d.total, rtol=1e-12)  # weights sum to 1 in floats


def test_players_from_groups(arms):
    a, b = arms
    team = dec.players(a, b, None)
    assert [p.name for p in team] == list(dec.LEVER_GROUPS), "no other: only levers differ"
    team = dec.players(a, b, "information+learning+targets, budget, rest")
    assert team[0].groups == ("information", "learning", "targets")
    assert team[0].levers == ("information_sharing", "shared_learning", "target_pressure")
    rest = {"episodes", "eligibility", "continuity", "whole_person", "in_reach"}
    assert set(team[2].groups) == rest
    # a non-lever difference is a player of its own, so the decomposition is complete
    b2 = b.replace(workforce={"turnover": 0.01}, costs={"temporary_accommodation_night": 60})
    team = dec.players(a, b2, "budget,rest")
    assert team[-1].name == dec.OTHER
    assert team[-1].levers == ("workforce.turnover", "costs")
    assert dec.coalition(a, b2, team, 0b100).workforce.turnover == 0.01
    assert dec.coalition(a, b2, team, 0b100).regime == a.regime
    assert dec.coalition(a, b2, team, 0b111) == dec.settled(b2)


def test_a_transition_is_split_into_its_levers_and_the_switch():
    a, b = load("siloed", SMALL).params, load("transition", SMALL).params
    team = dec.players(a, b, "budget + continuity, rest")
    assert [p.name for p in team] == ["budget+continuity", "rest", dec.OTHER]
    assert team[-1].levers == ("transition.week",)  # learning_weeks is 52 in both
    switch_only = dec.coalition(a, b, team, 0b100)
    assert switch_only.transition == b.transition
    assert switch_only.after == a.regime, "A's after is its levers: the switch changes nothing"
    budget_and_switch = dec.coalition(a, b, team, 0b101)
    assert budget_and_switch.after.flexible_budget == b.after.flexible_budget
    assert budget_and_switch.after.shared_learning == a.regime.shared_learning
    assert budget_and_switch.regime == a.regime


@pytest.mark.parametrize(
    ("spec", "says"),
    [
        ("budget,bogus", "unknown group 'bogus'"),
        ("budget,continuity", "levers in no group: target_pressure"),
        ("budget,budget,rest", "'budget' is named twice"),
        (" , ", "expected group names"),
    ],
)
def test_bad_groups_are_refused(arms, spec, says):
    with pytest.raises(UsageError, match=says):
        dec.players(*arms, spec)


def test_cli_writes_the_table_the_chart_and_the_manifest(tmp_path, capsys):
    out = tmp_path / "dec"
    args = ["decompose", "--seeds", "2", "--groups", "budget,rest", *CLI_SMALL, "--out", str(out)]
    assert main(args) == 0
    printed = capsys.readouterr().out
    assert "4 coalitions (4 distinct) x 2 seeds = 8 runs" in printed
    # (rich wraps long labels in narrow terminals: check the start of the label)
    assert "Cost per person-year" in printed and "% of total" in printed
    names = {p.name for p in out.iterdir()}
    assert {*dec.FILES, "manifest.json"} == names, names
    assert (out / "decompose.png").read_bytes()[:4] == b"\x89PNG"
    shap = pd.read_parquet(out / "shapley.parquet")
    assert set(shap.group) == {"budget", "rest", "total"} and set(shap.seed) == {1, 2}
    wide = shap.pivot_table(index=["metric", "seed"], columns="group", values="value")
    np.testing.assert_allclose(wide.budget + wide.rest, wide.total, rtol=1e-9, atol=1e-6)
    table = pd.read_csv(out / "decompose.csv")
    assert set(table.metric) == set(dec.DEFAULT_METRICS)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["model_version"] == MODEL_VERSION and manifest["seeds"] == [1, 2]
    assert manifest["decomposition"]["groups"]["budget"] == ["flexible_budget"]
    assert manifest["decomposition"]["runs"] == 8
    assert manifest["scenarios"]["alliance"]["params"]["population"]["persons"] == 300


def test_cli_in_worker_processes_gives_the_same_shares(tmp_path):
    args = ["decompose", "--seeds", "2", "--groups", "budget,rest", "--quiet"]
    size = ["--persons", "300", "--years", "0.5", "--metrics", "cost_total:complex"]
    assert main([*args, *size, "--workers", "1", "--out", str(tmp_path / "one")]) == 0
    assert main([*args, *size, "--workers", "2", "--out", str(tmp_path / "two")]) == 0
    one, two = (pd.read_parquet(tmp_path / d / "shapley.parquet") for d in ("one", "two"))
    pd.testing.assert_frame_equal(one, two)


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--groups", "budget,nope"], "--groups: unknown group 'nope'"),
        (["--groups", "budget,continuity"], "--groups: levers in no group"),
        (["--metrics", "cost_total:nope"], "--metrics: unknown metric 'cost_total:nope'"),
        (["nosuch.toml"], "nosuch.toml: file not found"),
        (["--seeds", "3"], "--budget-runs: 9 groups: 512 coalitions (512 distinct) x 3 seeds"),
    ],
)
def test_cli_refuses_bad_input_with_one_line_and_writes_nothing(tmp_path, capsys, args, says):
    out = tmp_path / "out"
    assert main(["decompose", *args, *CLI_SMALL, "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and says in err[0], err
    assert not out.exists()


def test_bad_scenario_file_is_named(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text("[regime]\ncontinuity = 1.5\n")
    out = tmp_path / "out"
    assert main(["decompose", "siloed", str(bad), *CLI_SMALL, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert str(bad) in err and "regime.continuity" in err and not out.exists()


def test_out_on_a_file_is_refused(tmp_path, capsys):
    out = tmp_path / "file"
    out.write_text("keep")
    assert main(["decompose", "--groups", "budget,rest", *CLI_SMALL, "--out", str(out)]) == 2
    assert "--out" in capsys.readouterr().err and out.read_text() == "keep"
