"""The handlers bench/aws_speed.py runs: one order workflow, on AWS (moto) and on plain Python stand-ins.

Both make the same calls in the same steps (record the order, enqueue the shipment
with a deduplication id, a 60 s wait, send the e-mail behind a conditional write),
so the difference in speed is what AWS in memory costs.
"""

from __future__ import annotations

import json

import boto3
from aws_durable_execution_sdk_python import durable_execution
from aws_durable_execution_sdk_python.config import Duration

ORDER = {"order_id": "o-1", "sku": "lamp", "quantity": 2}


class Clients:
    """The boto3 clients, made at import as Lambda handlers make them (bench/aws_speed.py imports
    this module with AWS in memory open, as durable-fuzz --aws moto does)."""

    def __init__(self) -> None:
        self.dynamodb = boto3.client("dynamodb")
        self.sqs = boto3.client("sqs")
        self.ses = boto3.client("ses")


aws = Clients()


def resources() -> None:
    aws.dynamodb.create_table(TableName="orders", KeySchema=[{"AttributeName": "order_id", "KeyType": "HASH"}],
                              AttributeDefinitions=[{"AttributeName": "order_id", "AttributeType": "S"}],
                              BillingMode="PAY_PER_REQUEST")
    aws.sqs.create_queue(QueueName="shipments.fifo", Attributes={"FifoQueue": "true"})
    aws.ses.verify_email_identity(EmailAddress="shop@example.com")


def _on_aws_confirm(order: dict) -> None:
    try:
        aws.dynamodb.update_item(TableName="orders", Key={"order_id": {"S": order["order_id"]}},
                                 UpdateExpression="SET confirmed = :yes", ConditionExpression="attribute_not_exists(confirmed)",
                                 ExpressionAttributeValues={":yes": {"BOOL": True}})
    except aws.dynamodb.exceptions.ConditionalCheckFailedException:
        return
    aws.ses.send_email(Source="shop@example.com", Destination={"ToAddresses": ["ada@example.com"]},
                       Message={"Subject": {"Data": order["order_id"]}, "Body": {"Text": {"Data": "on its way"}}})


@durable_execution
def on_aws(event: dict, context) -> str:  # noqa: ANN001
    order = ORDER
    context.step(lambda _: aws.dynamodb.put_item(TableName="orders", Item={
        "order_id": {"S": order["order_id"]}, "sku": {"S": order["sku"]}}), name="record")
    url = context.step(lambda _: aws.sqs.get_queue_url(QueueName="shipments.fifo")["QueueUrl"], name="queue")
    context.step(lambda _: aws.sqs.send_message(QueueUrl=url, MessageBody=json.dumps(order), MessageGroupId="o",
                                                MessageDeduplicationId=order["order_id"]), name="ship")
    context.wait(Duration.from_seconds(60), name="payment-window")
    context.step(lambda _: _on_aws_confirm(order), name="confirm")
    return "done"


TABLE: dict[str, dict] = {}
QUEUE: dict[str, str] = {}
OUTBOX: list[str] = []


def _plain_confirm(order: dict) -> None:
    record = TABLE.setdefault(order["order_id"], {})  # a cold environment starts with empty stand-ins
    if record.get("confirmed"):
        return
    record["confirmed"] = True
    OUTBOX.append(order["order_id"])


@durable_execution
def plain(event: dict, context) -> str:  # noqa: ANN001
    order = ORDER
    context.step(lambda _: TABLE.setdefault(order["order_id"], {"sku": order["sku"]}) and None, name="record")
    url = context.step(lambda _: "shipments.fifo", name="queue")
    context.step(lambda _: QUEUE.setdefault(order["order_id"], json.dumps(order)) and None, name="ship")
    context.wait(Duration.from_seconds(60), name="payment-window")
    context.step(lambda _: _plain_confirm(order) or url and None, name="confirm")
    return "done"
