"""Colours of the web UI: the Okabe–Ito palette, safe for the common colour-vision deficiencies.

Okabe, M. and Ito, K. (2008) "Color Universal Design (CUD): how to make figures and
presentations that are friendly to colorblind people". Arms keep the same colours in
every view; trust uses a sequential scale (light to dark blue), never red against green.
"""

from __future__ import annotations

import math

BLACK = "#000000"
ORANGE = "#E69F00"
SKY_BLUE = "#56B4E9"
BLUISH_GREEN = "#009E73"
YELLOW = "#F0E442"
BLUE = "#0072B2"
VERMILLION = "#D55E00"
REDDISH_PURPLE = "#CC79A7"
GREY = "#999999"

ARM_A = VERMILLION
"""Arm A (the comparator) in every chart and table."""
ARM_B = BLUE
"""Arm B (the changed system) in every chart and table."""
ARMS = (ARM_A, ARM_B)
ARM_DASH = ("solid", "dashed")
"""Line styles of the arms, so that B never hides A where the two coincide."""
SIGNAL = REDDISH_PURPLE
"""Points an SPC run rule flags (special cause)."""
TRUST_SCALE = ("#deebf7", "#9ecae1", "#4292c6", "#08519c", "#08306b")
"""Low to high trust: one hue, light to dark (readable in grey and by colour-blind eyes)."""
SERIES = (ORANGE, SKY_BLUE, BLUISH_GREEN, REDDISH_PURPLE, YELLOW, BLUE, VERMILLION, BLACK)
"""Categorical colours for several series in one chart (services, Kim qualities)."""


def trust_colour(t: float) -> str:
    """The colour of trust ``t`` (0-1) on :data:`TRUST_SCALE` (equal bins; NaN is lowest)."""
    t = 0.0 if not math.isfinite(t) else min(1.0, max(0.0, float(t)))
    return TRUST_SCALE[min(len(TRUST_SCALE) - 1, int(t * len(TRUST_SCALE)))]
