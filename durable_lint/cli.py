"""The `durable-lint` command: `check` (the default), `fix`, `rule`, `server`. Flags follow ruff's.

Exit codes: 0 no findings, 1 findings, 2 usage or configuration error. Errors are
one line on stderr, never a traceback. A subcommand is a parser built by a
`_*_parser` function and a handler in `HANDLERS`.
"""

from __future__ import annotations

import argparse
import errno
import os
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO

from durable_lint import __version__
from durable_lint.config import Configurations, Overrides, UsageError, validate_selectors
from durable_lint.discovery import iter_python_files
from durable_lint.finding import Finding
from durable_lint.output import ALIASES, FORMATS, STATISTICS_FORMATS, TEXT_FORMATS, Results, format_statistics, summary
from durable_lint.rule import all_rules
from durable_lint.run import Linters, dependents_of, fewer_collections, lint_files, terminate_raises

STDIN = "-"


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line and exit 2, and that never guesses abbreviated flags."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs["allow_abbrev"] = False
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{message} (see `{self.prog} --help`)")


def _positive(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, got '{value}'")
    return int(value)


def _codes(value: str) -> list[str]:
    return [code.strip() for code in value.split(",") if code.strip()]


def _globs(value: str) -> list[str]:
    return [glob.strip() for glob in value.split(",") if glob.strip()]


def _output_format(value: str) -> str:
    name = ALIASES.get(value, value)
    if name not in FORMATS:
        raise argparse.ArgumentTypeError(f"invalid choice: '{value}' (choose from {', '.join(FORMATS)})")
    return name


def _selection_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", metavar="PATH", help="files and folders to lint (default: .); - reads stdin")
    parser.add_argument("--select", type=_codes, metavar="CODES", help="comma-separated codes or prefixes to enable (replaces the default set)")
    parser.add_argument("--extend-select", type=_codes, metavar="CODES", default=[], help="codes or prefixes to enable on top")
    parser.add_argument("--ignore", type=_codes, metavar="CODES", default=[], help="codes or prefixes to disable")
    parser.add_argument("--extend-ignore", type=_codes, metavar="CODES", default=[], help="codes or prefixes to disable on top (flake8's name)")
    parser.add_argument("--exclude", type=_globs, metavar="GLOBS", help="comma-separated globs of files and folders to skip (replaces the configured exclude)")
    parser.add_argument("--extend-exclude", type=_globs, metavar="GLOBS", default=[], help="globs to skip on top of the configured ones")
    parser.add_argument("--no-respect-gitignore", dest="respect_gitignore", action="store_false",
                        help="also lint files that .gitignore and git's other exclude files ignore")
    parser.add_argument("--stdin-filename", metavar="PATH",
                        help="read the source from stdin and report it as PATH (its configuration applies)")
    parser.add_argument("--config", type=Path, metavar="PYPROJECT",
                        help="pyproject.toml whose [tool.durable-lint] configures every file "
                             "(default: each file's nearest one)")


def _check_options(parser: argparse.ArgumentParser, fixing: bool) -> None:
    _selection_options(parser)
    if fixing:
        parser.set_defaults(fix=True)
    else:
        parser.add_argument("--fix", action="store_true", help="apply the safe fixes, then report what remains")
    parser.add_argument("--diff", action="store_true", help="print a unified diff of the fixes instead of writing files")
    parser.add_argument("--unsafe-fixes", action="store_true",
                        help="also apply (and count as fixable) fixes that may change behaviour")
    parser.add_argument("--show-fixes", action="store_true", help="after fixing, list the fixes applied per file")
    parser.add_argument("--exit-non-zero-on-fix", action="store_true", help="exit 1 when a fix was applied, even if nothing remains")
    parser.add_argument("--output-format", "--format", dest="output_format", type=_output_format, default="concise",
                        metavar="FORMAT", help=f"{', '.join(FORMATS)} (default: concise; text is concise)")
    parser.add_argument("--output-file", "-o", type=Path, metavar="FILE", help="write the report to FILE instead of stdout")
    parser.add_argument("--statistics", action="store_true", help="print counts per code instead of findings")
    parser.add_argument("--show-files", action="store_true", help="list the files a check would lint, and lint none")
    parser.add_argument("--quiet", "-q", action="store_true", help="print findings only: no summary line")
    parser.add_argument("--exit-zero", action="store_true", help="exit 0 even when there are findings")
    parser.add_argument("--include-dependents", action="store_true",
                        help="also lint the project files that import the given files (the pre-commit hook's mode)")
    parser.add_argument("--jobs", "-j", type=_positive, default=os.cpu_count() or 1,
                        help="worker processes for large trees (default: all cores)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="durable-lint", description="Static determinism linter for AWS Lambda durable functions.")
    parser.add_argument("--version", action="version", version=f"durable-lint {__version__}")
    commands = parser.add_subparsers(dest="command", parser_class=_Parser)
    _check_options(commands.add_parser("check", help="lint files and folders (the default command)"), fixing=False)
    _check_options(commands.add_parser("fix", help="apply the safe fixes: `check --fix`"), fixing=True)
    rule = commands.add_parser("rule", help="print a rule's documentation")
    rule.add_argument("code", nargs="?", metavar="CODE")
    rule.add_argument("--all", action="store_true", help="list every rule with its name and default state")

    # The language server (durable_lint/server.py); needs the `lsp` extra.
    commands.add_parser("server", help="run the Language Server over stdio, for editors")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if not args_list or (args_list[0] not in HANDLERS and args_list[0] not in ("-h", "--help", "--version")):
        args_list.insert(0, "check")
    if hasattr(sys.stdout, "reconfigure"):  # file names that are not UTF-8 are printed as their bytes
        sys.stdout.reconfigure(errors="surrogateescape")
    try:
        args = build_parser().parse_args(args_list)
        code = HANDLERS[args.command](args)
        if not sys.stdout.closed:  # the language server closes stdio when its client exits
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


def entry() -> None:
    """The console script: `main`, then leave without tearing the heap down.

    A lint of a large tree ends holding every module it analysed, and freeing them one
    object at a time at exit cost a quarter of a 1,000-file run's CPU (0.9 s of 3.3 s).
    Nothing is left to clean up by then: the report is flushed and `fix` has already
    replaced its files. `--help` and bad arguments exit through argparse as usual.
    """
    code = main()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # already reported by main, or closed by the language server
            pass
    os._exit(code)


# stdout cannot take the output: a full disk or /dev/full, a quota, a file size limit, a dead terminal.
_OUTPUT_FULL = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO})


