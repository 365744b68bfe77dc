"""`[tool.durable-fuzz]` in the nearest pyproject.toml: a project's defaults for durable-fuzz.

    [tool.durable-fuzz]
    aws = "moto"                          # as --aws
    setup = "tests.aws_setup:resources"   # as --setup

    [tool.durable-fuzz.aws-effects]       # the repeat kind of whole AWS operations
    "sqs.SendMessage" = "harmless"        # read, harmless, duplicate or effect

Command-line options win over the table.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from replay_fuzz.aws_effects import REPEAT_KINDS

_KEYS = ("aws", "setup", "aws-effects")


class ConfigError(Exception):
    """A [tool.durable-fuzz] table that cannot be used."""


@dataclass(frozen=True)
class FuzzSettings:
    aws: str | None = None
    setup: str | None = None
    aws_effects: dict[str, str] = field(default_factory=dict)


def _nearest_pyproject(start: Path) -> Path | None:
    return next((folder / "pyproject.toml" for folder in (start, *start.parents) if (folder / "pyproject.toml").is_file()), None)


def load_settings(start: Path | None = None) -> FuzzSettings:
    """The table of the nearest pyproject.toml above `start` (cwd), or the defaults."""
    path = _nearest_pyproject((start or Path.cwd()).resolve())
    if path is None:
        return FuzzSettings()
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot read configuration: {error}") from None
    table = document.get("tool", {}).get("durable-fuzz")
    if table is None:
        return FuzzSettings()
    where = f"{path}: [tool.durable-fuzz]"
    if not isinstance(table, dict):
        raise ConfigError(f"{where} must be a table")
    unknown = sorted(set(table) - set(_KEYS))
    if unknown:
        raise ConfigError(f"{where} has unknown key '{unknown[0]}'; known keys: {', '.join(_KEYS)}")
    for key in ("aws", "setup"):
        if not isinstance(table.get(key, ""), str):
            raise ConfigError(f"{where}: {key} must be a string, e.g. {key} = {'moto' if key == 'aws' else 'module:function'!r}")
    overrides = table.get("aws-effects", {})
    if not isinstance(overrides, dict):
        raise ConfigError(f"{where}: aws-effects must be a table of \"service.Operation\" = kind")
    for operation, kind in overrides.items():
        if "." not in operation or kind not in REPEAT_KINDS:
            raise ConfigError(f"{where}.aws-effects: {operation!r} = {kind!r}: expected \"service.Operation\" = "
                              f"one of {', '.join(REPEAT_KINDS)}, e.g. \"sqs.SendMessage\" = \"harmless\"")
    return FuzzSettings(table.get("aws"), table.get("setup"), dict(overrides))
