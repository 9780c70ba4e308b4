"""Input fuzzing of user files through the command line (issue 7, reliability).

Hypothesis mutates the shipped scenario, experiment and claim files: wrong types,
unknown keys and tables, out-of-range and non-finite numbers, huge numbers and sizes,
long strings, broken TOML, wrong encodings, deep nesting, empty files, directories,
missing files, ``extends`` cycles, paths leading out of the folder and ``--out``
pointing at a file. Every broken file must be refused by ``carecomplex.cli.main`` with
exit status 2 and one line on stderr, ``carecomplex: error: FILE: KEY: reason``, no
traceback and no output folder. A sample of small valid mutations must run (exit 0,
outputs written). The number of files fuzzed per kind is printed at the end of the
session (``files fuzzed``).
"""

from __future__ import annotations

import ast
import contextlib
import datetime as dt
import io
import math
import tempfile
import tomllib
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from _strategies import SMALL_RUN, params_dicts
from carecomplex.cli import main, one_line

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = {
    "scenario": sorted((ROOT / "scenarios").glob("*.toml")),
    "experiment": sorted((ROOT / "experiments").glob("*.toml")),
    "claim": sorted((ROOT / "experiments" / "claims").glob("*.toml")),
}
COUNTS: Counter[tuple[str, str]] = Counter()  # (kind, "broken" | "valid") -> files


def fuzz(n: int) -> settings:
    """Hypothesis settings: ``n`` examples, no deadline (the machine may be loaded)."""
    return settings(
        max_examples=n,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        database=None,
    )


NON_FINITE = [math.nan, math.inf, -math.inf]
HUGE = [1e300, -1e300, 10**30, -(10**30)]


class _Summary:
    """Prints ``files fuzzed: ...`` in pytest's terminal summary (also under ``-q``)."""

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if COUNTS:
            kinds = sorted({k for k, _ in COUNTS})
            parts = [
                f"{k} {COUNTS[k, 'broken']} broken + {COUNTS[k, 'valid']} valid" for k in kinds
            ]
            total = sum(COUNTS.values())
            terminalreporter.write_line(f"files fuzzed: {total} ({'; '.join(parts)})")


@pytest.fixture(scope="module", autouse=True)
def _report_counts(request: pytest.FixtureRequest) -> None:
    manager = request.config.pluginmanager
    if not manager.has_plugin("fuzz-summary"):
        manager.register(_Summary(), "fuzz-summary")


# ---------------------------------------------------------------------------------
# TOML writing (inline tables, so any nesting is one line per top-level key)


class Raw(str):
    """TOML text written as is (dates, deep nesting)."""


def _str(s: str) -> str:
    out = []
    for ch in s:
        c = ord(ch)
        if ch in '"\\' or c < 0x20 or c == 0x7F:
            out.append(f"\\u{c:04X}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def toml_value(v: Any) -> str:
    """One value in TOML syntax."""
    if isinstance(v, Raw):
        return str(v)
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return repr(v)
    if isinstance(v, str):
        return _str(v)
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{_str(k)} = {toml_value(x)}" for k, x in v.items()) + "}"
    raise TypeError(type(v))


def dumps(data: dict[str, Any]) -> str:
    """A TOML document: one line per top-level key."""
    return "".join(f"{_str(k)} = {toml_value(v)}\n" for k, v in data.items())


def load_shipped(path: Path) -> dict[str, Any]:
    return tomllib.loads(path.read_text(encoding="utf-8"))


def test_writer_round_trips_the_shipped_files() -> None:
    for paths in SHIPPED.values():
        for p in paths:
            data = load_shipped(p)
            assert tomllib.loads(dumps(data)) == data, p


# ---------------------------------------------------------------------------------
# Running the command line


def command(kind: str, file: Path, out: Path) -> list[str]:
    """The CLI arguments that read ``file`` as a ``kind`` and write into ``out``."""
    args = {
        "scenario": ["run", str(file), "--persons", "200", "--years", "0.2", "--seeds", "2"],
        "experiment": ["sweep", str(file), "--workers", "1"],
        "claim": ["claims", str(file), "--workers", "1", "--no-screen", "--no-persona"],
    }[kind]
    if kind == "claim":
        args += ["--persons", "200", "--seeds", "2"]
    return [*args, "--out", str(out), "--quiet"]


