"""A campaign split across CI jobs (--shard I/N) and a time budget for the search (--max-time)."""

from __future__ import annotations

import json

import pytest
from aws_durable_execution_sdk_python import DurableContext, durable_execution

from replay_fuzz import fuzz
from replay_fuzz.campaign import Slice
from replay_fuzz.cli import main
from tests.fuzz_targets import planted_at_scale

SERVICES = "tests.fuzz_targets.services"


@pytest.mark.parametrize(("handler", "effects"), [
    (planted_at_scale.map_random_name, []),
    (planted_at_scale.loop_fresh_keys, [f"{SERVICES}:charge"]),
], ids=["map", "loop"])
def test_two_jobs_run_what_one_job_runs_and_find_the_same_problems(handler, effects) -> None:
    whole = fuzz(handler, effects=effects, max_examples=12, seed=5, database=None)
    jobs = [fuzz(handler, effects=effects, max_examples=12, seed=5, database=None, shard=f"{i}/2") for i in (1, 2)]
    assert {p.kind for p in whole.problems} == {p.kind for job in jobs for p in job.problems}, [j.text() for j in jobs]
    assert sum(job.fault_classes_covered for job in jobs) == whole.fault_classes_covered == whole.fault_classes
    assert sum(job.fault_points_exercised for job in jobs) == whole.fault_points_exercised
    assert sum(job.searched for job in jobs) == whole.searched
    assert all(0 < job.fault_classes_covered < job.fault_classes for job in jobs)
    assert all(any(note.startswith(f"shard {i}/2: this job ran") for note in job.notes) for i, job in zip((1, 2), jobs))


def test_a_slice_takes_every_nth_item_and_gives_every_job_a_search_part() -> None:
    assert Slice.parse("2/3").mine(list(range(8))) == [1, 4, 7]
    assert Slice.parse("1/1").mine([1, 2]) == [1, 2]
    assert Slice.parse("6/6").search_parts(4) == [5]
    assert Slice.parse("2/2").search_parts(4) == [1, 3]


@pytest.mark.parametrize("text", ["3/2", "0/2", "1", "a/b", "1/0"])
def test_a_bad_shard_is_one_usage_line(text, capsys) -> None:
    assert main(["tests/fuzz_targets/planted_at_scale.py", "--shard", text]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"durable-fuzz: error: --shard {text!r}"), err


@durable_execution
def correct_loop(event: dict, context: DurableContext) -> list[int]:
    return [context.step(lambda _, line=line: line * 2, name=f"line-{line}") for line in range(5)]


def test_max_time_stops_the_search_but_not_the_single_fault_pass() -> None:
    report = fuzz(correct_loop, max_examples=2000, seed=1, database=None, max_time=0.5)
    assert report.problems == [] and report.fault_classes_covered == report.fault_classes
    assert report.searched < 2000
    assert any(note.startswith("--max-time: the search stopped after") for note in report.notes), report.notes


def test_without_max_time_the_search_runs_whole() -> None:
    report = fuzz(correct_loop, max_examples=8, seed=1, database=None)
    assert report.searched == 8 and not any("--max-time" in note for note in report.notes)


def test_the_command_passes_shard_and_max_time_on(capsys) -> None:
    target = "tests/fuzz_targets/planted_at_scale.py:loop_captured_mutation"
    assert main([target, "--shard", "2/2", "--max-time", "30", "--max-examples", "4", "--seed", "1", "--format", "json"]) == 1
    document = json.loads(capsys.readouterr().out)
    assert any(note.startswith("shard 2/2: this job ran") for note in document["notes"]), document["notes"]
    assert 0 < document["fault_classes_covered"] < document["fault_classes"] and document["searched"] > 0
