"""Warm and cold execution environments, and the virtual clock: bugs only production-like replays show."""

from __future__ import annotations

import os
import sys
import time

import pytest
from aws_durable_execution_sdk_python import durable_execution

from replay_fuzz import fuzz
from replay_fuzz.environments import HASH_SEEDS, EnvironmentStartFailed
from replay_fuzz.invocation import RunOptions
from replay_fuzz.runner import run_execution
from replay_fuzz.schedule import Schedule
from tests.fuzz_targets import clock_branch, correct, environment_bugs, planted
from tests.helpers import child_processes


def test_set_order_bug_is_reported_by_default_and_only_with_cold_starts() -> None:
    in_process = fuzz(environment_bugs.notify_regions, max_examples=20, seed=0, database=None, environments=False)
    assert in_process.problems == []
    report = fuzz(environment_bugs.notify_regions, max_examples=20, seed=0, database=None)
    problem = next(p for p in report.problems if p.kind == "nondeterminism")
    assert any(f"fresh execution environment (PYTHONHASHSEED={seed})" in step for step in problem.schedule for seed in HASH_SEEDS[1:])
    assert problem.reference.startswith("step 'notify-") and problem.observed.startswith("step 'notify-")
    assert "--environments" not in problem.reproduce  # the default run lands cold
    replayed = fuzz(environment_bugs.notify_regions, replay=problem.token, database=None)
    assert [p.kind for p in replayed.problems][:1] == ["nondeterminism"]


def test_environments_on_lets_the_search_land_cold_and_replays_say_so() -> None:
    report = fuzz(environment_bugs.notify_regions, max_examples=20, seed=0, database=None, environments=True)
    assert "--environments" in report.problems[0].reproduce


def test_module_global_kept_warm_and_lost_cold() -> None:
    report = fuzz(environment_bugs.cached_token, max_examples=10, seed=0, database=None, environments=True)
    assert "nondeterminism" in {p.kind for p in report.problems}


def test_clock_branch_bug_is_reported_with_the_virtual_clock() -> None:
    report = fuzz(clock_branch.reminder, max_examples=10, seed=0, database=None)
    problem = next(p for p in report.problems if p.kind == "nondeterminism")
    assert (problem.reference, problem.observed) == ("step 'escalate'", "step 'remind'")


def test_a_monotonic_clock_bound_at_import_is_virtual_too() -> None:
    report = fuzz(clock_branch.patience, max_examples=10, seed=0, database=None)
    problem = next(p for p in report.problems if p.kind == "nondeterminism")
    assert (problem.reference, problem.observed) == ("step 'give-up'", "step 'keep-waiting'")
    assert clock_branch.monotonic is time.monotonic  # the real clock is back after the run


def test_a_module_imported_during_a_run_gets_the_real_monotonic_clock_back(tmp_path, monkeypatch) -> None:
    (tmp_path / "lazy_clock.py").write_text("from time import monotonic\n")
    monkeypatch.syspath_prepend(str(tmp_path))

    @durable_execution
    def imports_late(event, context):
        import lazy_clock  # bound to the virtual clock: imported while it runs

        return context.step(lambda _: lazy_clock.monotonic(), name="read")

    # fuzz() runs user code only in forked children; run one execution here as they do
    run_execution(imports_late, {}, Schedule(), RunOptions())
    assert sys.modules["lazy_clock"].monotonic is time.monotonic


@pytest.mark.parametrize(
    ("handler", "event", "effects"),
    [
        (correct.order, {"order_id": "o-1", "amount": 42, "items": ["b", "a"]},
         ["tests.fuzz_targets.services:charge", "tests.fuzz_targets.services:send_email"]),
        (correct.approval, {}, ["tests.fuzz_targets.services:send_email"]),
    ],
    ids=["order", "approval"],
)
def test_correct_handlers_stay_clean_in_environments(handler, event, effects) -> None:
    report = fuzz(handler, events=[event], effects=effects, max_examples=15, seed=2, database=None, environments=True)
    assert report.problems == [], report.text()


def test_planted_effect_bug_is_still_found_across_processes() -> None:
    report = fuzz(planted.email_from_orchestration, effects=["tests.fuzz_targets.services:send_email"],
                  max_examples=5, seed=0, database=None, environments=True)
    assert [p.kind for p in report.problems] == ["duplicate-effect"]


def test_a_hung_environment_is_killed_and_reported() -> None:
    from replay_fuzz.engine import StraightRunFailed
    from tests.fuzz_targets import stuck

    with pytest.raises(StraightRunFailed, match="did not finish within 0.5 s"):
        fuzz(stuck.stuck, max_examples=0, database=None, environments=True, invocation_timeout=0.5)


def test_a_handler_environments_cannot_import_is_one_clear_error_and_leaves_no_process() -> None:
    @durable_execution
    def defined_in_a_test(event, context):
        return context.step(lambda _: 1, name="one")

    with pytest.raises(EnvironmentStartFailed, match="an execution environment could not start: .*defined_in_a_test"):
        fuzz(defined_in_a_test, max_examples=1, database=None, environments=True)
    assert [command for command in child_processes(os.getpid()).values() if "replay_fuzz.zygote" in command] == []


def test_a_handler_environments_cannot_import_runs_in_process_by_default_and_says_so() -> None:
    @durable_execution
    def defined_in_a_test(event, context):
        return context.step(lambda _: 1, name="one")

    report = fuzz(defined_in_a_test, max_examples=1, database=None)
    assert report.problems == []
    assert any("did not land in cold environments" in note and "define the handler at module level" in note
               for note in report.notes), report.notes
