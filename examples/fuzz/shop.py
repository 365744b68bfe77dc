"""An order workflow on DynamoDB, SQS and SES: `durable-fuzz shop.py --aws moto --setup shop_setup:resources`.

Every call is where the linter wants it (inside steps), and two of the three side
effects are made safe for replays: the shipment goes to a FIFO queue with a
deduplication id, the confirmation e-mail is sent once per order behind a
conditional write. The stock reservation is not: `SET stock = stock - :quantity`
runs again whenever the reserve step does (a crash before its checkpoint is
stored), and the warehouse loses stock it never shipped. Only running it on AWS in
memory shows that: the fuzzer records the UpdateItem as a duplicate effect and
finds the inventory table different from the straight-through run's.
"""

from __future__ import annotations

import json

import boto3
from aws_durable_execution_sdk_python import DurableContext, StepContext, durable_execution, durable_step
from aws_durable_execution_sdk_python.config import Duration

dynamodb = boto3.resource("dynamodb")
sqs = boto3.client("sqs")
ses = boto3.client("ses")


@durable_step
def record_order(step_context: StepContext, order: dict) -> None:
    dynamodb.Table("orders").put_item(Item={"order_id": order["order_id"], "sku": order["sku"],
                                            "quantity": order["quantity"], "status": "received"})


@durable_step
def reserve_stock(step_context: StepContext, sku: str, quantity: int) -> None:
    # The bug: repeated, this takes the stock twice. (Fix: a condition on a reservation
    # record, e.g. a transaction with attribute_not_exists on "reservation#<order_id>".)
    dynamodb.Table("inventory").update_item(
        Key={"sku": sku}, UpdateExpression="SET stock = stock - :quantity",
        ConditionExpression="stock >= :quantity", ExpressionAttributeValues={":quantity": quantity})


@durable_step
def request_shipment(step_context: StepContext, order: dict) -> None:
    url = sqs.get_queue_url(QueueName="shipments.fifo")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps(order), MessageGroupId=order["sku"],
                     MessageDeduplicationId=f"ship-{order['order_id']}")


@durable_step
def confirm(step_context: StepContext, order: dict) -> str:
    try:
        dynamodb.Table("orders").update_item(
            Key={"order_id": order["order_id"]}, UpdateExpression="SET confirmed = :yes",
            ConditionExpression="attribute_not_exists(confirmed)", ExpressionAttributeValues={":yes": True})
    except dynamodb.meta.client.exceptions.ConditionalCheckFailedException:
        return "confirmed"  # by an earlier run of this step: the e-mail went out then
    ses.send_email(Source="shop@example.com", Destination={"ToAddresses": [order["email"]]},
                   Message={"Subject": {"Data": f"Order {order['order_id']} is on its way"},
                            "Body": {"Text": {"Data": f"{order['quantity']} x {order['sku']}"}}})
    return "confirmed"


@durable_execution
def place_order(event: dict, context: DurableContext) -> dict:
    order = {"order_id": event.get("order_id", "o-1"), "sku": event.get("sku", "lamp"),
             "quantity": event.get("quantity", 2), "email": event.get("email", "ada@example.com")}
    context.step(record_order(order))
    context.step(reserve_stock(order["sku"], order["quantity"]))
    context.wait(Duration.from_seconds(300), name="payment-window")
    context.step(request_shipment(order))
    status = context.step(confirm(order))
    return {"order_id": order["order_id"], "status": status}
