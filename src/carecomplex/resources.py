"""Files the package reads at run time, found through ``importlib.resources``.

Everything the model reads (the built-in scenarios, the example experiments and claims)
is package data inside ``carecomplex``: the same files are found in a clone, in an
editable install and in a wheel installed anywhere (a user's virtual environment, a
read-only shared site-packages, a Dask worker). Nothing here builds a path from the
source tree or the working directory.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import shutil
from importlib import resources
from pathlib import Path

PACKAGE = "carecomplex"
EXAMPLES = "examples"
"""Package folder holding the example experiments (``*.toml``) and claims (``claims/``)."""

_extracted = contextlib.ExitStack()
atexit.register(_extracted.close)


def data_path(*parts: str) -> Path:
    """A file system path to package data, e.g. ``data_path("scenarios")``.

    Installed packages are plain folders, so this is the file in site-packages; a
    package imported from a zip file is extracted to a temporary folder that lasts until
    the process ends.
    """
    ref = resources.files(PACKAGE).joinpath(*parts)
    if isinstance(ref, Path):
        return ref
    return _extracted.enter_context(resources.as_file(ref))


def example_files() -> list[Path]:
    """The shipped example files (experiments and claims), relative to their folder."""
    root = data_path(EXAMPLES)
    return sorted(p.relative_to(root) for p in root.rglob("*.toml"))


def copy_examples(dest: str | Path, *, overwrite: bool = False) -> list[Path]:
    """Copy the example experiments and claims into ``dest``; returns the files written.

    ``dest`` is created if needed; its layout is that of the repository's
    ``experiments/`` folder (``quick.toml``, ``claims/brian.toml``, ...), so that the
    README's commands run unchanged from the folder above it. Existing files are left
    alone (and reported by :class:`FileExistsError`) unless ``overwrite``.
    """
    root, dest = data_path(EXAMPLES), Path(dest)
    files = example_files()
    clash = [dest / f for f in files if (dest / f).exists()]
    if clash and not overwrite:
        shown = ", ".join(str(p) for p in clash[:3]) + (" ..." if len(clash) > 3 else "")
        raise FileExistsError(f"{shown}: already there (--force overwrites)")
    for f in files:
        (dest / f).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(root / f, dest / f)
    return [dest / f for f in files]


def cmd_examples(args: argparse.Namespace) -> int:
    """``carecomplex examples [DIR] [--force]``: copy the examples out of the package."""
    written = copy_examples(args.dir, overwrite=args.force)
    print(f"{len(written)} example files in {args.dir}/, e.g.")
    print(f"  carecomplex sweep {Path(args.dir) / 'quick.toml'} --out results/quick")
    print(f"  carecomplex claims {Path(args.dir) / 'claims' / 'brian.toml'} --out results/claims")
    return 0


__all__ = ["cmd_examples", "copy_examples", "data_path", "example_files"]
