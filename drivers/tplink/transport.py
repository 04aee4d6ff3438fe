"""The EX driver's lean request path, now shared by every web driver (drivers/http_lean.py).

`LeanSession` stays importable from here for the callers and tests that name it.
"""

from __future__ import annotations

from drivers.http_lean import LeanSession

__all__ = ["LeanSession"]
