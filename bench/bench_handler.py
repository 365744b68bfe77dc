"""The handler both benchmarks run: 5 steps, a 30 s wait, a callback, 5 more steps (3 invocations)."""

from aws_durable_execution_sdk_python import durable_execution
from aws_durable_execution_sdk_python.config import Duration


@durable_execution
def handler(event, context):
    total = 0
    for index in range(5):
        total += context.step(lambda _, i=index: i, name=f"before-{index}")
    context.wait(Duration.from_seconds(30), name="hold")
    callback = context.create_callback("approval")
    for index in range(5):
        total += context.step(lambda _, i=index: i * 10, name=f"after-{index}")
    return {"total": total, "answer": callback.result()}
