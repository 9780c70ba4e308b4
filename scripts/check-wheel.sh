#!/usr/bin/env bash
# The installed package, as a modeller or a cluster gets it (issue 20): `uv build` makes
# the sdist and the wheel from it (as a release does); the wheel alone is installed into
# a fresh Python 3.12 virtual environment outside the clone (dependencies at the locked
# versions); then, from a folder that is not the clone and with the whole environment
# mounted read-only (a shared cluster install), it checks that
#   - `carecomplex` imports from site-packages, and prints the wheel's version;
#   - numba's cache goes to the user cache directory: the first start compiles and
#     writes it, the second reuses it (no cache misses; both start-up times printed);
#   - `carecomplex run siloed`, `carecomplex examples`, a tiny `carecomplex sweep` on a
#     Dask LocalCluster whose workers import the installed package, `carecomplex compare`
#     with `--psa` (the shipped ensemble) and `--beliefs optimistic`, and
#     `carecomplex claims` on a shipped claim all run, and their manifests carry the
#     package version and model_version.
# Usage: scripts/check-wheel.sh [WORKDIR]  (default: a new folder under /tmp, removed
# afterwards unless KEEP=1).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
tmp="${1:-$(mktemp -d /tmp/carecomplex-wheel.XXXXXX)}"
[[ -n "${1:-}" || "${KEEP:-0}" == 1 ]] || trap 'chmod -R u+w "$tmp"; rm -rf "$tmp"' EXIT
export UV_PYTHON_DOWNLOADS=never
mkdir -p "$tmp"

echo "== build (sdist, then the wheel from the sdist)"
(cd "$repo" && uv build --quiet --out-dir "$tmp/dist")
wheel="$(ls "$tmp"/dist/carecomplex-*.whl)"
version="$(basename "$wheel" | cut -d- -f2)"
python3 - "$wheel" "$tmp"/dist/carecomplex-*.tar.gz <<'EOF'
import os, sys, tarfile, zipfile

wheel, sdist = sys.argv[1:]
names = zipfile.ZipFile(wheel).namelist()
print(f"{os.path.basename(wheel)}: {os.path.getsize(wheel):,} bytes, {len(names)} files")
need = ["carecomplex/scenarios/siloed.toml", "carecomplex/examples/quick.toml",
        "carecomplex/examples/claims/brian.toml", "carecomplex/data/ensemble.parquet",
        "carecomplex/examples/calibration/targets.toml",
        "carecomplex/examples/calibration/priors.toml",
        "carecomplex/examples/beliefs/optimistic.toml"]
missing = [n for n in need if n not in names]
assert not missing, f"wheel lacks {missing}"
top = tarfile.open(sdist).getnames()[0].split("/")[0]
in_sdist = set(tarfile.open(sdist).getnames())
assert f"{top}/src/carecomplex/scenarios/siloed.toml" in in_sdist, "sdist lacks package data"
EOF

echo "== install the wheel into a clean virtual environment"
(cd "$repo" && uv export --frozen --quiet --no-dev --no-emit-project --no-hashes \
  --format requirements-txt --output-file "$tmp/constraints.txt")
uv venv --quiet --python 3.12 "$tmp/venv"
uv pip install --quiet --python "$tmp/venv/bin/python" --compile-bytecode \
  --constraints "$tmp/constraints.txt" "$wheel"
site="$("$tmp/venv/bin/python" -c 'import sysconfig; print(sysconfig.get_path("purelib"))')"

# Everything below runs from here, with only the venv on PATH and nothing of the clone.
mkdir -p "$tmp/work" "$tmp/cache"
cat >"$tmp/first_step.py" <<'EOF'
"""Seconds from import to the end of the first step; fails if numba compiled on a warm cache."""
import sys
import time

t0 = time.perf_counter()
from carecomplex import processes
from carecomplex.model import CareModel
from carecomplex.scenarios import load

model = CareModel(load("siloed").params, rng=1)
model.step()
secs = time.perf_counter() - t0
# Every numba kernel of every process module (each a dispatcher with cache statistics).
modules = [m for m in vars(processes).values() if type(m) is type(processes)]
modules += [sys.modules[n] for n in list(sys.modules) if n.startswith("carecomplex.processes.")]
kernels = {id(d): d for m in modules for d in vars(m).values() if hasattr(d, "stats")}
stats = [d.stats for d in kernels.values()]
hits = sum(sum(s.cache_hits.values()) for s in stats)
misses = sum(sum(s.cache_misses.values()) for s in stats)
print(f"{sys.argv[1]} start: {secs:.1f} s from import to the end of the first step "
      f"(numba cache: {hits} hits, {misses} misses)")