def _discard_stdout() -> None:
    """Point stdout at /dev/null, so the flush at exit cannot fail a second time."""
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def _configurations(args: argparse.Namespace) -> Configurations:
    """Each file's configuration with the command line's selection and excludes on top."""
    for option in ("select", "extend_select", "ignore", "extend_ignore"):
        value = getattr(args, option)
        if value:
            validate_selectors(value, f"--{option.replace('_', '-')}")
    overrides = Overrides(
        select=tuple(args.select) if args.select else None,
        extend_select=tuple(args.extend_select),
        ignore=(*args.ignore, *args.extend_ignore),
        exclude=tuple(args.exclude) if args.exclude is not None else None,
        extend_exclude=tuple(args.extend_exclude),
    )
    return Configurations(args.config, overrides)


def _report_unreadable(unreadable: list[str]) -> None:
    for message in unreadable:
        print(f"durable-lint: error: {message}", file=sys.stderr)


def _colour(args: argparse.Namespace) -> bool:
    """Colour for people at a terminal: never into a file, never with NO_COLOR, always with FORCE_COLOR."""
    if args.output_file is not None or args.output_format not in TEXT_FORMATS or os.environ.get("NO_COLOR"):
        return False
    return bool(os.environ.get("FORCE_COLOR")) or sys.stdout.isatty()


