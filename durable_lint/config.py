"""`[tool.durable-lint]` in pyproject.toml, and which rules a run selects.

Keys (all optional):
  select, extend-select, ignore     rule codes or code prefixes (`DUR5`); `ALL`
  per-file-ignores                  {glob: [codes]}, globs relative to pyproject.toml
  exclude, extend-exclude           globs of files and folders to skip
  workflow-decorators               qualified names that act like @durable_execution
  step-decorators                   qualified names that act like @durable_step
  step-functions                    functions that run their callable arguments as steps
  wrapper-modules                   modules that re-export the SDK (for the prefilter)
  calls                             {qualified name or prefix: DUR code | "allow"}: a team's
                                    own non-deterministic functions, or safe ones; the most
                                    specific entry wins, e.g.
                                    calls = { "mycompany.clock.now" = "DUR101",
                                              "mycompany.ids" = "DUR204",
                                              "mycompany.ids.stable_id" = "allow" }
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import NamedTuple

from durable_lint.role_kinds import ExtraNames

DEFAULT_EXCLUDE = (
    ".git", ".hg", ".svn", ".venv", "venv", ".tox", ".nox", ".mypy_cache", ".ruff_cache",
    ".pytest_cache", "__pycache__", "node_modules", "build", "dist", "site-packages", ".eggs",
)
_LIST_KEYS = (
    "select", "extend-select", "ignore", "exclude", "extend-exclude",
    "workflow-decorators", "step-decorators", "step-functions", "wrapper-modules",
)
_KNOWN_KEYS = frozenset({*_LIST_KEYS, "per-file-ignores", "calls"})
_SELECTOR = re.compile(r"^(ALL|DUR\d{0,3})$")


class UsageError(Exception):
    """Bad input from the user: reported as one line, exit code 2."""


@dataclass(frozen=True)
class Settings:
    """Everything a lint run is configured with."""

    root: Path = field(default_factory=Path.cwd)  # folder of pyproject.toml, or cwd
    select: tuple[str, ...] | None = None
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    exclude: tuple[str, ...] = ()
    extend_exclude: tuple[str, ...] = ()
    extra: ExtraNames = ExtraNames()
    wrapper_modules: frozenset[str] = frozenset()

    @property
    def prefilter_tokens(self) -> tuple[bytes, ...]:
        """Byte strings one of which a module must contain to import the SDK or a wrapper."""
        from durable_lint.sdk import SDK_BYTES

        return (SDK_BYTES, *(m.encode() for m in sorted(self.wrapper_modules)))


def load_settings(config: Path | None = None, start: Path | None = None) -> Settings:
    """Settings from `config`, or from the nearest pyproject.toml with the table above `start` (cwd)."""
    if config is not None:
        return settings_from_file(config, required=True)
    return Configurations().for_folder(start or Path.cwd())


def settings_from_file(path: Path, required: bool = False) -> Settings | None:
    """The settings a pyproject.toml's `[tool.durable-lint]` gives, or None when it has none.

    `required` (a file named by `--config`) makes a missing table an error.
    """
    if not path.is_file():
        problem = "no such file" if not path.exists() else "not a regular file"
        raise UsageError(f"{path}: cannot read configuration: {problem}; --config takes a pyproject.toml")
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise UsageError(f"{path}: cannot read configuration: {error.strerror}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise UsageError(f"{path}: invalid TOML: {error}") from None
    tool = document.get("tool", {})
    if not isinstance(tool, dict):
        raise UsageError(f"{path}: 'tool' must be a table (like [tool.durable-lint]), not a {_toml_type(tool)}; rename or remove that key")
    if "durable-lint" not in tool:
        if required:
            raise UsageError(f"{path}: has no [tool.durable-lint] table; add one or name another file with --config")
        return None
    return _settings_from_table(tool["durable-lint"], path)


def _toml_type(value: object) -> str:
    names = {str: "string", bool: "boolean", int: "integer", float: "float", list: "array"}
    return names.get(type(value), "date or time")


class Overrides(NamedTuple):
    """The command line's rule selection, applied on top of every file's configuration.

    (A NamedTuple: a one-file run creates every record type at import, and a frozen dataclass
    costs five times as much.)
    """

    select: tuple[str, ...] | None = None
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    exclude: tuple[str, ...] | None = None  # replaces the configured `exclude`
    extend_exclude: tuple[str, ...] = ()

    def apply(self, settings: Settings) -> Settings:
        return replace(
            settings,
            select=self.select if self.select else settings.select,
            extend_select=(*settings.extend_select, *self.extend_select),
            ignore=(*settings.ignore, *self.ignore),
            exclude=self.exclude if self.exclude is not None else settings.exclude,
            extend_exclude=(*settings.extend_exclude, *self.extend_exclude),
        )


class Configurations:
    """Each linted file's settings, as ruff finds them.

    With `--config FILE`, that file configures everything. Otherwise a file uses the
    nearest pyproject.toml with a `[tool.durable-lint]` table above it, so a monorepo's
    projects and an editor started elsewhere get each project's rules. Each folder is
    looked up once and each pyproject.toml parsed once, so a run stays fast. Without any
    table, the defaults apply with the nearest pyproject.toml's folder (or the working
    directory) as the root for project imports.
    """

    def __init__(self, config: Path | None = None, overrides: Overrides = Overrides()) -> None:
        self._overrides = overrides
        self._fixed = overrides.apply(load_settings(config)) if config is not None else None
        self._cwd = Path.cwd()
        self._by_folder: dict[str, tuple[Settings, bool]] = {}
        self._tables: dict[Path, Settings | None] = {}
        self._defaults_by_root: dict[Path, Settings] = {}

    def for_file(self, file: Path) -> Settings:
        return self.for_folder(file.parent)

    def for_folder(self, folder: Path) -> Settings:
        if self._fixed is not None:
            return self._fixed
        return self._lookup(os.path.abspath(folder))[0]

    def _lookup(self, folder: str) -> tuple[Settings, bool]:
        """The folder's settings, and whether they come from a table (not the defaults)."""
        known = self._by_folder.get(folder)
        if known is None:
            candidate = Path(folder, "pyproject.toml")
            has_pyproject = os.path.isfile(candidate)
            table = self._table_in(candidate) if has_pyproject else None
            parent = os.path.dirname(folder)
            if table is not None:
                known = (table, True)
            elif parent != folder:
                above = self._lookup(parent)
                known = above if above[1] or not has_pyproject else (self._defaults(Path(folder)), False)
            else:
                known = (self._defaults(Path(folder) if has_pyproject else self._cwd), False)
            self._by_folder[folder] = known
        return known

    def _table_in(self, pyproject: Path) -> Settings | None:
        if pyproject not in self._tables:
            found = settings_from_file(pyproject)
            self._tables[pyproject] = self._overrides.apply(found) if found is not None else None
        return self._tables[pyproject]

    def _defaults(self, root: Path) -> Settings:
        if root not in self._defaults_by_root:
            self._defaults_by_root[root] = self._overrides.apply(Settings(root=root))
        return self._defaults_by_root[root]


