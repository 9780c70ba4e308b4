"""Scenario files: valid ones load; every kind of bad file gives a one-line ScenarioError.

The message of a :class:`ScenarioError` must be a single line naming the file and the
offending key, and for type and range errors the allowed range, so that a user can fix
the file without reading code.
"""

from __future__ import annotations

import dataclasses
import math
import os
from pathlib import Path

import pytest
from hypothesis import given, settings

from _strategies import params_dicts
from carecomplex.params import ParamError, Params, from_dict, to_dict
from carecomplex.scenarios import BUILTIN, ScenarioError, load, load_params

REPO_SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
NAMES = ("siloed", "alliance", "transition")


def write(tmp_path: Path, text: str | bytes, name: str = "s.toml") -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def error_of(ref, **kw) -> str:
    with pytest.raises(ScenarioError) as info:
        load(ref, **kw)
    return str(info.value)


def check_message(msg: str, path: Path | str, *parts: str) -> None:
    assert "\n" not in msg and "\r" not in msg, f"error message must be one line: {msg!r}"
    assert str(path) in msg, f"error message must name the file {path}: {msg!r}"
    for part in parts:
        assert part in msg, f"error message must mention {part!r}: {msg!r}"


# --- Valid files ----------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_builtin_scenarios_load(name: str) -> None:
    sc = load(name)
    assert sc.name == name
    assert sc.description.strip(), f"{name} must have a description"
    assert isinstance(sc.params, Params)
    assert Path(sc.path).resolve() == (BUILTIN / f"{name}.toml").resolve()
    assert load_params(name) == sc.params


@pytest.mark.parametrize("name", NAMES)
def test_repo_scenario_files_match_the_packaged_ones(name: str) -> None:
    repo = REPO_SCENARIOS / f"{name}.toml"
    assert repo.exists(), f"{repo} is missing"
    assert load(repo).params == load(name).params, (
        f"scenarios/{name}.toml and the packaged copy give different parameters"
    )


def test_siloed_and_alliance_are_the_documented_corners() -> None:
    s, a = load("siloed").params, load("alliance").params
    assert s.regime.target_pressure > 0 and a.regime.target_pressure == 0
    assert s.regime.episode_cap > 0 and a.regime.episode_cap == 0
    levers = ("information_sharing", "continuity", "whole_person", "shared_learning", "in_reach")
    for lever in levers:
        assert getattr(a.regime, lever) > getattr(s.regime, lever), f"alliance {lever} higher"
    # Only the levers differ: the world is the same.
    world = ("population", "life", "crisis", "capacity", "support", "trust", "learning")
    for group in (*world, "gaming", "housing", "treatment", "workforce", "run"):
        assert getattr(s, group) == getattr(a, group), f"siloed/alliance differ in {group}"


def test_transition_extends_siloed() -> None:
    t, s, a = load("transition"), load("siloed"), load("alliance")
    assert t.name == "transition", "the child's name must win over the parent's"
    assert t.description != s.description
    assert t.params.regime == s.params.regime, "transition starts from the siloed levers"
    assert t.params.after == a.params.regime, "transition ends at the alliance levers"
    assert t.params.transition.week == 104 and t.params.transition.learning_weeks == 104
    expected = s.params.replace(
        transition={"week": 104, "learning_weeks": 104}, after=dataclasses.asdict(a.params.regime)
    )
    assert t.params == expected, "transition must be siloed plus its own tables"


def test_user_file_extends_builtin_and_overrides(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        'name = "mine"\nextends = "alliance"\n[regime]\ncontinuity = 0.5\n'
        "[population]\npersons = 1234\n[costs]\nae_attendance = 400\n",
    )
    p = load(path).params
    assert p.regime.continuity == 0.5
    assert p.regime.whole_person == load("alliance").params.regime.whole_person
    assert p.population.persons == 1234 and isinstance(p.population.persons, int)
    assert p.costs == {"ae_attendance": 400.0}


def test_ints_accepted_for_floats_and_integral_floats_for_ints(tmp_path: Path) -> None:
    p = load(write(tmp_path, "[regime]\neligibility = 1\nepisode_cap = 12.0\n")).params
    assert p.regime.eligibility == 1.0 and isinstance(p.regime.eligibility, float)
    assert p.regime.episode_cap == 12 and isinstance(p.regime.episode_cap, int)


def test_overrides_are_validated() -> None:
    sc = load("siloed", overrides={"run": {"seed": 9}})
    assert sc.params.run.seed == 9 and sc.params.regime == load("siloed").params.regime
    msg = error_of("siloed", overrides={"regime": {"eligibility": 2}})
    check_message(msg, BUILTIN / "siloed.toml", "regime.eligibility", "allowed 0 to 1")


# --- Bad files --------------------------------------------------------------------------

