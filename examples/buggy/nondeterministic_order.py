"""An order workflow with replay bugs that durable-lint reports.

Each marked line breaks replay: the SDK re-runs this handler from the top after
the wait, so the order id, the clock branch and the write differ or repeat.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

import boto3

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration

orders = boto3.resource("dynamodb", region_name="us-east-1").Table("orders")


@durable_execution
def handler(event: dict[str, Any], context: DurableContext) -> dict[str, Any]:
    order_id = str(uuid.uuid4())  # DUR203: a new id on every replay
    orders.put_item(Item={"id": order_id, "lines": event["lines"]})  # DUR501: written again on every replay
    context.wait(Duration.from_seconds(2), name="fraud-hold")
    if time.time() > event["deadline"]:  # DUR101: the replay reads a later time
        return {"order_id": order_id, "status": "expired"}
    charged = context.step(lambda _: {"order_id": order_id}, name=f"charge-{uuid.uuid4()}")  # DUR703
    return {"order_id": order_id, "charged": charged}
