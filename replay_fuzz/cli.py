"""The `durable-fuzz` command.

    durable-fuzz TARGET [--event JSON | --event-file PATH]... [--effect MODULE:FUNCTION]...
                 [--max-examples N] [--seed N] [--jobs N] [--format text|json] [--replay TOKEN]

Exit codes: 0 no problem, 1 problems, 2 usage error (one line on stderr).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from replay_fuzz.api import fuzz
from replay_fuzz.effects import EffectError
from replay_fuzz.engine import StraightRunFailed
from replay_fuzz.environments import EnvironmentStartFailed
from replay_fuzz.schedule import Schedule
from replay_fuzz.shards import ShardDied
from replay_fuzz.target import TargetError, example_event, load_target


class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{message} (see `durable-fuzz --help`)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="durable-fuzz", description="Run a durable handler on the real SDK under crash and suspend schedules.")
    parser.add_argument("target", metavar="TARGET", help="path/to/module.py[:handler] or package.module[:handler]")
    parser.add_argument("--event", action="append", default=[], metavar="JSON", help="an event (repeatable)")
    parser.add_argument("--event-file", action="append", default=[], type=Path, metavar="PATH", help="a file holding one JSON event (repeatable)")
    parser.add_argument("--effect", action="append", default=[], metavar="MODULE:FUNCTION", help="a side effect to record (repeatable)")
    parser.add_argument("--max-examples", type=int, default=100, metavar="N", help="random schedules after the single-fault pass (default 100)")
    parser.add_argument("--seed", type=int, help="seed for the random search, for repeatable runs (as in Hypothesis, a seeded run neither reads nor writes the example database)")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument("--strict-effects", action="store_true", help="flag any repeated effect, even in an idempotent step")
    parser.add_argument("--allow-network", action="store_true", help="let the code under test open network connections")
    parser.add_argument("--invocation-timeout", type=float, default=10.0, metavar="SECONDS", help="report an invocation that runs longer (default 10)")
    parser.add_argument("--max-invocations", type=int, default=50, metavar="N", help="report an execution that needs more (default 50)")
    landing = parser.add_mutually_exclusive_group()
    landing.add_argument("--environments", action="store_true", default=None,
                         help="let the random search land replays cold too (by default only the single-fault pass does)")
    landing.add_argument("--no-environments", dest="environments", action="store_false",
                         help="run every replay in this process: no cold environments (fresh globals, another PYTHONHASHSEED)")
    parser.add_argument("--jobs", type=int, metavar="N",
                        help="processes fuzzing at once (default: every core; the report does not depend on it)")
    parser.add_argument("--replay", metavar="TOKEN", help="run exactly the schedule of a reported problem")
    parser.add_argument("--database", metavar="DIR", help="Hypothesis example database folder (default .hypothesis/examples; share it between CI workers)")
    parser.add_argument("--no-database", action="store_true", help="do not read or write Hypothesis' example database")
    return parser


def _events(args: argparse.Namespace) -> list[Any] | None:
    events = []
    for text in args.event:
        try:
            events.append(json.loads(text))
        except json.JSONDecodeError as error:
            raise UsageError(f"--event {text!r}: not JSON ({error.msg} at column {error.colno})") from None
    for path in args.event_file:
        try:
            events.append(json.loads(path.read_text()))
        except OSError as error:
            raise UsageError(f"--event-file {path}: {error.strerror}") from None
        except json.JSONDecodeError as error:
            raise UsageError(f"--event-file {path}: not JSON ({error.msg} at line {error.lineno})") from None
    return events or None


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        if args.max_examples < 0 or args.max_invocations < 1 or args.invocation_timeout <= 0 or (args.jobs is not None and args.jobs < 1):
            raise UsageError("--max-examples must be >= 0, --max-invocations >= 1, --invocation-timeout > 0, --jobs >= 1")
        events = _events(args)
        if args.replay:
            Schedule.from_token(args.replay)
        handlers = load_target(args.target)
        reports = []
        for name, handler in handlers:
            reports.append(fuzz(
                handler, events=events or [example_event(handler)], effects=args.effect, max_examples=args.max_examples,
                seed=args.seed, strict_effects=args.strict_effects, allow_network=args.allow_network,
                invocation_timeout=args.invocation_timeout, max_invocations=args.max_invocations, target=name,
                replay=args.replay, database=None if args.no_database else (args.database or "default"),
                progress=sys.stderr.isatty(), environments=args.environments, jobs=args.jobs,
            ))
    except (UsageError, TargetError, EffectError, StraightRunFailed, EnvironmentStartFailed, ShardDied) as error:
        print(f"durable-fuzz: error: {error}", file=sys.stderr)
        return 2
    except ValueError as error:  # a malformed replay token
        print(f"durable-fuzz: error: --replay: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    if sys.stderr.isatty():
        print("\r\033[K", end="", file=sys.stderr)
    if args.format == "json":
        payload = [report.as_dict() for report in reports]
        sys.stdout.write(json.dumps(payload[0] if len(payload) == 1 else payload, indent=2) + "\n")
    else:
        sys.stdout.write("\n".join(report.text() for report in reports))
    return 1 if any(report.problems for report in reports) else 0


if __name__ == "__main__":
    sys.exit(main())