BAD = {
    "unknown key": ("[regime]\neligibilty = 0.3\n", ["regime.eligibilty", "unknown"]),
    "unknown section": ("[regimes]\neligibility = 0.3\n", ["regimes", "unknown section"]),
    "section not a table": ("regime = 3\n", ["regime", "table"]),
    "string for number": (
        '[regime]\neligibility = "high"\n',
        ["regime.eligibility", "allowed 0 to 1"],
    ),
    "bool for number": ("[regime]\neligibility = true\n", ["regime.eligibility", "allowed 0 to 1"]),
    "bool for integer": (
        "[capacity]\ncaseload = false\n",
        ["capacity.caseload", "allowed 1 to 100"],
    ),
    "array for number": ("[life]\nnoise = [0.1]\n", ["life.noise", "allowed 0 to 0.5"]),
    "table for number": ("[life.noise]\nx = 1\n", ["life.noise", "allowed 0 to 0.5"]),
    "fraction for integer": ("[capacity]\ncaseload = 2.5\n", ["capacity.caseload", "integer"]),
    "above range": ("[regime]\neligibility = 1.5\n", ["regime.eligibility", "allowed 0 to 1"]),
    "below range": ("[run]\nburn_in = -1\n", ["run.burn_in", "allowed 0 to 520"]),
    "integer out of range": ("[population]\npersons = 0\n", ["population.persons", "allowed 1"]),
    "inf": ("[crisis]\nbase_rate = inf\n", ["crisis.base_rate", "allowed 0 to 0.2"]),
    "-inf": ("[crisis]\nbase_rate = -inf\n", ["crisis.base_rate", "allowed 0 to 0.2"]),
    "nan": ("[crisis]\nbase_rate = nan\n", ["crisis.base_rate", "allowed 0 to 0.2"]),
    "nan for integer": ("[capacity]\ncaseload = nan\n", ["capacity.caseload", "allowed 1 to 100"]),
    "inf for integer": ("[regime]\nepisode_cap = inf\n", ["regime.episode_cap", "allowed 0"]),
    "unknown cost": ("[costs]\nae = 300\n", ["costs.ae", "unknown"]),
    "cost out of range": ("[costs]\nae_attendance = -1\n", ["costs.ae_attendance", "0 to 4000"]),
    "cost nan": ("[costs]\nae_attendance = nan\n", ["costs.ae_attendance", "0 to 4000"]),
    "cost string": ('[costs]\nae_attendance = "x"\n', ["costs.ae_attendance", "0 to 4000"]),
    "name not a string": ("name = 3\n", ["name", "string"]),
    "extends not a string": ("extends = 1\n", ["extends", "string"]),
    "invalid TOML": ("[regime\neligibility = 0.3\n", ["TOML"]),
    "duplicate key": ("[regime]\ncontinuity = 0.1\ncontinuity = 0.2\n", ["TOML"]),
    "bad in a later line": ("[regime]\ncontinuity = 0.1\n\n[trust]\nbuild = 3\n", ["trust.build"]),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_file_gives_one_line_error_naming_file_and_key(tmp_path: Path, case: str) -> None:
    text, parts = BAD[case]
    path = write(tmp_path, text)
    check_message(error_of(path), path, *parts)


def test_bad_value_in_parent_names_the_key(tmp_path: Path) -> None:
    parent = write(tmp_path, "[regime]\ncontinuity = 7\n", "parent.toml")
    child = write(tmp_path, f'extends = "{parent}"\n[regime]\nwhole_person = 0.5\n', "child.toml")
    msg = error_of(child)
    assert "\n" not in msg and "regime.continuity" in msg and "allowed 0 to 1" in msg, msg


def test_bad_value_in_parent_is_refused_even_when_the_child_overrides_it(
    tmp_path: Path,
) -> None:
    """Each file is validated as it is read: a parent's bad value is an error even where
    a child sets the same key to a good one (it used to load without a word)."""
    parent = write(tmp_path, "[regime]\ncontinuity = 1.5\n", "parent.toml")
    child = write(tmp_path, 'extends = "parent.toml"\n[regime]\ncontinuity = 0.5\n', "c.toml")
    msg = error_of(child)
    check_message(msg, child, "extends", "regime.continuity", "1.5", "allowed 0 to 1")
    assert str(parent) in msg, f"the parent holding the bad value must be named: {msg!r}"
    grandchild = write(tmp_path, 'extends = "c.toml"\n[regime]\ncontinuity = 0.2\n', "g.toml")
    check_message(error_of(grandchild), grandchild, str(parent), "regime.continuity")


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.toml"
    check_message(error_of(path), path, "not found")
    check_message(error_of("no_such_scenario"), "no_such_scenario", "not found", "siloed")


def test_directory_instead_of_file(tmp_path: Path) -> None:
    d = tmp_path / "dir.toml"
    d.mkdir()
    check_message(error_of(d), d)


def test_non_utf8_bytes(tmp_path: Path) -> None:
    path = write(tmp_path, b'name = "caf\xe9"\n[regime]\ncontinuity = 0.5\n')
    check_message(error_of(path), path, "UTF-8")


@pytest.mark.parametrize("cycle", [1, 2, 3])
def test_circular_extends(tmp_path: Path, cycle: int) -> None:
    paths = [tmp_path / f"c{i}.toml" for i in range(cycle)]
    for i, p in enumerate(paths):
        p.write_text(f'extends = "{paths[(i + 1) % cycle]}"\n', encoding="utf-8")
    msg = error_of(paths[0])
    assert "\n" not in msg, f"one line expected: {msg!r}"
    assert "extends" in msg and "circular" in msg, f"must say circular extends: {msg!r}"
    assert any(str(p) in msg for p in paths), f"must name a file of the cycle: {msg!r}"


def test_missing_parent_names_the_extending_file(tmp_path: Path) -> None:
    path = write(tmp_path, 'extends = "no_such_parent"\n')
    check_message(error_of(path), path, "extends", "no_such_parent")


def test_relative_extends_does_not_depend_on_cwd(tmp_path: Path) -> None:
    d = tmp_path / "mine"
    d.mkdir()
    write(d, "[regime]\ncontinuity = 0.6\n", "base.toml")
    child = write(d, 'extends = "base.toml"\n[regime]\nwhole_person = 0.4\n', "child.toml")
    cwd = Path.cwd()
    try:
        os.chdir(d)
        here = load(child).params
        os.chdir(tmp_path)
        there = load(child).params
    finally:
        os.chdir(cwd)
    assert here == there, "the same file must load the same wherever it is loaded from"


# --- Params API -----------------------------------------------------------------------


def test_replace_validates_and_returns_a_new_object() -> None:
    p = Params()
    q = p.replace(regime={"continuity": 0.5}, run={"seed": 3})
    assert q.regime.continuity == 0.5 and q.run.seed == 3
    assert p.regime.continuity == 0.0 and p.run.seed == 1, "replace must not mutate"
    assert q.life == p.life
    bad = [
        ({"regime": {"continuity": 1.5}}, "regime.continuity", "allowed 0 to 1"),
        ({"regime": {"continuty": 0.5}}, "regime.continuty", "unknown parameter"),
        ({"regimes": {"continuity": 0.5}}, "regimes", "unknown section"),
        ({"run": {"seed": -1}}, "run.seed", "out of range"),
        ({"capacity": {"caseload": 1.5}}, "capacity.caseload", "integer"),
        ({"crisis": {"base_rate": math.nan}}, "crisis.base_rate", "not finite"),
        ({"crisis": {"base_rate": "0.1"}}, "crisis.base_rate", "expected a number"),
        ({"costs": {"ae_attendance": 1e9}}, "costs.ae_attendance", "0 to 4000"),
    ]
    for groups, key, reason in bad:
        with pytest.raises(ParamError) as info:
            p.replace(**groups)
        assert info.value.key == key, f"{groups}: error key {info.value.key!r} != {key!r}"
        assert reason in str(info.value), f"{groups}: {str(info.value)!r} lacks {reason!r}"
        assert "\n" not in str(info.value)


def _toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return repr(v)  # finite floats: repr is valid TOML and round-trips exactly
    return str(v)


def to_toml(data: dict) -> str:
    lines = []
    for group, values in data.items():
        lines.append(f"[{group}]")
        lines += [f"{k} = {_toml_value(v)}" for k, v in values.items()]
    return "\n".join(lines) + "\n"


@settings(max_examples=30, deadline=None)
@given(params_dicts())
def test_round_trip_dict_and_toml(tmp_path_factory, data: dict) -> None:
    p = from_dict(data)
    assert from_dict(to_dict(p)) == p, "from_dict(to_dict(p)) must equal p"
    assert to_dict(from_dict(to_dict(p))) == to_dict(p)
    path = tmp_path_factory.mktemp("rt") / "p.toml"
    path.write_text(to_toml(to_dict(p)), encoding="utf-8")
    assert load(path).params == p, "writing to_dict as TOML and loading it must give p back"


def test_defaults_are_inside_their_ranges() -> None:
    d = to_dict(Params())
    assert from_dict(d) == Params()
    from _strategies import group_classes

    for group, cls in group_classes().items():
        for f in dataclasses.fields(cls):
            lo, hi = f.metadata["lo"], f.metadata["hi"]
            assert lo <= f.default <= hi, f"{group}.{f.name} default {f.default} not in range"
            assert lo < hi, f"{group}.{f.name} has an empty range"
