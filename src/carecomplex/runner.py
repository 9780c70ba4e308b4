"""Moved: runs to :mod:`carecomplex.experiments.simulate`, intervals to :mod:`carecomplex.stats`.

Kept only so that old imports work (``tests/test_honesty.py``); remove once it imports
:func:`carecomplex.stats.interval`.
"""

from carecomplex.stats import interval

__all__ = ["interval"]