def _settings_from_table(table: object, path: Path) -> Settings:
    where = f"{path}: [tool.durable-lint]"
    if not isinstance(table, dict):
        raise UsageError(f"{where} must be a table")
    unknown = sorted(set(table) - _KNOWN_KEYS)
    if unknown:
        raise UsageError(f"{where} has unknown key '{unknown[0]}'; known keys: {', '.join(sorted(_KNOWN_KEYS))}")
    lists = {}
    for key in _LIST_KEYS:
        value = table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise UsageError(f"{where} '{key}' must be a list of strings")
        lists[key] = tuple(value)
    for key in ("select", "extend-select", "ignore"):
        validate_selectors(lists[key], f"{where} '{key}'")
    per_file = table.get("per-file-ignores", {})
    if not isinstance(per_file, dict) or not all(
        isinstance(v, list) and all(isinstance(c, str) for c in v) for v in per_file.values()
    ):
        raise UsageError(f"{where} 'per-file-ignores' must map globs to lists of codes")
    for glob, codes in per_file.items():
        validate_selectors(codes, f"{where} 'per-file-ignores' for '{glob}'")
    calls = table.get("calls", {})
    if not isinstance(calls, dict) or not all(isinstance(v, str) for v in calls.values()):
        raise UsageError(f"{where} 'calls' must map qualified names to a rule code or \"allow\"")
    for name, verdict in calls.items():
        if verdict != "allow":
            validate_selectors([verdict], f"{where} 'calls' for '{name}'")
            if not _call_codes_accept(verdict):
                raise UsageError(f"{where} 'calls' for '{name}': {verdict} is not a rule about calls")
    return Settings(
        root=Path(os.path.abspath(path.parent)),
        select=lists["select"] if "select" in table else None,
        extend_select=lists["extend-select"],
        ignore=lists["ignore"],
        per_file_ignores=tuple((glob, tuple(codes)) for glob, codes in per_file.items()),
        exclude=lists["exclude"],
        extend_exclude=lists["extend-exclude"],
        extra=ExtraNames(
            workflow_decorators=frozenset(lists["workflow-decorators"]),
            step_decorators=frozenset(lists["step-decorators"]),
            step_functions=frozenset(lists["step-functions"]),
            calls=tuple(sorted(calls.items())),
        ),
        wrapper_modules=frozenset(
            lists["wrapper-modules"]
            + tuple(name.rsplit(".", 1)[0] for key in ("workflow-decorators", "step-decorators", "step-functions")
                    for name in lists[key] if "." in name)
        ),
    )


def _call_codes_accept(code: str) -> bool:
    from durable_lint.rule import CallRule, all_rules

    rule = all_rules().get(code)
    return rule is not None and issubclass(rule, CallRule)


def validate_selectors(selectors: tuple[str, ...] | list[str], where: str) -> None:
    from durable_lint.rule import all_rules

    codes = all_rules()
    for selector in selectors:
        if not _SELECTOR.match(selector) or (selector != "ALL" and not any(c.startswith(selector) for c in codes)):
            raise UsageError(f"{where}: unknown rule code '{selector}' (see `durable-lint rule --all`)")


def selected_codes(settings: Settings) -> frozenset[str]:
    """Rule codes a run enables.

    A prefix (`DUR5`) or `ALL` selects the default-on rules it covers; an opt-in rule is
    enabled only by its exact code. `ignore` wins over `select` for the same code.
    """
    from durable_lint.rule import all_rules

    rules = all_rules()

    def expand(selectors: tuple[str, ...]) -> set[str]:
        return {
            code
            for selector in selectors
            for code, rule in rules.items()
            if code == selector or ((selector == "ALL" or code.startswith(selector)) and rule.default_enabled)
        }

    default = {code for code, rule in rules.items() if rule.default_enabled}
    enabled = (default if settings.select is None else expand(settings.select)) | expand(settings.extend_select)
    ignored = {code for code in rules if any(code.startswith(s) or s == "ALL" for s in settings.ignore)}
    return frozenset(enabled - ignored)
