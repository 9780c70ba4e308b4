"""Moved to :mod:`carecomplex.experiments.design`.

Kept only so that old imports work (``benchmarks/sweep.py``); remove once it imports
from the new place.
"""

from carecomplex.experiments.design import load_experiment

__all__ = ["load_experiment"]
