"""Ships an order once the carrier's pickup window has passed: shipping_deployed.py after `durable-lint fix`.

The fix reads the clock in a new step, before the wait: executions already waiting at
'pickup-window' cannot resume on this code (`durable-fuzz compat` says so).
"""

import time

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration


@durable_execution
def handler(event: dict, context: DurableContext) -> dict:
    label = context.step(lambda _: f"label-{event['order_id']}", name="print-label")
    requested_at = context.step(lambda _: time.time(), name="requested-at")
    context.wait(Duration.from_seconds(3600), name="pickup-window")
    shipped = context.step(lambda _: f"shipped {label}", name="hand-over")
    return {"shipment": shipped, "requested_at": requested_at}
