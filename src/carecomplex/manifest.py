"""Provenance of every output: what ran, with which code, parameters and seeds.

One builder for ``run``, ``compare``, ``sweep`` and ``claims``: the package version, the
model version (:data:`carecomplex.MODEL_VERSION`, raised by any change of results), the
git revision (``-dirty`` with uncommitted changes), the versions of the libraries that
decide results, the command, the seeds, the resolved parameters and the time.
"""

from __future__ import annotations

import platform
import subprocess
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from carecomplex import MODEL_VERSION, __version__
from carecomplex.params import Params, to_dict

LIBRARIES = ("numpy", "numba", "mesa")
"""Libraries whose versions are recorded (they decide the numbers a run gives)."""


def now() -> str:
    """The current UTC time, ISO 8601 to the second."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def git_revision() -> str:
    """The commit of the source tree (``-dirty`` if it has changes), else ``unknown``.

    Only a clone of carecomplex itself counts: a wheel installed into a virtual
    environment inside some other git repository must not report that repository's
    commit, so the package folder has to be ``src/carecomplex`` of the work tree.
    """
    here = Path(__file__).resolve().parent  # the source tree, for git only

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], capture_output=True, text=True, cwd=here, timeout=5, check=True
        ).stdout.strip()

    try:
        top = Path(git("rev-parse", "--show-toplevel")).resolve()
        if here != top / "src" / "carecomplex":
            return "unknown"
        dirty = git("status", "--porcelain")
        return git("rev-parse", "HEAD") + ("-dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def library_versions() -> dict[str, str]:
    """Version of each of :data:`LIBRARIES`."""
    import mesa
    import numba
    import numpy

    return {"numpy": numpy.__version__, "numba": numba.__version__, "mesa": mesa.__version__}


def provenance(command: Sequence[str] | None) -> dict[str, Any]:
    """Versions (package, model, Python, libraries), git revision, command and time."""
    return {
        "carecomplex": __version__,
        "model_version": MODEL_VERSION,
        "git_revision": git_revision(),
        "created": now(),
        "command": list(command) if command is not None else None,
        "python": platform.python_version(),
        **library_versions(),
    }


def arm_parameters(arms: Mapping[str, Params], files: Mapping[str, str] | None = None) -> dict:
    """The resolved parameters of each arm by name (with its file, when given)."""
    files = files or {}
    return {
        name: ({"file": files[name]} if name in files else {}) | {"params": to_dict(p)}
        for name, p in arms.items()
    }


def build(
    command: Sequence[str] | None,
    seeds: Sequence[int] = (),
    seconds: float | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A manifest: :func:`provenance`, the seeds, the run time, then ``extra`` entries.

    Args:
        command: the command line (``sys.argv``), or None when called as a library.
        seeds: the replicate seeds of the runs.
        seconds: wall time of the runs, rounded to 0.01 s (left out when None).
        **extra: further entries, e.g. ``scenarios`` (:func:`arm_parameters`) or
            ``experiment``.
    """
    out = provenance(command) | {"seeds": list(seeds)}
    if seconds is not None:
        out["seconds"] = round(seconds, 2)
    return out | extra
