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


def environment() -> dict[str, str]:
    """Environment for the server: telemetry off unless the user set it."""
    env = dict(os.environ)
    env.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "False")
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
