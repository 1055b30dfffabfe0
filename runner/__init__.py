"""flyrun: convert Rails apps on Fly.io to SQLite3 on a persistent volume, declaratively."""

from __future__ import annotations

__version__ = "0.1.0"
