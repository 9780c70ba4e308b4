"""Posterior ensembles: weighted parameter sets, and draws from them for PSA.

An ensemble is a Parquet file with one row per parameter set: one column per
calibrated world parameter (``group.name``) and a ``weight`` column. Its metadata
(JSON in the Parquet schema, key ``carecomplex``) records the priors, the targets, the
model version and how the default parameter set was derived. The package ships the
default model's ensemble (:func:`load` with no argument); ``prior`` gives an ensemble
drawn from the priors alone, so that every PSA can be run on priors too.

Draws are weighted resampling with a seeded generator (:meth:`Ensemble.draw`): the same
seed gives the same parameter sets on any machine.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from carecomplex.calibration.targets import CalibrationError, Prior
from carecomplex.resources import data_path

if TYPE_CHECKING:
    import pandas as pd

META_KEY = b"carecomplex"
SHIPPED = ("data", "ensemble.parquet")
"""Package path of the shipped ensemble of the default model."""
SHIPPED_NAME = "shipped"
"""How the shipped ensemble names itself (its ``path``) in reports and manifests."""
INFORMED = 0.7
"""A parameter is *informed by the targets* when its posterior s.d. is below this share
of its prior s.d.; otherwise its values rest on the prior alone."""


@dataclass(frozen=True)
class Ensemble:
    """Weighted parameter sets (see module docstring)."""

    table: pd.DataFrame
    meta: dict[str, Any] = field(default_factory=dict)
    path: str = ""

    @property
    def parameters(self) -> list[str]:
        """The calibrated parameters, ``group.name``."""
        return [c for c in self.table.columns if c != "weight"]

    @property
    def weights(self) -> np.ndarray:
        """Normalised weights (sum 1)."""
        w = self.table["weight"].to_numpy(dtype=np.float64)
        return w / w.sum()

    @property
    def priors(self) -> list[Prior]:
        """The priors recorded in the metadata (empty if none)."""
        return [Prior(**p) for p in self.meta.get("priors", [])]

    def draw(self, n: int, seed: int = 0) -> list[dict[str, float]]:
        """``n`` parameter sets resampled by weight (with replacement), seeded."""
        rng = np.random.default_rng([seed, 0x9E3779B9])
        rows = rng.choice(len(self.table), size=n, replace=True, p=self.weights)
        cols = self.parameters
        values = self.table[cols].to_numpy(dtype=np.float64)
        return [{c: float(values[r, j]) for j, c in enumerate(cols)} for r in rows]

    def quantile(self, q: float) -> dict[str, float]:
        """Weighted ``q`` quantile of each parameter."""
        return {
            c: weighted_quantile(self.table[c].to_numpy(), self.weights, q) for c in self.parameters
        }

    def median(self) -> dict[str, float]:
        """Weighted median of each parameter (how the default parameter set is derived)."""
        return self.quantile(0.5)

    def shrinkage(self) -> dict[str, float]:
        """Posterior s.d. / prior s.d. per parameter (1: the targets say nothing of it).

        Measured on the scale on which the prior is flat (the prior's distribution
        function, so the log scale for a log-uniform prior): on the raw scale a
        log-uniform prior's s.d. is its upper tail's, and trimming that tail alone would
        look like information.
        """
        w = self.weights
        out = {}
        for p in self.priors:
            if p.key not in self.table:
                continue
            u = p.cdf(self.table[p.key].to_numpy(dtype=np.float64))
            m = float(np.sum(w * u))
            out[p.key] = math.sqrt(float(np.sum(w * (u - m) ** 2))) * math.sqrt(12.0)
        return out

    def informed(self) -> dict[str, bool]:
        """Whether each parameter is informed by the targets (see :data:`INFORMED`)."""
        return {k: v < INFORMED for k, v in self.shrinkage().items()}

    def effective_size(self) -> float:
        """Kish's effective sample size of the weights."""
        w = self.weights
        return float(1.0 / np.sum(w * w))


def weighted_quantile(x: np.ndarray, w: np.ndarray, q: float) -> float:
    """The weighted ``q`` quantile of ``x`` (inverse of the weighted empirical CDF)."""
    order = np.argsort(x, kind="stable")
    x, w = np.asarray(x, dtype=np.float64)[order], np.asarray(w, dtype=np.float64)[order]
    cdf = np.cumsum(w) / w.sum()
    return float(x[min(int(np.searchsorted(cdf, q, side="left")), len(x) - 1)])