def cli(args: list[str]) -> tuple[int, str, str]:
    """Exit status, stdout and stderr of ``carecomplex.cli.main(args)``, in process."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            rc = main(args)
        except SystemExit as e:  # argparse
            rc = e.code if isinstance(e.code, int) else 1
    return rc, out.getvalue(), err.getvalue()


def assert_refused(
    kind: str, file: Path, out: Path, key: str | None, args: list[str] | None = None
) -> str:
    """Exit 2, one line naming ``file`` (and ``key``), no traceback, nothing written."""
    rc, _, err = cli(args or command(kind, file, out))
    lines = err.splitlines()
    assert rc == 2, f"exit {rc}, stderr {err[:500]!r}"
    assert len(lines) == 1, f"expected one line, got {len(lines)}: {err[:500]!r}"
    line = lines[0]
    assert line.startswith("carecomplex: error: "), line[:500]
    assert "Traceback" not in err
    assert str(file) in line, f"file {file} not named: {line[:500]!r}"
    if key is not None and "invalid TOML" not in line:
        assert f": {one_line(key)}" in line or f": {one_line(key)}." in line, (
            f"key {key!r} not named: {line[:500]!r}"
        )
    assert not out.exists(), f"output written despite bad input: {sorted(out.rglob('*'))}"
    COUNTS[kind, "broken"] += 1
    return line


@contextlib.contextmanager
def folder() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="fuzz-") as d:
        yield Path(d)


# ---------------------------------------------------------------------------------
# Mutations of parsed files: (new data, the key the message must name)


def leaves(data: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    """(key path, value) of every non-table value; lists are leaves."""
    if isinstance(data, dict):
        for k, v in data.items():
            yield from leaves(v, (*path, k))
    else:
        yield path, data


def tables(data: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    if isinstance(data, dict):
        yield path
        for k, v in data.items():
            yield from tables(v, (*path, k))


def put(data: dict, path: tuple[str, ...], value: Any) -> dict:
    """A copy of ``data`` with ``path`` set to ``value``."""
    out = dict(data)
    if len(path) == 1:
        out[path[0]] = value
    else:
        out[path[0]] = put(data.get(path[0], {}), path[1:], value)
    return out


def dotted(path: tuple[str, ...]) -> str:
    return ".".join(path)


def numeric(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


WRONG_FOR_STRING = st.sampled_from([1, 2.5, True, [], {"x": 1}, dt.date(1979, 5, 27)])
WRONG_FOR_NUMBER = st.sampled_from(
    ["1", "x", True, {"x": 1}, dt.date(1979, 5, 27), Raw("[1, [2]]")]
)
WRONG_FOR_LIST = st.sampled_from(["x", True, {"x": 1}, dt.date(1979, 5, 27)])
KEY_TEXT = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="."), max_size=12
).map(lambda s: "zz" + s)


@st.composite
def wrong_type(draw: st.DrawFn, data: dict) -> tuple[dict, str]:
    path, v = draw(st.sampled_from(list(leaves(data))))
    if isinstance(v, str):
        new = draw(WRONG_FOR_STRING)
    elif isinstance(v, list):
        new = draw(WRONG_FOR_LIST)
    else:
        new = draw(WRONG_FOR_NUMBER)
    return put(data, path, new), dotted(path)


@st.composite
def table_to_scalar(draw: st.DrawFn, data: dict) -> tuple[dict, str]:
    path = draw(st.sampled_from([p for p in tables(data) if p]))
    return put(data, path, draw(st.sampled_from([1, "x", [1, 2], False]))), dotted(path)


@st.composite
def unknown_key(draw: st.DrawFn, data: dict) -> tuple[dict, str]:
    path = draw(st.sampled_from(list(tables(data))))
    key = draw(KEY_TEXT)
    value = draw(st.sampled_from([1, 0.5, [1, 2], True, {"a": 1}]))
    return put(data, (*path, key), value), dotted((*path, key))


@st.composite
def bad_number(draw: st.DrawFn, data: dict) -> tuple[dict, str]:
    """A non-finite, huge or hugely negative number in place of a number (or list item)."""
    spots = [(p, v) for p, v in leaves(data) if numeric(v)]
    spots += [
        (p, (v, i))
        for p, v in leaves(data)
        if isinstance(v, list)
        for i, x in enumerate(v)
        if numeric(x)
    ]
    path, v = draw(st.sampled_from(spots))
    new = draw(st.sampled_from(NON_FINITE + HUGE))
    if isinstance(v, tuple):
        items, i = v
        new = [*items[:i], new, *items[i + 1 :]]
    return put(data, path, new), dotted(path)


@st.composite
def broken_data(draw: st.DrawFn, kind: str) -> tuple[Path, dict, str]:
    base = draw(st.sampled_from(SHIPPED[kind]))
    data = load_shipped(base)
    how = draw(st.sampled_from([wrong_type, table_to_scalar, unknown_key, bad_number]))
    new, key = draw(how(data))
    return base, new, key


# Whole-file damage: raw bytes, and the key named (None: only the file).
INVALID_TOML = [
    "x = \n",
    "[unclosed\n",
    "= 1\n",
    'x = "open\n',
    "x = [1, 2\n",
    "x = 1\nx = 2\n",
    "x = {a = 1,}\n",
    "x = 0x\n",
    "[[]]\n",
    "x = 1979-13-45\n",
]


@st.composite
def broken_bytes(draw: st.DrawFn, kind: str) -> tuple[bytes, str | None]:
    text = draw(st.sampled_from(SHIPPED[kind])).read_text(encoding="utf-8")
    how = draw(
        st.sampled_from(
            ["syntax_end", "syntax_start", "utf16", "bad_byte", "latin1", "deep", "dotted"]
        )
    )
    if how == "syntax_end":
        return (text + "\n" + draw(st.sampled_from(INVALID_TOML))).encode(), None
    if how == "syntax_start":
        return (draw(st.sampled_from(INVALID_TOML)) + text).encode(), None
    if how == "utf16":
        return text.encode(draw(st.sampled_from(["utf-16", "utf-16-le", "utf-32"]))), None
    if how == "bad_byte":
        raw = text.encode()
        i = draw(st.integers(0, len(raw)))
        bad = draw(st.sampled_from([b"\xff", b"\xc3", b"\xe9", b"\x80", b"\xed\xa0\x80"]))
        return raw[:i] + bad + raw[i:], None
    if how == "latin1":
        return ("# caf\u00e9\n" + text).encode("latin-1", errors="replace"), None
    depth = draw(st.one_of(st.integers(9, 60), st.integers(500, 20_000)))
    if how == "deep":
        opener, closer = draw(st.sampled_from([("[", "]"), ("{a = ", "}")]))
        return (f"zz = {opener * depth}1{closer * depth}\n" + text).encode(), "zz"
    return (text + f"\n[{'.'.join(['zz'] * depth)}]\nx = 1\n").encode(), "zz"


def write(root: Path, name: str, content: bytes | str) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


# ---------------------------------------------------------------------------------
# Broken files: refused with one line naming the file and the key


@pytest.mark.parametrize("kind", sorted(SHIPPED))
@fuzz(80)
@given(data=st.data())
def test_broken_values_are_refused(kind: str, data: st.DataObject) -> None:
    base, new, key = data.draw(broken_data(kind))
    with folder() as d:
        file = write(d, base.name, dumps(new))
        assert_refused(kind, file, d / "out", key)


@pytest.mark.parametrize("kind", sorted(SHIPPED))
@fuzz(40)
@given(data=st.data())
def test_broken_bytes_are_refused(kind: str, data: st.DataObject) -> None:
    raw, key = data.draw(broken_bytes(kind))
    with folder() as d:
        file = write(d, f"{kind}.toml", raw)
        assert_refused(kind, file, d / "out", key)


HUGE_SIZES = {
    "scenario": [
        ("population", "persons", 10**12),
        ("run", "seed", 10**30),
        ("run", "years", 1e9),
        ("regime", "episode_cap", 10**9),
    ],
    "experiment": [
        ("experiment", "persons", 10**12),
        ("experiment", "seeds", 10**9),
        ("experiment", "seeds", [1, 10**20]),
        ("experiment", "seeds", list(range(100_001))),
        ("experiment", "samples", 10**12),
        ("experiment", "budget_runs", 10**12),
        ("experiment", "design_seed", 2**64),
    ],
    "claim": [
        ("run", "persons", 10**12),
        ("run", "seeds", 10**9),
        ("run", "seeds", [1, 10**20]),
        ("run", "seeds", list(range(1001))),
        ("run", "screen_seeds", 10**9),
        ("claim", "value", 1e300),
        ("claim", "window", [0, 10**12]),
    ],
}
LONG_STRING_KEYS = {
    "scenario": [("extends",)],
    "experiment": [("experiment", "design"), ("arms", "siloed"), ("outputs", "set")],
    "claim": [("claim", "metric"), ("claim", "baseline"), ("claim", "id"), ("claim", "effect")],
}


@pytest.mark.parametrize("kind", sorted(SHIPPED))
@fuzz(25)
@given(data=st.data())
def test_huge_numbers_and_long_strings_are_refused(kind: str, data: st.DataObject) -> None:
    base = data.draw(st.sampled_from(SHIPPED[kind]))
    loaded = load_shipped(base)
    if data.draw(st.booleans()):
        *path, value = data.draw(st.sampled_from(HUGE_SIZES[kind]))
    else:
        path = list(data.draw(st.sampled_from(LONG_STRING_KEYS[kind])))
        n = data.draw(st.sampled_from([300, 5000, 100_000]))
        value = data.draw(st.sampled_from(["a", "../", "x/", "\u00e9", "\n"])) * n
    new = put(loaded, tuple(path), value)
    with folder() as d:
        file = write(d, base.name, dumps(new))
        assert_refused(kind, file, d / "out", dotted(tuple(path)))


@pytest.mark.parametrize("kind", sorted(SHIPPED))
def test_missing_file_directory_and_empty_claim(kind: str) -> None:
    with folder() as d:
        assert_refused(kind, d / "nope.toml", d / "out", None)
        (d / "dir.toml").mkdir()
        assert_refused(kind, d / "dir.toml", d / "out", None)
    if kind == "claim":
        with folder() as d:
            assert_refused(kind, write(d, "empty.toml", b""), d / "out", "claim.id")


@pytest.mark.parametrize("kind", sorted(SHIPPED))
def test_out_pointing_at_a_file_is_refused_before_running(kind: str) -> None:
    base = SHIPPED[kind][0]
    with folder() as d:
        taken = write(d, "taken", b"keep me")
        for out in (taken, taken / "sub"):
            rc, _, err = cli(command(kind, base, out))
            assert rc == 2, err
            lines = err.splitlines()
            assert len(lines) == 1 and lines[0].startswith("carecomplex: error: "), err
            assert str(taken) in lines[0] and "Traceback" not in err, err
            assert taken.read_bytes() == b"keep me"
        COUNTS[kind, "broken"] += 2


@pytest.mark.parametrize("cycle", [1, 2, 3])
def test_extends_cycle_is_refused(cycle: int) -> None:
    with folder() as d:
        paths = [d / f"c{i}.toml" for i in range(cycle)]
        for i, p in enumerate(paths):
            p.write_text(f'extends = "{paths[(i + 1) % cycle].name}"\n', encoding="utf-8")
        line = assert_refused("scenario", paths[0], d / "out", "extends")
        assert "circular" in line


ESCAPES = [
    "../../etc/passwd",
    "../../../../../../etc/passwd",
    "/etc/passwd",
    "/",
    "..",
    ".",
    "../" * 40 + "nope.toml",
    "~/.ssh/id_rsa",
    "\x00",
    "a\x00b",
    "CON",
    "//server/share",
]


@pytest.mark.parametrize("ref", ESCAPES)
def test_paths_leading_out_of_the_folder_are_refused(ref: str) -> None:
    """Scenario references in files read only TOML scenarios; others are refused."""
    for kind, path in (
        ("scenario", ("extends",)),
        ("experiment", ("arms", "siloed")),
        ("claim", ("claim", "baseline")),
    ):
        base = SHIPPED[kind][0]
        with folder() as d:
            file = write(d / "in", base.name, dumps(put(load_shipped(base), path, ref)))
            assert_refused(kind, file, d / "out", dotted(path))


@pytest.mark.parametrize(
    "name", ["../escape", "a/b", "/etc/x", "..", ".hidden", "", "a\\b", "x" * 65, "a\nb"]
)
def test_names_that_become_file_names_cannot_be_paths(name: str) -> None:
    """Claim ids and arm names name output files; they must not hold a path."""
    with folder() as d:
        claim = put(load_shipped(SHIPPED["claim"][0]), ("claim", "id"), name)
        file = write(d, "c.toml", dumps(claim))
        assert_refused("claim", file, d / "out", "claim.id")
    with folder() as d:
        exp = load_shipped(ROOT / "experiments" / "quick.toml")
        exp["arms"] = {name: "siloed", "alliance": "alliance"}
        file = write(d, "e.toml", dumps(exp))
        assert_refused("experiment", file, d / "out", f"arms.{name}")


# ---------------------------------------------------------------------------------
# Valid files: small mutations run and write their outputs

PAYLOAD = "__import__('os').system('touch PWNED')"


@st.composite
def valid_scenario(draw: st.DrawFn) -> dict[str, Any]:
    data = load_shipped(draw(st.sampled_from(SHIPPED["scenario"])))
    params = draw(params_dicts(SMALL_RUN))
    groups = draw(st.lists(st.sampled_from(["regime", "crisis", "trust", "capacity"]), max_size=2))
    for g in groups:
        names = draw(st.lists(st.sampled_from(sorted(params[g])), min_size=1, max_size=3))
        data[g] = {**data.get(g, {}), **{n: params[g][n] for n in names}}
    data["name"] = draw(st.sampled_from([PAYLOAD, "ok", "caf\u00e9 \u2603", "x" * 300]))
    data["description"] = draw(st.text(st.characters(blacklist_categories=("Cs",)), max_size=40))
    return data


@fuzz(6)
@given(data=valid_scenario())
def test_valid_scenarios_run(data: dict[str, Any]) -> None:
    with folder() as d:
        file = write(d, "s.toml", dumps(data))
        out = d / "out"
        rc, _, err = cli(command("scenario", file, out))
        assert rc == 0, err
        assert {"runs.parquet", "summary.json", "manifest.json"} <= {p.name for p in out.iterdir()}
        assert not (Path.cwd() / "PWNED").exists() and not (d / "PWNED").exists()
    COUNTS["scenario", "valid"] += 1


@st.composite
def valid_experiment(draw: st.DrawFn) -> dict[str, Any]:
    data = load_shipped(ROOT / "experiments" / "quick.toml")
    head = data["experiment"]
    head.update(persons=200, years=0.2, seeds=2, levels=2)
    head["name"] = draw(st.sampled_from([PAYLOAD, "quick", "caf\u00e9"]))
    head["description"] = draw(st.text(st.characters(blacklist_categories=("Cs",)), max_size=40))
    lo = draw(st.floats(0.0, 0.01, allow_nan=False))
    hi = draw(st.floats(lo + 1e-4, 0.02, allow_nan=False))
    data["parameters"] = {"crisis.base_rate": [lo, hi]}
    if draw(st.booleans()):
        head.update(design="lhs", samples=2)
    if draw(st.booleans()):
        data["arms"] = {"a": "siloed", "b.2-x": "transition"}
    data["outputs"] = draw(
        st.sampled_from([{"set": "headline"}, {"metrics": ["crises:complex"]}, {"set": "costs"}])
    )
    return data


@fuzz(3)
@given(data=valid_experiment())
def test_valid_experiments_run(data: dict[str, Any]) -> None:
    with folder() as d:
        file = write(d, "e.toml", dumps(data))
        out = d / "out"
        rc, _, err = cli(command("experiment", file, out))
        assert rc == 0, err
        assert (out / "manifest.json").exists() and (out / "analysis").is_dir()
        assert not (Path.cwd() / "PWNED").exists() and not (d / "PWNED").exists()
    COUNTS["experiment", "valid"] += 1


@st.composite
def valid_claim(draw: st.DrawFn) -> dict[str, Any]:
    data = load_shipped(ROOT / "experiments" / "claims" / "plymouth_ea.toml")
    c = data["claim"]
    c["statement"] = draw(st.sampled_from([PAYLOAD, "halved", "caf\u00e9 \u2603"]))
    c["notes"] = draw(st.text(st.characters(blacklist_categories=("Cs",)), max_size=40))
    c["tolerance"] = draw(st.floats(0.0, 0.99, allow_nan=False))
    c["value"] = draw(st.floats(0.01, 10.0, allow_nan=False))
    c["id"] = draw(st.sampled_from(["plymouth_ea", "x.1-b", "A" * 64]))
    data["run"] = {"persons": 200, "years": 2.6, "seeds": [3, 7]}
    return data


@fuzz(3)
@given(data=valid_claim())
def test_valid_claims_run(data: dict[str, Any]) -> None:
    with folder() as d:
        file = write(d, "c.toml", dumps(data))
        out = d / "out"
        rc, _, err = cli(command("claim", file, out))
        assert rc == 0, err
        assert (out / "report.html").exists() and (out / "claims.parquet").exists()
        assert (out / "figures" / f"trajectory_{data['claim']['id']}.png").exists()
        assert not (Path.cwd() / "PWNED").exists() and not (d / "PWNED").exists()
    COUNTS["claim", "valid"] += 1


def test_empty_scenario_and_experiment_files_are_valid_defaults() -> None:
    from carecomplex.experiments.design import load_experiment
    from carecomplex.scenarios import load

    with folder() as d:
        assert load(write(d, "s.toml", b"")).params.population.persons == 10_000
        assert load_experiment(write(d, "e.toml", b"")).n_runs == 20


# ---------------------------------------------------------------------------------
# Files are data: no pickle, eval, exec or import of their contents

LOADERS = [
    "inputs.py",
    "errors.py",
    "scenarios.py",
    "params/__init__.py",
    "params/fields.py",
    "params/levers.py",
    "params/world.py",
    "experiments/design.py",
    "claims/spec.py",
    "claims/appraisal.py",
    "costs.py",
    "cli.py",
    "console.py",
]
FORBIDDEN_NAMES = {"eval", "exec", "compile", "__import__"}  # builtins called by name
FORBIDDEN_METHODS = {"import_module", "literal_eval", "loads"}  # pickle.loads & co
FORBIDDEN_MODULES = {"pickle", "marshal", "shelve", "dill", "cloudpickle", "yaml", "importlib"}


@pytest.mark.parametrize("name", LOADERS)
def test_loaders_parse_files_as_data_only(name: str) -> None:
    tree = ast.parse((ROOT / "src" / "carecomplex" / name).read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            f = node.func
            if isinstance(f, ast.Name):
                assert f.id not in FORBIDDEN_NAMES, f"{name}:{node.lineno} calls {f.id}"
            if isinstance(f, ast.Attribute) and f.attr in FORBIDDEN_METHODS:
                owner = ast.unparse(f.value)
                assert owner in ("tomllib", "json"), f"{name}:{node.lineno} calls {owner}.{f.attr}"
        if isinstance(node, ast.Import | ast.ImportFrom):
            mods = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module]
            for m in mods:
                assert (m or "").split(".")[0] not in FORBIDDEN_MODULES, f"{name} imports {m}"


def test_code_in_a_file_stays_an_inert_string(monkeypatch: pytest.MonkeyPatch) -> None:
    from carecomplex import claims as cl
    from carecomplex.experiments.design import load_experiment
    from carecomplex.scenarios import load

    with folder() as d:
        monkeypatch.chdir(d)
        payload = "__import__('os').system('touch PWNED')"
        sc = load(write(d, "s.toml", dumps({"name": payload, "description": payload})))
        assert sc.name == payload and sc.description == payload
        exp = load_shipped(ROOT / "experiments" / "quick.toml")
        exp["experiment"]["name"] = payload
        assert load_experiment(write(d, "e.toml", dumps(exp))).name == payload
        claim = load_shipped(SHIPPED["claim"][0])
        claim["claim"]["statement"] = payload
        assert cl.load(write(d, "c.toml", dumps(claim))).statement == payload
        for ref in (payload, "os.system('touch PWNED')", "!!python/object:os.system"):
            claim["claim"]["baseline"] = ref
            assert_refused("claim", write(d, "c2.toml", dumps(claim)), d / "out", "claim.baseline")
            exp["arms"] = {"a": ref}
            assert_refused("experiment", write(d, "e2.toml", dumps(exp)), d / "out", "arms.a")
        assert not (d / "PWNED").exists() and not (ROOT / "PWNED").exists()


# ---------------------------------------------------------------------------------
# Regressions: inputs the fuzzing found that gave a traceback, a second line, a message
# without the key, or output written before failing

CLAIM = """[claim]
id = "x"
statement = "s"
metric = "cost_total"
population = "complex"
baseline = "siloed"
intervention = "alliance"
window = [10, 20]
effect = "ratio"
value = 0.5
"""
DEEP = "[" * 5000 + "]" * 5000
DOTTED = ".".join(["a"] * 5000)
REGRESSIONS = [
    ("experiment", "experiment = 3\n", "experiment"),
    ("experiment", "[outputs]\nset = ['a']\n", "outputs.set"),
    ("experiment", "[outputs]\nset = {a = 1}\n", "outputs.set"),
    ("experiment", "[outputs]\nbogus = 1\n", "outputs.bogus"),
    ("experiment", "[experiment]\nname = {a = 1}\n", "experiment.name"),
    ("experiment", "[experiment]\npersons = {x = 1}\n", "experiment.persons"),
    ("experiment", "[experiment]\nseeds = [1, 99999999999999999999]\n", "experiment.seeds"),
    ("experiment", f"x = {DEEP}\n", None),
    ("experiment", f"[parameters.{DOTTED}]\nx = 1\n", "parameters.a.a"),
    ("experiment", f"[arms]\na = '{'a' * 5000}'\n", "arms.a"),
    ("experiment", "[arms]\n'../../x' = 'siloed'\n", "arms.../../x"),
    ("scenario", f"x = {DEEP}\n", None),
    ("scenario", f"extends = 'siloed'\n[regime.{DOTTED}]\nx = 1\n", "regime.a.a"),
    ("scenario", "extends = 'siloed'\n[regime.continuity]\nx = 1\n", "regime.continuity"),
    ("scenario", f"extends = '{'a' * 5000}'\n", "extends"),
    ("scenario", "extends = '/'\n", "extends"),
    ("scenario", "[regime]\n'a\\nb' = 1\n", "regime.a\\nb"),
    ("claim", CLAIM + "[parameters]\nregime = [1]\n", "parameters.regime"),
    ("claim", CLAIM + "[parameters]\nx = 1\n", "parameters.x"),
    ("claim", CLAIM + f"[parameters.regime.{DOTTED}]\nx = 1\n", "parameters.regime.a"),
    ("claim", CLAIM.replace("'ratio'", "'difference'").replace("0.5", "1e308"), "claim.value"),
    ("claim", CLAIM + "[run]\nseeds = [1, 99999999999999999999]\n", "run.seeds"),
    ("claim", CLAIM + f"[run]\nseeds = {list(range(1001))}\n", "run.seeds"),
    ("claim", CLAIM.replace('"x"', '"../../x"'), "claim.id"),
    ("claim", CLAIM.replace('"siloed"', f'"{"a" * 5000}"'), "claim.baseline"),
    ("claim", f"x = {DEEP}\n", None),
]


@pytest.mark.parametrize(("kind", "text", "key"), REGRESSIONS)
def test_regressions_are_refused_with_one_line(kind: str, text: str, key: str | None) -> None:
    with folder() as d:
        assert_refused(kind, write(d, "f.toml", text), d / "out", key)


def test_cli_seed_counts_are_bounded() -> None:
    """``--seeds 1000000000`` used to build a list of a billion seeds before running."""
    with folder() as d:
        for seeds in ("1000000000", "0-99999999999999999999", "1,99999999999999999999"):
            args = ["run", "siloed", "--seeds", seeds, "--out", str(d / "out"), "--quiet"]
            rc, _, err = cli(args)
            assert rc == 2 and len(err.splitlines()) == 1 and "--seeds" in err, err
            assert not (d / "out").exists()


def test_sweep_tables_print_arms_that_are_not_identifiers() -> None:
    """Arm names such as ``b.2-x`` broke the printed tables (``getattr`` on a row)."""
    data = load_shipped(ROOT / "experiments" / "quick.toml")
    data["experiment"].update(persons=200, years=0.2, seeds=2, levels=2)
    data["arms"] = {"a-1": "siloed", "b.2-x": "alliance"}
    with folder() as d:
        file = write(d, "e.toml", dumps(data))
        rc, out, err = cli(["sweep", str(file), "--out", str(d / "out"), "--workers", "1"])
        assert rc == 0, err
        assert "b.2-x vs a-1" in out
    COUNTS["experiment", "valid"] += 1


def test_deep_brackets_are_refused_before_the_parser_recurses(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Near the recursion limit even the parser's error failed: finalizers raised
    RecursionError and printed 'Exception ignored in ...' lines to stderr."""
    from carecomplex import inputs

    inert = 'x = "' + "[" * 100 + "\" # {{{{\ny = '''\n" + "{" * 100 + "'''\n"
    assert inputs.loads_toml(inert)["x"] == "[" * 100
    monkeypatch.setattr(inputs.tomllib, "loads", lambda text: pytest.fail("parser called"))
    with pytest.raises(tomllib.TOMLDecodeError, match="nested more than"):
        inputs.loads_toml("x = " + "[{a = " * 40 + "1" + "}]" * 40)


