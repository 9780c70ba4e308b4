"""carecomplex: an agent-based model of siloed vs alliance-learning care systems.

Import the pieces you need (importing this package does no work):

>>> from carecomplex.scenarios import load
>>> from carecomplex.model import CareModel
>>> model = CareModel(load("siloed").params, rng=1)
"""

import os
from importlib.metadata import PackageNotFoundError, version

# The parallel kernels run on numba's OpenMP threads. By default GNU OpenMP keeps a
# thread that has finished its share spinning at the end of each parallel region; when
# another process holds a core, that spinning thread takes the core its partner needs,
# and each of the ~8 regions per step waits for a time slice (measured: 10,000 persons
# at 3,300 ns per person-step with 2 threads under load, 400 with 1). Waiting threads
# that sleep instead remove the stall. Set before numba loads OpenMP; a value in the
# environment wins. Results do not depend on it (nor on the thread count).
os.environ.setdefault("OMP_WAIT_POLICY", "passive")

# The version of the model's results, separate from the package version: raised by any
# commit that changes a result (tests/baseline.json and CHANGELOG.md change with it).
MODEL_VERSION = "3"

try:
    __version__ = version("carecomplex")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0+unknown"