def overrides(values: Mapping[str, float]) -> dict[str, dict[str, float]]:
    """``{"crisis.base_rate": x}`` as nested scenario tables ``{"crisis": {"base_rate": x}}``."""
    out: dict[str, dict[str, float]] = {}
    for key, v in values.items():
        group, name = key.split(".", 1)
        out.setdefault(group, {})[name] = v
    return out


def apply(params: Any, values: Mapping[str, float]) -> Any:
    """``params`` (a :class:`~carecomplex.params.Params`) with a parameter set laid over it."""
    return params.replace(**overrides(values)) if values else params


def from_priors(priors: list[Prior] | tuple[Prior, ...], n: int, seed: int = 0) -> Ensemble:
    """``n`` equally weighted draws from the priors (Latin hypercube, seeded)."""
    import pandas as pd

    rng = np.random.default_rng([seed, 0x51A7])
    cols: dict[str, np.ndarray] = {}
    for p in priors:
        u = (rng.permutation(n) + rng.random(n)) / n
        cols[p.key] = np.array([p.quantile(float(v)) for v in u])
    table = pd.DataFrame(cols)
    table["weight"] = 1.0 / n
    meta = {"kind": "prior", "priors": [vars(p) for p in priors], "seed": seed}
    return Ensemble(table, meta, "prior")


def write(ens: Ensemble, path: Path) -> bytes:
    """The ensemble as Parquet bytes (metadata included); ``path`` names it in errors only."""
    import io

    import pyarrow as pa
    import pyarrow.parquet as pq

    t = pa.Table.from_pandas(ens.table, preserve_index=False)
    meta = dict(t.schema.metadata or {})
    meta[META_KEY] = json.dumps(ens.meta).encode()
    buf = io.BytesIO()
    pq.write_table(t.replace_schema_metadata(meta), buf)
    return buf.getvalue()


def shipped_path() -> Path:
    """Where the package keeps the default model's ensemble."""
    return data_path(*SHIPPED)


def load(ref: str | Path | None = None) -> Ensemble:
    """An ensemble file; None or ``shipped`` for the package's, ``prior`` for the priors.

    Raises :class:`CalibrationError` (one line naming the file) for a missing or
    unreadable file, no ``weight`` column, non-finite values or weights that are not
    positive.
    """
    import pandas as pd

    if ref is not None and str(ref) == "prior":
        from carecomplex.calibration.targets import load as load_targets

        t = load_targets("default")
        return from_priors(t.priors, 1000, t.settings.seed)
    shipped = ref is None or str(ref) == "shipped"
    path = shipped_path() if shipped else Path(ref)
    if path.is_dir():
        path = path / "ensemble.parquet"
    try:
        import pyarrow.parquet as pq

        t = pq.read_table(path)
    except FileNotFoundError:
        raise CalibrationError(f"{path}: file not found") from None
    except (OSError, ValueError) as e:
        raise CalibrationError(f"{path}: not a readable Parquet file ({e})") from None
    meta = json.loads((t.schema.metadata or {}).get(META_KEY, b"{}"))
    table = t.to_pandas()
    if "weight" not in table.columns or len(table) == 0:
        raise CalibrationError(f"{path}: weight: an ensemble needs rows and a weight column")
    for c in table.columns:
        if not pd.api.types.is_numeric_dtype(table[c]) or not np.all(np.isfinite(table[c])):
            raise CalibrationError(f"{path}: {c}: expected finite numbers")
        if c != "weight" and "." not in c:
            raise CalibrationError(f"{path}: {c}: columns are parameters named group.name")
    if (table["weight"] < 0).any() or table["weight"].sum() <= 0:
        raise CalibrationError(f"{path}: weight: weights must be >= 0 with a positive sum")
    _check_parameters(path, table)
    return Ensemble(table, meta, SHIPPED_NAME if shipped else str(path))


def _check_parameters(path: Path, table: pd.DataFrame) -> None:
    """Every column names a world parameter and every value lies in its allowed range."""
    from carecomplex.params import describe

    known = {f"{d['group']}.{d['name']}": d for d in describe()}
    for c in table.columns:
        if c == "weight":
            continue
        if c not in known:
            raise CalibrationError(f"{path}: {c}: unknown parameter (see docs/parameters.md)")
        d = known[c]
        x = table[c]
        if (x < d["lo"]).any() or (x > d["hi"]).any():
            raise CalibrationError(
                f"{path}: {c}: values outside the allowed range {d['lo']:g}..{d['hi']:g}"
            )


__all__ = [
    "INFORMED",
    "Ensemble",
    "apply",
    "from_priors",
    "load",
    "overrides",
    "shipped_path",
    "weighted_quantile",
    "write",
]
