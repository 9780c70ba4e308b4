"""The people views (Network, Journey, Family): option builders and components.

The builders' options are checked against the session's arrays (what the student sees
is what the model holds); the components are rendered with ``solara.render``.
"""

from __future__ import annotations

import json

import ipyvuetify as v
import numpy as np
import pytest

from _ui import render_view
from carecomplex.ui import charts, palette
from carecomplex.ui import people as pp
from carecomplex.ui.numbers import SERVICES
from carecomplex.ui.session import Draft, Session

SMALL = Draft(persons="300")


@pytest.fixture(scope="module")
def session() -> Session:
    s = Session(SMALL)
    s.advance(20)
    return s


@pytest.fixture
def fresh() -> Session:
    """A session of its own, for tests that change its arrays."""
    s = Session(SMALL)
    s.advance(10)
    return s


def _json(option: dict) -> dict:
    """The option as the browser receives it (fails on NaN, infinity or NumPy types)."""
    return json.loads(json.dumps(option, allow_nan=False))


def _graph(option: dict) -> dict:
    return option["series"][0]


def _nodes_of(option: dict, category: str) -> list[dict]:
    g = _graph(option)
    names = [c["name"] for c in g["categories"]]
    return [n for n in g["data"] if names[n["category"]] == category]


def _links_of(option: dict, kind: str) -> list[dict]:
    return [lk for lk in _graph(option)["links"] if lk["kind"] == kind]


def _episodes(arm, persons) -> list[tuple[int, int, int, float]]:
    p = arm.model.state.person
    return [
        (int(i), int(s), int(w), float(t))
        for i in persons
        for s, w, t in zip(p.slot_service[i], p.slot_worker[i], p.slot_trust[i], strict=True)
        if s >= 0
    ]


# --------------------------------------------------------------------------- JSON


@pytest.mark.parametrize("weeks", [0, 6])
def test_every_option_is_plain_json_before_and_after_steps(weeks):
    s = Session(SMALL)
    s.advance(weeks)
    homes = pp.households(s.arms[0])
    assert homes, "a 300-person population has households with a complex-needs member"
    options = [pp.network_option(arm) for arm in s.arms]
    options += [pp.family_option(arm, homes[0].family) for arm in s.arms]
    options += [pp.journey_services_option(s, k) for k in range(3)]
    options += [pp.journey_line_option(s, 0, w) for w in pp.JOURNEY_LINES]
    for opt in options:
        assert _json(opt) == opt
    for cols in (
        pp.network_rows(s),
        pp.journey_columns(s, 0),
        pp.family_columns(s, homes[0].family),
    ):
        text = charts.csv_text(cols)
        assert text.splitlines()[0] == ",".join(cols)


# --------------------------------------------------------------------------- network


def test_network_nodes_and_links_match_the_arrays(session):
    for arm in session.arms:
        opt = _json(pp.network_option(arm))
        people = arm.sample[: pp.NETWORK_PERSONS]
        eps = _episodes(arm, people)
        assert eps, "some followed persons have open episodes after 20 weeks"
        persons = _nodes_of(opt, "person") + _nodes_of(opt, "died")
        assert [n["name"] for n in persons] == [
            n["name"] for n in sorted(persons, key=lambda n: arm.names.index(n["name"]))
        ]
        assert {n["name"] for n in persons} == set(arm.names[: len(people)])
        assert {n["name"] for n in _nodes_of(opt, "service")} == set(SERVICES)
        workers = {w for _, _, w, _ in eps}
        assert len(_nodes_of(opt, "worker")) == len(workers)
        assert len(_links_of(opt, "episode")) == len(eps)
        assert len(_links_of(opt, "employs")) == len(workers)
        assert len(_links_of(opt, "partner")) == len(SERVICES) * (len(SERVICES) - 1) // 2
        trusts = sorted(round(t, 2) for *_, t in eps)
        assert sorted(lk["value"] for lk in _links_of(opt, "episode")) == pytest.approx(
            trusts, abs=0.006
        )


