"""The `durable-fuzz` command.

    durable-fuzz TARGET [--event JSON | --event-file PATH]... [--effect MODULE:FUNCTION]...
                 [--max-examples N] [--seed N] [--jobs N] [--format text|json] [--replay TOKEN]
                 [--aws moto [--setup MODULE:FUNCTION]]
                 [--all-fault-points] [--max-time SECONDS] [--shard I/N]

Exit codes: 0 no problem, 1 problems, 2 usage error or a run that could not test what
it claims (one line on stderr: a straight-through run that failed, an import that
failed, a worker that died), 130/143 interrupted by SIGINT/SIGTERM (after the
partial report).

The command ends when its report is out: user code runs in forked children that
are killed with their work, and the process leaves with `os._exit`, so a thread
the target started at import cannot keep it alive (see `entry`).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import signal
import sys
import time
import traceback
from collections.abc import Iterator, Sequence
from importlib.metadata import version
from pathlib import Path
from typing import Any

from replay_fuzz import reaper
from replay_fuzz.arguments import Parser, UsageError
from replay_fuzz.arguments import events as parse_events
from replay_fuzz.api import fuzz
from replay_fuzz.aws import KINDS, AwsError
from replay_fuzz.aws import with_hint as with_aws_hint
from replay_fuzz.aws import sandbox as aws_sandbox
from replay_fuzz.campaign import Slice
from replay_fuzz.config import ConfigError, load_settings
from replay_fuzz.effects import EffectError
from replay_fuzz.engine import Interrupted, StraightRunFailed
from replay_fuzz.environments import EnvironmentStartFailed
from replay_fuzz.guard import refuse_network
from replay_fuzz.report import Report, combined
from replay_fuzz.schedule import Schedule
from replay_fuzz.shards import ShardDied, ShardSilent
from replay_fuzz.target import TargetError, example_event, load_target, probe_import


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="durable-fuzz", description="Run a durable handler on the real SDK under crash and suspend schedules.",
                     epilog="Before a deploy: durable-fuzz compat|replay|pull --help (will the new code resume the executions in flight?)")
    parser.add_argument("--version", action="version", version=f"durable-fuzz {version('durable-lint')}")
    parser.add_argument("target", metavar="TARGET", help="path/to/module.py[:handler] or package.module[:handler]")
    parser.add_argument("--event", action="append", default=[], metavar="JSON", help="an event (repeatable)")
    parser.add_argument("--event-file", action="append", default=[], type=Path, metavar="PATH", help="a file holding one JSON event (repeatable)")
    parser.add_argument("--effect", action="append", default=[], metavar="MODULE:FUNCTION", help="a side effect to record (repeatable)")
    parser.add_argument("--max-examples", type=int, default=100, metavar="N", help="random schedules after the single-fault pass (default 100)")
    parser.add_argument("--all-fault-points", action="store_true",
                        help="run every single fault point, not three per class of alike points (loop iterations, map items)")
    parser.add_argument("--max-time", type=_seconds, metavar="SECONDS",
                        help="stop the random search after this many seconds per handler (the single-fault pass always runs whole)")
    parser.add_argument("--shard", metavar="I/N", help="run CI job I's deterministic 1/N of the campaign (a matrix of N jobs runs it all)")
    parser.add_argument("--seed", type=int, help="seed for the random search, for repeatable runs (as in Hypothesis, a seeded run neither reads nor writes the example database)")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument("--strict-effects", action="store_true", help="flag any repeated effect, even in an idempotent step")
    parser.add_argument("--allow-network", action="store_true", help="let the code under test open network connections")
    parser.add_argument("--allow-failing-reference", action="store_true",
                        help="fuzz even though the straight-through run fails (the failure is what the handler means to do)")
    parser.add_argument("--invocation-timeout", type=_seconds, default=10.0, metavar="SECONDS", help="report an invocation that runs longer (default 10)")
    parser.add_argument("--max-invocations", type=int, default=50, metavar="N", help="report an execution that needs more (default 50)")
    landing = parser.add_mutually_exclusive_group()
    landing.add_argument("--environments", action="store_true", default=None,
                         help="let the random search land replays cold too (by default only the single-fault pass does)")
    landing.add_argument("--no-environments", dest="environments", action="store_false",
                         help="run every replay in this process: no cold environments (fresh globals, another PYTHONHASHSEED)")
    parser.add_argument("--jobs", type=int, metavar="N",
                        help="processes fuzzing at once (default: every core; the report does not depend on it)")
    parser.add_argument("--aws", choices=KINDS, help="run every execution on AWS in memory (moto; pip install 'durable-lint[aws]')")
    parser.add_argument("--setup", metavar="MODULE:FUNCTION", help="with --aws: creates the resources the handler expects, before every execution")
    parser.add_argument("--replay", metavar="TOKEN", help="run exactly the schedule of a reported problem")
    parser.add_argument("--database", metavar="DIR", help="Hypothesis example database folder (default .hypothesis/examples; share it between CI workers)")
    parser.add_argument("--no-database", action="store_true", help="do not read or write Hypothesis' example database")
    parser.add_argument("--show-output", action="store_true",
                        help="show what the code under test printed in the straight-through run (a problem always shows its own)")
    return parser


MAX_TIMEOUT = 24 * 3600.0


def _seconds(text: str) -> float:
    """A finite, positive number of seconds (argparse turns the ValueError into a usage error)."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or not 0 < value <= MAX_TIMEOUT:
        raise argparse.ArgumentTypeError(f"must be a number of seconds above 0 and at most {MAX_TIMEOUT:g}, not {text!r}")
    return value


