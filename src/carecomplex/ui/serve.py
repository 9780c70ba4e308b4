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


def command(host: str, port: int) -> list[str]:
    """The ``solara run`` command line for the app."""
    return [
        sys.executable,
        "-m",
        "solara",
        "run",
        APP,
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
        env.setdefault("SOLARA_ASSETS_PROXY_CACHE_DIR", str(CDN_CACHE))
    return env


def serve(host: str = "127.0.0.1", port: int = 8765) -> int:
    """Run the server until interrupted; returns its exit status."""
    if not is_loopback(host):
        print(
            f"carecomplex: warning: serving on {host}, not loopback: anyone who can reach "
            "this address can use the app (there is no login)",
            file=sys.stderr,
        )
    print(f"carecomplex: web UI at http://{host}:{port}/ (Ctrl-C to stop)", file=sys.stderr)
    proc = subprocess.Popen(command(host, port), env=environment())
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
