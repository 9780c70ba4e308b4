"""Command line: ``carecomplex run | compare | decompose | sweep | claims | calibrate | ...``.

Exit status 0 on success, 2 on bad input (a one-line message naming the file, key and
allowed range), with nothing written.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from carecomplex import __version__
from carecomplex.console import one_line, os_error, parse_seeds
from carecomplex.errors import InputError

__all__ = ["build_parser", "main", "one_line", "parse_seeds"]


def cmd_params(args: argparse.Namespace) -> int:
    """Print the parameter reference (Markdown)."""
    from carecomplex.docs import parameters_markdown

    sys.stdout.write(parameters_markdown())
    return 0


def cmd_ui(args: argparse.Namespace) -> int:
    """Serve the Solara web UI (one model pair per browser session)."""
    from carecomplex.ui.serve import serve

    return serve(args.host, args.port)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser: each package adds the subcommands it drives."""
    from carecomplex.calibration import commands as calibration
    from carecomplex.claims import commands as claims
    from carecomplex.console import bounded_int
    from carecomplex.experiments import commands as experiments
    from carecomplex.experiments import decompose, evidence
    from carecomplex.resources import cmd_examples

    ap = argparse.ArgumentParser(prog="carecomplex", description=__doc__.splitlines()[0])
    ap.add_argument("--version", action="version", version=f"carecomplex {__version__}")
    sub = ap.add_subparsers(dest="command", required=True)
    experiments.add_parsers(sub)
    decompose.add_parser(sub)
    evidence.add_parser(sub)
    claims.add_parser(sub)
    calibration.add_parser(sub)
    par = sub.add_parser("params", help="print the parameter reference as Markdown")
    par.set_defaults(func=cmd_params)
    ui = sub.add_parser(
        "ui",
        help="serve the web UI for students (Solara)",
        description="Serve the web UI for students (Solara). At start-up it checks Solara's "
        "front-end cache (SOLARA_ASSETS_PROXY_CACHE_DIR, else ~/.cache/solara-cdn if it "
        "exists) and names any package missing for offline use, with the command that "
        "fills it (scripts/solara-assets.sh). See docs/ui.md.",
    )
    ui.add_argument("--host", default="127.0.0.1", help="address (default %(default)s)")
    ui.add_argument(
        "--port", type=bounded_int(1, 65535), default=8765, help="port (default %(default)s)"
    )
    ui.set_defaults(func=cmd_ui)
    exm = sub.add_parser("examples", help="copy the example experiments and claims to DIR")
    exm.add_argument("dir", nargs="?", default="experiments", help="folder (default %(default)s)")
    exm.add_argument("--force", action="store_true", help="overwrite example files already there")
    exm.set_defaults(func=cmd_examples)
    return ap


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except InputError as e:
        print(f"carecomplex: error: {one_line(str(e))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("carecomplex: interrupted; nothing written", file=sys.stderr)
        return 130
    except OSError as e:  # a full disk, a quota or an I/O error while writing results
        print(f"carecomplex: error: {os_error(e)}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
