"""Moved to :mod:`carecomplex.experiments.sweep`.

Kept only so that old imports work (``benchmarks/sweep.py``); remove once it imports
from the new place.
"""

from carecomplex.experiments.sweep import run_sweep

__all__ = ["run_sweep"]
