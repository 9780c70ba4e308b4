"""Check or regenerate the golden baseline (tests/baseline.json).

    uv run python scripts/baseline.py            # which arrays differ from the baseline
    uv run python scripts/baseline.py --update   # write today's fingerprints

Exit status 1 when something differs and ``--update`` was not given. After a deliberate
change of results: raise ``MODEL_VERSION`` in ``src/carecomplex/__init__.py``, update,
and add a ``CHANGELOG.md`` entry (``--headline`` prints the default compare to paste).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import _baseline  # noqa: E402
from carecomplex import MODEL_VERSION  # noqa: E402


def main() -> int:
    """Compare with (or rewrite) the committed baseline; print what changed."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--update", action="store_true", help="write today's fingerprints")
    ap.add_argument(
        "--headline", action="store_true", help="also run `carecomplex compare` at the defaults"
    )
    args = ap.parse_args()
    old = _baseline.read() if _baseline.PATH.exists() else {"model_version": None, "runs": {}}
    new = _baseline.compute()
    changed = _baseline.changes(old["runs"], new)
    if not old["runs"]:
        print("no committed baseline yet")
        changed = {key: ["(new)"] for key in new}
    for key, names in changed.items() if old["runs"] else ():
        print(f"{key}: {len(names)} array(s) differ: {', '.join(names)}")
    if not changed:
        print(f"all {len(new)} runs match tests/baseline.json (model_version {MODEL_VERSION})")
    if changed and old["model_version"] == MODEL_VERSION:
        print(f"note: results changed but MODEL_VERSION is still {MODEL_VERSION}: raise it")
    if args.update:
        _baseline.write(new)
        print(f"wrote {_baseline.PATH.relative_to(ROOT)} (model_version {MODEL_VERSION})")
    if args.headline:
        subprocess.run(["carecomplex", "compare", "--out", "results/baseline-headline"], check=True)
    return 1 if changed and not args.update else 0


if __name__ == "__main__":
    sys.exit(main())
