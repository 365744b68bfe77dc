"""Findings inside helpers are reported once, at the orchestration call site, with the chain."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from durable_lint.config import Settings
from durable_lint.engine import Linter


def write_tree(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))


@pytest.fixture
def project(tmp_path: Path) -> Path:
    write_tree(tmp_path, {
        "shop/__init__.py": "",
        "shop/util/__init__.py": "from shop.util.ids import new_order_id as make_id\n",
        "shop/util/ids.py": """
            import time
            import uuid

            COUNTS = {}

            def new_order_id():
                return f"order-{uuid.uuid4()}"

            def stamp():
                return _now()

            def _now():
                return time.time()

            def count(key):
                COUNTS[key] = COUNTS.get(key, 0) + 1

            def stable_id(ctx, seed):
                return ctx.step(lambda _: f"{seed}-{uuid.uuid4()}", name="stable-id")

            def ping(n):
                return pong(n)

            def pong(n):
                return ping(n - 1) if n else time.monotonic()
        """,
        "shop/handler.py": """
            import random

            from aws_durable_execution_sdk_python import durable_execution, durable_step
            from .util.ids import new_order_id, stable_id, ping
            from .util import ids, make_id

            def pick(items):
                return random.choice(items)

            @durable_step
            def charge(step_context, order_id):
                return {"order": order_id, "key": new_order_id()}

            @durable_execution
            def handler(event, context):
                order_id = new_order_id()
                started = ids.stamp()
                ids.count(event["customer"])
                safe = stable_id(context, event["customer"])
                alias = make_id()
                loop = ping(3)
                winner = pick(event["items"])
                receipt = context.step(charge(order_id))
                in_step = context.step(lambda _: new_order_id(), name="in-step")
                return [order_id, started, safe, alias, loop, winner, receipt, in_step]
        """,
    })
    return tmp_path


def lint_messages(project: Path) -> dict[int, list[str]]:
    findings = Linter(Settings(root=project)).lint_file(project / "shop" / "handler.py", "shop/handler.py")
    by_line: dict[int, list[str]] = {}
    for finding in findings:
        by_line.setdefault(finding.line, []).append(f"{finding.code} {finding.message}")
    return by_line


def test_helper_findings_are_reported_at_call_sites_with_their_chain(project: Path) -> None:
    by_line = lint_messages(project)
    assert by_line[17] == [
        "DUR203 new_order_id() (via new_order_id() -> uuid.uuid4()) creates a new id on every replay of "
        "orchestration code. Create it in a step, or use uuid5 of event data"
    ]
    assert by_line[18][0].startswith("DUR101 ids.stamp() (via stamp() -> _now() -> time.time())")
    assert by_line[19][0].startswith("DUR702 ids.count() (via count() -> COUNTS[key] = COUNTS.get(key, 0) + 1)")
    assert by_line[21][0].startswith("DUR203 make_id() (via new_order_id() -> uuid.uuid4())")  # through a re-export
    assert by_line[22][0].startswith("DUR101 ping() (via ping() -> pong() -> time.monotonic())")  # a cycle
    assert by_line[23][0].startswith("DUR201 pick() (via pick() -> random.choice())")  # same module


def test_step_wrapped_and_step_only_helpers_stay_clean(project: Path) -> None:
    by_line = lint_messages(project)
    assert 20 not in by_line  # stable_id wraps its uuid in ctx.step
    assert 24 not in by_line and 25 not in by_line  # helpers called from step code
    assert set(by_line) == {17, 18, 19, 21, 22, 23}


def test_one_finding_per_call_site_and_code(tmp_path: Path) -> None:
    write_tree(tmp_path, {"h.py": """
        import uuid
        from aws_durable_execution_sdk_python import durable_execution

        def two_ids():
            return uuid.uuid4(), uuid.uuid1()

        @durable_execution
        def handler(event, context):
            pair = two_ids()
            return context.step(lambda _: str(pair), name="pair")
    """})
    findings = Linter(Settings(root=tmp_path)).lint_file(tmp_path / "h.py", "h.py")
    assert [(f.line, f.code) for f in findings] == [(10, "DUR203")]


def test_helpers_outside_the_project_are_not_entered(tmp_path: Path) -> None:
    write_tree(tmp_path, {"h.py": """
        import json
        from aws_durable_execution_sdk_python import durable_execution

        @durable_execution
        def handler(event, context):
            text = json.dumps(event)
            return context.step(lambda _: text, name="dump")
    """})
    assert Linter(Settings(root=tmp_path)).lint_file(tmp_path / "h.py", "h.py") == []