def test_network_shows_full_service_names_on_the_inner_ring(session):
    opt = pp.network_option(session.arms[0])
    services = _nodes_of(opt, "service")
    assert [n["name"] for n in services] == SERVICES
    assert "daily living" in SERVICES and all(n["label"]["show"] for n in services)
    radius = [np.hypot(*n["value"]) for n in _graph(opt)["data"]]
    kinds = [n["category"] for n in _graph(opt)["data"]]
    by = {
        k: {round(r, 2) for r, c in zip(radius, kinds, strict=True) if c == k} for k in set(kinds)
    }
    assert by[0] == {1.0} and by[1] == {2.0} and by[2] <= {3.0}, "services, workers, persons"


def test_trust_is_drawn_on_the_colour_blind_safe_scale(session):
    assert pp.trust_colour(0.0) == palette.TRUST_SCALE[0]
    assert pp.trust_colour(1.0) == palette.TRUST_SCALE[-1]
    assert pp.trust_colour(float("nan")) == palette.TRUST_SCALE[0]
    ramp = [pp.trust_colour(t) for t in np.linspace(0, 1, 101)]
    idx = [palette.TRUST_SCALE.index(c) for c in ramp]
    assert idx == sorted(idx) and set(idx) == set(range(len(palette.TRUST_SCALE)))
    assert pp.trust_width(0.9) > pp.trust_width(0.3) >= 1.0
    opt = pp.network_option(session.arms[1])
    for lk in _links_of(opt, "episode") + _links_of(opt, "partner"):
        assert lk["lineStyle"]["color"] == pp.trust_colour(lk["value"])
        assert lk["lineStyle"]["color"] in palette.TRUST_SCALE
        assert "trust" in lk["tooltip"]["formatter"]
    legend = [s["name"] for s in opt["series"][1:]]
    assert legend == pp.trust_bands() and opt["legend"][1]["data"] == legend
    assert [s["color"] for s in opt["series"][1:]] == list(palette.TRUST_SCALE)


def test_dead_persons_are_grey(fresh):
    arm = fresh.arms[0]
    i = int(arm.sample[4])
    arm.model.state.person.alive[i] = 0
    opt = pp.network_option(arm)
    died = _nodes_of(opt, "died")
    assert [n["name"] for n in died] == [arm.names[4]]
    cat = next(c for c in _graph(opt)["categories"] if c["name"] == "died")
    assert cat["itemStyle"]["color"] == palette.GREY
    assert "(died)" in died[0]["tooltip"]["formatter"]


# --------------------------------------------------------------------------- journey


def test_journey_services_are_the_recorded_ones_with_full_names(session):
    k = next(k for k in range(len(session.names)) if (session.arms[0].j_services[:, k] >= 0).any())
    opt = _json(pp.journey_services_option(session, k))
    weeks = session.week
    for a, arm in enumerate(session.arms):
        assert opt["yAxis"][a]["data"] == SERVICES
        assert opt["yAxis"][a]["name"] == arm.label
        expect = {(w, int(s)) for w in range(weeks) for s in arm.j_services[w, k] if s >= 0}
        assert {tuple(pt[:2]) for pt in opt["series"][a]["data"]} == expect
        assert all(pt[2] == SERVICES[pt[1]] for pt in opt["series"][a]["data"])
        assert opt["series"][a]["color"] == palette.ARMS[a]
    assert session.names[k] in opt["title"]["text"]


def test_journey_lines_have_both_arms_named_axes_and_a_death_marker(fresh):
    k = 5
    arm = fresh.arms[1]
    arm.j_alive[6:, k] = False  # as if the person died in week 6 in arm B
    weeks = fresh.week
    for what, (_, unit) in pp.JOURNEY_LINES.items():
        opt = _json(pp.journey_line_option(fresh, k, what))
        a, b = opt["series"]
        assert opt["yAxis"]["name"] == unit
        assert (a["lineStyle"]["type"], b["lineStyle"]["type"]) == palette.ARM_DASH
        assert [a["color"], b["color"]] == list(palette.ARMS)
        assert len(a["data"]) == weeks and "markLine" not in a
        assert (
            b["markLine"]["data"] == [{"xAxis": 6}]
            and "died" in b["markLine"]["label"]["formatter"]
        )
        assert all(v is None for _, v in b["data"][6:]), "no values after death"
        assert all(v is not None for _, v in b["data"][:6])
        series = {"cost": arm.j_cost, "crises": arm.j_crises, "trust": arm.j_trust}[what]
        assert [v for _, v in b["data"][:6]] == pytest.approx(series[:6, k], rel=1e-3, abs=1e-3)
    trust = pp.journey_line_option(fresh, k, "trust")
    assert (trust["yAxis"]["min"], trust["yAxis"]["max"]) == (0.0, 1.0)
    services = pp.journey_services_option(fresh, k)
    assert services["series"][1]["markLine"]["data"] == [{"xAxis": 6}]
    assert "markLine" not in services["series"][0]