assert sys.argv[1] != "second" or (misses == 0 and hits > 0), "compiled kernels not reused"
EOF
cat >"$tmp/cluster_sweep.py" <<'EOF'
"""A tiny sweep on a Dask LocalCluster whose workers import the installed package."""
import subprocess
import sys

from distributed import Client, LocalCluster


def main(site: str) -> None:
    """Start the cluster, check where its workers import from, sweep through it."""
    with (
        LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=":0") as cluster,
        Client(cluster) as client,
    ):
        where = client.run(lambda: __import__("carecomplex").__file__)
        assert all(f.startswith(site) for f in where.values()), where
        print(f"{len(where)} workers import carecomplex from {site}")
        subprocess.run(
            ["carecomplex", "sweep", "examples/quick.toml", "--out", "sweep",
             "--scheduler", cluster.scheduler_address, "--quiet"],
            check=True,
        )


if __name__ == "__main__":  # the workers' processes import this file too
    main(sys.argv[1])
EOF

installed_checks() {
  set -euo pipefail
  cd "$tmp/work"
  if touch "$site/carecomplex/.write-test" 2>/dev/null; then
    echo "site-packages is writable: the read-only check would prove nothing" >&2
    return 1
  fi
  python -c 'import carecomplex as c, sys; assert c.__file__.startswith(sys.argv[1]), c.__file__' \
    "$site"
  [[ "$(carecomplex --version)" == "carecomplex $version" ]]
  echo "== numba cache with a read-only site-packages (cache: $XDG_CACHE_HOME/numba)"
  python "$tmp/first_step.py" first
  python "$tmp/first_step.py" second
  find "$XDG_CACHE_HOME/numba" -name 'life.*.nbi' | grep -q . || {
    echo "no compiled kernels in $XDG_CACHE_HOME/numba" >&2
    return 1
  }
  if find "$site/carecomplex" -name '*.nbi' | grep -q .; then
    echo "numba wrote into the read-only site-packages" >&2
    return 1
  fi
  echo "== carecomplex run siloed"
  carecomplex run siloed --persons 300 --years 1 --seeds 2 --quiet --out run
  python - "$version" run/manifest.json <<'EOF'
import json, sys
m = json.load(open(sys.argv[2]))
assert m["carecomplex"] == sys.argv[1] and m["model_version"], m
print(f"manifest: carecomplex {m['carecomplex']}, model_version {m['model_version']}")
EOF
  echo "== carecomplex examples"
  carecomplex examples examples
  if carecomplex examples examples 2>/dev/null; then
    echo "carecomplex examples overwrote files" >&2
    return 1
  fi
  echo "== carecomplex sweep on a Dask LocalCluster"
  python "$tmp/cluster_sweep.py" "$site"
  python -c 'import json, sys; m = json.load(open("sweep/manifest.json")); assert m["carecomplex"] == sys.argv[1], m' \
    "$version"
  echo "== carecomplex compare --psa (the shipped ensemble) and --beliefs (the built-in optimistic)"
  carecomplex compare --psa 2 --persons 300 --years 1 --seeds 1 --workers 1 --quiet --out psa
  test -s psa/ceac.csv
  carecomplex compare --beliefs optimistic --persons 300 --years 1 --seeds 2 --quiet --out beliefs
  python -c 'import json; m = json.load(open("beliefs/manifest.json")); assert m["beliefs"]["name"] == "optimistic", m'
  echo "== carecomplex claims on a shipped claim"
  carecomplex claims examples/claims/regression_to_the_mean.toml --persons 300 --seeds 2 \
    --no-screen --no-persona --workers 1 --quiet --out claims
  test -s claims/report.html
  python -c 'import json, sys; m = json.load(open("claims/manifest.json")); assert m["carecomplex"] == sys.argv[1], m' \
    "$version"
}

export tmp site version
export PATH="$tmp/venv/bin:/usr/bin:/bin" XDG_CACHE_HOME="$tmp/cache" NUMBA_NUM_THREADS=1
unset PYTHONPATH VIRTUAL_ENV NUMBA_CACHE_DIR
chmod -R a-w "$tmp/venv"
# Root ignores permission bits, so also mount the environment read-only where a private
# mount namespace is allowed (it is for root here, and for CI).
if unshare --mount --propagation private true 2>/dev/null; then
  unshare --mount --propagation private bash -c "
    mount --bind '$tmp/venv' '$tmp/venv' && mount -o remount,bind,ro '$tmp/venv'
    $(declare -f installed_checks); installed_checks"
else
  installed_checks
fi
chmod -R u+w "$tmp/venv"
echo "installed wheel $version: all checks passed"
