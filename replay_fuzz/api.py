"""The Python API: `fuzz(handler, events=..., effects=...) -> Report`."""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from hypothesis.database import DirectoryBasedExampleDatabase, ExampleDatabase

from replay_fuzz import aws_effects
from replay_fuzz.aws import AwsError, AwsSandbox, resolve_setup
from replay_fuzz.aws import sandbox as aws_sandbox
from replay_fuzz.campaign import Deadline, Slice
from replay_fuzz.config import load_settings
from replay_fuzz.effects import install_effects
from replay_fuzz.engine import Campaign, default_database, fuzz_campaign
from replay_fuzz.environments import EnvironmentPool, EnvironmentStartFailed
from replay_fuzz.module_state import ModuleState
from replay_fuzz.report import Report
from replay_fuzz.invocation import RunOptions
from replay_fuzz.schedule import Schedule
from replay_fuzz.shards import default_jobs
from replay_fuzz.target import is_durable_handler


@dataclasses.dataclass
class Defaults:
    """Defaults a test run can change (the pytest plugin sets max_examples)."""

    max_examples: int = 100


DEFAULTS = Defaults()


@contextlib.contextmanager
def _quiet_sdk_logs() -> Iterator[None]:
    """The SDK logs every injected crash with a traceback; the report says what matters."""
    sdk_logger = logging.getLogger("aws_durable_execution_sdk_python")
    previous = sdk_logger.level
    sdk_logger.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        sdk_logger.setLevel(previous)


def _importable(handler: Callable[..., Any]) -> bool:
    """Whether an execution environment can import the handler by its module path."""
    module = sys.modules.get(handler.__module__)
    return (module is not None and handler.__module__ != "__main__" and getattr(module, "__file__", None) is not None
            and getattr(module, getattr(handler, "__name__", ""), None) is handler)


def _name(function: object) -> str:
    return f"{getattr(function, '__module__', '?')}:{getattr(function, '__qualname__', repr(function))}"


@contextlib.contextmanager
def _aws_sandbox(kind: str | None, setup: str | Callable[[], Any] | None) -> Iterator[AwsSandbox | None]:
    """AWS in memory for the run (moto imported only here), set up with `setup`."""
    if kind is None:
        if setup is not None:
            raise AwsError("--setup prepares AWS in memory: give --aws moto with it")
        yield None
        return
    with aws_sandbox(kind, load_settings().aws_effects) as sandbox:
        if setup is not None:
            sandbox.setup = resolve_setup(setup) if isinstance(setup, str) else setup
            sandbox.setup_name = setup if isinstance(setup, str) else None
        yield sandbox


