"""Refunds wait for a human approval by callback, then refund through the payment API."""

from __future__ import annotations

import hashlib
import logging
from typing import Any

import boto3
import requests
from aws_durable_execution_sdk_python import (
    CallbackError,
    DurableContext,
    StepContext,
    durable_execution,
    durable_step,
    durable_with_child_context,
)
from aws_durable_execution_sdk_python.config import CallbackConfig, Duration

logger = logging.getLogger(__name__)
ses = boto3.client("ses")


@durable_step
def refund(step_context: StepContext, charge_id: str, amount: str) -> dict[str, Any]:
    response = requests.post(
        f"https://payments.example.com/charges/{charge_id}/refunds",
        json={"amount": amount},
        headers={"Idempotency-Key": hashlib.sha256(f"refund/{charge_id}/{amount}".encode()).hexdigest()},
        timeout=10,
    )
    response.raise_for_status()
    return response.json()


@durable_step
def email(step_context: StepContext, to: str, subject: str, body: str) -> str:
    sent = ses.send_email(
        Source="shop@example.com",
        Destination={"ToAddresses": [to]},
        Message={"Subject": {"Data": subject}, "Body": {"Text": {"Data": body}}},
    )
    return sent["MessageId"]


@durable_with_child_context
def notify_customer(ctx: DurableContext, customer: dict[str, Any], amount: str) -> list[str]:
    ids = [ctx.step(email(customer["email"], "Your refund", f"We refunded {amount}."))]
    if customer.get("phone"):
        sns = boto3.client("sns")
        ids.append(ctx.step(lambda _: sns.publish(PhoneNumber=customer["phone"], Message="Refunded")["MessageId"],
                            name="sms"))
    return ids


@durable_execution
def handler(event: dict[str, Any], context: DurableContext) -> dict[str, Any]:
    callback = context.create_callback("refund-approval", CallbackConfig(timeout=Duration.from_days(2)))
    context.step(lambda _: email(event["approver"], "Approve refund", callback.callback_id), name="ask")
    try:
        decision = callback.result()
    except CallbackError as error:
        logger.warning("no decision for %s: %s", event["charge_id"], error)
        return {"refunded": False}
    if not decision or decision.get("approved") is not True:
        return {"refunded": False}
    result = context.step(refund(event["charge_id"], event["amount"]))
    context.run_in_child_context(notify_customer(event["customer"], event["amount"]), name="notify")
    return {"refunded": True, "refund_id": result["id"]}
