"""A test-only Solara app that mounts the About view alone (tests/test_ui_offline.py).

Served with ``solara run tests/ui_about_page.py``; it does not build a model, so it
starts in seconds and tests the About view's diagrams whatever state the full app is in.
"""

from __future__ import annotations

import solara

from carecomplex.ui.about import About


@solara.component
def Page():  # noqa: N802  (the name solara run looks for)
    """Only the About view."""
    with solara.Column(style={"padding": "8px"}):
        About()
