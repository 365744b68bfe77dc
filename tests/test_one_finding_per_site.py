"""A site that matches two rules of the same meaning is reported once, by the more specific rule."""

from __future__ import annotations

from tests.helpers import lint

SOURCE = """
import os
import threading
import uuid
from aws_durable_execution_sdk_python import durable_execution


@durable_execution
def handler(event, context):
    trace = os.environ["_X_AMZN_TRACE_ID"]
    table = os.environ["TABLE"]
    threading.Thread(target=lambda: context.step(lambda _: 1, name="in-thread")).start()
    threading.Thread(target=print).start()
    context.step(lambda _: 2, name=f"step-{uuid.uuid4()}")
    return context.step(lambda _: [trace, table], name="done")
"""


def test_more_specific_rule_wins_at_a_site() -> None:
    found = sorted((f.line, f.code) for f in lint(SOURCE, select=("ALL", "DUR402")))
    assert found == [
        (10, "DUR404"),  # not also DUR402
        (11, "DUR402"),
        (12, "DUR603"),  # not also DUR601
        (13, "DUR601"),
        (14, "DUR703"),  # not also DUR203
    ]


def test_the_general_rule_still_reports_when_the_specific_one_is_off() -> None:
    found = {(f.line, f.code) for f in lint(SOURCE, select=("DUR402", "DUR601", "DUR203"))}
    assert {(10, "DUR402"), (12, "DUR601"), (14, "DUR203")} <= found
