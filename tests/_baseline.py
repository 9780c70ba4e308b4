"""The committed golden baseline: which runs it holds and how they are fingerprinted.

``tests/baseline.json`` holds, for each built-in scenario and two seeds at a small size,
the sha256 of every output and state array (see ``_fingerprint``). ``test_baseline.py``
compares today's runs with it at 1 and 2 numba threads; ``scripts/baseline.py``
regenerates it and prints which arrays changed. A commit that changes results updates
the file and ``MODEL_VERSION`` in the same commit, with a ``CHANGELOG.md`` entry.
"""

from __future__ import annotations

import json
from pathlib import Path

from _fingerprint import differing, fingerprint
from carecomplex import MODEL_VERSION
from carecomplex.model import CareModel
from carecomplex.params import Params
from carecomplex.scenarios import load

PATH = Path(__file__).with_name("baseline.json")
SCENARIOS = ("siloed", "alliance", "transition")
SEEDS = (1, 2)
SIZE = {"population": {"persons": 600}, "run": {"years": 0.5, "burn_in": 6}}


def params(scenario: str, seed: int) -> Params:
    """The small run of ``scenario`` with ``seed`` that the baseline holds."""
    over: dict = {k: dict(v) for k, v in SIZE.items()}
    over["run"]["seed"] = seed
    if scenario == "transition":
        over["transition"] = {"week": 8, "learning_weeks": 8}
    return load(scenario).params.replace(**over)


def case(scenario: str, seed: int) -> str:
    """The baseline's key of one run."""
    return f"{scenario}/seed{seed}"


def compute() -> dict[str, dict[str, str]]:
    """Fingerprints of every baseline run, with this process's numba threads."""
    return {
        case(s, seed): fingerprint(CareModel(params(s, seed)).run())
        for s in SCENARIOS
        for seed in SEEDS
    }


def read() -> dict:
    """The committed baseline (``model_version`` and ``runs``)."""
    return json.loads(PATH.read_text())


def write(runs: dict[str, dict[str, str]]) -> None:
    """Write ``runs`` as the baseline of this ``MODEL_VERSION``."""
    doc = {"model_version": MODEL_VERSION, "size": SIZE, "runs": runs}
    PATH.write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n")


def changes(old: dict[str, dict[str, str]], new: dict[str, dict[str, str]]) -> dict[str, list]:
    """Per run, the names of arrays whose fingerprints differ (runs that match omitted)."""
    out = {}
    for key in sorted(old.keys() | new.keys()):
        diff = differing(old.get(key, {}), new.get(key, {}))
        if diff:
            out[key] = diff
    return out
