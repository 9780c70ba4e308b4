"""Serve the web UI with ``solara run`` (used by ``carecomplex ui``)."""

from __future__ import annotations

import ipaddress
import os
import subprocess
import sys

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


def environment() -> dict[str, str]:
    """Environment for the server, unless the user set these: telemetry off, and culling.

    A tab that closes tells the server, which frees its session at once. A tab that
    vanishes without a word (browser crash, laptop asleep, network gone) keeps its session
    for Solara's ``SOLARA_KERNEL_CULL_TIMEOUT``: 24 h by default, here ``CULL_TIMEOUT``,
    long enough to reconnect after a short break and short enough that lost tabs do not
    pile up over a day of classes.
    """
    env = dict(os.environ)
    env.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "False")
    env.setdefault("SOLARA_KERNEL_CULL_TIMEOUT", CULL_TIMEOUT)
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
    try:
        return subprocess.call(command(host, port), env=environment())
    except KeyboardInterrupt:
        return 0
