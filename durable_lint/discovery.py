"""Which files a run lints: walk folders, honour excludes, never loop on symlinks or block on FIFOs."""

from __future__ import annotations

import fnmatch
import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

from durable_lint.config import DEFAULT_EXCLUDE, Settings, UsageError

SettingsFor = Callable[[Path], Settings]  # a folder's settings (its nearest configuration)


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


def _excluded(path: Path, settings: Settings) -> bool:
    return _matches(path, (*settings.exclude, *settings.extend_exclude), settings.root)


def iter_python_files(paths: list[str], settings_for: SettingsFor,
                      unreadable: list[str] | None = None) -> Iterator[tuple[Path, str]]:
    """(file, path as shown) for every file to lint, each real file once, in a stable order.

    Files named on the command line are linted whatever their suffix, unless their
    configuration's `exclude` names them; a FIFO, device or socket is refused, since
    reading it could block forever. Folders are walked for `*.py`, skipping the default
    excludes and each folder's configured ones, and never following symlinked folders.
    A folder that cannot be read is added to `unreadable` (one line each), or is a
    UsageError when the caller keeps no such list: it is never skipped in silence.
    """
    seen: set[str] = set()
    for given in paths:
        path = Path(given)
        try:
            mode = path.stat().st_mode
        except OSError as error:
            if not os.path.lexists(path):
                raise UsageError(f"{given}: no such file or directory") from None
            raise UsageError(f"{given}: cannot read: {error.strerror}") from None
        if stat.S_ISDIR(mode):
            yield from _walk(path, settings_for, seen, unreadable)
        elif not stat.S_ISREG(mode):
            raise UsageError(f"{given}: not a regular file or folder (a FIFO, socket or device); name Python files")
        elif not _excluded(path, settings_for(path.parent)):
            real = os.path.realpath(path)
            if real not in seen:
                seen.add(real)
                yield path, given


def _walk(folder: Path, settings_for: SettingsFor, seen: set[str],
          unreadable: list[str] | None) -> Iterator[tuple[Path, str]]:
    def report(error: OSError) -> None:
        message = (f"{error.filename}: cannot read this folder ({error.strerror}); its files were not linted "
                   "(give read access, or add it to `exclude`)")
        if unreadable is None:
            raise UsageError(message)
        unreadable.append(message)

    for current, dirs, files in os.walk(folder, followlinks=False, onerror=report):
        base = Path(current)
        settings = settings_for(base)
        dirs[:] = sorted(
            d for d in dirs
            if d not in DEFAULT_EXCLUDE and not d.endswith(".egg-info") and not _excluded(base / d, settings)
        )
        for name in sorted(files):
            if not name.endswith(".py"):
                continue
            path = base / name
            if _excluded(path, settings):
                continue
            real = os.path.realpath(path)
            if real in seen or not os.path.isfile(real):
                continue
            seen.add(real)
            yield path, str(path)
