"""The shape of the code: small signatures, named columns, no import circles.

Structural checks that keep the engine the way issue 14 left it: every function takes
at most ``MAX_PARAMS`` parameters, the kernel parameters ``KP`` are filled by name, the
entity tables are generated from the one schema, no module imports a private name
from another or sits on an import circle, and kernel code holds no behavioural number
that is not a parameter (issue 15 item 8).
"""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from carecomplex import params as params_mod
from carecomplex.processes.common import KP, KP_SOURCES
from carecomplex.regimes import kernel_params
from carecomplex.state import BOOKS, SCHEMAS, TABLES, Books, State

SRC = Path(__file__).resolve().parents[1] / "src" / "carecomplex"
MAX_PARAMS = 12

# The engine's files (the experiment layer may add its own to this list).
ENGINE = [
    "state.py",
    "rng.py",
    "population.py",
    "regimes.py",
    "model.py",
    "agents.py",
    "metrics.py",
    *(f"processes/{p.name}" for p in sorted((SRC / "processes").glob("*.py"))),
    *(f"reference/{p.name}" for p in sorted((SRC / "reference").glob("*.py"))),
]


def _functions(path: Path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            a = node.args
            n = len(a.posonlyargs) + len(a.args) + len(a.kwonlyargs)
            n += (a.vararg is not None) + (a.kwarg is not None)
            yield node.name, node.lineno, n


@pytest.mark.parametrize("name", ENGINE)
def test_no_function_takes_more_than_twelve_parameters(name: str) -> None:
    too_many = [
        f"{fn} (line {line}): {n}" for fn, line, n in _functions(SRC / name) if n > MAX_PARAMS
    ]
    assert not too_many, f"{name}: functions with more than {MAX_PARAMS} parameters: {too_many}"


def test_the_old_flat_kernel_modules_are_gone() -> None:
    for old in ("kernels.py", "reference.py"):
        assert not (SRC / old).exists(), f"{old} came back; kernels live in processes/"


# --------------------------------------------------------------------------------------
# KP is filled by name.
# --------------------------------------------------------------------------------------

GROUPS = {
    "life": params_mod.LifeParams,
    "crisis": params_mod.CrisisParams,
    "capacity": params_mod.CapacityParams,
    "support": params_mod.SupportParams,
    "trust": params_mod.TrustParams,
    "gaming": params_mod.GamingParams,
    "housing": params_mod.HousingParams,
    "treatment": params_mod.TreatmentParams,
    "workforce": params_mod.WorkforceParams,
    "levers": params_mod.RegimeLevers,
    "cohort": params_mod.RegimeLevers,  # an enrolled cohort's levers (CareModel.enrol)
}


def test_every_kp_field_has_a_named_source_that_exists() -> None:
    assert tuple(KP_SOURCES) == KP._fields, "KP_SOURCES must name every KP field, in order"
    for field, (group, attr) in KP_SOURCES.items():
        if group == "week":
            assert attr == field == "friction_load"
            continue
        if group == "run":  # the measured window, from the run's length (regimes._Run)
            assert attr == field in {"measure_start", "run_end"}
            continue
        names = {f.name for f in dataclasses.fields(GROUPS[group])}
        assert attr in names, f"KP.{field}: {group}.{attr} is not a parameter"
        assert attr == field or field == f"{group}_{attr}", (
            f"KP.{field} is filled from {group}.{attr}: the names must match"
        )


def test_kernel_params_puts_each_value_in_the_field_of_its_name() -> None:
    """Every source gets a distinct value: a swap of two fields would show here."""
    fake, value = {}, 1000
    for group, cls in GROUPS.items():
        attrs = {}
        for f in dataclasses.fields(cls):
            value += 1
            attrs[f.name] = value if f.type in ("int", int) else value + 0.25
        fake[group] = SimpleNamespace(**attrs)
    levers, cohort = fake.pop("levers"), fake.pop("cohort")
    run = SimpleNamespace(burn_in=7)
    kp = kernel_params(
        SimpleNamespace(**fake, run=run, weeks=11), levers, friction_load=0.5, cohort=cohort
    )
    fake["levers"], fake["cohort"] = levers, cohort
    for field in KP._fields:
        got = getattr(kp, field)
        if field == "friction_load":
            assert got == 0.5
            continue
        if field in ("measure_start", "run_end"):
            assert got == {"measure_start": 7, "run_end": 18}[field]
            continue
        group, attr = KP_SOURCES[field]
        assert got == getattr(fake[group], attr), f"KP.{field} holds the wrong value"
        want = int if KP.__annotations__[field] in ("int", int) else float
        assert type(got) is want, f"KP.{field} is a {type(got).__name__}"
    distinct = [f for f in KP._fields if f not in ("measure_start", "run_end")]
    assert len({getattr(kp, f) for f in distinct}) == len(distinct)


# --------------------------------------------------------------------------------------
# Tables come from the schema.
# --------------------------------------------------------------------------------------


def test_tables_are_generated_from_the_schema() -> None:
    s = State.empty(7, 3, 9)
    for entity, table in TABLES.items():
        assert table._fields == tuple(SCHEMAS[entity]), f"{entity} table differs from schema"
        arrays = getattr(s, entity)
        assert isinstance(arrays, table)
        for name, col in SCHEMAS[entity].items():
            a = getattr(arrays, name)
            assert a.dtype == np.dtype(col.dtype), f"{entity}.{name}: dtype"
            assert np.all(a == col.init), f"{entity}.{name}: initial value"
    assert Books._fields == tuple(BOOKS)


def test_table_arrays_cannot_be_rebound_only_written() -> None:
    s = State.empty(3, 1, 8)
    with pytest.raises(AttributeError):
        s.person.need = np.zeros((3, 8))  # type: ignore[misc]
    s.person.need[:] = 0.5
    assert s.copy().person.need[0, 0] == 0.5


# --------------------------------------------------------------------------------------
# Imports: no private names across modules, no circles.
# --------------------------------------------------------------------------------------


def _module(path: Path) -> str:
    rel = path.relative_to(SRC.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> list[tuple[str, list[str]]]:
    """(module, names) imported at run time, at module level or inside functions.

    Imports under ``if TYPE_CHECKING:`` are left out: they never run.
    """
    out = []

    def visit(nodes) -> None:
        for node in nodes:
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                visit(node.orelse)
                continue
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                out.append((node.module, [a.name for a in node.names]))
            elif isinstance(node, ast.Import):
                out.extend((a.name, []) for a in node.names)
            for field in ("body", "orelse", "finalbody", "handlers"):
                visit(getattr(node, field, []) or [])

    visit(ast.parse(path.read_text()).body)
    return out


def test_no_private_name_is_imported_from_another_engine_module() -> None:
    bad = []
    for name in ENGINE:
        for mod, names in _imports(SRC / name):
            if mod.startswith("carecomplex"):
                bad += [f"{name}: {mod}.{n}" for n in names if n.startswith("_")]
    assert not bad, f"private names imported across modules: {bad}"


def test_no_import_circle_runs_through_an_engine_module() -> None:
    """Imports inside functions count too (``metrics`` once imported ``model`` at the top
    and ``model`` imported ``metrics`` in ``__init__``: a circle)."""
    files = {_module(p): p for p in SRC.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for mod, path in files.items():
        deps = set()
        for target, names in _imports(path):
            if not target.startswith("carecomplex"):
                continue
            for n in names or [""]:  # "from carecomplex import population" names a module
                sub = f"{target}.{n}"
                deps.add(sub if sub in files else target)
        graph[mod] = {d for d in deps if d in files and d != mod}
    engine = {_module(SRC / name) for name in ENGINE}

    def reaches(start: str, goal: str) -> bool:
        seen, todo = set(), [start]
        while todo:
            m = todo.pop()
            for d in graph.get(m, ()):
                if d == goal:
                    return True
                if d not in seen:
                    seen.add(d)
                    todo.append(d)
        return False

    circles = sorted(m for m in engine if reaches(m, m))
    assert not circles, f"engine modules on an import circle: {circles}"


# --------------------------------------------------------------------------------------
# Every behavioural constant is a parameter: the kernels hold no other numbers.
# --------------------------------------------------------------------------------------

# The code the rule covers: the kernels, their twins, and the step's other arithmetic.
KERNEL_CODE = [
    *(f"processes/{p.name}" for p in sorted((SRC / "processes").glob("*.py"))),
    *(f"reference/{p.name}" for p in sorted((SRC / "reference").glob("*.py"))),
    "regimes.py",
    "model.py",
]

# Numbers allowed anywhere: identities (0, 1; -1 is the unary minus of 1), and integer
# subscripts (array indices such as ``shape[2]`` or ``pull[3]``, skipped below).
ANYWHERE = {0, 1}

# Numbers allowed in one scope, (file, scope) -> numbers; a scope is a function, a class
# body or a module-level constant (by the names it assigns). None of them is behaviour.
# Structural tables of state.py (DOMAIN_COUPLING, CRISIS_WEIGHTS, CRISIS_KIND) are model
# structure and live outside this code; they are not parameters either.
ALLOWED: dict[tuple[str, str], set[float]] = {
    # Bit flags and outcome codes (state encodings).
    ("processes/common.py", "REREFERRAL"): {2},
    ("processes/access.py", "NEW_APPLICATION, REREFERRED, SKIMMED"): {2, 4},
    ("processes/access.py", "QUEUED, ACCEPTED, REJECTED"): {2},
    ("processes/life.py", "Ablate"): {2, 4, 8, 16, 32},
    # Definitions of the counted statistics as published (NHS readmission within 30 and
    # 180 days of discharge, MoJ proven reoffending within 52 weeks of release), days in
    # a week, and the sentence classes: what is measured, not what happens.
    ("processes/common.py", "DAYS_PER_WEEK"): {7},
    ("processes/common.py", "READMIT_DAYS"): {30},
    ("processes/common.py", "READMIT_DAYS_LONG"): {180},
    ("processes/common.py", "REOFFEND_WEEKS"): {52},
    ("processes/common.py", "SHORT, LONG"): {2},
    ("processes/common.py", "KP_TUPLE_LIMIT"): {256},  # numba config: tuple size in parfors
    # Binary-heap index arithmetic (children 2j + 1, 2j + 2; heapify from n // 2 - 1).
    ("processes/access.py", "_sift_down"): {2},
    ("processes/access.py", "_sift_key"): {2},
    ("processes/access.py", "_serve"): {2},
    # Bit flags of the housing kernel's purchase requests (state encodings).
    ("processes/housing.py", "WANT_HF, WANT_START"): {2},
    # Draw indices k of the TREATMENT stream (referral, start, drop-out, relapse).
    ("processes/housing.py", "_treatment_week"): {2, 3},
    ("reference/housing.py", "_treatment"): {2, 3},
    # Unit conversions of the budget pot: pounds per person-year to pence per week, and
    # the mean of two needs (substance and mental health) in the tenancy-loss hazard.
    ("processes/housing.py", "WEEKS_PER_YEAR"): {52},
    ("reference/housing.py", "WEEKS_PER_YEAR"): {52},
    ("processes/housing.py", "PENCE"): {100},
    ("reference/housing.py", "PENCE"): {100},
    ("processes/housing.py", "PAIR_MEAN"): {0.5},
    ("reference/housing.py", "PAIR_MEAN"): {0.5},
    # Chunking of parallel integer counts (results are the same for any value).
    ("processes/workforce.py", "WF_BLOCKS"): {8},
    # Numerical method: noise scaling, the bound table of the crisis hazard and its safety
    # margins (they decide only when an exponential is evaluated, never the outcome).
    ("processes/life.py", "SQRT3"): {1.7320508075688772},
    ("reference/life.py", "SQRT3"): {3.0},
    ("processes/life.py", "EXP_BINS"): {64},
    ("processes/life.py", "<module>"): {8},  # assert N_DOMAINS == 8 (eight registers)
    ("processes/life.py", "_life_bounds"): {1e-9, 1e-12, 1e-6},
    ("processes/life.py", "_life_chunks"): {2.0, 1e-6, 2e-12, 1e-12},  # 2u - 1 on [-1, 1)
    ("reference/life.py", "_needs"): {2.0},  # 2u - 1 on [-1, 1)
    # Benchmarks only (Ablate flags): fixed stand-ins for draws.
    ("processes/life.py", "STAND_IN"): {0.5, 0.3, 0.9},
    ("processes/life.py", "STAND_IN_STEP"): {1e-9},
    ("processes/life.py", "STAND_IN_NOISE"): {0.125},
    # The mean of a pair (two services' results or overloads; two joint-working levers).
    ("processes/learning.py", "pair_mean"): {0.5},
    ("processes/learning.py", "pair_mean_kernel"): {0.5},  # the same mean, compiled
    # NumPy's pairwise summation adds blocks of eight (row_sum reproduces it bit for bit).
    ("processes/learning.py", "row_sum"): {8},
    # Columns of a chunk's bounds in the life kernels: persons lo, hi; families flo, fhi.
    ("processes/life.py", "life_families"): {4},
    ("processes/life.py", "life_crisis"): {4},
    # The information rows of a week: the system's and an enrolled cohort's.
    ("processes/week.py", "week"): {2},
    # Speed only (results do not depend on threads): below this many persons, one thread.
    ("model.py", "CareModel"): {10_000},
    # Pence to pounds in the recorded journeys.
    ("model.py", "_record_journeys"): {100.0},
    # Units of the programme cost (model 2): weeks a year, the "per 1,000 persons" of
    # recommissioning, pence per pound; and the mean of the four relational levers.
    ("model.py", "_programme_pence"): {52, 1000, 100},
    ("model.py", "_cohort_pence"): {52, 100},  # the same units, for an enrolled cohort
    ("regimes.py", "relational"): {4},
}


def _literals(path: Path):
    """(scope, number, line) of each numeric literal outside subscripts and docstrings."""
    tree = ast.parse(path.read_text())
    out = []

    def visit(node, scope: str) -> None:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            scope = node.name
        elif isinstance(node, ast.Assign | ast.AnnAssign) and scope == "<module>":
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names = [e for t in targets for e in (t.elts if isinstance(t, ast.Tuple) else [t])]
            scope = ", ".join(ast.unparse(n) for n in names)
        if isinstance(node, ast.Subscript):
            visit(node.value, scope)  # the index itself is an address, not a number
            return
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, int | float)
            and not isinstance(node.value, bool)
        ):
            out.append((scope, node.value, node.lineno))
        for child in ast.iter_child_nodes(node):
            visit(child, scope)

    visit(tree, "<module>")
    return out


@pytest.mark.parametrize("name", KERNEL_CODE)
def test_kernel_code_holds_no_behavioural_number(name: str) -> None:
    """A number in kernel code is a parameter (``carecomplex.params``, through ``KP``) unless it is
    an identity, an index or on the commented allow-list above."""
    bad = [
        f"line {line}: {value!r} (in {scope})"
        for scope, value, line in _literals(SRC / name)
        if value not in ANYWHERE and value not in ALLOWED.get((name, scope), set())
    ]
    assert not bad, (
        f"{name}: numbers that are not parameters: {bad}. Make each a parameter with unit, "
        "range and source (carecomplex.params, KP_SOURCES), or, if it is not behaviour, add it to "
        "ALLOWED with a comment saying why."
    )


def test_the_literal_allow_list_names_only_what_exists() -> None:
    """No stale entry: each allowed number still occurs in its scope."""
    seen = {(name, scope, v) for name in KERNEL_CODE for scope, v, _ in _literals(SRC / name)}
    stale = [
        f"{name} {scope}: {v!r}"
        for (name, scope), values in ALLOWED.items()
        for v in values
        if (name, scope, v) not in seen
    ]
    assert not stale, f"allow-list entries with no such number: {stale}"
