"""The `durable-lint` command: `check` (the default), `fix`, `rule`.

Exit codes: 0 no findings, 1 findings, 2 usage or configuration error. Errors are
one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import errno
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from durable_lint import __version__
from durable_lint.config import Configurations, Overrides, UsageError, validate_selectors
from durable_lint.discovery import iter_python_files
from durable_lint.finding import Finding
from durable_lint.output import FORMATS, format_statistics, format_text
from durable_lint.rule import all_rules
from durable_lint.run import Linters, lint_paths, terminate_raises

COMMANDS = ("check", "fix", "rule")


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line and exit 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{message} (see `{self.prog} --help`)")


def _positive(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, got '{value}'")
    return int(value)


def _codes(value: str) -> list[str]:
    return [code.strip() for code in value.split(",") if code.strip()]


def _selection_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", default=["."], metavar="PATH")
    parser.add_argument("--select", type=_codes, help="comma-separated codes or prefixes to enable (replaces the default set)")
    parser.add_argument("--extend-select", type=_codes, default=[], help="codes or prefixes to enable on top")
    parser.add_argument("--ignore", type=_codes, default=[], help="codes or prefixes to disable")
    parser.add_argument("--config", type=Path,
                        help="pyproject.toml whose [tool.durable-lint] configures every file "
                             "(default: each file's nearest one)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="durable-lint", description="Static determinism linter for AWS Lambda durable functions.")
    parser.add_argument("--version", action="version", version=f"durable-lint {__version__}")
    commands = parser.add_subparsers(dest="command", parser_class=_Parser)

    check = commands.add_parser("check", help="lint files and folders (the default command)")
    _selection_options(check)
    check.add_argument("--format", choices=sorted(FORMATS), default="text", help="output format (default: text)")
    check.add_argument("--statistics", action="store_true", help="print counts per code instead of findings")
    check.add_argument("--exit-zero", action="store_true", help="exit 0 even when there are findings")
    check.add_argument("--include-dependents", action="store_true",
                       help="also lint the project files that import the given files (the pre-commit hook's mode)")
    check.add_argument("--jobs", "-j", type=_positive, default=os.cpu_count() or 1,
                       help="worker processes for large trees (default: all cores)")

    fix = commands.add_parser("fix", help="apply the safe fixes (writes files unless --diff)")
    _selection_options(fix)
    fix.add_argument("--diff", action="store_true", help="print a unified diff of the fixes instead of writing")

    rule = commands.add_parser("rule", help="print a rule's documentation")
    rule.add_argument("code", nargs="?", metavar="CODE")
    rule.add_argument("--all", action="store_true", help="list every rule with its name and default state")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if not args_list or (args_list[0] not in COMMANDS and args_list[0] not in ("-h", "--help", "--version")):
        args_list.insert(0, "check")
    if hasattr(sys.stdout, "reconfigure"):  # file names that are not UTF-8 are printed as their bytes
        sys.stdout.reconfigure(errors="surrogateescape")
    try:
        args = build_parser().parse_args(args_list)
        if args.command == "rule":
            code = _rule(args)
        elif args.command == "fix":
            code = _fix(args)
        else:
            code = _check(args)
        sys.stdout.flush()
        return code
    except UsageError as error:
        print(f"durable-lint: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # the reader has gone (`| head`): nothing more to say
        _discard_stdout()
        return 1
    except OSError as error:
        if error.filename is not None or error.errno not in _OUTPUT_FULL:
            raise
        print(f"durable-lint: error: cannot write the output: {error.strerror}", file=sys.stderr)
        _discard_stdout()
        return 2


# stdout cannot take the output: a full disk or /dev/full, a quota, a file size limit, a dead terminal.
_OUTPUT_FULL = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO})


def _discard_stdout() -> None:
    """Point stdout at /dev/null, so the flush at exit cannot fail a second time."""
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def _configurations(args: argparse.Namespace) -> Configurations:
    """Each file's configuration with the command line's selection on top."""
    for option in ("select", "extend_select", "ignore"):
        value = getattr(args, option)
        if value:
            validate_selectors(value, f"--{option.replace('_', '-')}")
    overrides = Overrides(tuple(args.select) if args.select else None, tuple(args.extend_select), tuple(args.ignore))
    return Configurations(args.config, overrides)


def _report_unreadable(unreadable: list[str]) -> None:
    for message in unreadable:
        print(f"durable-lint: error: {message}", file=sys.stderr)


def _check(args: argparse.Namespace) -> int:
    unreadable: list[str] = []
    findings, _ = lint_paths(args.paths, _configurations(args), jobs=args.jobs, unreadable=unreadable,
                             include_dependents=args.include_dependents)
    output = format_statistics(findings) if args.statistics else FORMATS[args.format](findings)
    _report_unreadable(unreadable)
    sys.stdout.write(output)
    if unreadable:
        return 2
    return 1 if findings and not args.exit_zero else 0


def _fix(args: argparse.Namespace) -> int:
    from durable_lint.fixer import FixError, fix_file, write

    configurations = _configurations(args)
    linters = Linters(configurations)
    applied = files = failed = 0
    remaining: list[Finding] = []
    unreadable: list[str] = []
    for file, shown in iter_python_files(args.paths, configurations.for_folder, unreadable):
        try:
            result = fix_file(linters.for_file(file), file, shown)
            if result.applied and not args.diff:
                with terminate_raises():  # a SIGTERM mid-write still removes the temporary file
                    write(file, result)
        except FixError as error:
            print(f"durable-lint: error: {error}", file=sys.stderr)
            remaining += error.remaining
            failed += 1
            continue
        remaining += result.remaining
        if result.applied:
            applied, files = applied + result.applied, files + 1
            if args.diff:
                sys.stdout.write(result.diff())
    verb = "Would fix" if args.diff else "Fixed"
    print(f"{verb} {applied} finding(s) in {files} file(s); {len(remaining)} remaining.", file=sys.stderr)
    if not args.diff:
        sys.stdout.write(format_text(sorted(remaining)))
    _report_unreadable(unreadable)
    if failed or unreadable:
        return 2
    return 1 if remaining or (args.diff and applied) else 0


def _rule(args: argparse.Namespace) -> int:
    rules = all_rules()
    if args.all:
        for code, rule in rules.items():
            state = "default" if rule.default_enabled else "opt-in"
            print(f"{code}  {rule.name:<30} {state}")
        return 0
    if not args.code:
        raise UsageError("give a rule code, e.g. `durable-lint rule DUR101`, or --all")
    rule = rules.get(args.code.upper())
    if rule is None:
        raise UsageError(f"unknown rule code '{args.code}' (see `durable-lint rule --all`)")
    print(f"# {rule.code} {rule.name}\n\n{rule.documentation()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