def _check(args: argparse.Namespace) -> int:
    fixing = args.fix or args.diff
    if args.statistics and args.output_format not in STATISTICS_FORMATS:
        raise UsageError(f"--statistics prints as {', '.join(sorted(STATISTICS_FORMATS))}, "
                         f"not {args.output_format}")
    configurations = _configurations(args)
    results = Results([], unsafe_fixes=args.unsafe_fixes, colour=_colour(args))
    if args.paths == [STDIN] or (args.stdin_filename and not args.paths):
        if fixing:
            return _fix_stdin(args, Linters(configurations), results)
        results.findings = _lint_stdin(Linters(configurations), args.stdin_filename, results.sources)
        return _report(args, results, _exit_code(args, results.findings))
    if STDIN in args.paths:
        raise UsageError("- (stdin) cannot be combined with other paths")
    unreadable = results.not_checked
    files = _files(args, configurations, unreadable)
    if args.show_files:
        print("".join(f"{shown}\n" for _, shown in files), end="")
        _report_unreadable(unreadable)
        return 2 if unreadable else 0
    if not files and not unreadable:  # as ruff does: say so (unless --quiet), rather than "All checks passed!" over nothing
        if not args.quiet:
            print(f"durable-lint: warning: no Python files to check in {' '.join(args.paths)} "
                  "(excluded by the configuration or --exclude, ignored by git, or not Python files)", file=sys.stderr)
        return _report(args, results, 0, closing="")
    if fixing:  # LibCST's trees die file by file: the collector keeps its usual pace
        code = _fix(args, Linters(configurations), files, results)
    else:
        with fewer_collections():
            results.findings = lint_files(files, configurations, jobs=args.jobs)
            code = _report(args, results, _exit_code(args, results.findings))
    _report_unreadable(unreadable)
    return 2 if unreadable else code


def _lint_stdin(linters: Linters, filename: str | None, sources: dict[str, str]) -> list[Finding]:
    """Findings for the source on stdin, configured as the file it is named after (or the working directory)."""
    import importlib.util

    data = sys.stdin.buffer.read()
    shown = filename or STDIN
    try:
        sources[shown] = importlib.util.decode_source(data)
    except (UnicodeDecodeError, LookupError, SyntaxError):
        pass  # the linter reports it as DUR000
    file = Path(filename) if filename else None
    return linters.for_file(file or Path.cwd() / STDIN).lint_source(data, shown, file=file)


def _fix_stdin(args: argparse.Namespace, linters: Linters, results: Results) -> int:
    """ruff's `check --fix -`: the fixed source (or, with --diff, its diff) on stdout, the report on stderr.

    When the fixes cannot be verified, the source goes out unchanged, so a pipe never loses code.
    """
    from durable_lint.fixer import FixError, fix_source

    data = sys.stdin.buffer.read()
    shown = args.stdin_filename or STDIN
    file = Path(args.stdin_filename) if args.stdin_filename else None
    try:
        result = fix_source(linters.for_file(file or Path.cwd() / STDIN), data, shown, file, unsafe=args.unsafe_fixes)
    except FixError as error:
        print(f"durable-lint: error: {error}", file=sys.stderr)
        if not args.diff:
            sys.stdout.buffer.write(data)
        return 2
    if args.diff:
        sys.stdout.write(result.diff())
        return _would_fix(result.applied)
    sys.stdout.buffer.write(result.fixed.encode(result.encoding) if result.applied else data)
    sys.stdout.flush()
    if result.applied:
        results.sources[shown] = result.fixed
    results.findings = sorted(result.remaining)
    results.colour = False
    code = _exit_code(args, results.findings)
    if args.exit_non_zero_on_fix and result.applied:
        code = 1
    closing = summary(results, fixed=result.applied, fixing=True)
    return _report(args, results, code, closing, stream=sys.stderr)


