"""durable-fuzz: run a durable handler on the real SDK under crash and suspend schedules.

    from replay_fuzz import fuzz
    fuzz(handler, events=[{"order_id": "o-1"}], effects=["billing:charge"]).raise_if_problems()

The names are loaded on first use, so the pytest plugin (registered for every pytest
run where durable-lint is installed) costs nothing until a test fuzzes.
"""

from __future__ import annotations

from typing import Any

__all__ = ["Problem", "Report", "fuzz"]


def __getattr__(name: str) -> Any:
    if name == "fuzz":
        from replay_fuzz.api import fuzz

        return fuzz
    if name in ("Problem", "Report"):
        from replay_fuzz import report

        return getattr(report, name)
    raise AttributeError(f"module 'replay_fuzz' has no attribute {name!r}")
