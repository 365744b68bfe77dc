"""Teams that wrap the SDK: their decorators, step runners and own (non-)deterministic functions."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from durable_lint.cli import main
from durable_lint.config import UsageError, load_settings


def setup(tmp_path: Path, config: str, handler: str) -> Path:
    (tmp_path / "pyproject.toml").write_text(textwrap.dedent(config))
    (tmp_path / "handler.py").write_text(textwrap.dedent(handler))
    return tmp_path


def findings(capsys, tmp_path: Path, monkeypatch) -> list[tuple[int, str]]:
    monkeypatch.chdir(tmp_path)
    main(["check", "--quiet", "handler.py"])
    out = capsys.readouterr().out
    return [(int(line.split(":")[1]), line.split(": ")[1].split()[0]) for line in out.splitlines()]


WRAPPED = """
    import time
    import uuid
    from mycompany.durable import workflow, task, run_step

    @task
    def stamp(step_context):
        return time.time()

    @workflow
    def handler(event, context):
        at = context.step(stamp())
        other = run_step(context, lambda _: uuid.uuid4())
        bad = uuid.uuid4()
        return context.step(lambda _: [at, str(other), str(bad)], name="all")
"""


def test_wrapper_decorators_and_step_functions(tmp_path, capsys, monkeypatch) -> None:
    setup(tmp_path, """
        [tool.durable-lint]
        workflow-decorators = ["mycompany.durable.workflow"]
        step-decorators = ["mycompany.durable.task"]
        step-functions = ["mycompany.durable.run_step"]
    """, WRAPPED)
    assert findings(capsys, tmp_path, monkeypatch) == [(14, "DUR203")]


def test_without_configuration_wrapped_modules_are_not_durable(tmp_path, capsys, monkeypatch) -> None:
    setup(tmp_path, "[tool.durable-lint]\n", WRAPPED)
    assert findings(capsys, tmp_path, monkeypatch) == []


def test_calls_table_denies_and_allows_by_most_specific_entry(tmp_path, capsys, monkeypatch) -> None:
    setup(tmp_path, """
        [tool.durable-lint]
        calls = { "mycompany.clock.now" = "DUR101", "mycompany.ids" = "DUR203", "mycompany.ids.stable_id" = "allow", "uuid.uuid4" = "allow" }
    """, """
        import uuid
        from mycompany import clock, ids
        from aws_durable_execution_sdk_python import durable_execution

        @durable_execution
        def handler(event, context):
            now = clock.now()
            fresh = ids.fresh_id()
            stable = ids.stable_id(event["id"])
            trusted = uuid.uuid4()
            return context.step(lambda _: [now, fresh, stable, str(trusted)], name="all")
    """)
    assert findings(capsys, tmp_path, monkeypatch) == [(8, "DUR101"), (9, "DUR203")]


def test_calls_table_reaches_into_helpers(tmp_path, capsys, monkeypatch) -> None:
    setup(tmp_path, '[tool.durable-lint]\ncalls = { "mycompany.clock.now" = "DUR101" }\n', """
        from mycompany.clock import now
        from aws_durable_execution_sdk_python import durable_execution

        def deadline(days):
            return now() + days * 86400

        @durable_execution
        def handler(event, context):
            due = deadline(3)
            return context.step(lambda _: due, name="due")
    """)
    monkeypatch.chdir(tmp_path)
    assert main(["check", "handler.py"]) == 1
    assert "deadline() (via deadline() -> now() (mycompany.clock.now))" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        ('calls = { "x.y" = 3 }', "'calls' must map qualified names"),
        ('calls = { "x.y" = "DUR999" }', "unknown rule code 'DUR999'"),
        ('calls = { "x.y" = "DUR704" }', "DUR704 is not a rule about calls"),
    ],
)
def test_calls_table_is_validated(tmp_path: Path, table: str, expected: str) -> None:
    (tmp_path / "pyproject.toml").write_text(f"[tool.durable-lint]\n{table}\n")
    with pytest.raises(UsageError, match=expected):
        load_settings(start=tmp_path)