def _files(args: argparse.Namespace, configurations: Configurations, unreadable: list[str]) -> list[tuple[Path, str]]:
    paths = args.paths or ["."]
    files = list(iter_python_files(paths, configurations.for_folder, unreadable))
    if args.include_dependents:
        files += dependents_of(files, configurations, unreadable)
    if args.respect_gitignore:
        from durable_lint.gitignore import without_ignored

        files = without_ignored(files, named=paths)
    return files


def _exit_code(args: argparse.Namespace, findings: list[Finding]) -> int:
    return 1 if findings and not args.exit_zero else 0


def _report(args: argparse.Namespace, results: Results, code: int, closing: str | None = None,
            stream: TextIO | None = None) -> int:
    """Write the findings (or statistics) in the chosen format; people's formats end with a summary.

    The report goes to --output-file, else to `stream` (stdout unless stdout carries fixed source).
    """
    if args.statistics:
        text = format_statistics(results, args.output_format)
    else:
        text = FORMATS[args.output_format](results)
        if args.output_format in TEXT_FORMATS and not args.quiet:
            text += closing if closing is not None else summary(results)
    if args.output_file is not None:
        try:
            args.output_file.write_text(text, encoding="utf-8", errors="surrogateescape")
        except OSError as error:
            raise UsageError(f"{args.output_file}: cannot write the report: {error.strerror}") from None
    else:
        (stream or sys.stdout).write(text)
    return code


def _fix(args: argparse.Namespace, linters: Linters, files: list[tuple[Path, str]], results: Results) -> int:
    """Apply the fixes (or print their diff), then report what remains."""
    from durable_lint.fixer import FixError, fix_file, write

    fixed: dict[str, tuple[str, ...]] = {}
    failed = False
    for file, shown in files:
        try:
            result = fix_file(linters.for_file(file), file, shown, unsafe=args.unsafe_fixes)
            if result.applied and not args.diff:
                with terminate_raises():  # a SIGTERM mid-write still removes the temporary file
                    write(file, result)
        except FixError as error:
            print(f"durable-lint: error: {error}", file=sys.stderr)
            results.findings += error.remaining
            failed = True
            continue
        results.findings += result.remaining
        if result.applied:
            fixed[shown] = result.fixed_codes
            if args.diff:
                sys.stdout.write(result.diff())
    applied = sum(len(codes) for codes in fixed.values())
    if args.diff:
        return 2 if failed else _would_fix(applied)
    results.findings.sort()
    code = _exit_code(args, results.findings)
    if args.exit_non_zero_on_fix and applied:
        code = 1
    closing = summary(results, fixed=applied, fixing=True)
    if args.show_fixes and fixed:
        closing += _fixes_applied(fixed)
    _report(args, results, code, closing)
    return 2 if failed else code


def _would_fix(count: int) -> int:
    """--diff's closing line (on stderr, the diff has stdout) and exit code: 1 when there is something to fix."""
    print(f"Would fix {count} finding{'' if count == 1 else 's'}.", file=sys.stderr)
    return 1 if count else 0


def _fixes_applied(fixed: dict[str, tuple[str, ...]]) -> str:
    """ruff's --show-fixes listing: per file, how many fixes of each code."""
    names = {code: rule.name for code, rule in all_rules().items()}
    total = sum(map(len, fixed.values()))
    lines = [f"Fixed {total} finding{'' if total == 1 else 's'}:"]
    for path, codes in fixed.items():
        lines.append(f"- {path}:")
        lines += [f"    {count} x {code} ({names.get(code, '')})" for code, count in sorted(Counter(codes).items())]
    return "\n".join(lines) + "\n"


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


def _server(args: argparse.Namespace) -> int:
    from durable_lint.server import main as serve  # pygls loads only for the editor's process

    return serve()


HANDLERS: dict[str, Callable[[argparse.Namespace], int]] = {"check": _check, "fix": _check, "rule": _rule, "server": _server}

if __name__ == "__main__":
    sys.exit(main())
