"""Time `durable-lint check` against pyflakes and flake8 on two trees, side by side.

(a) ordinary Python: this environment's site-packages (mostly modules that never
    import the SDK, so the prefilter decides the cost);
(b) 1,000 durable handler files, made from the project's examples and fixtures.

Each tool runs as its own process, interleaved, `--rounds` times; the best time of
each is compared. Targets on a 2-core machine: (a) durable-lint at most 0.5x
pyflakes, (b) at most 2x pyflakes.

    .venv/bin/python bench/lint_speed.py [--rounds 3] [--files 1000]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOOLS = {
    "durable-lint": [sys.executable, "-m", "durable_lint", "check", "--exit-zero"],
    "pyflakes": [sys.executable, "-m", "pyflakes"],
    "flake8": [sys.executable, "-m", "flake8", "--exit-zero", "--extend-ignore", "DUR"],
}


def durable_tree(target: Path, count: int) -> Path:
    """`count` handler files, copies of the examples and fixtures with distinct names."""
    sources = sorted((ROOT / "examples").rglob("*.py")) + sorted((ROOT / "tests" / "fixtures").glob("*.py"))
    sources = [s for s in sources if "aws_durable_execution_sdk_python" in s.read_text()]
    for index in range(count):
        source = sources[index % len(sources)]
        text = source.read_text().replace("def handler(", f"def handler_{index}(")
        (target / f"handler_{index:04d}_{source.stem}.py").write_text(text)
    return target


def timed(command: list[str], tree: Path) -> float:
    start = time.perf_counter()
    subprocess.run([*command, str(tree)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=tree, check=False)
    return time.perf_counter() - start


def compare(label: str, tree: Path, rounds: int) -> dict[str, float]:
    best = {name: float("inf") for name in TOOLS}
    for _ in range(rounds):
        for name, command in TOOLS.items():
            best[name] = min(best[name], timed(command, tree))
    files = sum(1 for _ in tree.rglob("*.py"))
    print(f"\n{label}: {tree} ({files} .py files), best of {rounds}")
    for name, seconds in best.items():
        print(f"  {name:<13} {seconds:8.2f} s")
    print(f"  ratio durable-lint / pyflakes = {best['durable-lint'] / best['pyflakes']:.2f}")
    print(f"  ratio durable-lint / flake8   = {best['durable-lint'] / best['flake8']:.2f}")
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--ordinary", type=Path, default=Path(sysconfig.get_paths()["purelib"]))
    args = parser.parse_args()
    compare("(a) ordinary Python", args.ordinary, args.rounds)
    workdir = Path(tempfile.mkdtemp(prefix="durable-bench-"))
    try:
        compare("(b) durable handlers", durable_tree(workdir, args.files), args.rounds)
    finally:
        shutil.rmtree(workdir)


if __name__ == "__main__":
    main()
