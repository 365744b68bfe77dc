"""Lint sources, files and trees: prefilter, parse, run the selected rules, apply noqa."""

from __future__ import annotations

import ast
import fnmatch
import importlib.util
from pathlib import Path

from durable_lint.callgraph import CallGraph
from durable_lint.config import Settings, selected_codes
from durable_lint.discovery import iter_python_files
from durable_lint.finding import Finding
from durable_lint.module import DurableModule
from durable_lint.project import Project
from durable_lint.rule import Report, Rule, all_rules

PARSE_ERROR = "DUR000"


class Linter:
    """Runs one selection of rules with one configuration over any number of files."""

    def __init__(self, settings: Settings, codes: frozenset[str] | None = None) -> None:
        self.settings = settings
        self.codes = selected_codes(settings) if codes is None else codes
        registry = all_rules()
        self.rules: list[Rule] = [registry[code]() for code in sorted(self.codes) if code != PARSE_ERROR]
        self._names = {code: rule.name for code, rule in registry.items()}
        self.project = Project(settings.root, self._build_module)
        self.callgraph = CallGraph(self.rules, self.project)
        self._tokens = settings.prefilter_tokens
        self._text_tokens = tuple(token.decode() for token in self._tokens)

    def lint_paths(self, paths: list[str]) -> tuple[list[Finding], int]:
        """Findings for every file under `paths` with this one configuration, and how many files.

        `durable-lint check` uses durable_lint.run instead: each file's own configuration, workers.
        """
        files = list(iter_python_files(paths, lambda _: self.settings))
        return [f for file, shown in files for f in self.lint_file(file, shown)], len(files)

    def lint_file(self, file: Path, shown: str) -> list[Finding]:
        try:
            data = file.read_bytes()
        except OSError as error:
            return self._parse_error(shown, 1, 1, f"cannot read: {error.strerror}")
        return self.lint_source(data, shown, file=file)

    def lint_source(self, source: bytes | str, path: str, file: Path | None = None,
                    apply_noqa: bool = True, tree: ast.Module | None = None) -> list[Finding]:
        """Findings for one module's bytes (or decoded text); `path` is only shown in the findings.

        `file`, where the source came from, locates the module's package for relative
        imports and selects per-file ignores. `apply_noqa=False` reports what `# noqa`
        comments would suppress (flake8's --disable-noqa). The flake8 plugin hands over
        flake8's `tree` of the same text, which is then not parsed again.
        """
        findings = self._analyse(source, path, file, apply_noqa, tree)
        ignored = self._per_file_ignores(file) if file is not None else ()
        return [f for f in findings if not f.code.startswith(ignored)] if ignored else findings

    def _analyse(self, source: bytes | str, path: str, file: Path | None, apply_noqa: bool,
                 tree: ast.Module | None) -> list[Finding]:
        tokens = self._tokens if isinstance(source, bytes) else self._text_tokens
        if not any(token in source for token in tokens):  # type: ignore[operator]
            return []
        try:
            text = importlib.util.decode_source(source) if isinstance(source, bytes) else source
            tree = tree if tree is not None else ast.parse(text, filename=path)
        except SyntaxError as error:
            return self._parse_error(path, error.lineno or 1, error.offset or 1, error.msg)
        except (UnicodeDecodeError, LookupError) as error:
            return self._parse_error(path, 1, 1, f"cannot decode: {error}")
        except ValueError as error:  # null bytes
            return self._parse_error(path, 1, 1, str(error))
        except (RecursionError, MemoryError):
            return self._parse_error(path, 1, 1, "nesting too deep for Python's parser")
        try:
            module = self._build_module(tree, file, text)
            if not module.imports_sdk:
                return []
            if file is not None:
                self.project.register(file, module)
            reports = [(rule, report) for rule in self.rules for report in rule.check(module)]
            reports += self.callgraph.reports(module)
        except RecursionError:
            return self._parse_error(path, 1, 1, "nesting too deep to analyse")
        findings = self._to_findings(reports, path, text.splitlines())
        if not apply_noqa:
            return sorted(findings)
        from durable_lint.noqa import without_suppressed  # loaded only when a noqa comment can apply

        return sorted(without_suppressed(findings, text, path, self.codes))

    def _build_module(self, tree: ast.Module, file: Path | None, source: str | None = None) -> DurableModule:
        return DurableModule(
            tree,
            source=source,
            package=self.project.package_of(file) if file is not None else "",
            file=file,
            extra=self.settings.extra,
            wrapper_modules=self.settings.wrapper_modules,
            project=self.project,
        )

    def _to_findings(self, reports: list[tuple[Rule, Report]], path: str, lines: list[str]) -> list[Finding]:
        covered = {id(node) for _, report in reports for node in report.covers}
        superseded = {(id(report.node), code) for rule, report in reports for code in rule.supersedes}
        findings = set()
        for rule, report in reports:
            if id(report.node) in covered or (id(report.node), rule.code) in superseded:
                continue
            line = getattr(report.node, "lineno", 1)
            column = _character_column(lines, line, getattr(report.node, "col_offset", 0))
            end_line = getattr(report.node, "end_lineno", None) or line
            end_column = _character_column(lines, end_line, getattr(report.node, "end_col_offset", None) or 0)
            findings.add(Finding(path, line, column, rule.code, report.message(rule), rule.name, report.fix,
                                 end_line, max(end_column, column + 1) if end_line == line else end_column))
        return list(findings)

    def _parse_error(self, path: str, line: int, column: int, message: str) -> list[Finding]:
        if PARSE_ERROR not in self.codes:
            return []
        return [Finding(path, line, max(column, 1), PARSE_ERROR, f"cannot parse this file: {message}",
                        self._names[PARSE_ERROR])]

    def _per_file_ignores(self, file: Path) -> tuple[str, ...]:
        if not self.settings.per_file_ignores:
            return ()
        try:
            relative = file.resolve().relative_to(self.settings.root.resolve()).as_posix()
        except ValueError:
            relative = file.as_posix()
        return tuple(
            code
            for pattern, codes in self.settings.per_file_ignores
            if fnmatch.fnmatchcase(relative, pattern) or fnmatch.fnmatchcase(file.name, pattern)
            for code in codes
        )


def _character_column(lines: list[str], line: int, byte_offset: int) -> int:
    """1-based character column from the AST's UTF-8 byte offset."""
    if 0 < line <= len(lines) and not lines[line - 1].isascii():
        return len(lines[line - 1].encode("utf-8")[:byte_offset].decode("utf-8", "replace")) + 1
    return byte_offset + 1
