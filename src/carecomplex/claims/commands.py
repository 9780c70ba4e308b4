"""The ``claims`` subcommand: check claim files and write a report."""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from carecomplex import console
from carecomplex.claims.spec import Claim, load
from carecomplex.errors import UsageError


def _load_all(args: argparse.Namespace) -> list[Claim]:
    """Every claim file, with the command line's seeds, persons and beliefs applied."""
    from carecomplex.params import merge

    believed: dict[str, Any] = {}
    if args.beliefs:
        from carecomplex.beliefs import load as load_beliefs

        if args.psa is not None:
            raise UsageError(
                "--beliefs with --psa: choose one (beliefs fix parameters that PSA draws)"
            )
        believed = load_beliefs(args.beliefs).overrides()
    loaded = []
    for path in args.files:
        c = load(path)
        if believed:
            c = replace(c, parameters=merge(c.parameters, believed))
        said: dict[str, Any] = {}
        if args.seeds is not None:
            said["seeds"] = len(c.seeds)
            c = replace(c, seeds=tuple(console.parse_seeds(args.seeds)))
            if len(c.seeds) < 2:
                raise UsageError("--seeds: a claim needs at least two paired seeds")
            c = replace(c, screen_seeds=min(c.screen_seeds, len(c.seeds)))
        if args.persons is not None:
            said["persons"] = c.persons
            c = replace(c, persons=args.persons)
        loaded.append(replace(c, overridden=said))
    return loaded


def _unique_ids(loaded: list[Claim]) -> None:
    ids = [c.id for c in loaded]
    if len(set(ids)) != len(ids):
        raise UsageError(
            f"claim ids repeat: {', '.join(sorted({i for i in ids if ids.count(i) > 1}))}"
        )


def cmd_claims(args: argparse.Namespace) -> int:
    """Check claim files against paired counterfactual runs and write a report."""
    from carecomplex.calibration.psa import from_args
    from carecomplex.claims.verdict import psa_tasks, tasks

    loaded = _load_all(args)
    drawn = from_args(args)  # a bad ensemble stops here, before any run
    console.check_out(args.out)
    _unique_ids(loaded)
    from carecomplex import manifest
    from carecomplex.claims import report  # after validation: imports numba and matplotlib
    from carecomplex.experiments.commands import show_beliefs

    believed = show_beliefs(args)
    n = sum(len(tasks(c, not args.no_screen)) for c in loaded)
    if drawn is not None:
        n += sum(len(psa_tasks(c, drawn, _psa_seeds(args))) for c in loaded)
    t0 = time.perf_counter()
    results = _check(loaded, n, args, drawn)
    secs = time.perf_counter() - t0
    extra = {"psa": drawn.describe() | {"psa_seeds": _psa_seeds(args)}} if drawn else {}
    extra |= believed
    seeds = sorted({s for c in loaded for s in c.seeds})
    meta = manifest.build(
        sys.argv,
        seeds,
        secs,
        runs=n,
        screen=not args.no_screen,
        claims={c.id: claim_manifest(c) for c in loaded},
        **extra,
    )
    report.write(Path(args.out), results, meta, persona=not args.no_persona)
    for r in results:
        at = f"the '{believed['beliefs']['name']}' beliefs" if believed else "the defaults"
        print(f"{r.claim.id}: seed-only (parameters at {at}): {r.verdict} ({r.reason})")
        if r.psa is not None:
            print(f"{r.claim.id}: PSA: {report.psa_line(r)}")
    print(f"{n} paired runs in {secs:.1f} s; report in {Path(args.out) / 'report.html'}")
    return 0


def claim_manifest(c: Claim) -> dict[str, Any]:
    """What the manifest records of one claim.

    Its file and sha256, the seeds and sizes used (with any command-line override), and
    the resolved parameters of each arm and of each alternative encoding.
    """
    import hashlib

    from carecomplex.claims.spec import arms
    from carecomplex.manifest import arm_parameters

    path = Path(c.path)
    sha = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None
    base, alt = arms(c)
    out: dict[str, Any] = {
        "file": c.path,
        "sha256": sha,
        "seeds": list(c.seeds),
        "screen_seeds": c.screen_seeds,
        "persons": c.persons,
        "years": c.years,
        "overridden_by_command_line": dict(c.overridden),
        "scenarios": arm_parameters(
            {"baseline": base, "intervention": alt},
            {"baseline": c.baseline, "intervention": c.intervention},
        ),
    }
    for b, a in c.encodings:
        pb, pa = arms(c, encoding=(b, a))
        out.setdefault("encodings", {})[f"{b}/{a}"] = arm_parameters(
            {"baseline": pb, "intervention": pa}, {"baseline": b, "intervention": a}
        )
    return out


def _psa_seeds(args: argparse.Namespace) -> int:
    from carecomplex.claims.verdict import DEFAULT_PSA_SEEDS

    return args.psa_seeds or DEFAULT_PSA_SEEDS


def _check(loaded: list[Claim], n: int, args: argparse.Namespace, drawn: Any = None) -> list:
    from contextlib import nullcontext

    from carecomplex.claims.verdict import check
    from carecomplex.experiments.simulate import process_pool

    workers = args.workers or os.cpu_count() or 1
    client = console.connect(args.scheduler) if args.scheduler else None
    if client:
        pool: Any = nullcontext(client.get_executor())
    elif workers > 1 and n > 1:
        pool = process_pool(workers)
    else:
        pool = nullcontext(None)
    try:
        with pool as ex, console.progress_bar(args.quiet) as bar:
            task = bar.add_task("paired runs", total=n)
            return check(
                loaded,
                ex,
                not args.no_screen,
                progress=lambda r: bar.advance(task),
                psa=drawn,
                psa_seeds=_psa_seeds(args),
            )
    finally:
        if client:
            client.close()


def add_parser(sub: Any) -> None:
    """Add ``claims`` to the subcommand parsers."""
    from carecomplex.calibration.psa import add_options

    clm = sub.add_parser("claims", help="check claim files against paired counterfactuals")
    clm.add_argument("files", nargs="+", help="claim files (experiments/claims/*.toml)")
    clm.add_argument("--out", default="results/claims", help="report folder (default %(default)s)")
    clm.add_argument("--seeds", help="override each claim's seeds: count, list or range")
    clm.add_argument(
        "--persons", type=console.positive_int, help="override each claim's population"
    )
    console.executor_options(clm)
    add_options(clm, seeds=True)
    clm.add_argument("--no-screen", action="store_true", help="skip the sensitivity screen")
    from carecomplex.experiments.commands import beliefs_option

    beliefs_option(clm)
    clm.add_argument("--no-persona", action="store_true", help="skip the persona journey")
    clm.add_argument("--quiet", action="store_true", help="no progress bar")
    clm.set_defaults(func=cmd_claims)
