"""durable-fuzz: run a durable handler on the real SDK under crash and suspend schedules.

    from replay_fuzz import fuzz
    fuzz(handler, events=[{"order_id": "o-1"}], effects=["billing:charge"]).raise_if_problems()
"""

from replay_fuzz.api import fuzz
from replay_fuzz.report import Problem, Report

__all__ = ["Problem", "Report", "fuzz"]
