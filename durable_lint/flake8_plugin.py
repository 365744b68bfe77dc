"""flake8 plugin: the same engine and configuration as `durable-lint check`.

flake8 calls the checker per file. The rules enabled are those the file's nearest
`[tool.durable-lint]` enables (default-on rules plus `extend-select`), so `flake8 --select DUR` reports
what `durable-lint check` reports; flake8's own select, ignore and `# noqa` apply
on top. Files that do not mention the SDK are skipped by a substring test before
anything is parsed.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from pathlib import Path

from durable_lint import __version__
from durable_lint.config import Configurations, UsageError
from durable_lint.engine import Linter
from durable_lint.run import Linters
from durable_lint.sdk import SDK_MODULE


@functools.lru_cache(maxsize=1)
def _linters() -> Linters:
    """The run's linters: each file gets the nearest `[tool.durable-lint]` above it."""
    return Linters(Configurations())


def _linter(file: Path) -> Linter | str:
    """The linter for this file, or the configuration error that prevents it (as one line)."""
    try:
        return _linters().for_file(file)
    except UsageError as error:
        return str(error)


class DurableLintChecker:
    """flake8's `flake8.extension` entry point for the DUR codes."""

    name = "durable-lint"
    version = __version__

    def __init__(self, tree: object, filename: str, lines: list[str]) -> None:
        self.filename = filename
        self.lines = lines

    def run(self) -> Iterator[tuple[int, int, str, type]]:
        text = "".join(self.lines)
        file = Path(self.filename) if self.filename not in ("-", "stdin") else None
        linter = _linter(file or Path("stdin"))
        if isinstance(linter, str):
            # flake8 has no way to stop a run; say it once per file that the linter would check.
            if SDK_MODULE in text:
                yield 1, 0, f"DUR000 cannot check this file: {linter}", type(self)
            return
        for finding in linter.lint_source(text, self.filename, file=file, apply_noqa=False):
            yield finding.line, finding.column - 1, f"{finding.code} {finding.message}", type(self)
