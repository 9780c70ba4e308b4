#!/usr/bin/env bash
# Fill Solara's CDN proxy cache from npm tarballs, so the web UI works without internet
# (solara serves its front end by proxying cdn.jsdelivr.net, a mirror of npm packages).
# Usage: scripts/solara-assets.sh [CACHE_DIR]   (default ~/.cache/solara-cdn, which
# `carecomplex ui` uses when it exists; else run with SOLARA_ASSETS_PROXY_CACHE_DIR=CACHE_DIR)
#        scripts/solara-assets.sh --list        (print the packages, one per line)
# The packages are CDN_PACKAGES in src/carecomplex/ui/serve.py, the one list: `carecomplex
# ui` checks the cache against it at start-up and names what is missing. After upgrading
# solara or adding a view that loads another library, run tests/test_ui_offline.py: it
# serves the app with every request leaving localhost blocked and names what failed.
set -euo pipefail
LIST="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/src/carecomplex/ui/serve.py"
mapfile -t SPECS < <(sed -n '/^CDN_PACKAGES = (/,/^)/s/^ *"\([^"]*\)",.*/\1/p' "$LIST")
if [ ${#SPECS[@]} -eq 0 ]; then
  echo "solara-assets.sh: no CDN_PACKAGES found in $LIST" >&2
  exit 1
fi
if [ "${1:-}" = "--list" ]; then
  printf '%s\n' "${SPECS[@]}"
  exit 0
fi
CDN=${1:-${SOLARA_ASSETS_PROXY_CACHE_DIR:-$HOME/.cache/solara-cdn}}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for spec in "${SPECS[@]}"; do
  d="$CDN/$spec"
  [ -f "$d/package.json" ] && continue
  mkdir -p "$d"
  t=$(cd "$tmp" && npm pack "$spec" --silent | tail -1)
  tar xzf "$tmp/$t" -C "$d" --strip-components=1
done
echo "$CDN"