# --------------------------------------------------------------------------- family


def test_households_have_two_members_and_one_with_complex_needs_followed_first(session):
    arm = session.arms[0]
    p, fam = arm.model.state.person, arm.model.state.family
    homes = pp.households(arm)
    eligible = {
        int(f)
        for f in range(len(fam.size))
        if (p.family == f).sum() >= 2 and p.complex[p.family == f].any()
    }
    assert {h.family for h in homes} == eligible
    followed = [h for h in homes if any(i in arm.sample for i in h.members)]
    assert homes[: len(followed)] == followed, "the followed persons' households come first"
    for h in homes:
        assert list(h.members) == list(np.flatnonzero(p.family == h.family))
        assert pp.family_members(arm, h.family) == list(h.members)
        assert f"({len(h.members)} people)" in h.label


def test_followed_households_come_first_in_the_followed_order():
    s = Session(Draft(persons="2000"))
    arm = s.arms[0]
    homes = pp.households(arm)
    rank = {int(i): k for k, i in enumerate(arm.sample)}
    first = [min(rank.get(i, len(rank)) for i in h.members) for h in homes]
    n = sum(r < len(rank) for r in first)
    assert 0 < n < len(homes), "some households are followed, some not"
    assert first[:n] == sorted(first[:n]) and all(r == len(rank) for r in first[n:])
    assert homes[n:] == sorted(homes[n:], key=lambda h: h.family)
    for h in homes[:n]:
        name = arm.names[min(rank[i] for i in h.members if i in rank)]
        assert h.label.startswith(f"{name}'s household")


def test_family_graph_shows_the_members_and_their_open_episodes(session):
    for arm in session.arms:
        for h in pp.households(arm):
            opt = _json(pp.family_option(arm, h.family))
            members = _nodes_of(opt, "member") + _nodes_of(opt, "died")
            assert len(members) == len(h.members)
            assert len(_links_of(opt, "household")) == len(h.members)
            eps = _episodes(arm, h.members)
            assert len(_links_of(opt, "episode")) == len(eps)
            assert len(_nodes_of(opt, "worker")) == len({w for _, _, w, _ in eps})
            waiting = {
                int(s) for s in arm.model.state.person.wait_service[list(h.members)] if s >= 0
            }
            shown = {n["name"] for n in _nodes_of(opt, "service")}
            assert shown == {SERVICES[s] for _, s, _, _ in eps} | {SERVICES[s] for s in waiting}
            for lk in _links_of(opt, "episode"):
                assert lk["lineStyle"]["color"] in palette.TRUST_SCALE


def test_family_counts_add_up_the_members_arrays(session):
    arm = session.arms[0]
    p = arm.model.state.person
    h = max(pp.households(arm), key=lambda h: len(_episodes(arm, h.members)))
    c = pp.family_counts(arm, h.family, session.week)
    m = list(h.members)
    eps = _episodes(arm, m)
    assert c["members"] == len(m)
    assert c["services involved now"] == len({s for _, s, _, _ in eps})
    assert c["workers involved now"] == len({w for _, _, w, _ in eps})
    assert c["members supported now"] == len({i for i, *_ in eps})
    assert c["crises so far"] == p.crises[m].sum()
    assert c["public cost so far (£)"] == pytest.approx(p.cost[m].sum() / 100)
    assert c["hand-offs so far"] == p.handoffs[m].sum()
    assert c["members ever assessed"] == (p.assessed[m] & 1).sum(), "bit 0 is the flag"
    followed = [k for k, i in enumerate(arm.sample) if i in m]
    seen = {int(s) for k in followed for s in arm.j_services[: session.week, k].ravel() if s >= 0}
    assert c["services seen by followed members so far"] == len(seen)


