"""Handlers that do their work through AWS, each bug beside its idempotent version.

Clients are made on first use, inside the fuzzer's AWS in memory (this module is
imported by the tests before any is open); `resources` is the setup function.
"""

from __future__ import annotations

import functools
import json
import socket
import sys

import boto3
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration


@functools.cache
def client(service: str):  # noqa: ANN201 - a boto3 client
    return boto3.client(service, region_name="us-east-1")


def _table(name: str, key: str) -> None:
    client("dynamodb").create_table(
        TableName=name, KeySchema=[{"AttributeName": key, "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": key, "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST")


# One setup per handler: each runs before every execution, and each AWS call costs milliseconds.
def queues() -> None:
    client("sqs").create_queue(QueueName="jobs")
    client("sqs").create_queue(QueueName="jobs.fifo", Attributes={"FifoQueue": "true"})


def counters() -> None:
    _table("counters", "name")


def mail() -> None:
    _table("sent", "id")
    client("ses").verify_email_identity(EmailAddress="noreply@example.com")


def idempotency() -> None:
    client("sqs").create_queue(QueueName="jobs")
    _table("idempotency", "id")
    client("dynamodb").update_time_to_live(
        TableName="idempotency", TimeToLiveSpecification={"Enabled": True, "AttributeName": "expiration"})


def resources() -> None:
    """Everything every handler here expects."""
    queues()
    counters()
    mail()
    _table("idempotency", "id")


def _queue(name: str) -> str:
    return client("sqs").get_queue_url(QueueName=name)["QueueUrl"]


@durable_execution
def queue_send(event: dict, context: DurableContext) -> str:
    """An at-least-once step sends to a standard queue: a re-run sends the job again."""
    context.step(lambda _: client("sqs").send_message(QueueUrl=_queue("jobs"), MessageBody=json.dumps(event)), name="enqueue")
    return "queued"


@durable_execution
def queue_send_deduplicated(event: dict, context: DurableContext) -> str:
    context.step(lambda _: client("sqs").send_message(
        QueueUrl=_queue("jobs.fifo"), MessageBody=json.dumps(event), MessageGroupId="jobs",
        MessageDeduplicationId="job-1"), name="enqueue")
    return "queued"


def _count(extra: dict) -> None:
    client("dynamodb").update_item(TableName="counters", Key={"name": {"S": "visits"}}, **extra)


@durable_execution
def counter(event: dict, context: DurableContext) -> str:
    """A step increments a counter with UpdateItem ADD: a re-run counts twice."""
    context.step(lambda _: _count({"UpdateExpression": "ADD hits :one", "ExpressionAttributeValues": {":one": {"N": "1"}}}),
                 name="count")
    context.wait(Duration.from_seconds(5), name="pause")
    return "counted"


def _count_once(request: str) -> None:
    try:
        _count({"UpdateExpression": "ADD hits :one, requests :request",
                "ConditionExpression": "NOT contains(requests, :id)",
                "ExpressionAttributeValues": {":one": {"N": "1"}, ":request": {"SS": [request]}, ":id": {"S": request}}})
    except client("dynamodb").exceptions.ConditionalCheckFailedException:
        pass  # counted by an earlier run of the step


@durable_execution
def counter_guarded(event: dict, context: DurableContext) -> str:
    context.step(lambda _: _count_once("request-1"), name="count")
    context.wait(Duration.from_seconds(5), name="pause")
    return "counted"


def _email(order: str) -> None:
    client("ses").send_email(Source="noreply@example.com", Destination={"ToAddresses": ["ada@example.com"]},
                             Message={"Subject": {"Data": f"order {order}"}, "Body": {"Text": {"Data": "thanks"}}})


@durable_execution
def email_from_orchestration(event: dict, context: DurableContext) -> str:
    """Orchestration code sends the e-mail: every replay after it sends it again."""
    context.step(lambda _: "paid", name="pay")
    _email("o-1")
    return "done"


def _email_once(order: str) -> None:
    try:
        client("dynamodb").put_item(TableName="sent", Item={"id": {"S": f"email-{order}"}},
                                    ConditionExpression="attribute_not_exists(id)")
    except client("dynamodb").exceptions.ConditionalCheckFailedException:
        return
    _email(order)


@durable_execution
def email_in_guarded_step(event: dict, context: DurableContext) -> str:
    context.step(lambda _: "paid", name="pay")
    context.step(lambda _: _email_once("o-1"), name="email")
    return "done"


@functools.cache
def _powertools_shipping():  # noqa: ANN202 - the decorated function, made inside AWS in memory
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer, IdempotencyConfig, idempotent_function

    @idempotent_function(data_keyword_argument="order", config=IdempotencyConfig(expires_after_seconds=3600),
                         persistence_store=DynamoDBPersistenceLayer(table_name="idempotency", boto3_client=client("dynamodb")))
    def ship(order: dict) -> dict:
        client("sqs").send_message(QueueUrl=_queue("jobs"), MessageBody=order["id"])
        return {"shipped": order["id"]}

    return ship


@durable_execution
def powertools_idempotent(event: dict, context: DurableContext) -> dict:
    """Powertools' idempotency utility keeps the standard-queue send to one per order."""
    return context.step(lambda _: _powertools_shipping()(order={"id": "o-9"}), name="ship")


def _guard_answer() -> str:
    """What the network guard says to a connection to a non-loopback address, asked through the
    audit event a real connect raises (no socket is made, so nothing can leave the machine)."""

    class Probe:
        family = socket.AF_INET

    try:
        sys.audit("socket.connect", Probe(), ("192.0.2.1", 443))
    except OSError:
        return "refused"
    return "allowed"


@durable_execution
def guard_watch(event: dict, context: DurableContext) -> str:
    client("sqs").list_queues()  # AWS in memory answers
    return context.step(lambda _: _guard_answer(), name="look")
