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
load from other processes on the machine falls on every tool alike. Both wall time and
CPU time (user + system of the tool's process and its workers) are printed. The per-file
targets are judged on CPU time: a one-file run takes a fraction of a second, and on a
shared machine its wall time is mostly the wait for a free core. The tree targets are
judged on wall time, since durable-lint spreads a tree over all cores.

    .venv/bin/python bench/lint_speed.py [--rounds 9] [--tree-rounds 3] [--files 1000] [--only per-file|ordinary|durable]
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


def timed(command: list[str], target: str, cwd: Path) -> tuple[float, float]:
    """Wall seconds and CPU seconds (the process and the workers it waited for) of one run."""
    start = time.perf_counter()
    process = subprocess.Popen([*command, target], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=cwd,
                               env=_ENV)
    _, _, usage = os.wait4(process.pid, 0)
    process.returncode = 0  # reaped by wait4
    return time.perf_counter() - start, usage.ru_utime + usage.ru_stime


Medians = dict[str, dict[str, tuple[float, float]]]  # target -> tool -> (wall, cpu)


def medians(commands: dict[str, list[str]], targets: list[str], cwd: Path, rounds: int,
            warm_up: bool = True) -> Medians:
    """Median (wall, CPU) seconds per target and tool; every round runs every tool on every target.

    A first, uncounted run of each tool warms the bytecode and file system caches.
    """
    for command in commands.values() if warm_up else ():
        timed(command, targets[0], cwd)
    samples: dict[str, dict[str, list[tuple[float, float]]]] = {t: {name: [] for name in commands} for t in targets}
    for _ in range(rounds):
        for target in targets:
            for name, command in commands.items():
                samples[target][name].append(timed(command, target, cwd))
    return {t: {name: _median_pair(runs) for name, runs in by_tool.items()} for t, by_tool in samples.items()}


def _median_pair(runs: list[tuple[float, float]]) -> tuple[float, float]:
    return statistics.median(wall for wall, _ in runs), statistics.median(cpu for _, cpu in runs)


def per_file(commands: dict[str, list[str]], rounds: int) -> bool:
    files = sorted(p.relative_to(ROOT).as_posix() for p in HANDLERS.rglob("*.py") if p.name != "__init__.py")
    results = medians(commands, files, ROOT, rounds)
    names = list(commands)
    for measure, index in (("wall", 0), ("CPU", 1)):
        print(f"\n(1) one file per process, {measure} time in ms, median of {rounds} interleaved rounds")
        print(f"  {'file':<42}" + "".join(f"{name:>14}" for name in names))
        for file, by_tool in results.items():
            print(f"  {file[-42:]:<42}" + "".join(f"{by_tool[name][index] * 1000:14.0f}" for name in names))
    ok = True
    for name in ("durable-lint", "flake8+DUR"):
        for measure, index in (("wall", 0), ("CPU", 1)):
            ratios = sorted(by_tool[name][index] / by_tool["flake8 alone"][index] for by_tool in results.values())
            median, worst = statistics.median(ratios), ratios[-1]
            line = f"  {name} / flake8 alone, {measure:>4}: median file {median:.2f}x, worst {worst:.2f}x"
            if measure == "CPU":
                verdict = "ok" if median <= 1.25 and worst <= 2.0 else "MISSED"
                ok = ok and verdict == "ok"
                line += f"  (targets <= 1.25 and <= 2)  {verdict}"
            print(line)
    for name in [n for n in names if n not in ("durable-lint", "flake8 alone")]:
        ratio = statistics.median(by_tool["durable-lint"][1] / by_tool[name][1] for by_tool in results.values())
        print(f"  durable-lint / {name}, CPU: median file {ratio:.2f}x")
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
    files = sum(1 for _ in path.rglob("*.py"))
    listed = subprocess.run([*commands["durable-lint"], "--show-files", str(path)], capture_output=True, text=True,
                            cwd=path, env=_ENV, check=False).stdout
    checked = len(listed.splitlines())
    print(f"\n{label}: {path} ({files} .py files, {checked} of them checked by durable-lint, which skips "
          f"folders such as build/ and tests' data by default), median of {rounds} interleaved rounds")
    if checked < files / 2:  # a tree skipped (git-ignored, excluded) would time nothing and pass
        print(f"  durable-lint would check {checked} of {files} files: nothing to compare  MISSED")
        return False
    by_tool = medians(commands, [str(path)], path, rounds, warm_up=False)[str(path)]
    for name, (wall, cpu) in by_tool.items():
        print(f"  {name:<13} {wall:8.2f} s wall {cpu:8.2f} s CPU")
    ratio = by_tool["durable-lint"][0] / by_tool["pyflakes"][0]
    verdict = "ok" if ratio <= target else "MISSED"
    print(f"  durable-lint / pyflakes, wall = {ratio:.2f} (target <= {target})  {verdict}")
    print(f"  durable-lint / pyflakes, CPU = {by_tool['durable-lint'][1] / by_tool['pyflakes'][1]:.2f}")
    print(f"  durable-lint / flake8 alone, wall = {by_tool['durable-lint'][0] / by_tool['flake8 alone'][0]:.2f}")
    return verdict == "ok"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=9, help="rounds per file in the per-file mode")
    parser.add_argument("--tree-rounds", type=int, default=3, help="rounds per tree")
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--ordinary", type=Path, default=Path(sysconfig.get_paths()["purelib"]))
    parser.add_argument("--only", choices=("per-file", "ordinary", "durable"))
    args = parser.parse_args()
    ruff = shutil.which("ruff", path=str(BIN)) or shutil.which("ruff")
    if ruff is None:
        print("ruff is not installed in this environment: its column is left out (pip install ruff)")
    commands = tools(Path(ruff) if ruff else None)
    ok = True
    if args.only in (None, "per-file"):
        ok = per_file(commands, args.rounds) and ok
    tree_commands = {name: command for name, command in commands.items() if name != "flake8+DUR"}
    if args.only in (None, "ordinary"):
        ok = tree("(2a) ordinary Python", args.ordinary, tree_commands, args.tree_rounds, 0.2) and ok
    if args.only in (None, "durable"):
        workdir = Path(tempfile.mkdtemp(prefix="durable-bench-"))
        try:
            handlers = durable_tree(workdir, args.files)
            ok = tree("(2b) durable handlers", handlers, tree_commands, args.tree_rounds, 1.0) and ok
        finally:
            shutil.rmtree(workdir)
    print("\nall targets met" if ok else "\nsome targets MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
