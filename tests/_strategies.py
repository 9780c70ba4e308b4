"""Hypothesis strategies for valid :class:`carecomplex.params.Params` (shared helper).

Every field of every parameter group is drawn inside the ``lo``/``hi`` range recorded
in its ``dataclasses`` metadata (ints as integers, floats as finite floats, bounds
included), or left at its default, so examples mix extreme corners with realistic
values. A few fields are narrowed to keep runs small (population size, run length,
burn-in) or to make a regime transition happen inside the short run.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from hypothesis import strategies as st

from carecomplex.costs import UNIT_COSTS
from carecomplex.params import Params, from_dict


def group_classes() -> dict[str, type]:
    """Parameter group name -> dataclass, read from the fields of :class:`Params`."""
    out = {}
    for f in dataclasses.fields(Params):
        if f.name == "costs":
            continue
        out[f.name] = type(f.default_factory())
    return out


def is_int_field(f: dataclasses.Field) -> bool:
    return f.type in ("int", int)


def in_range(f: dataclasses.Field) -> st.SearchStrategy[Any]:
    """Any value inside the field's declared range."""
    lo, hi = f.metadata["lo"], f.metadata["hi"]
    if is_int_field(f):
        return st.integers(int(lo), int(hi))
    return st.floats(float(lo), float(hi), allow_nan=False, allow_infinity=False)


# Fields narrowed for speed (small, short runs) or to make things happen in a short run.
SMALL_RUN: dict[tuple[str, str], st.SearchStrategy[Any]] = {
    ("population", "persons"): st.integers(50, 400),
    ("run", "years"): st.floats(0.1, 0.5),
    ("run", "burn_in"): st.integers(0, 10),
    ("transition", "week"): st.one_of(st.just(-1), st.integers(0, 20)),
}


def field_value(
    group: str, f: dataclasses.Field, narrowed: dict[tuple[str, str], st.SearchStrategy[Any]]
) -> st.SearchStrategy[Any]:
    if (group, f.name) in narrowed:
        return narrowed[(group, f.name)]
    return st.one_of(st.just(f.default), in_range(f))


@st.composite
def cost_overrides(draw: st.DrawFn) -> dict[str, float]:
    """Some unit costs overridden anywhere in their allowed 0..10 x high range."""
    names = draw(st.lists(st.sampled_from(sorted(UNIT_COSTS)), unique=True, max_size=4))
    return {
        n: draw(st.floats(0.0, 10 * UNIT_COSTS[n].high, allow_nan=False, allow_infinity=False))
        for n in names
    }


@st.composite
def params_dicts(
    draw: st.DrawFn, narrowed: dict[tuple[str, str], st.SearchStrategy[Any]] | None = None
) -> dict[str, Any]:
    """Nested dicts of in-range values for every parameter (the input of from_dict)."""
    narrowed = SMALL_RUN if narrowed is None else narrowed
    data: dict[str, Any] = {}
    for group, cls in group_classes().items():
        data[group] = {
            f.name: draw(field_value(group, f, narrowed)) for f in dataclasses.fields(cls)
        }
    data["costs"] = draw(cost_overrides())
    return data


@st.composite
def small_params(
    draw: st.DrawFn, narrowed: dict[tuple[str, str], st.SearchStrategy[Any]] | None = None
) -> Params:
    """Valid Params for a small, short run."""
    return from_dict(draw(params_dicts(narrowed)))
