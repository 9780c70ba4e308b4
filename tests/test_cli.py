"""The command line: outputs written whole, bad input refused with one line and exit 2."""

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from carecomplex import MODEL_VERSION
from carecomplex.cli import main, parse_seeds
from carecomplex.manifest import provenance

SMALL = ["--persons", "300", "--years", "0.5", "--quiet"]


def test_compare_writes_tidy_results_summary_and_manifest(tmp_path, capsys):
    out = tmp_path / "cmp"
    assert main(["compare", "--seeds", "3", *SMALL, "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "Cost per person-year" in printed and "diff [95 % CI]" in printed
    names = {p.name for p in out.iterdir()}
    assert {
        "runs.parquet",
        "paired.parquet",
        "weekly.parquet",
        "services.parquet",
        "summary.json",
        "manifest.json",
    } <= names, names
    assert not [n for n in names if n.startswith(".partial")], "temporary folder left behind"
    runs = pd.read_parquet(out / "runs.parquet")
    assert set(runs.scenario) == {"siloed", "alliance"}
    assert sorted(runs.seed.unique()) == [1, 2, 3]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seeds"] == [1, 2, 3]
    assert manifest["model_version"] == MODEL_VERSION
    assert set(provenance(None)) <= set(manifest), "one manifest builder for every command"
    assert manifest["scenarios"]["siloed"]["params"]["population"]["persons"] == 300
    summary = json.loads((out / "summary.json").read_text())
    row = next(r for r in summary["paired"] if r["metric"] == "cost_total" and r["group"] == "all")
    assert row["n"] == 3 and row["diff_lo"] <= row["diff"] <= row["diff_hi"]


def test_run_writes_one_scenario(tmp_path):
    out = tmp_path / "run"
    assert main(["run", "transition", "--seeds", "2", *SMALL, "--out", str(out)]) == 0
    weekly = pd.read_parquet(out / "weekly.parquet")
    assert set(weekly.scenario) == {"transition"} and weekly.week.max() == 25


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("[regime]\nbogus = 1\n", "regime.bogus: unknown parameter"),
        ("[regime]\ncontinuity = 'high'\n", "regime.continuity: expected a number"),
        ("[regime]\ncontinuity = 1.5\n", "allowed 0 to 1"),
        ("[nonsense]\nx = 1\n", "nonsense: unknown section"),
        ("[regime\n", "invalid TOML"),
    ],
)
def test_bad_scenario_file_exits_2_with_one_line_and_writes_nothing(tmp_path, text, reason):
    bad = tmp_path / "bad.toml"
    bad.write_text(text)
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, "-m", "carecomplex.cli", "run", str(bad), *SMALL, "--out", str(out)],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, f"expected one line, got {lines}"
    assert str(bad) in lines[0] and reason in lines[0], lines[0]
    assert "Traceback" not in proc.stderr
    assert not out.exists(), "output written despite bad input"


def test_missing_scenario_file(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["compare", "siloed", str(tmp_path / "nope.toml"), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "nope.toml: file not found" in err and not out.exists()


@pytest.mark.parametrize("args", [["--persons", "0"], ["--years", "x"], ["--seeds", "a"]])
def test_bad_options_exit_2(tmp_path, args):
    with pytest.raises(SystemExit) as e:
        if args[0] == "--seeds":
            raise SystemExit(main(["run", *args, "--out", str(tmp_path / "o")]))
        main(["run", *args, "--out", str(tmp_path / "o")])
    assert e.value.code == 2
    assert not (tmp_path / "o").exists()


def test_parse_seeds_forms():
    assert parse_seeds("3") == [1, 2, 3]
    assert parse_seeds("4,9") == [4, 9]
    assert parse_seeds("5-7") == [5, 6, 7]


def test_parameters_doc_is_up_to_date():
    from carecomplex.docs import parameters_markdown

    doc = Path(__file__).parents[1] / "docs" / "parameters.md"
    assert doc.read_text(encoding="utf-8") == parameters_markdown(), (
        "docs/parameters.md is stale: run `uv run carecomplex params > docs/parameters.md`"
    )
