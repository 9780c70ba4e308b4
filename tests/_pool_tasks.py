"""Tasks for spawned worker processes in tests (importable by name in the worker)."""

from __future__ import annotations

import atexit
from pathlib import Path


class _WritesWhenDeleted:
    def __init__(self, path: str) -> None:
        self.path = path

    def __del__(self) -> None:
        Path(self.path).write_text("torn down")


_kept: list[_WritesWhenDeleted] = []


def print_at_exit(text: str) -> int:
    """Print ``text`` from an exit handler: after multiprocessing's own last flush."""
    atexit.register(print, text)  # to a pipe, block-buffered: it waits for a flush
    return 1


def register_exit_handler(path: str) -> int:
    atexit.register(Path(path).write_text, "exit handler ran")
    return 1


def keep_until_teardown(path: str) -> int:
    """An object only the interpreter's teardown would delete (a module global)."""
    _kept.append(_WritesWhenDeleted(path))
    return 1