# Integers Python parses but cannot compute with: one too large for a float (``float()``
# raises OverflowError) and one of more digits than Python converts (the parser raises
# ValueError). Both ended with a traceback and exit 1 before ``inputs.too_large`` and
# ``read_toml``'s ValueError clause; now they are one line, exit 2, in every kind of file.
TOO_BIG = "1" + "0" * 400  # 1e400 written as an integer: beyond a float's range
TOO_LONG = "1" + "0" * 5000  # more digits than Python's integer-string limit (4300)
BIG_NUMBER_SPOTS = {
    "scenario": [("[population]\npersons = {n}\n", "population.persons")],
    "experiment": [
        ("[experiment]\nsamples = {n}\n", "experiment.samples"),
        ('[parameters]\n"crisis.base_rate" = [0, {n}]\n', "parameters.crisis.base_rate"),
        ("[experiment]\nseeds = [1, {n}]\n", "experiment.seeds"),
    ],
    "claim": [
        (CLAIM.replace("0.5", "{n}"), "claim.value"),
        (CLAIM + "tolerance = {n}\n", "claim.tolerance"),
        (CLAIM + "[run]\nseeds = [1, {n}]\n", "run.seeds"),
        (CLAIM.replace("[10, 20]", "[10, {n}]"), "claim.window"),
    ],
}


@pytest.mark.parametrize("number", [TOO_BIG, TOO_LONG], ids=["beyond-float", "over-4300-digits"])
@pytest.mark.parametrize(
    ("kind", "text", "key"),
    [(k, t, key) for k, spots in BIG_NUMBER_SPOTS.items() for t, key in spots],
)
def test_integers_too_large_to_use_are_refused_with_one_line(
    kind: str, text: str, key: str, number: str
) -> None:
    with folder() as d:
        line = assert_refused(kind, write(d, "f.toml", text.replace("{n}", number)), d / "out", key)
        assert len(line) < 500, f"the number itself must not be printed: {line[:200]}..."
        if number == TOO_LONG:
            assert "over 4300 digits at line" in line, line
        else:
            assert "too large" in line, line
