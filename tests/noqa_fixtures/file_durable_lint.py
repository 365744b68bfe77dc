# durable-lint: noqa
import time

from aws_durable_execution_sdk_python import durable_execution


@durable_execution
def handler(event, context):
    started = time.time()
    return context.step(lambda _: started, name="record")
