"""Small experiment files for the sweep tests (a few hundred persons, weeks not years)."""

from __future__ import annotations

from pathlib import Path

FAST_ARM = 'extends = "{base}"\nname = "{base}"\n\n[run]\nburn_in = 2\n'

TINY = """
[experiment]
name = "tiny"
design = "factorial"
levels = 2
seeds = 3
persons = 200
years = 0.25
budget_runs = 50

[arms]
siloed = "fast-siloed.toml"
alliance = "fast-alliance.toml"

[parameters]
"crisis.base_rate" = [0.0005, 0.001]
"workforce.turnover" = [0.002, 0.02]

[outputs]
set = "headline"
metrics = ["gaming"]
"""


def write_experiment(folder: Path, text: str = TINY, name: str = "tiny.toml") -> Path:
    """Write ``text`` and the two fast arm files beside it; return the experiment path."""
    folder.mkdir(parents=True, exist_ok=True)
    for base in ("siloed", "alliance"):
        (folder / f"fast-{base}.toml").write_text(FAST_ARM.format(base=base))
    path = folder / name
    path.write_text(text)
    return path
