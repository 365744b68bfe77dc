"""The deploy-safety subcommands of `durable-fuzz`.

    durable-fuzz compat NEW_TARGET --base OLD [--event JSON | --event-file PATH]... [--save-states DIR]
    durable-fuzz replay TARGET STATE.json|DIR...
    durable-fuzz pull FUNCTION_NAME_OR_ARN DIR [--status RUNNING]

Exit codes: 0 compatible, 1 incompatible, 2 usage error (one line on stderr).
"""

from __future__ import annotations

import argparse
import json
import shlex
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from replay_fuzz.arguments import Parser, UsageError
from replay_fuzz.arguments import events as parse_events
from replay_fuzz.compat import CompatProblem, CompatReport, check_states, parse_state_token
from replay_fuzz.revisions import BaseError, old_code
from replay_fuzz.invocation import RunOptions
from replay_fuzz.states import State, StateError, load
from replay_fuzz.guard import refuse_network
from replay_fuzz.target import TargetError, load_target, names_handler, probe_import

SUBCOMMANDS = ("compat", "replay", "pull")


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="durable-fuzz", description="Check that new code can resume the executions in flight.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    compat = commands.add_parser("compat", help="resume the old code's in-flight states with the new code",
                                 description="Run the old handler under every single fault and suspension, collect the "
                                             "states it leaves in flight, and resume each with the new handler.")
    compat.add_argument("target", metavar="NEW_TARGET", help="path/to/module.py[:handler] or package.module[:handler]")
    compat.add_argument("--base", required=True, metavar="OLD",
                        help="the old code: a git revision of the target's repository (origin/main, v1.4, HEAD~1) or a module path")
    compat.add_argument("--event", action="append", default=[], metavar="JSON", help="an event (repeatable)")
    compat.add_argument("--event-file", action="append", default=[], type=Path, metavar="PATH", help="a file holding one JSON event (repeatable)")
    compat.add_argument("--save-states", type=Path, metavar="DIR", help="also save the collected states here (replay them later with `durable-fuzz replay`)")
    compat.add_argument("--state", metavar="TOKEN", help="resume only the state a report's reproduce command names")
    replay = commands.add_parser("replay", help="resume saved execution states with the current code",
                                 description="Resume GetDurableExecutionState JSON (or states saved by compat) with the current code.")
    replay.add_argument("target", metavar="TARGET", help="path/to/module.py[:handler] or package.module[:handler]")
    replay.add_argument("states", nargs="+", type=Path, metavar="STATE", help="a state file, or a folder of them")
    for command in (compat, replay):
        command.add_argument("--format", choices=("text", "json"), default="text")
        command.add_argument("--invocation-timeout", type=float, default=10.0, metavar="SECONDS", help="report an invocation that runs longer (default 10)")
        command.add_argument("--max-invocations", type=int, default=50, metavar="N", help="report an execution that needs more (default 50)")
    pull = commands.add_parser("pull", help="save the states of a function's in-flight executions (boto3)",
                               description="Save the state of each durable execution of a function, for `durable-fuzz replay`.")
    pull.add_argument("function", metavar="FUNCTION_NAME_OR_ARN")
    pull.add_argument("folder", type=Path, metavar="DIR")
    pull.add_argument("--status", action="append", metavar="STATUS", help="executions with this status (repeatable; default RUNNING)")
    pull.add_argument("--region", help="AWS region (default: your AWS configuration)")
    pull.add_argument("--profile", help="AWS profile (default: your AWS configuration)")
    return parser


