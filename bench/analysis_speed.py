"""Per-module analysis time of durable modules, and the cost of skipping non-durable ones.

(1) Every durable module of examples/ and tests/fixtures/ (helpers across modules,
    inference and fixes included) is linted from its bytes `--repeat` times in a fresh
    Linter each time, so no cache carries over; the median per module is printed.
    Target: the median of the medians under 50 ms on a 2-core machine.
(2) The site-packages files that never mention the SDK are linted in one process and
    read in the same loop; the ratio lint/read shows what the prefilter costs.

    .venv/bin/python bench/analysis_speed.py [--repeat 20]
"""

from __future__ import annotations

import argparse
import statistics
import sysconfig
import time
from pathlib import Path

from durable_lint.config import Settings
from durable_lint.engine import Linter
from durable_lint.sdk import SDK_BYTES

ROOT = Path(__file__).resolve().parent.parent


def durable_module_times(repeat: int) -> dict[str, float]:
    files = sorted((ROOT / "examples").rglob("*.py")) + sorted((ROOT / "tests" / "fixtures").glob("*.py"))
    medians = {}
    for file in files:
        data = file.read_bytes()
        if SDK_BYTES not in data:
            continue
        samples = []
        for _ in range(repeat):
            linter = Linter(Settings(root=ROOT, select=("ALL", "DUR402", "DUR504", "DUR705")))
            start = time.perf_counter()
            linter.lint_source(data, str(file), file=file)
            samples.append(time.perf_counter() - start)
        medians[str(file.relative_to(ROOT))] = statistics.median(samples) * 1000
    return medians


def prefilter_ratio(tree: Path) -> tuple[int, float, float]:
    files = [p for p in sorted(tree.rglob("*.py")) if p.is_file()]
    plain = [p for p in files if SDK_BYTES not in p.read_bytes()]
    linter = Linter(Settings(root=tree))
    start = time.perf_counter()
    for path in plain:
        path.read_bytes()
    read = time.perf_counter() - start
    start = time.perf_counter()
    for path in plain:
        linter.lint_file(path, str(path))
    lint = time.perf_counter() - start
    return len(plain), read, lint


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    medians = durable_module_times(args.repeat)
    print(f"(1) durable modules, median of {args.repeat} fresh analyses each:")
    for name, ms in medians.items():
        print(f"  {ms:7.2f} ms  {name}")
    overall = statistics.median(medians.values())
    print(f"  median over modules: {overall:.2f} ms (target < 50 ms): {'met' if overall < 50 else 'NOT met'}")
    count, read, lint = prefilter_ratio(Path(sysconfig.get_paths()["purelib"]))
    print(f"(2) {count} non-durable files: read {read * 1000:.0f} ms, lint {lint * 1000:.0f} ms, ratio lint/read = {lint / read:.2f}")


if __name__ == "__main__":
    main()
