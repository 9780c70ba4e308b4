"""Beliefs files: world parameters over every arm, every assumption shown, bad files refused."""

from __future__ import annotations

import json

import pytest

from carecomplex import beliefs
from carecomplex.cli import main
from carecomplex.params import describe

SMALL = ["--persons", "300", "--years", "1", "--seeds", "2", "--quiet"]


def test_optimistic_beliefs_are_world_parameters_with_their_reasons():
    b = beliefs.load("optimistic")
    lever_groups = set(beliefs.LEVER_GROUPS)
    known = {f"{d['group']}.{d['name']}": d for d in describe()}
    assert len(b.beliefs) >= 5
    for x in b.beliefs:
        assert x.key.split(".")[0] not in lever_groups
        assert known[x.key]["lo"] <= x.value <= known[x.key]["hi"]
        assert x.serves and x.evidence


def test_every_assumption_is_set_beside_the_default_and_the_calibration():
    rows = beliefs.assumptions(beliefs.load("optimistic"))
    by = {r["parameter"]: r for r in rows}
    assert by["housing.lasting"]["default"] == 0.0 and by["housing.lasting"]["belief"] > 0
    assert by["housing.lasting"]["where"] == "not calibrated"
    trust = by["crisis.trust_protection"]
    assert trust["belief"] > trust["calibrated_hi"], "the belief exceeds what the evidence allows"
    assert trust["where"].startswith("outside")


def test_compare_lays_the_beliefs_over_both_arms_and_records_them(tmp_path, capsys):
    out = tmp_path / "cmp"
    assert main(["compare", *SMALL, "--beliefs", "optimistic", "--out", str(out)]) == 0
    man = json.loads((out / "manifest.json").read_text())
    for arm in ("siloed", "alliance"):
        p = man["scenarios"][arm]["params"]
        assert p["housing"]["lasting"] == 0.02 and p["crisis"]["trust_protection"] == 0.7
        assert p["programme"]["alliance_overhead"] == 0.0
    assert man["beliefs"]["name"] == "optimistic"
    assert {r["parameter"] for r in man["beliefs"]["assumptions"]} >= {"housing.lasting"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '[belief."regime.continuity"]\nvalue = 1.0\nserves = "x"\nevidence = "y"\n',
            "not a world",
        ),
        (
            '[belief."crisis.nonsense"]\nvalue = 1.0\nserves = "x"\nevidence = "y"\n',
            "unknown param",
        ),
        (
            '[belief."housing.lasting"]\nvalue = 0.5\nserves = "x"\nevidence = "y"\n',
            "allowed range",
        ),
        (
            '[belief."housing.lasting"]\nvalue = "a"\nserves = "x"\nevidence = "y"\n',
            "finite number",
        ),
        ('[belief."housing.lasting"]\nvalue = 0.01\nevidence = "y"\n', "serves: expected"),
        ('[belief."housing.lasting"]\nvalue = 0.01\nserves = "x"\nevidence = "y"\nz = 1\n', "z"),
        ("name = 'x'\n", "no beliefs"),
        ("colour = 'x'\n", "unknown key"),
    ],
)
def test_bad_beliefs_file_is_one_line_exit_2_nothing_written(tmp_path, capsys, text, message):
    path = tmp_path / "b.toml"
    path.write_text(text)
    out = tmp_path / "out"
    assert main(["compare", *SMALL, "--beliefs", str(path), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and str(path) in err and message in err, err
    assert not out.exists()


def test_unknown_beliefs_name_and_beliefs_with_psa_are_refused(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["compare", *SMALL, "--beliefs", "rosy", "--out", str(out)]) == 2
    assert "built-in beliefs: optimistic" in capsys.readouterr().err
    argv = ["compare", *SMALL, "--beliefs", "optimistic", "--psa", "2", "--out", str(out)]
    assert main(argv) == 2
    assert "choose one" in capsys.readouterr().err
    assert not out.exists()
