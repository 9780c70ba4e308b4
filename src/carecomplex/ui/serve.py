"""Serve the web UI with ``solara run`` (used by ``carecomplex ui``)."""

from __future__ import annotations

import ipaddress
import os
import signal
import subprocess
import sys
from pathlib import Path

APP = "carecomplex.ui.app"


def is_loopback(host: str) -> bool:
    """True for 127.0.0.1, ::1 and localhost."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def command(host: str, port: int, app: str = APP) -> list[str]:
    """The ``solara run`` command line for ``app`` (a module name or a script's path)."""
    return [
        sys.executable,
        "-m",
        "solara",
        "run",
        app,
        "--host",
        host,
        "--port",
        str(port),
        "--production",
        "--no-open",
    ]


CULL_TIMEOUT = "10m"
# Where scripts/solara-assets.sh puts Solara's front-end files (its default folder).
CDN_CACHE = Path.home() / ".cache" / "solara-cdn"
CACHE_VAR = "SOLARA_ASSETS_PROXY_CACHE_DIR"
FILL = "scripts/solara-assets.sh"
# The npm packages the pages load through Solara's CDN proxy (/_solara/cdn/<spec>/...),
# found by serving the app in headless Chromium with every request that leaves
# localhost blocked (tests/test_ui_offline.py keeps it so). scripts/solara-assets.sh
# reads this tuple: keep one spec per line, in double quotes, up to the closing ")".
CDN_PACKAGES = (
    "@widgetti/solara-vuetify-app@10.1.1",  # the page itself (Vue 2, Vuetify)
    "@widgetti/solara-vuetify3-app@5.2.0",  # the same for Vue 3 (SOLARA_VUETIFY3)
    "requirejs@2.3.6",  # module loader of widgets, Markdown and charts
    "font-awesome@4.5.0",  # icons (Solara's template)
    "@widgetti/vue-grid-layout@2.3.13-alpha.2",  # Solara's grid layout
    "mermaid@10.8.0",  # diagrams in Markdown (the About view)
    "katex@0.16.9",  # maths in Markdown: every solara.Markdown loads it
    "echarts@5.4.0",  # the charts
)


def cache_dir(env: dict[str, str]) -> Path:
    """The folder Solara's CDN proxy serves from under ``env`` (see :func:`environment`)."""
    if env.get(CACHE_VAR):
        return Path(env[CACHE_VAR]).expanduser()
    # Solara's own default, in the Python environment (filled from the internet on use)
    return Path(sys.prefix) / "share" / "solara" / "cdn"


def missing_assets(cache: Path, packages: tuple[str, ...] = CDN_PACKAGES) -> list[str]:
    """The packages of ``packages`` not unpacked in ``cache``.

    A package is there when its ``package.json`` is (scripts/solara-assets.sh unpacks
    the whole npm tarball and skips a package whose ``package.json`` exists).
    """
    return [p for p in packages if not (cache / p / "package.json").is_file()]


def assets_message(cache: Path, missing: list[str]) -> str | None:
    """What to tell the user when the cache lacks packages (None if nothing is missing)."""
    if not missing:
        return None
    target = cache if cache != Path(sys.prefix) / "share" / "solara" / "cdn" else CDN_CACHE
    return (
        f"carecomplex: warning: Solara's front-end cache {cache} lacks "
        f"{len(missing)} of {len(CDN_PACKAGES)} packages: {', '.join(missing)}. "
        "The server will try to fetch them from cdn.jsdelivr.net; offline, parts of the "
        "page stay blank. Fill the cache once (needs npm and the internet) from a "
        f"carecomplex clone: bash {FILL} {target}"
    )


def environment() -> dict[str, str]:
    """Environment for the server, unless the user set these: telemetry off, and culling.

    A tab that closes tells the server, which frees its session at once. A tab that
    vanishes without a word (browser crash, laptop asleep, network gone) keeps its session
    for Solara's ``SOLARA_KERNEL_CULL_TIMEOUT``: 24 h by default, here ``CULL_TIMEOUT``,
    long enough to reconnect after a short break and short enough that lost tabs do not
    pile up over a day of classes. Solara's front end comes from its CDN proxy cache:
    ``CDN_CACHE`` if it exists, so the UI also works offline once
    ``scripts/solara-assets.sh`` has filled it.
    """
    env = dict(os.environ)
    env.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "False")
    env.setdefault("SOLARA_KERNEL_CULL_TIMEOUT", CULL_TIMEOUT)
    env.setdefault("SOLARA_THEME_SHOW_BANNER", "False")  # it covered the last plot row
    if CDN_CACHE.is_dir():  # offline front end, filled by scripts/solara-assets.sh
        env.setdefault(CACHE_VAR, str(CDN_CACHE))
    return env


def serve(host: str = "127.0.0.1", port: int = 8765) -> int:
    """Run the server until interrupted; returns its exit status."""
    if not is_loopback(host):
        print(
            f"carecomplex: warning: serving on {host}, not loopback: anyone who can reach "
            "this address can use the app (there is no login)",
            file=sys.stderr,
        )
    env = environment()
    cache = cache_dir(env)
    message = assets_message(cache, missing_assets(cache))
    if message:
        print(message, file=sys.stderr)
    print(f"carecomplex: web UI at http://{host}:{port}/ (Ctrl-C to stop)", file=sys.stderr)
    proc = subprocess.Popen(command(host, port), env=env)
    # SIGTERM to this process (a supervisor, `kill`) stops the server too, instead of
    # leaving it running on the port; Ctrl-C reaches both through the process group.
    previous = signal.signal(signal.SIGTERM, lambda *_: proc.terminate())
    try:
        return proc.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        signal.signal(signal.SIGTERM, previous)
        if proc.poll() is None:
            proc.terminate()
        proc.wait()