_stopped_by: list[str] = []  # the signal that interrupted the run


def _stop(signum: int, frame: Any) -> None:
    _stopped_by.append(signal.Signals(signum).name)
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; the exit code (see the module docstring)."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments and arguments[0] in ("compat", "replay", "pull") and not Path(arguments[0]).exists():
        from replay_fuzz.compat_cli import main as deploy_safety_main  # durable-fuzz compat|replay|pull ...

        return deploy_safety_main(arguments)
    started = time.perf_counter()
    reports: list[Report] = []
    args = None
    aws: str | None = None
    previous_term = signal.signal(signal.SIGTERM, _stop) if _main_thread() else None
    try:
        args = build_parser().parse_args(argv)
        for option, value, least in (("--max-examples", args.max_examples, 0), ("--max-invocations", args.max_invocations, 1),
                                     ("--jobs", args.jobs, 1)):
            if value is not None and value < least:
                raise UsageError(f"{option} must be at least {least}, not {value}")
        if args.shard:
            try:
                Slice.parse(args.shard)
            except ValueError as error:
                raise UsageError(str(error)) from None
        events = parse_events(args)
        if args.replay:
            Schedule.from_token(args.replay)
        settings = load_settings()
        aws, setup = args.aws or settings.aws, args.setup or settings.setup
        # AWS in memory opens before the target is imported (and probed), so clients made at import use it.
        with aws_sandbox(aws, settings.aws_effects) if aws else contextlib.nullcontext():
            probe_import(args.target, allow_network=args.allow_network, timeout=max(30.0, args.invocation_timeout))
            refused: list[str] = []
            with (refuse_network(refused) if not args.allow_network else contextlib.nullcontext()), _stdout_to_stderr():
                handlers = load_target(args.target)
            for name, handler in handlers:
                reports.append(fuzz(
                    handler, events=events or [example_event(handler)], effects=args.effect, max_examples=args.max_examples,
                    seed=args.seed, strict_effects=args.strict_effects, allow_network=args.allow_network,
                    invocation_timeout=args.invocation_timeout, max_invocations=args.max_invocations, target=name,
                    replay=args.replay, database=None if args.no_database else (args.database or "default"),
                    progress=True, environments=args.environments, jobs=args.jobs,
                    allow_failing_reference=args.allow_failing_reference, aws=aws, setup=setup,
                    all_fault_points=args.all_fault_points, max_time=args.max_time, shard=args.shard,
                ))
    except (UsageError, TargetError, EffectError, StraightRunFailed, EnvironmentStartFailed, ShardDied,
            ShardSilent, AwsError, ConfigError) as error:
        return _fail(str(error) if aws else with_aws_hint(str(error)), args)
    except ValueError as error:  # a malformed replay token
        return _fail(f"--replay: {error}", args)
    except KeyboardInterrupt as interrupt:
        stopped = _stopped_by[-1] if _stopped_by else "SIGINT"
        if isinstance(interrupt, Interrupted) and args is not None:
            partial = interrupt.report
            partial.elapsed_s = time.perf_counter() - started
            partial.notes.append(f"interrupted by {stopped}: a partial report, not every schedule ran")
            _print(reports + [partial], args)
        print(f"durable-fuzz: interrupted by {stopped}", file=sys.stderr)
        return 143 if stopped == "SIGTERM" else 130
    finally:
        if previous_term is not None:
            signal.signal(signal.SIGTERM, previous_term)
    _print(reports, args)
    return 1 if any(report.problems for report in reports) else 0


def _fail(message: str, args: argparse.Namespace | None) -> int:
    """One line on stderr (and, for --format json, a JSON document saying the same), exit 2."""
    print(f"durable-fuzz: error: {message}", file=sys.stderr)
    if args is not None and args.format == "json":
        sys.stdout.write(json.dumps({"target": args.target, "error": message}, indent=2) + "\n")
    return 2


def _print(reports: list[Report], args: argparse.Namespace) -> None:
    if sys.stderr.isatty():
        print("\r\033[K", end="", file=sys.stderr)
    if args.format == "json":
        sys.stdout.write(json.dumps(combined(args.target, reports), indent=2) + "\n")
    else:
        sys.stdout.write("\n".join(report.text(show_output=args.show_output) for report in reports))
    sys.stdout.flush()


@contextlib.contextmanager
def _stdout_to_stderr() -> Iterator[None]:
    """What the target prints as it is imported goes to stderr: stdout carries only the report."""
    sys.stdout.flush()
    saved = os.dup(1)
    os.dup2(2, 1)
    try:
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


def _main_thread() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()


def entry() -> None:
    """The console script: run, kill what the code under test left running, and leave at once."""
    reaper.become_subreaper()
    try:
        code = main()
    except SystemExit as exit_request:  # --help, --version
        code = exit_request.code if isinstance(exit_request.code, int) else (0 if exit_request.code is None else 2)
    except Exception:  # a bug of durable-fuzz itself: its traceback, and still an end
        traceback.print_exc()
        code = 2
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    reaper.kill_descendants()
    os._exit(code)


if __name__ == "__main__":
    entry()
