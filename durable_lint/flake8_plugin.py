"""flake8 plugin: the same engine, configuration and `# noqa` handling as `durable-lint check`.

flake8 calls the checker per file. The rules enabled are those the file's nearest
`[tool.durable-lint]` enables (default-on rules plus `extend-select`), so
`flake8 --select DUR` reports what `durable-lint check` reports. The plugin applies
durable-lint's `# noqa` rules itself (codes in any case, `# durable-lint: noqa` for a
whole file, DUR100) unless flake8 runs with `--disable-noqa`; flake8's own noqa then
finds nothing more to remove, since its rules are a subset. Files that do not mention
the SDK are skipped by a substring test before anything is parsed.
"""

from __future__ import annotations

import argparse
import ast
import functools
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from durable_lint import __version__
from durable_lint.sdk import SDK_MODULE

if TYPE_CHECKING:
    from durable_lint.config import Configurations
    from durable_lint.engine import Linter
    from durable_lint.run import Linters

# The engine and the rules are imported on first need, not here: flake8 loads every
# plugin for every run, and files that never mention the SDK (or a configured wrapper)
# should not pay for them.


@functools.lru_cache(maxsize=1)
def _configurations() -> Configurations:
    from durable_lint.config import Configurations

    return Configurations()


@functools.lru_cache(maxsize=1)
def _linters() -> Linters:
    """The run's linters: each file gets the nearest `[tool.durable-lint]` above it."""
    from durable_lint.run import Linters

    return Linters(_configurations())


def _linter(file: Path) -> Linter | str:
    """The linter for this file, or the configuration error that prevents it (as one line)."""
    from durable_lint.config import UsageError

    try:
        return _linters().for_file(file)
    except UsageError as error:
        return str(error)


def _may_be_durable(text: str, file: Path) -> bool:
    """The engine's prefilter, without loading the engine: does the file mention the SDK or a wrapper?"""
    if SDK_MODULE in text:
        return True
    from durable_lint.config import UsageError

    try:
        wrappers = _configurations().for_file(file).wrapper_modules
    except UsageError:
        return False
    return any(module in text for module in wrappers)


class DurableLintChecker:
    """flake8's `flake8.extension` entry point for the DUR codes."""

    name = "durable-lint"
    version = __version__
    disable_noqa = False

    def __init__(self, tree: object, filename: str, lines: list[str]) -> None:
        self.tree = tree if isinstance(tree, ast.Module) else None  # flake8's parse of `lines`, reused
        self.filename = filename
        self.lines = lines

    @classmethod
    def parse_options(cls, options: argparse.Namespace) -> None:
        """flake8 passes its options once per process: remember --disable-noqa."""
        cls.disable_noqa = bool(getattr(options, "disable_noqa", False))

    def run(self) -> Iterator[tuple[int, int, str, type]]:
        text = "".join(self.lines)
        file = Path(self.filename) if self.filename not in ("-", "stdin") else None
        if not _may_be_durable(text, file or Path("stdin")):
            return
        linter = _linter(file or Path("stdin"))
        if isinstance(linter, str):
            # flake8 has no way to stop a run; say it once per file that the linter would check.
            if SDK_MODULE in text:
                yield 1, 0, f"DUR000 cannot check this file: {linter}", type(self)
            return
        for finding in linter.lint_source(text, self.filename, file=file, apply_noqa=not self.disable_noqa,
                                          tree=self.tree):
            yield finding.line, finding.column - 1, f"{finding.code} {finding.message}", type(self)
