"""What `--include-dependents` (the pre-commit hook's mode) costs on a commit that changes one helper.

A project of `--files` modules (the examples and fixtures copied into 40 packages, plus
one handler -> helper -> helper chain) is linted the way the hook lints a commit that
changes only the innermost helper: with and without the flag, as processes, interleaved,
best of `--rounds`. Printed: both times, the ratio, and the time of the dependents search
alone (in this process). Target: the search stays under a tenth of a second per 1,000 files.

    .venv/bin/python bench/hook_speed.py [--rounds 3] [--files 2000]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHAIN = {
    "shop/__init__.py": "",
    "shop/handler.py": (
        "from aws_durable_execution_sdk_python import durable_execution\n\nfrom shop.refs import reference_for\n\n\n"
        "@durable_execution\ndef handler(event, context):\n    reference = reference_for(event)\n"
        "    return context.step(lambda _: reference, name='record')\n"
    ),
    "shop/refs.py": "from .ids import order_reference\n\n\ndef reference_for(event):\n    return order_reference(event)\n",
    "shop/ids.py": "import uuid\n\n\ndef order_reference(event):\n    return f\"{event['id']}-{uuid.uuid4()}\"\n",
}


def project(target: Path, count: int) -> None:
    sources = sorted((ROOT / "examples").rglob("*.py")) + sorted((ROOT / "tests" / "fixtures").glob("*.py"))
    for index in range(count - len(CHAIN)):
        package = target / f"pkg{index % 40:02d}"
        package.mkdir(exist_ok=True)
        (package / "__init__.py").touch()
        (package / f"m{index:05d}.py").write_text(sources[index % len(sources)].read_text())
    for path, text in CHAIN.items():
        (target / path).parent.mkdir(exist_ok=True)
        (target / path).write_text(text)


def timed(command: list[str], folder: Path) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=folder, stdout=subprocess.DEVNULL, check=False)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--files", type=int, default=2000)
    options = parser.parse_args()
    from durable_lint.config import Configurations
    from durable_lint.discovery import iter_python_files
    from durable_lint.run import _dependents_of

    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        project(folder, options.files)
        base = [sys.executable, "-m", "durable_lint", "check", "--exit-zero"]
        plain, with_dependents = [], []
        for _ in range(options.rounds):
            plain.append(timed([*base, "shop/ids.py"], folder))
            with_dependents.append(timed([*base, "--include-dependents", "shop/ids.py"], folder))
        searches = []
        os.chdir(folder)  # as the hook runs: from the repository's root
        for _ in range(options.rounds):
            configurations = Configurations()
            changed = list(iter_python_files([str(folder / "shop" / "ids.py")], configurations.for_folder))
            started = time.perf_counter()
            found = _dependents_of(changed, configurations, [])
            searches.append(time.perf_counter() - started)
        print(f"{options.files} files; dependents of shop/ids.py: {sorted(shown for _, shown in found)}")
        print(f"hook without the flag {min(plain):.2f} s, with it {min(with_dependents):.2f} s "
              f"({min(with_dependents) / min(plain):.1f}x; the extra time lints the dependents)")
        print(f"dependents search alone: {min(searches) * 1000:.0f} ms "
              f"({min(searches) * 1000 / options.files * 1000:.0f} ms per 1,000 files)")


if __name__ == "__main__":
    main()
