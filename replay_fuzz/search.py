"""One shard of the Hypothesis search: random schedules of up to three faults, each problem shrunk.

Each shard has its own examples, seed and place in the example database (keyed by
target, event and shard), so a CI matrix of shards shares one database without
stepping on each other's failures.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from typing import TYPE_CHECKING

from hypothesis import HealthCheck, Phase, Verbosity, given, reject, settings
from hypothesis import core as hypothesis_core
from hypothesis import seed as hypothesis_seed
from hypothesis.database import ExampleDatabase

from replay_fuzz import checks
from replay_fuzz.schedule import FaultSpace, Schedule

if TYPE_CHECKING:
    from replay_fuzz.engine import Campaign, Found


class _ProblemFound(Exception):
    """Raised inside the Hypothesis test; one subclass per kind so each is shrunk on its own."""


_PROBLEM_CLASSES = {kind: type(f"Problem_{kind.replace('-', '_')}", (_ProblemFound,), {}) for kind in checks.KINDS}


def search_shard(space: FaultSpace, max_examples: int, seed: int | None, database: ExampleDatabase | None, shard: int,
            campaign: Campaign) -> Found:
    """One shard of the Hypothesis search: its own examples, seed and place in the example database."""
    found: Found = {}
    first_seen: dict[str, str] = {}

    # derandomize=False: Hypothesis loads a `ci` profile wherever a CI variable is set, and its
    # derandomize=True would give every shard the same schedules. `seed` alone decides randomness.
    @settings(max_examples=max(max_examples, 1), deadline=None, database=database, verbosity=Verbosity.quiet,
              suppress_health_check=list(HealthCheck), report_multiple_bugs=True, print_blob=False, derandomize=False,
              phases=(Phase.reuse, Phase.generate, Phase.shrink) if max_examples else (Phase.reuse, Phase.shrink))
    @given(space.schedules(environments=campaign.environments is not None and campaign.cold_search))
    def search(schedule: Schedule) -> None:
        if campaign.deadline.passed():
            reject()  # past --max-time: drawn, never run (Hypothesis soon stops drawing)
        campaign.report.examples += 1
        campaign.report.searched += 1
        findings = campaign.findings(schedule)
        campaign.tick(found)
        if findings:
            first = findings[0]
            seen = first_seen.setdefault(first.kind, f"random schedule {campaign.report.examples} of search part {shard + 1}, "
                                                     f"{campaign.seconds():.1f} s into the run")
            # the last failing call per kind is the shrunk one; it keeps when the kind was first seen
            found[first.kind] = (schedule, dataclasses.replace(first, first_seen=seen), campaign.last_output)
            raise _PROBLEM_CLASSES[first.kind](first.message)

    if seed is not None:
        search = hypothesis_seed(seed)(search)
    else:
        _fresh_hypothesis_random()
    # Remember failures per target, event and shard (as hypothesis.find keys its database).
    key = json.dumps(["durable-fuzz", campaign.target, campaign.event, shard], sort_keys=True, default=str)
    search._hypothesis_internal_database_key = hashlib.sha256(key.encode()).digest()  # type: ignore[attr-defined]
    try:
        search()
    except Exception:  # noqa: BLE001 - Hypothesis reports the failures it shrank (`found` holds them), or that it had none to replay
        pass
    return found


def _fresh_hypothesis_random() -> None:
    """Forget Hypothesis' process-wide random generator, so an unseeded search seeds a new
    one from the system: forked shards would otherwise all draw the same schedules.
    (tests/test_fuzz_shards.py fails if a Hypothesis release moves it elsewhere.)"""
    if hasattr(hypothesis_core, "_hypothesis_global_random"):  # a module global in older Hypothesis releases
        hypothesis_core._hypothesis_global_random = None
    local = getattr(hypothesis_core, "threadlocal", None)
    if local is not None and hasattr(local, "_hypothesis_global_random"):
        local._hypothesis_global_random = None
