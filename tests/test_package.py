"""The package's data, version and citation (issue 20).

The installed wheel itself is checked by ``scripts/check-wheel.sh`` (run by ``.ci/run``):
built from the sdist, installed alone outside the clone, read-only. These tests hold the
parts that can be seen from the source tree, quickly.
"""

import re
import subprocess
import tomllib
from pathlib import Path

import pytest

import carecomplex
from carecomplex import resources, scenarios
from carecomplex.claims import load as load_claim
from carecomplex.cli import main
from carecomplex.experiments.design import load_experiment

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src" / "carecomplex"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_builtin_scenarios_are_package_data():
    builtin = scenarios.BUILTIN
    assert builtin == resources.data_path("scenarios")
    assert scenarios.BUILTIN.is_relative_to(Path(carecomplex.__file__).parent)
    assert {p.stem for p in scenarios.BUILTIN.glob("*.toml")} >= {
        "siloed",
        "alliance",
        "transition",
    }


def test_top_level_folders_are_the_package_data():
    # The clone's `scenarios/` and `experiments/` are links to the package's data (an
    # unpacked sdist has copies): the same files, byte for byte, not a second version.
    for top, data in (("scenarios", "scenarios"), ("experiments", "examples")):
        ours = {p.relative_to(ROOT / top): p.read_bytes() for p in (ROOT / top).rglob("*.toml")}
        package = resources.data_path(data)
        shipped = {p.relative_to(package): p.read_bytes() for p in package.rglob("*.toml")}
        assert ours == shipped, top


def test_examples_hold_every_experiment_and_claim():
    files = {str(p) for p in resources.example_files()}
    assert {"quick.toml", "default.toml", "claims/brian.toml"} <= files
    assert all(f.endswith(".toml") for f in files)


def test_examples_command_copies_them_out_and_they_load_there(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)  # not the clone: built-in scenarios come from the package
    assert main(["examples"]) == 0
    n = len(resources.example_files())
    assert f"{n} example files in experiments/" in capsys.readouterr().out
    out = tmp_path / "experiments"
    copied = sorted(p.relative_to(out) for p in out.rglob("*.toml"))
    assert copied == resources.example_files()
    for p in out.glob("*.toml"):
        assert load_experiment(p).n_runs > 0
    for p in (out / "claims").glob("*.toml"):
        assert load_claim(p).id == p.stem


def test_examples_command_keeps_files_unless_forced(tmp_path, capsys):
    dest = tmp_path / "ex"
    assert main(["examples", str(dest)]) == 0
    (dest / "quick.toml").write_text("# mine\n")
    assert main(["examples", str(dest)]) == 1
    err = capsys.readouterr().err
    assert "already there" in err and "--force" in err
    assert (dest / "quick.toml").read_text() == "# mine\n"
    assert main(["examples", str(dest), "--force"]) == 0
    assert (dest / "quick.toml").read_bytes() == resources.data_path(
        "examples", "quick.toml"
    ).read_bytes()


def test_no_module_finds_data_beside_its_source_file():
    # Run-time data is read through carecomplex.resources (importlib.resources), never
    # through paths built from __file__; the one use left is git's working directory
    # for the manifest's git_revision (marked "for git only").
    uses = [
        f"{p.relative_to(SRC)}:{i}: {line.strip()}"
        for p in SRC.rglob("*.py")
        for i, line in enumerate(p.read_text().splitlines(), 1)
        if "__file__" in line and "for git only" not in line
    ]
    assert not uses, uses


def test_version_is_single_sourced():
    version = PYPROJECT["project"]["version"]
    assert carecomplex.__version__ == version  # from the installed metadata
    cff = (ROOT / "CITATION.cff").read_text()
    assert re.search(rf"^version: {re.escape(version)}$", cff, re.M), "CITATION.cff version"
    assert "cff-version: 1.2.0" in cff and re.search(r"^title: ", cff, re.M)


def test_model_version_is_separate_and_in_the_changelog():
    assert carecomplex.MODEL_VERSION.isdigit()
    changelog = (ROOT / "CHANGELOG.md").read_text()
    assert f"## model_version {carecomplex.MODEL_VERSION} " in changelog


@pytest.mark.parametrize("hook", ["ruff-check", "ruff-format", "check-added-large-files"])
def test_pre_commit_runs_ruff_and_the_large_file_check(hook):
    assert f"id: {hook}" in (ROOT / ".pre-commit-config.yaml").read_text()


def test_git_revision_names_this_clone_only(tmp_path, monkeypatch):
    from carecomplex import manifest

    rev = manifest.git_revision()
    assert re.fullmatch(r"[0-9a-f]{40}(-dirty)?", rev), f"a clone gives its commit, not {rev!r}"
    # A copy of the package inside another git repository reports no commit of that repo.
    other = tmp_path / "repo"
    pkg = other / "venv" / "carecomplex"
    pkg.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", str(other)], check=True)
    monkeypatch.setattr(manifest, "__file__", str(pkg / "manifest.py"))
    assert manifest.git_revision() == "unknown"
