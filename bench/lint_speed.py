"""Time `durable-lint check` against flake8, pyflakes and ruff, side by side, one process per run.

(1) per file, as an editor or pre-commit runs a linter: each handler of bench/handlers/
    (steps calling boto3, requests and the project's own modules) is checked by each tool
    in its own process; the median per file is compared with flake8 alone (flake8's
    default checks, the DUR plugin hidden from it). Targets: `durable-lint check` and
    flake8 with the plugin at most 1.25x flake8 alone on the median file and at most 2x
    on the worst file.
(2) trees: (a) ordinary Python, this environment's site-packages (modules that never
    import the SDK: the prefilter decides the cost), target at most 0.2x pyflakes;
    (b) 1,000 durable handler files made from the examples, fixtures and bench handlers,
    target at most 1.0x pyflakes.

Runs are interleaved (tool after tool, round after round) and medians are compared, so
load from other processes on the machine falls on every tool alike.

    .venv/bin/python bench/lint_speed.py [--rounds 9] [--tree-rounds 3] [--files 1000] [--only per-file|trees]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HANDLERS = ROOT / "bench" / "handlers"
BIN = Path(sys.executable).parent

# flake8 without the DUR plugin: the same flake8, with durable-lint's entry point filtered out.
_FLAKE8_ALONE = (
    "import sys\n"
    "from flake8.plugins import finder\n"
    "found = finder._find_importlib_plugins\n"
    "finder._find_importlib_plugins = lambda: (p for p in found() if p.package != 'durable-lint')\n"
    "from flake8.main.cli import main\n"
    "sys.exit(main())\n"
)


def tools(ruff: Path | None) -> dict[str, list[str]]:
    commands = {
        "durable-lint": [str(BIN / "durable-lint"), "check", "--exit-zero"],
        "flake8 alone": [sys.executable, "-c", _FLAKE8_ALONE, "--exit-zero"],
        "flake8+DUR": [str(BIN / "flake8"), "--exit-zero"],
        "pyflakes": [str(BIN / "pyflakes")],
    }
    if ruff is not None:
        commands["ruff"] = [str(ruff), "check", "--exit-zero", "--no-cache", "--quiet"]
    return commands


# As on a user's machine, each tool runs from compiled bytecode: pip compiles what it
# installs, and Python caches the bytecode of an editable install on first import
# unless PYTHONDONTWRITEBYTECODE (set in some containers) forbids it.
_ENV = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}


def timed(command: list[str], target: str, cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run([*command, target], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=cwd, env=_ENV,
                   check=False)
    return time.perf_counter() - start


def medians(commands: dict[str, list[str]], targets: list[str], cwd: Path, rounds: int,
            warm_up: bool = True) -> dict[str, dict[str, float]]:
    """Median seconds per (target, tool); every round runs every tool on every target, interleaved.

    A first, uncounted run of each tool warms the bytecode and file system caches.
    """
    for command in commands.values() if warm_up else ():
        timed(command, targets[0], cwd)
    samples: dict[str, dict[str, list[float]]] = {t: {name: [] for name in commands} for t in targets}
    for _ in range(rounds):
        for target in targets:
            for name, command in commands.items():
                samples[target][name].append(timed(command, target, cwd))
    return {t: {name: statistics.median(s) for name, s in by_tool.items()} for t, by_tool in samples.items()}


def per_file(commands: dict[str, list[str]], rounds: int) -> bool:
    files = sorted(p.relative_to(ROOT).as_posix() for p in HANDLERS.rglob("*.py") if p.name != "__init__.py")
    results = medians(commands, files, ROOT, rounds)
    names = list(commands)
    print(f"\n(1) one file per process, median of {rounds} interleaved rounds (ms)")
    print(f"  {'file':<42}" + "".join(f"{name:>14}" for name in names))
    for file, by_tool in results.items():
        print(f"  {file[-42:]:<42}" + "".join(f"{by_tool[name] * 1000:14.0f}" for name in names))
    ok = True
    for name in ("durable-lint", "flake8+DUR"):
        ratios = sorted(by_tool[name] / by_tool["flake8 alone"] for by_tool in results.values())
        median, worst = statistics.median(ratios), ratios[-1]
        verdict = "ok" if median <= 1.25 and worst <= 2.0 else "MISSED"
        ok = ok and verdict == "ok"
        print(f"  {name} / flake8 alone: median file {median:.2f}x (target <= 1.25), worst {worst:.2f}x (target <= 2)  {verdict}")
    for name in [n for n in names if n not in ("durable-lint", "flake8 alone")]:
        ratio = statistics.median(by_tool["durable-lint"] / by_tool[name] for by_tool in results.values())
        print(f"  durable-lint / {name}: median file {ratio:.2f}x")
    return ok


def durable_tree(target: Path, count: int) -> Path:
    """`count` handler files, copies of the examples, fixtures and bench handlers with distinct names."""
    sources = sorted((ROOT / "examples").rglob("*.py")) + sorted((ROOT / "tests" / "fixtures").glob("*.py"))
    sources += sorted(HANDLERS.rglob("*_handler.py"))
    sources = [s for s in sources if "aws_durable_execution_sdk_python" in s.read_text()]
    for index in range(count):
        source = sources[index % len(sources)]
        text = source.read_text().replace("def handler(", f"def handler_{index}(")
        (target / f"handler_{index:04d}_{source.stem}.py").write_text(text)
    return target


def tree(label: str, path: Path, commands: dict[str, list[str]], rounds: int, target: float) -> bool:
    by_tool = medians(commands, [str(path)], path, rounds, warm_up=False)[str(path)]
    files = sum(1 for _ in path.rglob("*.py"))
    print(f"\n{label}: {path} ({files} .py files), median of {rounds} interleaved rounds")
    for name, seconds in by_tool.items():
        print(f"  {name:<13} {seconds:8.2f} s")
    ratio = by_tool["durable-lint"] / by_tool["pyflakes"]
    verdict = "ok" if ratio <= target else "MISSED"
    print(f"  durable-lint / pyflakes = {ratio:.2f} (target <= {target})  {verdict}")
    print(f"  durable-lint / flake8 alone = {by_tool['durable-lint'] / by_tool['flake8 alone']:.2f}")
    return verdict == "ok"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=9, help="rounds per file in the per-file mode")
    parser.add_argument("--tree-rounds", type=int, default=3, help="rounds per tree")
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--ordinary", type=Path, default=Path(sysconfig.get_paths()["purelib"]))
    parser.add_argument("--only", choices=("per-file", "trees"))
    args = parser.parse_args()
    ruff = shutil.which("ruff", path=str(BIN)) or shutil.which("ruff")
    if ruff is None:
        print("ruff is not installed in this environment: its column is left out (pip install ruff)")
    commands = tools(Path(ruff) if ruff else None)
    ok = True
    if args.only in (None, "per-file"):
        ok = per_file(commands, args.rounds) and ok
    if args.only in (None, "trees"):
        tree_commands = {name: command for name, command in commands.items() if name != "flake8+DUR"}
        ok = tree("(2a) ordinary Python", args.ordinary, tree_commands, args.tree_rounds, 0.2) and ok
        workdir = Path(tempfile.mkdtemp(prefix="durable-bench-"))
        try:
            ok = tree("(2b) durable handlers", durable_tree(workdir, args.files), tree_commands, args.tree_rounds, 1.0) and ok
        finally:
            shutil.rmtree(workdir)
    print("\nall targets met" if ok else "\nsome targets MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
