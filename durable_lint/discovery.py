"""Which files a run lints: walk folders, honour excludes, never loop on symlinks."""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterator
from pathlib import Path

from durable_lint.config import DEFAULT_EXCLUDE, Settings, UsageError


def _matches(path: Path, patterns: tuple[str, ...], root: Path) -> bool:
    """Does a glob match the file's name, or its path relative to the config root?"""
    if not patterns:
        return False
    try:
        relative = path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        relative = path.as_posix()
    return any(
        fnmatch.fnmatchcase(path.name, pattern)
        or fnmatch.fnmatchcase(relative, pattern)
        or fnmatch.fnmatchcase(relative, pattern.rstrip("/") + "/*")
        for pattern in patterns
    )


def iter_python_files(paths: list[str], settings: Settings) -> Iterator[tuple[Path, str]]:
    """(file, path as shown) for every file to lint, each real file once, in a stable order.

    Files named on the command line are linted whatever their suffix, unless the
    user's `exclude` names them; folders are walked for `*.py`, skipping the default
    excludes and the user's, and never following symlinked folders.
    """
    user_exclude = (*settings.exclude, *settings.extend_exclude)
    seen: set[str] = set()
    for given in paths:
        path = Path(given)
        if not path.exists():
            raise UsageError(f"{given}: no such file or directory")
        if path.is_dir():
            yield from _walk(path, user_exclude, settings.root, seen)
        elif not _matches(path, user_exclude, settings.root):
            real = os.path.realpath(path)
            if real not in seen:
                seen.add(real)
                yield path, given


def _walk(folder: Path, user_exclude: tuple[str, ...], root: Path, seen: set[str]) -> Iterator[tuple[Path, str]]:
    for current, dirs, files in os.walk(folder, followlinks=False):
        base = Path(current)
        dirs[:] = sorted(
            d for d in dirs
            if d not in DEFAULT_EXCLUDE and not d.endswith(".egg-info") and not _matches(base / d, user_exclude, root)
        )
        for name in sorted(files):
            if not name.endswith(".py"):
                continue
            path = base / name
            if _matches(path, user_exclude, root):
                continue
            real = os.path.realpath(path)
            if real in seen or not os.path.isfile(real):
                continue
            seen.add(real)
            yield path, str(path)
