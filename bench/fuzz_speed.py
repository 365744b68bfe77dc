"""Executions per second: durable-fuzz against the official local test runner, on one handler.

The official runner (`DurableFunctionTestRunner`, skip_time, poll_interval 1 ms,
callback answered as soon as it is created) runs the handler of bench_handler.py
`--official` times. durable-fuzz fuzzes the same handler (reference, every single
fault, then `--examples` random schedules) and its executions per second are its
executions divided by its wall time: with one process, with every core (the
default, whose single-fault pass also lands replays in cold environments), with
`--no-environments` (everything in this process, the default before cold landings),
and with `--environments` (the search lands replays cold too). Targets: the default
at least 30x the official runner, within 2x the wall time of `--no-environments`;
`--environments` at least 10x.

    .venv/bin/python bench/fuzz_speed.py [--official 10] [--examples 200]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from aws_durable_execution_sdk_python_testing import DurableFunctionTestRunner  # noqa: E402

import bench_handler  # noqa: E402
from replay_fuzz import fuzz  # noqa: E402
from replay_fuzz.shards import default_jobs  # noqa: E402


def official(runs: int) -> float:
    """Executions per second of the official runner at its best settings."""
    start = time.perf_counter()
    for _ in range(runs):
        with DurableFunctionTestRunner(handler=bench_handler.handler, poll_interval=0.001) as runner:
            arn = runner.run_async(input=json.dumps({}), execution_timeout=60)
            callback_id = runner.wait_for_callback(arn, name="approval")
            runner.send_callback_success(callback_id, b'"yes"')
            result = runner.wait_for_result(arn)
            assert result.status.name == "SUCCEEDED", result.error
    return runs / (time.perf_counter() - start)


def fuzzer(examples: int, environments: bool | None = None, jobs: int | None = None) -> tuple[float, int, int, float]:
    report = fuzz(bench_handler.handler, max_examples=examples, seed=0, database=None, environments=environments, jobs=jobs)
    assert not report.problems, report.text()
    return report.executions / report.elapsed_s, report.executions, report.invocations, report.elapsed_s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--official", type=int, default=10)
    parser.add_argument("--examples", type=int, default=200)
    args = parser.parse_args()
    official_rate = official(args.official)
    single_rate, single_executions, _, _ = fuzzer(args.examples, jobs=1)
    in_process_rate, in_process_executions, _, in_process_wall = fuzzer(args.examples, environments=False)
    fuzz_rate, executions, invocations, wall = fuzzer(args.examples)
    env_rate, env_executions, env_invocations, _ = fuzzer(args.examples, environments=True)
    jobs = default_jobs()
    print(f"official runner:                        {official_rate:8.1f} executions/s ({args.official} executions)")
    print(f"durable-fuzz --jobs 1:                  {single_rate:8.1f} executions/s ({single_executions} executions)")
    print(f"durable-fuzz --no-environments:         {in_process_rate:8.1f} executions/s ({in_process_executions} executions, {in_process_wall:.1f} s)")
    print(f"durable-fuzz (default, --jobs {jobs}):        {fuzz_rate:8.1f} executions/s ({executions} executions, {invocations} invocations, {wall:.1f} s)")
    print(f"durable-fuzz --environments --jobs {jobs}:    {env_rate:8.1f} executions/s ({env_executions} executions, {env_invocations} invocations)")
    print(f"ratio durable-fuzz / official = {fuzz_rate / official_rate:.1f}x (target >= 30x; {single_rate / official_rate:.1f}x in one process)")
    print(f"default wall time / --no-environments = {wall / in_process_wall:.2f}x (target <= 2x)")
    print(f"ratio with --environments / official = {env_rate / official_rate:.1f}x (target >= 10x)")


if __name__ == "__main__":
    main()
