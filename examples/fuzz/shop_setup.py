"""What shop.py expects to find in AWS: `--setup shop_setup:resources` runs it before every execution.

The clients are made once, at import (durable-fuzz opens AWS in memory before it
imports anything): creating a boto3 client costs more than the calls it makes here.
"""

from __future__ import annotations

import boto3

dynamodb = boto3.client("dynamodb")
sqs = boto3.client("sqs")
ses = boto3.client("ses")


def _table(name: str, key: str) -> None:
    dynamodb.create_table(TableName=name, KeySchema=[{"AttributeName": key, "KeyType": "HASH"}],
                          AttributeDefinitions=[{"AttributeName": key, "AttributeType": "S"}],
                          BillingMode="PAY_PER_REQUEST")


def resources() -> None:
    _table("orders", "order_id")
    _table("inventory", "sku")
    dynamodb.put_item(TableName="inventory", Item={"sku": {"S": "lamp"}, "stock": {"N": "10"}})
    sqs.create_queue(QueueName="shipments.fifo", Attributes={"FifoQueue": "true"})
    ses.verify_email_identity(EmailAddress="shop@example.com")
