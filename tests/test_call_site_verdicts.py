"""A call site's verdict does not depend on other call sites of the same helper.

Handing a helper to the SDK (`context.parallel([functools.partial(audit, ...)])`) gives
it a role for that use only: a direct call elsewhere still runs the helper's body as
part of the caller's code. For each shape, the findings of a handler with both uses are
exactly the findings of the two handlers with one use each (same line numbers).
"""

from __future__ import annotations

import pytest

from tests.helpers import lint

HEADER = """\
import functools
import boto3
import requests
from aws_durable_execution_sdk_python import DurableContext, durable_execution

table = boto3.resource("dynamodb").Table("audit")
"""

# name -> (helpers, [use handing the helper to the SDK, use calling it directly])
SHAPES = {
    "partial in parallel, lambda in a child context": ("""
def audit(c: DurableContext, label: str) -> None:
    table.put_item(Item={"label": label})
    c.logger.info("audited")
""", ['context.parallel([functools.partial(audit, label="a")])', 'context.run_in_child_context(lambda c: audit(c, "x"))']),
    "partial branch that waits, lambda in a child context": ("""
def audit(c: DurableContext, label: str) -> None:
    table.put_item(Item={"label": label})
    c.wait(duration=None)
""", ['context.parallel([functools.partial(audit, label="a")])', 'context.run_in_child_context(lambda c: audit(c, "x"))']),
    "comprehension of partials, direct call": ("""
def notify(c: DurableContext, region: str) -> None:
    requests.post(f"https://{region}.example.com", timeout=5)
""", ['context.parallel([functools.partial(notify, region=r) for r in event["regions"]])', 'notify(context, "eu")']),
    "factory returning a partial, direct call": ("""
def sync_region(c: DurableContext, region: str) -> None:
    requests.post(f"https://{region}.example.com", timeout=5)

def make_sync(region):
    return functools.partial(sync_region, region=region)
""", ['context.parallel([make_sync(r) for r in event["regions"]])', 'sync_region(context, "eu")']),
    "step function by name, direct call": ("""
def fetch_rates(step_context):
    return requests.get("https://rates.example.com", timeout=5).json()
""", ['context.step(fetch_rates)', 'fetch_rates(None)']),
    "map item partial, direct call": ("""
def label(c: DurableContext, item, index, items, *, warehouse):
    return requests.post(f"https://{warehouse}.example.com", json=item, timeout=5).json()
""", ['context.map(event["items"], functools.partial(label, warehouse="w"))', 'label(context, {}, 0, [], warehouse="w")']),
    "bound method of a service in a child context, lambda": ("""
class Audit:
    def __init__(self, region: str):
        self.region = region

    def run(self, c: DurableContext):
        requests.post(f"https://{self.region}.example.com", timeout=5)
        return c.wait(duration=None)

audit = Audit("eu")
""", ['context.run_in_child_context(audit.run)', 'context.run_in_child_context(lambda c: audit.run(c))']),
}


def _findings(helpers: str, uses: list[str], kept: set[int]) -> set[tuple[int, str]]:
    """Findings of a handler with the uses in `kept`; the others are `pass`, so lines stay put."""
    body = "\n".join(f"    {use}" if i in kept else "    pass" for i, use in enumerate(uses))
    handler = (f"@durable_execution\ndef handler(event, context: DurableContext):\n{body}\n"
               '    return context.step(lambda _: 1, name="done")\n')
    return {(f.line, f.code) for f in lint(HEADER + helpers + handler, select=("DUR",))}


@pytest.mark.parametrize("shape", SHAPES)
def test_each_call_site_gets_the_verdict_it_gets_alone(shape: str) -> None:
    helpers, uses = SHAPES[shape]
    alone = [_findings(helpers, uses, {i}) for i in range(len(uses))]
    assert alone[1], "the direct use is a hazard on its own"
    assert _findings(helpers, uses, set(range(len(uses)))) == alone[0] | alone[1]
