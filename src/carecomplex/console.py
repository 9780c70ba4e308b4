"""Command-line plumbing shared by the subcommands.

Seeds and sizes as typed, the output folder checked before any run, outputs written all
or nothing, progress bars, number formats, one-line messages. The subcommands live with
what they drive (:mod:`carecomplex.experiments.commands`,
:mod:`carecomplex.claims.commands`); :mod:`carecomplex.cli` assembles them.
"""

from __future__ import annotations

import argparse
import errno
import math
import sys
from pathlib import Path
from typing import Any

from carecomplex.errors import UsageError

DEFAULT_SEEDS = 10
MAX_SEEDS = 100_000
MAX_SEED = 2**63 - 1  # run.seed's range


def parse_seeds(text: str) -> list[int]:
    """``10`` -> seeds 1..10; ``3,5,8`` -> those; ``1-20`` -> a range."""
    text = text.strip()
    try:
        if "," in text:
            seeds = [int(s) for s in text.split(",") if s.strip()]
        elif "-" in text.lstrip("-"):
            lo, hi = text.split("-", 1)
            seeds = range(int(lo), int(hi) + 1)
        else:
            seeds = range(1, int(text) + 1)
    except ValueError:
        raise UsageError(
            f"--seeds: expected a count, a list (1,2,3) or a range (1-10), got {text!r}"
        ) from None
    n = seeds.stop - seeds.start if isinstance(seeds, range) else len(seeds)
    if not 1 <= n <= MAX_SEEDS or min(seeds) < 0 or max(seeds) > MAX_SEED:
        raise UsageError(
            f"--seeds: expected 1 to {MAX_SEEDS} seeds from 0 to {MAX_SEED}, got {text!r}"
        )
    return list(seeds)


def bounded_int(lo: int, hi: int, what: str = "") -> Any:
    """An argparse type: a whole number from ``lo`` to ``hi``."""

    def parse(text: str) -> int:
        try:
            v = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if not lo <= v <= hi:
            raise argparse.ArgumentTypeError(f"expected {lo} to {hi}{what}, got {v}")
        return v

    return parse


positive_int = bounded_int(1, 5_000_000)
workers = bounded_int(1, 1024, " workers")


def executor_options(parser: argparse.ArgumentParser) -> None:
    """``--scheduler`` and ``--workers``: where the runs of a command go."""
    parser.add_argument("--scheduler", help="address of a Dask scheduler, e.g. tcp://host:8786")
    parser.add_argument(
        "--workers",
        type=workers,
        help="local worker processes (default: CPUs; 1 = in-process)",
    )


def years(text: str) -> float:
    """An argparse type: measured years, 0.02 to 100."""
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not 0.02 <= v <= 100:
        raise argparse.ArgumentTypeError(f"expected 0.02 to 100 years, got {text}")
    return v


def check_out(out: str | Path) -> Path:
    """``out`` as a folder that can be created or reused; checked before any run."""
    path = Path(out)
    try:
        for p in (path, *path.parents):
            if p.exists():
                if not p.is_dir():
                    raise UsageError(f"--out: {p} exists and is not a folder")
                break
    except (OSError, ValueError) as e:
        raise UsageError(f"--out: cannot use {out!r} ({e})") from None
    return path


def json_safe(x: Any) -> Any:
    """``x`` with non-finite floats as None (JSON has no NaN)."""
    if isinstance(x, float) and not math.isfinite(x):
        return None
    if isinstance(x, dict):
        return {k: json_safe(v) for k, v in x.items()}
    if isinstance(x, list):
        return [json_safe(v) for v in x]
    return x


def write_outputs(out: Path, files: dict[str, Any]) -> None:
    """Write every file into a temporary folder beside ``out``, then move them in.

    A file's content is text, bytes, or a frame (written as parquet).
    """
    from carecomplex.store import staged

    with staged(out) as tmp:
        for name, content in files.items():
            if isinstance(content, str):
                (tmp / name).write_text(content, encoding="utf-8")
            elif isinstance(content, bytes):
                (tmp / name).write_bytes(content)
            else:
                content.to_parquet(tmp / name, index=False)


