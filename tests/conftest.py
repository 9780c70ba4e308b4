"""Fixtures shared by the test modules."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from _ui import chromium


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """A headless Chromium for the web UI tests (fails if Debian's chromium is missing)."""
    with chromium() as b:
        yield b
