"""What every durable-fuzz command parses the same way: usage errors and events.

`durable-fuzz TARGET` (cli.py) and its subcommands `compat`, `replay` and `pull`
(compat_cli.py) share these, so an event is read, and refused, alike everywhere.
"""

from __future__ import annotations

import argparse
import json
from typing import Any


class UsageError(Exception):
    """Bad arguments: one line on stderr and exit 2."""


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{message} (see `{self.prog} --help`)")


def parse_json(text: str, what: str) -> Any:
    """An event as JSON: no NaN or Infinity (the service sends JSON, which has neither), nor absurd nesting."""

    def finite_only(constant: str) -> Any:
        raise UsageError(f"{what}: {constant} is not JSON (events are sent as JSON, which has no {constant})")

    try:
        return json.loads(text, parse_constant=finite_only)
    except json.JSONDecodeError as error:
        raise UsageError(f"{what}: not JSON ({error.msg} at line {error.lineno} column {error.colno})") from None
    except RecursionError:
        raise UsageError(f"{what}: nested too deeply to be an event") from None


def events(args: argparse.Namespace) -> list[Any] | None:
    """The events of `--event` and `--event-file`, in order; None when neither was given."""
    found = [parse_json(text, f"--event {text[:40]!r}") for text in args.event]
    for path in args.event_file:
        try:
            text = path.read_text()
        except (OSError, UnicodeDecodeError) as error:
            raise UsageError(f"--event-file {path}: {getattr(error, 'strerror', None) or error}") from None
        found.append(parse_json(text, f"--event-file {path}"))
    return found or None