class PlainProgress:
    """Progress as plain lines on stderr, for when it is not a terminal (CI, a pipe, a log).

    The same calls as rich's ``Progress`` (``add_task``, ``advance``, ``update``); a line
    is written at each tenth of the total and at most every ``every`` seconds between.
    """

    def __init__(self, every: float = 30.0) -> None:
        self.every = every
        self.tasks: dict[int, dict[str, Any]] = {}

    def __enter__(self) -> PlainProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        for k, t in self.tasks.items():
            if t["total"] and t["done"] < t["total"] and not exc[0]:
                self._line(k)

    def add_task(self, description: str, total: float | None = None, **_: Any) -> int:
        """Start a task; returns its id."""
        import time

        k = len(self.tasks)
        self.tasks[k] = {
            "description": description,
            "total": total,
            "done": 0.0,
            "start": time.monotonic(),
            "said": time.monotonic(),
            "tenth": 0,
        }
        return k

    def update(
        self,
        task: int,
        total: float | None = None,
        advance: float = 0.0,
        description: str | None = None,
        **_: Any,
    ) -> None:
        """Change a task's total or description, or advance it."""
        t = self.tasks[task]
        if total is not None:
            t["total"] = total
        if description is not None:
            t["description"] = description
        if advance:
            self.advance(task, advance)

    def advance(self, task: int, advance: float = 1.0) -> None:
        """Count ``advance`` more done; a line at each tenth or every ``every`` seconds."""
        import time

        t = self.tasks[task]
        t["done"] += advance
        tenth = int(10 * t["done"] / t["total"]) if t["total"] else 0
        if tenth > t["tenth"] or time.monotonic() - t["said"] >= self.every:
            t["tenth"] = tenth
            self._line(task)

    def _line(self, task: int) -> None:
        import time

        t = self.tasks[task]
        now = time.monotonic()
        t["said"] = now
        of = f"/{t['total']:g}" if t["total"] else ""
        share = f" ({100 * t['done'] / t['total']:.0f} %)" if t["total"] else ""
        elapsed = now - t["start"]
        print(
            f"{t['description']}: {t['done']:g}{of}{share}, {elapsed:.0f} s",
            file=sys.stderr,
            flush=True,
        )


def progress_bar(quiet: bool) -> Any:
    """A rich progress bar with count, elapsed time and an estimate of time left.

    When stderr is not a terminal, plain progress lines instead (:class:`PlainProgress`),
    so a long run in CI or a pipe is not silent.
    """
    if not quiet and not sys.stderr.isatty():
        return PlainProgress()
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    columns = [
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("eta"),
        TimeRemainingColumn(),
    ]
    return Progress(*columns, disable=quiet, transient=True)


def connect(address: str) -> Any:
    """A Dask client of the scheduler at ``address``, or a one-line error."""
    from distributed import Client

    try:
        return Client(address, timeout="15s")
    except (OSError, TimeoutError, ValueError) as e:
        raise UsageError(f"--scheduler: cannot connect to {address} ({e})") from None


def fmt(x: float | None) -> str:
    """A table cell: thousands with separators, small numbers to 3 significant digits."""
    if x is None or not math.isfinite(x):
        return "-"
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:.3g}"


_LINE_BREAKS = {c: repr(chr(c))[1:-1] for c in (*range(10, 14), 28, 29, 30, 0x85, 0x2028, 0x2029)}


def one_line(text: str) -> str:
    """``text`` with line breaks escaped (a file's keys and values may hold them)."""
    return text.translate(_LINE_BREAKS)


def os_error(e: OSError) -> str:
    """One line for an ``OSError`` met while writing: the file, the reason, what to do."""
    where = f"{e.filename}: " if e.filename else ""
    text = f"{where}{e.strerror or one_line(str(e))}"
    if e.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        text += (
            "; no partial file was left (a sweep keeps the runs it committed: free space "
            "and run it again with --resume)"
        )
    return one_line(text)
