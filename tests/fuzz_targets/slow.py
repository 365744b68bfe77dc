"""A handler whose step outlives any reasonable invocation timeout."""

import time

from aws_durable_execution_sdk_python import durable_execution


@durable_execution
def sleepy(event, context):
    return context.step(lambda _: time.sleep(30) or "late", name="slow")
