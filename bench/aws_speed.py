"""What AWS in memory costs: durable-fuzz on one order workflow, on moto and on plain Python stand-ins.

bench/aws_handler.py has the workflow twice, making the same calls in the same
steps: `on_aws` through boto3 (run with `aws="moto"`, reset and set up before every
execution), `plain` on dictionaries. Both are fuzzed with the same schedules in one
run; the ratio of their executions per second is the price of `--aws moto`. Also
printed: moto's import and the reset-then-setup that starts every execution.

    .venv/bin/python bench/aws_speed.py [--examples 100]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from replay_fuzz import fuzz  # noqa: E402
from replay_fuzz.aws import sandbox  # noqa: E402


def rate(handler, examples: int, **options) -> tuple[float, int]:  # noqa: ANN001
    report = fuzz(handler, max_examples=examples, seed=0, database=None, **options)
    assert not report.problems, report.text()
    return report.executions / report.elapsed_s, report.executions


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=100)
    args = parser.parse_args()
    started = time.perf_counter()
    import moto  # noqa: F401 - measured here; durable-fuzz imports it only with --aws

    imported = time.perf_counter() - started
    with sandbox("moto") as box:  # open before the handlers' module makes its clients, as durable-fuzz --aws does
        import aws_handler

        box.setup = aws_handler.resources
        box.prepare()
        started = time.perf_counter()
        for _ in range(20):
            box.prepare()
        prepare = (time.perf_counter() - started) / 20
        results = {}
        for name, handler, options in [
            ("plain, --jobs 1", aws_handler.plain, {"jobs": 1}),
            ("moto,  --jobs 1", aws_handler.on_aws, {"jobs": 1, "aws": "moto", "setup": aws_handler.resources}),
            ("plain", aws_handler.plain, {}),
            ("moto", aws_handler.on_aws, {"aws": "moto", "setup": aws_handler.resources}),
            ("plain, --environments", aws_handler.plain, {"environments": True}),
            ("moto,  --environments", aws_handler.on_aws, {"environments": True, "aws": "moto", "setup": aws_handler.resources}),
        ]:
            results[name] = rate(handler, args.examples, **options)
            print(f"{name:24} {results[name][0]:7.1f} executions/s ({results[name][1]} executions)")
    print(f"moto import {imported:.2f} s (once per run, only with --aws); reset + setup {prepare * 1000:.1f} ms per execution")
    for label in ("--jobs 1", "", "--environments"):
        plain, on_moto = (results[f"plain, {label}"] if label else results["plain"]), (
            results[f"moto,  {label}"] if label else results["moto"])
        print(f"moto / plain{' ' + label if label else ''}: {on_moto[0] / plain[0]:.2f}x the executions per second")


if __name__ == "__main__":
    main()
