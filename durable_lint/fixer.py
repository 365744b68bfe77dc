"""`durable-lint fix`: apply the safe fixes to files, verifying each result before writing it.

A fixed file is written only if it compiles and re-linting it shows every fixed
finding gone (no fewer findings of other codes, no new ones). The original encoding
and line endings are kept. Writing never loses code: the new text goes to a
temporary file in the same folder, is flushed to disk, and replaces the file in one
`os.replace` only if the file still holds the bytes that were linted.
"""

from __future__ import annotations

import difflib
import os
import stat
import tempfile
import tokenize
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from durable_lint.engine import Linter
from durable_lint.finding import Finding


class FixError(Exception):
    """A file that could not be fixed; it is left untouched and its findings remain."""

    def __init__(self, message: str, remaining: list[Finding] | None = None) -> None:
        super().__init__(message)
        self.remaining = remaining or []


@dataclass(frozen=True)
class FileFix:
    path: str
    original: str
    fixed: str
    applied: int
    remaining: list[Finding]
    encoding: str = "utf-8"
    linted: bytes = field(default=b"", repr=False)  # the bytes the fixes were computed from
    found: list[Finding] = field(default_factory=list)  # the findings in those bytes

    def diff(self) -> str:
        return "".join(
            difflib.unified_diff(
                self.original.splitlines(keepends=True), self.fixed.splitlines(keepends=True),
                fromfile=f"a/{self.path}", tofile=f"b/{self.path}",
            )
        )


def fix_file(linter: Linter, file: Path, shown: str) -> FileFix:
    """The file's fixed text (not written) and what remains to be done by hand."""
    try:
        data = file.read_bytes()
    except OSError:
        return FileFix(shown, "", "", 0, linter.lint_file(file, shown))
    findings = linter.lint_source(data, shown, file=file)
    fixes = [f.fix for f in findings if f.fix is not None]
    if not fixes:
        return FileFix(shown, "", "", 0, findings)
    encoding, _ = tokenize.detect_encoding(iter(data.splitlines(keepends=True)).__next__)
    original = data.decode(encoding)
    fixed, applied = _rewrite(original, fixes, shown, findings)
    try:
        compile(fixed, shown, "exec")
    except SyntaxError as error:
        raise FixError(f"{shown}: the fixed file would not compile ({error.msg}); left unchanged", findings) from None
    except (RecursionError, MemoryError):
        raise FixError(f"{shown}: the fixed file is nested too deeply to compile; left unchanged", findings) from None
    after = linter.lint_source(fixed.encode(encoding), shown, file=file)
    fixed_codes = Counter(f.code for f in findings if f.fix is not None and f.fix in applied)
    expected = Counter(f.code for f in findings) - fixed_codes
    if Counter(f.code for f in after) != expected:
        raise FixError(f"{shown}: re-linting the fixed file did not confirm the fixes; left unchanged", findings)
    return FileFix(shown, original, fixed, len(applied), after, encoding, data, findings)


def _rewrite(original: str, fixes: list, shown: str, findings: list[Finding]) -> tuple[str, list]:
    """The fixes applied by LibCST; a file LibCST cannot handle is a FixError, not a traceback."""
    import libcst

    from durable_lint.apply_fixes import apply_fixes

    try:
        return apply_fixes(original, fixes)
    except libcst.ParserSyntaxError as error:
        reason = f"LibCST cannot parse it at line {error.raw_line}"
    except (RecursionError, MemoryError):
        reason = "it is nested too deeply for LibCST"
    raise FixError(f"{shown}: cannot apply fixes, {reason}; left unchanged, fix these findings by hand", findings)


def write(file: Path, result: FileFix) -> None:
    """Replace the file's content with the fixed text, or raise FixError and leave it as it was.

    A symlink keeps pointing where it did (its target is rewritten) and the file keeps
    its mode bits. If the file no longer holds the bytes that were linted (an editor
    saved it meanwhile), nothing is written.
    """
    target = Path(os.path.realpath(file))
    new = result.fixed.encode(result.encoding)
    try:
        mode = stat.S_IMODE(os.stat(target).st_mode)
        for path, what in ((target, "file"), (target.parent, "folder")):
            if _read_only(path):
                raise PermissionError(13, f"the {what} is read-only")
        descriptor, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".durable-lint", dir=target.parent)
    except OSError as error:
        raise FixError(f"{result.path}: cannot write the fixes ({error.strerror}); left unchanged", result.found) from None
    try:
        with os.fdopen(descriptor, "wb") as out:
            out.write(new)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, mode)
        if target.read_bytes() != result.linted:
            raise FixError(f"{result.path}: changed on disk while it was being fixed; left as it is now, run fix again",
                           result.found)
        os.replace(temporary, target)
    except OSError as error:
        raise FixError(f"{result.path}: cannot write the fixes ({error.strerror}); left unchanged", result.found) from None
    finally:
        if os.path.lexists(temporary):
            os.unlink(temporary)


def _read_only(path: Path) -> bool:
    """No write permission, or no write bit at all (which even root's runs respect)."""
    return not os.stat(path).st_mode & 0o222 or not os.access(path, os.W_OK)
