"""The About view's text (no browser): glossary, one line per tab, the two diagrams.

The diagrams are parsed here with a small reader of the Mermaid flowchart subset they
use (nodes ``ID["label"]``, edges ``A --> B`` and dotted ``A -. text .-> B``); any other
line fails the test. tests/test_ui_offline.py checks that Mermaid itself draws them.
"""

from __future__ import annotations

import re

import ipyvue
import pytest
import solara

from carecomplex.model import CareModel
from carecomplex.ui import about
from carecomplex.ui.experiments import TABS

# Terms the glossary must explain (each must appear in one glossary entry's name).
TERMS = (
    "arm",
    "paired same-seed comparison",
    "common random numbers",
    "burn-in",
    "person-year",
    "complex needs",
    "multiple disadvantage",
    "failure demand",
    "value demand",
    "hand-off",
    "repeat assessment",
    "rejection",
    "key worker",
    "continuity",
    "Kim loop",
    "common cause",
    "special cause",
    "Think Family",
    "wellbeing",
)

NODE = re.compile(r'^(\w+)(?:\["([^"]+)"\]|\[\("([^"]+)"\)\])$')
ARROW = re.compile(r"\s(-->|-\.[^.]*\.->)\s")


def _node(text: str, labels: dict[str, str]) -> str:
    m = NODE.match(text)
    if m:
        labels[m.group(1)] = m.group(2) or m.group(3)
        return m.group(1)
    assert re.fullmatch(r"\w+", text), f"not a node: {text!r}"
    return text


def parse_flowchart(src: str) -> tuple[dict[str, str], list[tuple[str, str, bool]]]:
    """Nodes (id -> label, ``<br/>`` as a space) and edges (from, to, solid) of a flowchart."""
    lines = [ln.strip() for ln in src.strip().splitlines() if ln.strip()]
    assert lines[0] == "flowchart LR", lines[0]
    labels: dict[str, str] = {}
    edges: list[tuple[str, str, bool]] = []
    for ln in lines[1:]:
        parts = ARROW.split(ln)
        if len(parts) == 3:
            a, b = _node(parts[0].strip(), labels), _node(parts[2].strip(), labels)
            edges.append((a, b, parts[1] == "-->"))
        else:
            assert len(parts) == 1, f"one edge per line: {ln!r}"
            _node(ln, labels)
    for a, b, _ in edges:
        assert a in labels and b in labels, f"edge {a} -> {b} has an unlabelled node"
    return {k: v.replace("<br/>", " ") for k, v in labels.items()}, edges


def _blocks() -> list[str]:
    return re.findall(r"```mermaid\n(.*?)```", about.markdown(), flags=re.S)


def _chain(labels: dict[str, str], edges: list[tuple[str, str, bool]]) -> list[str]:
    """Follow the solid edges from the first node: the labels' first words, lower case.

    A loop ends with its first node again.
    """
    nxt: dict[str, str] = {}
    for a, b, solid in edges:
        if solid:
            assert a not in nxt, f"{a} has two solid edges out"
            nxt[a] = b
    node, seen = edges[0][0], [edges[0][0]]
    while node in nxt:
        node = nxt[node]
        seen.append(node)
        if node == seen[0] or seen.count(node) > 1:
            break
    return [labels[n].split()[0].lower() for n in seen]


def test_the_page_has_exactly_the_two_diagrams():
    assert _blocks() == [about.KIM_DIAGRAM, about.WEEK_DIAGRAM]


def test_kim_diagram_is_the_loop_relationships_thinking_actions_results():
    labels, edges = parse_flowchart(about.KIM_DIAGRAM)
    assert all(solid for *_, solid in edges)
    cycle = _chain(labels, edges)
    assert cycle == ["relationships", "thinking", "actions", "results", "relationships"]
    assert len(edges) == 4


def _model_order() -> list[str]:
    """The first word of each bold step name in ``CareModel.step``'s docstring."""
    names = re.findall(r"\*\*([^*]+)\*\*", CareModel.step.__doc__ or "")
    return [n.split()[0].lower() for n in names]


def test_week_diagram_follows_the_order_of_the_model_step():
    labels, edges = parse_flowchart(about.WEEK_DIAGRAM)
    chain = _chain(labels, edges)
    assert chain == ["life", "crisis", "access", "support", "housing", "learning", "workforce"]
    # the model's own order (its docstring), without the two that run inside other steps
    model = [n for n in _model_order() if n not in ("spill-over", "costs")]
    assert chain == model
    dotted = [(labels[a].split()[0], labels[b].split()[0]) for a, b, solid in edges if not solid]
    assert dotted == [("Workforce", "Life")], "the week ends where the next begins"
    assert any("costs" in v.lower() for v in labels.values()), "costs charged throughout"


@pytest.mark.parametrize("term", TERMS)
def test_glossary_explains(term):
    entries = [k for k in about.GLOSSARY if term.lower() in k.lower()]
    assert entries, f"no glossary entry for {term!r}"
    assert all(len(about.GLOSSARY[k].split()) >= 8 for k in entries)


def test_kim_entry_names_the_four_qualities_and_wellbeing_its_scale():
    kim = about.GLOSSARY["Kim loop"].lower()
    assert all(q in kim for q in ("relationships", "thinking", "actions", "results"))
    wellbeing = next(v for k, v in about.GLOSSARY.items() if k.startswith("wellbeing"))
    assert "1 is" in wellbeing and "0 is" in wellbeing


def test_every_tab_is_explained_in_order():
    assert tuple(about.VIEWS) == TABS
    text = about.views_markdown()
    for tab in TABS:
        assert f"**{tab}**: " in text and len(about.VIEWS[tab].split()) >= 2


def test_every_tab_the_app_shows_is_explained():
    from carecomplex.ui import app

    assert set(app.TABS) <= set(about.VIEWS), set(app.TABS) - set(about.VIEWS)


def test_the_buttons_the_page_names_are_explained():
    for name in ("**Step**", "**Play**", "**Pause**", "**Reset**", "**Run 10 seeds**"):
        assert name in about.PRESS


def test_run_length_in_the_text_is_the_ui_run_length():
    from carecomplex.ui.session import UI_YEARS

    words = {5.0: "five years"}
    assert words.get(UI_YEARS, "?") in about.PRESS


def test_no_dollar_signs_for_katex_to_take_as_maths():
    # solara.Markdown runs KaTeX's auto-render over the page: "$...$" would become maths
    assert "$" not in about.markdown() and "\\(" not in about.markdown()


def test_about_renders_the_page_as_markdown_with_two_mermaid_divs():
    _, rc = solara.render(about.About(), handle_error=False)
    (widget,) = rc.find(ipyvue.VueTemplate).widgets
    assert widget.template.count('<div class="mermaid">') == 2
    assert "Glossary" in widget.template and "Kim" in widget.template
