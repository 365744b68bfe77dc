"""AWS and HTTP clients shared by the handlers, created once per execution environment."""

from __future__ import annotations

import os

import boto3
import requests

REGION = os.environ.get("AWS_REGION", "eu-west-1")

dynamodb = boto3.resource("dynamodb", region_name=REGION)
orders_table = dynamodb.Table(os.environ.get("ORDERS_TABLE", "orders"))
s3 = boto3.client("s3", region_name=REGION)
sqs = boto3.client("sqs", region_name=REGION)
sns = boto3.client("sns", region_name=REGION)
secrets = boto3.client("secretsmanager", region_name=REGION)

http = requests.Session()
http.headers.update({"User-Agent": "shop-backend/1.0"})


def api_key(name: str) -> str:
    return secrets.get_secret_value(SecretId=name)["SecretString"]
