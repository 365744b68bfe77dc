"""How fuzzing time grows with a handler's size: 10 steps, 100 steps, a map of 100 one-step items.

The three handlers of scale_handlers.py are fuzzed one after another in this run with
the same default options (seed 0, no example database), so the ratios compare like
with like on a loaded machine. Targets: 100 steps at most 4x the time of 10 steps,
a 100-item map (max_concurrency 10) at most 6x. `--all-fault-points` adds the same
figures with the exhaustive single-fault pass (what every run did before fault classes).
CPU seconds (of the fuzzer and its forked shards) are printed beside wall time: on a
shared machine they show the work done, where wall time also counts waiting for a core.
`--runs N` repeats the whole comparison N times and prints every run (report them all).

    .venv/bin/python bench/fuzz_scale.py [--examples 100] [--all-fault-points] [--runs 1]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import scale_handlers  # noqa: E402
from replay_fuzz import fuzz  # noqa: E402
from replay_fuzz.report import Report  # noqa: E402

HANDLERS = {"10 steps": scale_handlers.steps_10, "100 steps": scale_handlers.steps_100, "map of 100 items": scale_handlers.map_100}


def _cpu() -> float:
    """CPU seconds of this process and its finished children (the forked shards)."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def timed(handler: object, examples: int, all_fault_points: bool) -> tuple[float, float, Report]:
    start, cpu = time.perf_counter(), _cpu()
    report = fuzz(handler, max_examples=examples, seed=0, database=None, all_fault_points=all_fault_points)  # type: ignore[arg-type]
    elapsed, cpu = time.perf_counter() - start, _cpu() - cpu
    assert not report.problems, report.text()
    return elapsed, cpu, report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=100)
    parser.add_argument("--all-fault-points", action="store_true", help="also time the exhaustive single-fault pass")
    parser.add_argument("--runs", type=int, default=1, help="repeat the comparison this many times")
    args = parser.parse_args()
    modes = [False, True] if args.all_fault_points else [False]
    for run, exhaustive in ((run, mode) for run in range(1, args.runs + 1) for mode in modes):
        if args.runs > 1 and exhaustive == modes[0]:
            print(f"run {run} of {args.runs} (load average {os.getloadavg()[0]:.1f})", flush=True)
        times, cpus = {}, {}
        for label, handler in HANDLERS.items():
            times[label], cpus[label], report = timed(handler, args.examples, exhaustive)
            print(f"{'every point' if exhaustive else 'by class'} {label:18} {times[label]:7.1f} s ({cpus[label]:6.1f} s CPU)  "
                  f"{report.executions:5} executions  {report.coverage()}", flush=True)
        for unit, figures in (("time", times), ("CPU", cpus)):
            base = figures["10 steps"]
            print(f"{unit} ratio 100 steps / 10 steps = {figures['100 steps'] / base:.1f}x (target <= 4x); "
                  f"map of 100 / 10 steps = {figures['map of 100 items'] / base:.1f}x (target <= 6x)", flush=True)


if __name__ == "__main__":
    main()
