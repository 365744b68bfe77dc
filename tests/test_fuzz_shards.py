"""Shards in forked processes: the report does not depend on --jobs, shards search apart, deaths are reported."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from aws_durable_execution_sdk_python import durable_execution

from replay_fuzz import engine, fuzz
from replay_fuzz.checks import Difference
from replay_fuzz.engine import SHARDS
from replay_fuzz.problems import simplest_per_kind
from replay_fuzz.schedule import Fault, Schedule
from replay_fuzz.shards import run_shards
from tests.fuzz_targets import planted, production_variety
from tests.helpers import child_processes


def test_the_report_does_not_depend_on_how_many_processes_fuzz_at_once() -> None:
    def summary(jobs: int) -> tuple[object, ...]:
        report = fuzz(planted.captured_mutation, max_examples=12, seed=3, database=None, jobs=jobs)
        return (report.examples, report.executions, report.invocations, report.fault_points_exercised,
                [(problem.kind, problem.token, problem.schedule) for problem in report.problems])

    threads_before = set(threading.enumerate())
    one, three = summary(1), summary(3)
    assert one == three
    assert one[4], "the planted bug is found"
    # The thread that ran the straight-through run ended before the shards were forked.
    assert set(threading.enumerate()) <= threads_before


SEARCH_SHARD = "none"  # set in each forked search shard by the wrapper below


@durable_execution
def draws(event, context):
    """Orchestration code logs which search shard runs it and its first random draw (seeded per schedule)."""
    with open(event["log"], "a") as log:
        log.write(f"{SEARCH_SHARD} {random.random()}\n")
    return context.step(lambda _: 1, name="one")


@pytest.fixture(params=["default", "ci"])
def hypothesis_profile(request: pytest.FixtureRequest) -> Iterator[None]:
    """Each Hypothesis profile the fuzzer may run under; `ci` is loaded wherever a CI variable is set."""
    previous = settings._current_profile or "default"
    settings.load_profile(request.param)
    yield
    settings.load_profile(previous)


@pytest.mark.usefixtures("hypothesis_profile")
def test_unseeded_shards_search_different_schedules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    @given(st.integers())
    def earlier_hypothesis_test(number: int) -> None:
        pass

    earlier_hypothesis_test()  # now this process has a random generator for its forks to inherit
    search = engine.search_shard

    def search_naming_its_shard(*arguments: object) -> object:
        global SEARCH_SHARD
        SEARCH_SHARD = str(arguments[4])  # the shard index; this runs in the forked shard
        return search(*arguments)

    monkeypatch.setattr(engine, "search_shard", search_naming_its_shard)
    log = tmp_path / "draws.txt"
    fuzz(draws, events=[{"log": str(log)}], max_examples=40, database=None, jobs=2)
    seen: dict[str, set[str]] = {}
    for line in log.read_text().splitlines():
        shard, draw = line.split()
        seen.setdefault(shard, set()).add(draw)
    searched = [frozenset(seen[str(shard)]) for shard in range(SHARDS)]
    # Shards inheriting one Hypothesis generator would draw the same schedules, so the same seeds.
    assert len(set(searched)) == SHARDS, searched


def test_a_problem_only_the_search_finds_is_reported_with_its_simplest_schedule() -> None:
    report = fuzz(production_variety.third_invocation_differs, max_examples=200, seed=5, database=None, jobs=2)
    assert report.problems, report.text()
    problem = report.problems[0]
    assert problem.kind == "nondeterminism"
    assert len(problem.schedule) == 2, problem.text()  # two faults, shrunk and chosen across shards


def test_per_kind_the_simplest_schedule_of_any_shard_is_kept() -> None:
    crash = Fault("drop", "op-1", "SUCCEED")
    pend = Fault("pend", "op-2", "START")
    two = Schedule(faults=(crash, pend))
    one = Schedule(faults=(pend,))
    one_failed_callback = Schedule(faults=(crash,), callbacks=(("cb", "failure"),))
    one_other = Schedule(faults=(crash,))
    found = simplest_per_kind([
        {"nondeterminism": (two, Difference("nondeterminism", "a"), "")},
        {"nondeterminism": (one_failed_callback, Difference("nondeterminism", "b"), ""),
         "outcome-mismatch": (two, Difference("outcome-mismatch", "c"), "")},
        {"nondeterminism": (one, Difference("nondeterminism", "d"), "")},
        {"nondeterminism": (one_other, Difference("nondeterminism", "e"), "")},
    ])
    assert found["nondeterminism"][1].message == "d"  # one fault, and the earlier of two equally simple
    assert found["outcome-mismatch"][1].message == "c"


_body_runs = 0


@durable_execution
def exits_on_rerun(event, context):
    def body(_):
        global _body_runs
        _body_runs += 1
        if _body_runs > 1:
            os._exit(3)
        return 1

    return context.step(body, name="once")


def test_a_worker_process_that_dies_is_reported_not_waited_for() -> None:
    report = fuzz(exits_on_rerun, max_examples=0, database=None, jobs=2)
    [problem] = report.problems
    assert problem.message == "the execution ended the process running it: it exited with code 3"
    assert problem.token and "stopped early" in report.notes[0]


def test_shard_results_come_back_in_shard_order_with_their_progress() -> None:
    heard: list[tuple[int, object]] = []

    def shard(number: int):
        def run(progress):
            progress(number * 10)
            return json.dumps({"shard": number, "pid": os.getpid()})
        return run

    results = [json.loads(r) for r in run_shards([shard(n) for n in range(5)], 2, lambda i, p: heard.append((i, p)))]
    assert [r["shard"] for r in results] == list(range(5))
    assert all(r["pid"] != os.getpid() for r in results)  # each ran in a child
    assert sorted(heard) == [(n, n * 10) for n in range(5)]


def test_what_a_shard_needs_is_made_ready_here_just_before_it_starts() -> None:
    prepared: list[int] = []

    def shard(progress):
        return list(prepared)  # what this process had prepared when it forked the child

    results = run_shards([shard] * 4, 2, lambda i, p: None, before_fork=prepared.append)
    assert prepared == [0, 1, 2, 3]
    assert results[0] == [0] and results[3] == [0, 1, 2, 3]


def test_an_exception_in_a_shard_is_raised_here() -> None:
    def fails(progress):
        raise ValueError("bad shard")

    with pytest.raises(ValueError, match="bad shard"):
        run_shards([fails], 1, lambda i, p: None)


KILLED_FUZZER = """
import sys, threading
sys.path.insert(0, {root!r})
from aws_durable_execution_sdk_python import durable_execution
from replay_fuzz import engine, fuzz

runs = 0

def body(_):
    global runs
    runs += 1
    if runs > 1:
        threading.Event().wait(120)  # only a re-run, so only in the shards: they are busy, not sending anything
    return 1

@durable_execution
def handler(event, context):
    return context.step(body, name="slow-on-rerun")

fuzz(handler, max_examples=10, database=None, jobs=2, invocation_timeout=300)
"""


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc")
def test_shards_die_with_a_fuzzer_that_is_killed() -> None:
    root = str(Path(__file__).resolve().parent.parent)
    fuzzer = subprocess.Popen([sys.executable, "-c", KILLED_FUZZER.format(root=root)])
    try:
        deadline = time.monotonic() + 60
        while len(shards := list(child_processes(fuzzer.pid))) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(shards) == 2, "the fuzzer never forked its shards"
        time.sleep(1)  # into the long step body
    finally:
        fuzzer.kill()
        fuzzer.wait()
    deadline = time.monotonic() + 10
    while any(Path(f"/proc/{pid}").exists() for pid in shards) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [pid for pid in shards if Path(f"/proc/{pid}").exists()]
