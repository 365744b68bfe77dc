"""A lint run over files and folders: each file with its own configuration, optionally in workers.

Worker processes ignore Ctrl-C (the terminal sends it to the whole process group):
the parent alone decides, and on Ctrl-C or SIGTERM it terminates every worker before
it exits, so an interrupted run stops at once and leaves no process behind. A parent
that is killed outright (SIGKILL, a CI timeout) cannot clean up, so on Linux the kernel
kills the workers with it: left alone they would wait on the pool's queue forever.
"""

from __future__ import annotations

import gc
import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from durable_lint.config import Configurations, Settings
from durable_lint.dependents import dependents
from durable_lint.discovery import iter_python_files
from durable_lint.engine import Linter
from durable_lint.finding import Finding

PARALLEL_MIN_FILES = 200


class Linters:
    """One Linter per configuration met in a run, so each file is linted with its own settings."""

    def __init__(self, configurations: Configurations) -> None:
        self.configurations = configurations
        self._by_settings: dict[int, tuple[Settings, Linter]] = {}

    def for_file(self, file: Path) -> Linter:
        settings = self.configurations.for_file(file)
        known = self._by_settings.get(id(settings))
        if known is None:
            known = self._by_settings[id(settings)] = (settings, Linter(settings))
        return known[1]

    def lint_file(self, file: Path, shown: str) -> list[Finding]:
        return self.for_file(file).lint_file(file, shown)


def lint_paths(paths: list[str], configurations: Configurations, jobs: int = 1,
               unreadable: list[str] | None = None, include_dependents: bool = False) -> tuple[list[Finding], int]:
    """Findings for every file under `paths`, and how many files were checked.

    `include_dependents` adds the project files that import those files (see
    durable_lint.dependents). With `jobs` > 1 and enough files, files are linted in
    worker processes; a pre-commit run over a handful of files stays in this
    process, where starting workers would cost more than it saves.
    """
    files = list(iter_python_files(paths, configurations.for_folder, unreadable))
    if include_dependents:
        files += dependents_of(files, configurations, unreadable)
    return lint_files(files, configurations, jobs), len(files)


def lint_files(files: list[tuple[Path, str]], configurations: Configurations, jobs: int = 1) -> list[Finding]:
    """Findings for (file, path shown) pairs as discovery yields them; see `lint_paths`."""
    if jobs <= 1 or len(files) < PARALLEL_MIN_FILES:
        linters = Linters(configurations)
        return [f for file, shown in files for f in linters.lint_file(file, shown)]
    import multiprocessing  # here, not at the top: a pre-commit run over a few files never pays for it

    chunk = max(1, len(files) // (jobs * 4))
    batches = [files[i : i + chunk] for i in range(0, len(files), chunk)]
    with terminate_raises(), _workers(multiprocessing, jobs, configurations) as pool:
        return [f for batch in pool.map(_lint_batch, batches) for f in batch]


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Within the block, Python's cyclic garbage collector stays mostly out of the way.

    A lint makes hundreds of thousands of AST nodes that live until the run ends (the
    project keeps each analysed module for helper lookups), and every collection of
    the older generations walks all of them again to free almost nothing: measured,
    a fifth of a 1,000-file run's CPU. The objects that exist before the lint (the
    interpreter's, the rules') are frozen out of the collector's view, and young
    collections are rarer; cyclic garbage is still freed. Workers forked within the
    block inherit the same settings. Leaving the block restores them without a
    collection, so a command that exits right after never walks the heap at all.
    """
    thresholds = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


def _workers(multiprocessing: Any, jobs: int, configurations: Configurations) -> Any:
    """The pool, its workers born with Ctrl-C blocked until their initializer ignores it.

    Otherwise a Ctrl-C right after a fork interrupts the worker's start with a traceback.
    The parent only holds Ctrl-C back while it forks: one pressed then is delivered after.
    """
    if not hasattr(signal, "pthread_sigmask"):  # Windows: workers are spawned, not forked
        return multiprocessing.Pool(jobs, _start_worker, (configurations, os.getpid()))
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        return multiprocessing.Pool(jobs, _start_worker, (configurations, os.getpid()))
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)


def dependents_of(files: list[tuple[Path, str]], configurations: Configurations,
                   unreadable: list[str] | None) -> list[tuple[Path, str]]:
    """The files of each changed file's project (its configuration root) that import it."""
    by_root: dict[Path, list[Path]] = {}
    for file, _ in files:
        by_root.setdefault(configurations.for_file(file).root, []).append(file)
    found: list[tuple[Path, str]] = []
    for root, changed in by_root.items():
        shown_root = os.path.relpath(root) if Path.cwd() in (root, *root.parents) else str(root)
        project = dict(iter_python_files([shown_root], configurations.for_folder, unreadable))
        found += [(file, project[file]) for file in dependents(changed, project)]
    return found


class Terminated(SystemExit):
    """SIGTERM during a parallel run: leaving the pool's block terminates the workers."""


@contextmanager
def terminate_raises() -> Iterator[None]:
    """Within the block, SIGTERM raises Terminated, so `finally` and `with` blocks clean up (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def terminate(signum: int, frame: object) -> None:
        raise Terminated(128 + signum)

    previous = signal.signal(signal.SIGTERM, terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


_worker: Linters | None = None


def _start_worker(configurations: Configurations, parent: int) -> None:
    global _worker
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    from replay_fuzz.reaper import die_with_parent  # stdlib only; replay_fuzz's package import is lazy

    die_with_parent(parent)
    _worker = Linters(configurations)


def _lint_batch(files: list[tuple[Path, str]]) -> list[Finding]:
    assert _worker is not None
    return [finding for file, shown in files for finding in _worker.lint_file(file, shown)]
