"""What a verdict rests on, and whether the claim is feasible against the modelled baseline.

:func:`footing_of` labels each verdict by what carries it:

- ``encoding choice``: the claim file lists alternative encodings (pairs of scenarios)
  and the verdict differs between them, so the encoding, not the evidence, decides;
- ``baseline calibration only``: both arms run the same system, so the effect is nil by
  construction and what the report shows (a before-after fall, say) is the baseline's
  own pattern, which rests on its calibration to published patterns;
- ``calibrated effect``: the claim measures an effect the calibration fitted to a
  published range (``experiments/calibration/targets.toml``, same population and an
  overlapping window);
- ``priors beyond evidence``: no calibration target measures this effect, so it comes
  from the model's mechanisms at parameter values the evidence does not pin down.

:func:`feasibility` sets the claim beside the modelled baseline: the change to the
baseline the claim implies (a saving larger than the whole baseline cannot be), and the
claimed baseline, when the claim file gives one, beside the modelled one.
"""

from __future__ import annotations

import functools
import math
from typing import TYPE_CHECKING, Any

from carecomplex.claims.numbers import fmt
from carecomplex.claims.spec import METRICS, Claim, arms

if TYPE_CHECKING:  # pragma: no cover
    from carecomplex.claims.verdict import ClaimResult

FOOTINGS = (
    "encoding choice",
    "baseline calibration only",
    "calibrated effect",
    "priors beyond evidence",
)

# Which calibration target measures which claim metric for the complex-needs group, and
# the measured weeks [start, end) of its window (targets.toml's `window` in weeks).
CALIBRATED: dict[str, tuple[tuple[str, int, int], ...]] = {
    "cost_total": (("cost_year1", 0, 52), ("cost_years3_5", 104, 260)),
    "deaths": (("deaths", 0, 260),),
}


@functools.cache
def _targets() -> dict[str, Any]:
    from carecomplex.calibration.targets import default_path, load

    return {t.key: t for t in load(default_path()).targets if t.part == "effect"}


def calibrated_target(claim: Claim) -> Any | None:
    """The calibration target measuring the claim's effect, if any (most overlap wins)."""
    if claim.population != "complex":
        return None
    best, best_share = None, 0.0
    for key, start, end in CALIBRATED.get(claim.metric, ()):
        lo, hi = claim.window
        share = max(0, min(hi, end) - max(lo, start)) / (hi - lo)
        if share > best_share:
            best, best_share = key, share
    if best is None or best_share < 0.5:
        return None
    return _targets().get(best)


def implied_change(claim: Claim, baseline: float) -> float:
    """The relative change of the baseline rate the claim needs (-0.5 is a halving).

    NaN when the modelled baseline is not positive.
    """
    if not baseline > 0 or not math.isfinite(baseline):
        return math.nan
    if claim.effect == "ratio":
        return claim.value - 1.0
    if claim.effect == "difference":
        return claim.value / baseline
    per_person = claim.value
    if claim.effect == "national":
        assert claim.national is not None
        per_person = claim.value / claim.national.count
    return -per_person / baseline


def _model_change(r: ClaimResult) -> float:
    b, i = r.rates[0].mean, r.rates[1].mean
    return i / b - 1.0 if b > 0 else math.nan


def _pct(x: float) -> str:
    return "n/a" if not math.isfinite(x) else f"{100 * x:+.1f} %"


def footing_of(r: ClaimResult) -> tuple[str, str]:
    """(label, reason): what the verdict rests on (one of :data:`FOOTINGS`)."""
    c = r.claim
    differ = [e for e in r.encodings if e.verdict != r.verdict]
    if differ:
        others = "; ".join(f"{e.verdict} with {e.baseline} -> {e.intervention}" for e in differ)
        return (
            "encoding choice",
            f"{r.verdict} with {c.baseline} -> {c.intervention} (the claim's encoding), "
            f"but {others}: the choice of encoding decides the verdict",
        )
    base, alt = arms(c)
    if base == alt:
        return (
            "baseline calibration only",
            "both arms run the same system, so the counterfactual effect is nil by "
            "construction; what the report shows is the baseline system's own pattern, "
            "which rests on its calibration to published baseline patterns",
        )
    target = calibrated_target(c)
    psa = f" Over plausible worlds the verdict {r.psa.footing}." if r.psa is not None else ""
    if target is not None:
        return (
            "calibrated effect",
            f"the calibration fitted the model's effect on {target.label} to the published "
            f"range {target.lo:+g} % to {target.hi:+g} % ({target.source}); the model gives "
            f"{_pct(_model_change(r))} here, and the claim needs "
            f"{_pct(implied_change(c, r.rates[0].mean))}.{psa}",
        )
    return (
        "priors beyond evidence",
        f"no calibration target measures this effect ({c.metric}, population "
        f"{c.population}): it comes from the model's mechanisms at parameter values the "
        f"evidence does not pin down.{psa}",
    )


def feasibility(r: ClaimResult) -> list[tuple[str, str]]:
    """Rows (label, text): the change the claim needs against the modelled baseline."""
    c = r.claim
    m = METRICS[c.metric]
    unit = "£" if m.is_cost else ""
    base = r.rates[0]
    need = implied_change(c, base.mean)
    per = m.unit.removeprefix("£ ")
    rows = []
    if math.isfinite(need):
        text = (
            f"the claim needs the intervention to change the modelled baseline "
            f"({fmt(base.mean, unit)} {per} [{fmt(base.lo, unit)}, {fmt(base.hi, unit)}]) "
            f"by {_pct(need)}"
        )
        if need < -1.0:
            text += (
                f": a cut larger than the whole modelled baseline, which no intervention "
                f"can make (it needs {100 * -need:.0f} % of it)"
            )
        text += f"; the model's own change is {_pct(_model_change(r))}"
        rows.append(("Change the claim needs", text))
    if c.claimed_baseline is not None:
        ratio = c.claimed_baseline / base.mean if base.mean > 0 else math.nan
        inside = base.lo <= c.claimed_baseline <= base.hi
        rows.append(
            (
                "Claimed vs modelled baseline",
                f"claimed {fmt(c.claimed_baseline, unit)} {per}; modelled "
                f"{fmt(base.mean, unit)} [{fmt(base.lo, unit)}, {fmt(base.hi, unit)}]"
                + (
                    " (inside the modelled interval)"
                    if inside
                    else f": the claimed baseline is {ratio:.2g} times the modelled one"
                ),
            )
        )
    return rows
