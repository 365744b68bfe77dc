"""Count the instructions each linter executes (valgrind's callgrind), as load cannot disturb.

bench/lint_speed.py times the tools side by side, but on a shared 2-core machine the load
of other processes moves its figures by tens of percent. Instructions do not move: this
script runs each tool once under callgrind and prints the same comparisons as counts.

(1) one handler of bench/handlers/ checked in its own process (as an editor or pre-commit
    runs a linter): durable-lint and flake8 with the plugin against flake8 alone.
(2) a slice of the 1,000-file durable tree of lint_speed.py (one process, `--jobs 1`,
    since callgrind follows one process): durable-lint against pyflakes, whole runs and
    per file (the difference between two slice sizes, which cancels start-up).

Instructions are CPU work, not wall time: the tree target of lint_speed.py is judged on
wall time, which durable-lint divides over the cores and pyflakes does not. Needs
valgrind (`apt-get install valgrind`); takes a few minutes.

    .venv/bin/python bench/lint_instructions.py [--file bench/handlers/shop/report_handler.py] [--slice 100]
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from lint_speed import _ENV, ROOT, durable_tree, tools

_COLLECTED = re.compile(rb"Collected : (\d+)")


def instructions(command: list[str], target: str, cwd: Path) -> int:
    """Instructions one run of `command` on `target` executes, counted by callgrind.

    An uncounted run first writes any bytecode that is missing or stale, as a user's
    second run would find it.
    """
    subprocess.run([*command, target], cwd=cwd, env=_ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   check=False)
    run = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *command, target],
                         cwd=cwd, env=_ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    found = _COLLECTED.search(run.stderr)
    if found is None:
        raise SystemExit(f"callgrind counted nothing for {' '.join(command)}: {run.stderr.decode()[-300:]}")
    return int(found.group(1))


def per_file(commands: dict[str, list[str]], file: str) -> None:
    counts = {name: instructions(commands[name], file, ROOT) for name in ("flake8 alone", "flake8+DUR", "durable-lint")}
    print(f"(1) {file}, one process, millions of instructions:")
    for name, count in counts.items():
        print(f"  {name:<13} {count / 1e6:9.0f}")
    for name in ("durable-lint", "flake8+DUR"):
        print(f"  {name} / flake8 alone = {counts[name] / counts['flake8 alone']:.2f}  (time target <= 1.25)")


def tree(commands: dict[str, list[str]], size: int) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="durable-instructions-"))
    try:
        (workdir / "all").mkdir()
        files = sorted(durable_tree(workdir / "all", 1000).glob("*.py"))
        counts: dict[str, dict[int, int]] = {"durable-lint": {}, "pyflakes": {}}
        for slice_size in (size, 2 * size):
            folder = workdir / f"slice-{slice_size}"
            folder.mkdir()
            for file in files[:: len(files) // slice_size][:slice_size]:
                shutil.copy(file, folder / file.name)
            for name, by_size in counts.items():
                command = [*commands[name], "--jobs", "1"] if name == "durable-lint" else commands[name]
                by_size[slice_size] = instructions(command, ".", folder)
        print("\n(2) slices of the durable tree, one process, millions of instructions:")
        for name, by_size in counts.items():
            marginal = (by_size[2 * size] - by_size[size]) / size
            print(f"  {name:<13} {size} files {by_size[size] / 1e6:8.0f}, {2 * size} files "
                  f"{by_size[2 * size] / 1e6:8.0f}, per file {marginal / 1e6:6.2f}")
        whole = counts["durable-lint"][2 * size] / counts["pyflakes"][2 * size]
        lint, flakes = (counts[n][2 * size] - counts[n][size] for n in ("durable-lint", "pyflakes"))
        print(f"  durable-lint / pyflakes: {2 * size} files {whole:.2f}, per file {lint / flakes:.2f}")
    finally:
        shutil.rmtree(workdir)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", default="bench/handlers/shop/report_handler.py")
    parser.add_argument("--slice", type=int, default=100, help="files in the smaller tree slice (the other is twice)")
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        print("valgrind is not installed: apt-get install valgrind", file=sys.stderr)
        return 2
    commands = tools(None)
    per_file(commands, args.file)
    tree(commands, args.slice)
    return 0


if __name__ == "__main__":
    sys.exit(main())
