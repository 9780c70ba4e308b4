"""Solara web UI (``carecomplex ui``): paired siloed/alliance runs for students."""