def test_family_finding_holds():
    """The Family caption's claims, re-measured over a whole run (2,000 persons, seed 1)."""
    s = Session(Draft(persons="2000"))
    homes = pp.households(s.arms[0])
    assert len(homes) >= 15
    n_arms = len(s.arms)
    services = [[set() for _ in homes] for _ in range(n_arms)]
    workers = [[set() for _ in homes] for _ in range(n_arms)]
    multi_services = np.zeros(n_arms)
    multi_members = np.zeros(n_arms)
    while not s.done:
        s.advance(1)
        for a, arm in enumerate(s.arms):
            for j, h in enumerate(homes):
                rows = pp.family_now(arm, h.family)
                eps = [e for r in rows for e in r["episodes"]]
                services[a][j] |= {sv for sv, _, _ in eps}
                workers[a][j] |= {w for _, w, _ in eps}
                multi_services[a] += len({sv for sv, _, _ in eps}) >= 2
                multi_members[a] += sum(bool(r["episodes"]) for r in rows) >= 2
    share_services = multi_services / (s.week * len(homes))
    share_members = multi_members / (s.week * len(homes))
    mean_services = [np.mean([len(x) for x in services[a]]) for a in range(n_arms)]
    mean_workers = [np.mean([len(x) for x in workers[a]]) for a in range(n_arms)]
    assert 4.0 < mean_services[0] < 5.5 and 2.5 < mean_services[1] < 4.0, mean_services
    assert 6.5 < mean_workers[0] < 9.5 and 3.0 < mean_workers[1] < 5.5, mean_workers
    assert 0.18 < share_services[0] < 0.35 and 0.04 < share_services[1] < 0.18, share_services
    assert all(share_members < 0.15), share_members
    for arm in s.arms:
        p = arm.model.state.person
        members = [i for h in homes for i in h.members]
        with_needs = [i for i in members if p.complex[i]]
        assert p.crises[with_needs].sum() > 0.65 * p.crises[members].sum()


# --------------------------------------------------------------------------- components


def _options(rc) -> list[dict]:
    return [w.option for w in rc.find(charts.ChartWidget).widgets]


@pytest.mark.parametrize(
    ("view", "n"), [(pp.NetworkView, 2), (pp.JourneyView, 4), (pp.FamilyView, 2)]
)
def test_each_view_draws_its_charts_and_redraws_when_the_model_steps(view, n):
    s = Session(SMALL)
    s.advance(4)
    rc, tick = render_view(view, s)
    before = _options(rc)
    assert len(before) == n
    widgets = rc.find(charts.ChartWidget).widgets
    assert all(w.alt and w.tick == 0 for w in widgets)
    buttons = [b for b in rc.find(v.Btn).widgets if "Download data (CSV)" in b.children]
    assert len(buttons) == 1, "a CSV download"
    s.advance(8)
    tick.set(1)
    after = _options(rc)
    assert after != before, f"{view.__name__} did not redraw after 8 more weeks"
    assert all(w.tick == 1 for w in rc.find(charts.ChartWidget).widgets)


def test_journey_and_family_selects_change_the_charts(session):
    for view, label in ((pp.JourneyView, "Person"), (pp.FamilyView, "Household")):
        rc, _ = render_view(view, session)
        before = _options(rc)
        sel = rc.find(v.Select, label=label).widget
        assert len(sel.items) >= 2
        sel.v_model = sel.items[1]
        assert _options(rc) != before, f"choosing another {label.lower()} redraws"
    rc, _ = render_view(pp.JourneyView, session)
    assert rc.find(v.Select, label="Person").widget.items[:3] == ["Brian", "Asha", "Derek"]


def test_family_view_table_shows_both_arms(session):
    rc, _ = render_view(pp.FamilyView, session)
    html = rc.find(tag="table").widget.unsafe_innerHTML
    for arm in session.arms:
        assert arm.label in html
    assert "services involved now" in html and "crises so far" in html
