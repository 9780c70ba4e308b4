#!/usr/bin/env bash
# Fill Solara's CDN proxy cache from npm tarballs, so the web UI works without internet
# (solara serves its front end by proxying cdn.jsdelivr.net, a mirror of npm packages;
# found by probing the server with the network off). Usage: scripts/solara-assets.sh [CACHE_DIR]
# then run with SOLARA_ASSETS_PROXY_CACHE_DIR=CACHE_DIR. The versions are the ones
# solara 1.64.1 asks for; after upgrading solara, grep the server log for
# "Could not load URL" to find the new set.
set -euo pipefail
CDN=${1:-${SOLARA_ASSETS_PROXY_CACHE_DIR:-$HOME/.cache/solara-cdn}}
SPECS=(
  @widgetti/solara-vuetify-app@10.1.1
  @widgetti/solara-vuetify3-app@5.2.0
  requirejs@2.3.6
  font-awesome@4.5.0
  @widgetti/vue-grid-layout@2.3.13-alpha.2
)
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
