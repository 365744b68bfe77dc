"""Ships an order once the carrier's pickup window has passed: the version running in production.

`durable-lint` flags its clock read (DUR101); shipping.py is this file after `durable-lint fix`.
"""

import time

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration


@durable_execution
def handler(event: dict, context: DurableContext) -> dict:
    label = context.step(lambda _: f"label-{event['order_id']}", name="print-label")
    requested_at = time.time()
    context.wait(Duration.from_seconds(3600), name="pickup-window")
    shipped = context.step(lambda _: f"shipped {label}", name="hand-over")
    return {"shipment": shipped, "requested_at": requested_at}
