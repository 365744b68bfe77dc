"""Place an order: reserve stock in DynamoDB, charge through the payment API, confirm by SQS."""

from __future__ import annotations

import json
import os
from typing import Any

import requests
from aws_durable_execution_sdk_python import DurableContext, StepContext, durable_execution, durable_step
from aws_durable_execution_sdk_python.config import Duration, StepConfig
from aws_durable_execution_sdk_python.retries import RetryStrategyConfig, create_retry_strategy

from shop.clients import api_key, http, orders_table, sqs
from shop.pricing import order_total, skus

PAYMENTS_URL = os.environ.get("PAYMENTS_URL", "https://payments.example.com")
QUEUE_URL = os.environ.get("CONFIRMATIONS_QUEUE", "")


@durable_step
def reserve(step_context: StepContext, order_id: str, sku: str, quantity: int) -> dict[str, Any]:
    response = orders_table.update_item(
        Key={"pk": f"stock#{sku}"},
        UpdateExpression="SET reserved = reserved + :q",
        ConditionExpression="available >= :q",
        ExpressionAttributeValues={":q": quantity},
        ReturnValues="UPDATED_NEW",
    )
    step_context.logger.info("reserved %s x %s for %s", quantity, sku, order_id)
    return {"sku": sku, "reserved": int(response["Attributes"]["reserved"])}


@durable_step
def charge(step_context: StepContext, order_id: str, amount: str, card: str) -> dict[str, Any]:
    response = http.post(
        f"{PAYMENTS_URL}/charges",
        json={"amount": amount, "source": card, "idempotency_key": f"order-{order_id}"},
        headers={"Authorization": f"Bearer {api_key('payments')}"},
        timeout=10,
    )
    response.raise_for_status()
    body = response.json()
    return {"charge_id": body["id"], "status": body["status"]}


@durable_step
def confirm(step_context: StepContext, order_id: str, charge_id: str) -> str:
    result = sqs.send_message(QueueUrl=QUEUE_URL, MessageBody=json.dumps({"order": order_id, "charge": charge_id}))
    return result["MessageId"]


@durable_step
def fetch_rates(step_context: StepContext, currency: str) -> dict[str, float]:
    response = requests.get(f"{PAYMENTS_URL}/rates/{currency}", timeout=5)
    response.raise_for_status()
    return response.json()["rates"]


@durable_execution
def handler(event: dict[str, Any], context: DurableContext) -> dict[str, Any]:
    order_id = event["order_id"]
    lines = sorted(event["lines"], key=lambda line: line["sku"])
    retry = StepConfig(retry_strategy=create_retry_strategy(RetryStrategyConfig(max_attempts=3)))

    for line in lines:
        context.step(reserve(order_id, line["sku"], line["quantity"]), config=retry)

    rates = context.step(fetch_rates(event.get("currency", "EUR")))
    amount = str(order_total(lines, event["country"]))
    payment = context.step(charge(order_id, amount, event["card_token"]), config=retry)
    if payment["status"] != "succeeded":
        return {"order_id": order_id, "status": "payment_failed"}

    context.wait(Duration.from_seconds(30), name="fraud-window")
    message_id = context.step(confirm(order_id, payment["charge_id"]))
    return {"order_id": order_id, "skus": skus(lines), "message": message_id, "rate": rates.get("EUR")}
