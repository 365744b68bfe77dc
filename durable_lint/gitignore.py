"""Leave out the files git ignores (`.gitignore`, `.git/info/exclude`, the global excludes file).

git itself answers (`git check-ignore --stdin`), one process per folder named on
the command line, so every ignore source and negation works as in git. Outside a
repository, or without git, nothing is ignored. Files named on the command line
are linted even if ignored (as ruff does), and so are the files of a folder named on
the command line that git ignores as a whole (`durable-lint check build/`); tracked
files are never ignored.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterable
from pathlib import Path


def without_ignored(files: Iterable[tuple[Path, str]], named: Iterable[str]) -> list[tuple[Path, str]]:
    """`files` (as discovery yields them) minus those git ignores, keeping the files named explicitly."""
    files = list(files)
    named = set(named)
    walked: dict[str, list[str]] = {}
    for _, shown in files:
        if shown not in named:
            folder = next((n for n in named if _under(shown, n)), ".")
            walked.setdefault(folder, []).append(shown)
    ignored: set[str] = set()
    for folder, shown in walked.items():
        answer = _git_ignored(folder, [folder, *shown])
        if folder != "." and folder in answer:
            continue  # a folder named on the command line is linted even if git ignores it, as ruff does
        ignored |= answer
    return [(file, shown) for file, shown in files if shown not in ignored]


def _under(path: str, folder: str) -> bool:
    return os.path.commonpath([os.path.abspath(path), os.path.abspath(folder)]) == os.path.abspath(folder)


def _git_ignored(folder: str, shown: list[str]) -> set[str]:
    """Which of the paths git ignores, asked in the repository that holds `folder`."""
    absolute = {os.path.abspath(path): path for path in shown}
    try:
        done = subprocess.run(
            ["git", "-C", folder, "check-ignore", "--stdin", "-z"],
            input=os.fsencode("\0".join(absolute)), capture_output=True, timeout=60,
        )
    except (OSError, subprocess.SubprocessError):
        return set()
    if done.returncode != 0:  # 1: nothing ignored; 128: not a repository (or no git)
        return set()
    return {absolute[path] for path in os.fsdecode(done.stdout).split("\0") if path in absolute}
