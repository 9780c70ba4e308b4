"""carecomplex: an agent-based model of siloed vs alliance-learning care systems.

Import the pieces you need (importing this package does no work):

>>> from carecomplex.scenarios import load
>>> from carecomplex.model import CareModel
>>> model = CareModel(load("siloed").params, rng=1)
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("carecomplex")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0+unknown"
