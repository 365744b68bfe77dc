"""`durable-lint fix`: apply the safe fixes to files, verifying each result before writing it.

A fixed file is written only if it compiles and re-linting it shows every fixed
finding gone (no fewer findings of other codes, no new ones). The original encoding
and line endings are kept.
"""

from __future__ import annotations

import difflib
import tokenize
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from durable_lint.apply_fixes import apply_fixes
from durable_lint.engine import Linter
from durable_lint.finding import Finding
from durable_lint.fixes import Fix


class FixError(Exception):
    """A file whose fixes could not be verified; it is left untouched."""


@dataclass(frozen=True)
class FileFix:
    path: str
    original: str
    fixed: str
    applied: int
    remaining: list[Finding]
    encoding: str = "utf-8"

    def diff(self) -> str:
        return "".join(
            difflib.unified_diff(
                self.original.splitlines(keepends=True), self.fixed.splitlines(keepends=True),
                fromfile=f"a/{self.path}", tofile=f"b/{self.path}",
            )
        )


def fix_file(linter: Linter, file: Path, shown: str) -> FileFix:
    """The file's fixed text (not written) and what remains to be done by hand."""
    findings = linter.lint_file(file, shown)
    if not any(f.fix is not None for f in findings):
        return FileFix(shown, "", "", 0, findings)
    data = file.read_bytes()
    encoding, _ = tokenize.detect_encoding(iter(data.splitlines(keepends=True)).__next__)
    return fix_text(linter, data.decode(encoding), shown, file, findings, encoding=encoding)


def fix_text(linter: Linter, original: str, shown: str, file: Path | None, findings: list[Finding],
             chosen: list[Fix] | None = None, encoding: str = "utf-8") -> FileFix:
    """`original` with the fixes of `findings` (or only the `chosen` ones) applied and verified.

    `findings` are all of the text's findings: the re-lint must show exactly the fixed
    ones gone. The language server fixes unsaved editor text this way, one finding at a time.
    """
    fixes = [f.fix for f in findings if f.fix is not None] if chosen is None else chosen
    fixed, applied = apply_fixes(original, fixes)
    try:
        compile(fixed, shown, "exec")
    except SyntaxError as error:
        raise FixError(f"{shown}: the fixed file would not compile ({error.msg}); left unchanged") from None
    after = linter.lint_source(fixed.encode(encoding), shown, file=file)
    fixed_codes = Counter(f.code for f in findings if f.fix is not None and f.fix in applied)
    expected = Counter(f.code for f in findings) - fixed_codes
    if Counter(f.code for f in after) != expected:
        raise FixError(f"{shown}: re-linting the fixed file did not confirm the fixes; left unchanged")
    return FileFix(shown, original, fixed, len(applied), after, encoding)


def write(file: Path, result: FileFix) -> None:
    file.write_bytes(result.fixed.encode(result.encoding))