def fuzz(
    handler: Callable[..., Any],
    *,
    events: Iterable[Any] = ({},),
    effects: Sequence[str | Callable[..., Any]] = (),
    max_examples: int | None = None,
    seed: int | None = None,
    strict_effects: bool = False,
    allow_network: bool = False,
    invocation_timeout: float = 10.0,
    max_invocations: int = 50,
    target: str | None = None,
    replay: str | None = None,
    database: ExampleDatabase | str | None = "default",
    progress: bool = False,
    environments: bool | None = None,
    jobs: int | None = None,
    allow_failing_reference: bool = False,
    aws: str | None = None,
    setup: str | Callable[[], Any] | None = None,
    all_fault_points: bool = False,
    max_time: float | None = None,
    shard: str | None = None,
) -> Report:
    """Fuzz a `@durable_execution` handler and return the report.

    `effects` names side-effecting functions, as functions or as "module:function";
    each is recorded with the operation that runs it (for a `@durable_step` function,
    each run of its body). `max_examples` bounds the random search that
    follows the single-fault pass (default 100, or pytest's
    `--durable-fuzz-examples`); `seed` makes that search repeatable. `replay` runs
    exactly one schedule from a problem's replay token. `target` names the handler in the
    report (the CLI passes its TARGET); environments import the handler by it. `database` is Hypothesis'
    example database: "default" (`.hypothesis/examples`), a folder path (shared by CI
    workers), any `ExampleDatabase` that several processes can share (the search runs
    in forked processes: an in-memory database would forget), e.g. Hypothesis' Redis
    one, or None.
    `environments`: by default (None), replays of the single-fault pass also land in
    cold execution environments (forked processes: fresh module globals, another
    `PYTHONHASHSEED`), provided the handler is importable by its module path (defined
    at module level); True lets the search land replays cold as well; False runs
    everything in this process. `jobs` is how many processes fuzz at once (default:
    the cores available; results do not depend on it). A straight-through run that does
    not succeed raises `StraightRunFailed` saying why, unless `allow_failing_reference`.
    `aws="moto"` runs every execution on AWS in memory (moto), each starting from the
    state `setup` (a function or "module:function") creates; every boto3 call is then
    an effect and what AWS holds after an execution is part of its outcome. Create
    boto3 clients the handler uses at import after moto is imported, or let fuzz()
    adopt them (it registers moto on the clients and sessions that already exist).
    The single-fault pass runs each class of alike fault points (a loop's iterations, a
    map's items) at three of its points, unless `all_fault_points` (see replay_fuzz.classes).
    `max_time` (seconds) stops the search, never the single-fault pass; `shard` ("I/N") runs
    this CI job's 1/N of the campaign (see replay_fuzz.campaign).
    """
    __tracebackhide__ = True
    if not is_durable_handler(handler):
        raise TypeError(f"fuzz() needs a @durable_execution handler, and {_name(handler)} is a plain function: "
                        "decorate it with @durable_execution (from aws_durable_execution_sdk_python)")
    if jobs is not None and jobs < 1:
        raise ValueError(f"jobs must be at least 1, not {jobs}")
    name = target or f"{handler.__module__}:{getattr(handler, '__name__', 'handler')}"
    report = Report(name)
    effect_names = install_effects(list(effects))
    options = RunOptions(max_invocations=max_invocations, invocation_timeout=invocation_timeout)
    schedule = Schedule.from_token(replay) if replay else None
    if database == "default":
        chosen_database: ExampleDatabase | None = default_database()
    elif isinstance(database, str):
        chosen_database = DirectoryBasedExampleDatabase(database)
    else:
        chosen_database = database
    part = Slice.parse(shard) if shard else Slice()
    deadline = Deadline.after(max_time)
    examples = DEFAULTS.max_examples if max_examples is None else max_examples
    started = time.perf_counter()
    importable = _importable(handler)
    if environments is None and not importable:
        report.notes.append(f"replays did not land in cold environments: {name} is not importable by its module path "
                            "(define the handler at module level to have them)")
    if environments and not importable:
        raise EnvironmentStartFailed(f"an execution environment could not start: {name} is not importable by its "
                                     "module path (define the handler at module level, or pass environments=None)")
    module_state = ModuleState(handler.__module__)
    with _aws_sandbox(aws, setup) as sandbox:
        pool = (EnvironmentPool(target or f"{handler.__module__}:{handler.__name__}", effect_names, allow_network,
                                sandbox and sandbox.answer, aws_effects.current_overrides())
                if environments is not False and importable else None)
        if schedule is not None and schedule.cold and pool is None:
            raise ValueError("this schedule lands in cold environments: replay it with environments on")
        try:
            if pool is not None:
                pool.start()
            with _quiet_sdk_logs():
                for event in events:
                    campaign = Campaign(handler, event, name, options, strict_effects, report, pool, tuple(effect_names),
                                        allow_network, allow_failing_reference=allow_failing_reference, aws=sandbox,
                                        all_fault_points=all_fault_points, slice=part, deadline=deadline,
                                        cold_search=bool(environments), module_state=module_state)
                    report.problems += fuzz_campaign(campaign, max_examples=examples, seed=seed, database=chosen_database,
                                                     replay=schedule, progress=progress, jobs=default_jobs() if jobs is None else jobs)
        finally:
            module_state.restore()
            if pool is not None:
                pool.close()
    report.elapsed_s = time.perf_counter() - started
    if report.refused:
        report.notes.append(f"refused {len(report.refused)} network connection(s), first to {report.refused[0]}; "
                            "pass --allow-network to permit them")
    return report
