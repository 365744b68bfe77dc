"""What shop.py expects to find in AWS: `--setup shop_setup:resources` runs it before every execution."""

from __future__ import annotations

import boto3


def _table(dynamodb, name: str, key: str) -> None:
    dynamodb.create_table(TableName=name, KeySchema=[{"AttributeName": key, "KeyType": "HASH"}],
                          AttributeDefinitions=[{"AttributeName": key, "AttributeType": "S"}],
                          BillingMode="PAY_PER_REQUEST")


def resources() -> None:
    dynamodb = boto3.client("dynamodb")
    _table(dynamodb, "orders", "order_id")
    _table(dynamodb, "inventory", "sku")
    dynamodb.put_item(TableName="inventory", Item={"sku": {"S": "lamp"}, "stock": {"N": "10"}})
    boto3.client("sqs").create_queue(QueueName="shipments.fifo", Attributes={"FifoQueue": "true"})
    boto3.client("ses").verify_email_identity(EmailAddress="shop@example.com")