def main(argv: Sequence[str]) -> int:
    try:
        args = build_parser().parse_args(argv)
        if args.command == "pull":
            from replay_fuzz.pull import PullError, pull

            try:
                saved = pull(args.function, args.folder, args.status or ["RUNNING"], args.region, args.profile)
            except PullError as error:
                raise UsageError(str(error)) from None
            print(f"durable-fuzz pull: saved {len(saved)} execution state(s) to {args.folder}")
            return 0
        if args.max_invocations < 1 or args.invocation_timeout <= 0:
            raise UsageError("--max-invocations must be >= 1, --invocation-timeout > 0")
        options = RunOptions(max_invocations=args.max_invocations, invocation_timeout=args.invocation_timeout)
        reports = _compat(args, options) if args.command == "compat" else [_replay(args, options)]
    except (UsageError, TargetError, BaseError, StateError) as error:
        print(f"durable-fuzz: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    if args.format == "json":
        payload = [report.as_dict() for report in reports]
        sys.stdout.write(json.dumps(payload[0] if len(payload) == 1 else payload, indent=2) + "\n")
    else:
        sys.stdout.write("\n".join(report.text() for report in reports))
    return 1 if any(report.problems for report in reports) else 0


def _compat(args: argparse.Namespace, options: RunOptions) -> list[CompatReport]:
    events = parse_events(args)
    if args.state:
        try:
            parse_state_token(args.state)
        except ValueError as error:
            raise UsageError(f"--state: {error}") from None
    handler_name = args.target.rpartition(":")[2] if names_handler(args.target) else None
    request = {"events": events, "max_invocations": options.max_invocations, "invocation_timeout": options.invocation_timeout,
               "handler": handler_name, "state": args.state}
    with old_code(args.target, args.base) as old, tempfile.TemporaryDirectory(prefix="durable-fuzz-states-") as out:
        done = subprocess.run([sys.executable, "-m", "replay_fuzz.collect", old.target, out, json.dumps(request)],
                              cwd=old.cwd, env=old.environment(), capture_output=True, text=True, check=False)
        if done.returncode != 0:
            lines = done.stderr.strip().splitlines() or [f"exit status {done.returncode}"]
            raise UsageError(f"--base {args.base}: the old code could not run: {lines[-1]}")
        summary = json.loads((Path(out) / "summary.json").read_text())
        if args.save_states:
            for name in summary:
                shutil.copytree(Path(out) / name, args.save_states / name, dirs_exist_ok=True)
        new_handlers = {name.rpartition(":")[2]: handler for name, handler in _load(args.target, options)}
        reports = []
        for name, counts in summary.items():
            location = args.target if handler_name else f"{args.target}:{name}"
            report = CompatReport(location, old.description, counts["states"], counts["schedules"], notes=counts["notes"])
            states = [load(path) for path in sorted((Path(out) / name).glob("*.json"), key=lambda p: int(p.stem))]
            handler = new_handlers.get(name)
            if handler is None:
                report.problems.append(CompatProblem(
                    "missing-handler", f"the new code has no handler {name!r}, which the old code has", "every execution",
                    len(states), f"handler {name!r}", "(none)", ""))
            else:
                def command(state: State, location: str = location) -> str:
                    return shlex.join(["durable-fuzz", "compat", location, "--base", args.base, "--event",
                                       json.dumps(state.event, separators=(",", ":")), "--state", state.token or ""])

                report.problems = check_states(handler, states, options, command)
            if args.state and not states:
                report.notes.append("the --state token names no in-flight state of this handler (another event or revision?)")
            reports.append(report)
    return reports


def _load(target: str, options: RunOptions) -> list[tuple[str, Any]]:
    """The handlers of the new code, imported once in a forked child first (an import that exits or hangs is one line)."""
    probe_import(target, allow_network=False, timeout=max(30.0, options.invocation_timeout))
    with refuse_network([]):
        return load_target(target)


def _replay(args: argparse.Namespace, options: RunOptions) -> CompatReport:
    handlers = _load(args.target, options)
    if len(handlers) > 1:
        raise UsageError(f"{args.target}: has {len(handlers)} handlers; name one as {args.target}:HANDLER")
    files = [path for given in args.states for path in (sorted(given.rglob("*.json")) if given.is_dir() else [given])]
    states = [load(path) for path in files if path.name != "summary.json"]
    if not states:
        raise UsageError(f"no state files in {' '.join(map(str, args.states))}")
    report = CompatReport(handlers[0][0], " ".join(map(str, args.states)), len(states), command="replay")
    report.problems = check_states(handlers[0][1], states, options,
                             lambda state: shlex.join(["durable-fuzz", "replay", handlers[0][0], state.source]))
    unknown = sum(state.old_outcome is None for state in states)
    if unknown:
        report.notes.append(f"{unknown} state(s) do not say how the old code ends (pulled from the API): "
                            "their operations were checked, their endings were not compared")
    return report

