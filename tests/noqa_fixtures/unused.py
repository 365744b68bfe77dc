"""DUR100: unknown and unused DUR codes in noqa comments; other tools' codes are left alone."""

import time

from aws_durable_execution_sdk_python import durable_execution


@durable_execution
def handler(event, context):
    a = event["a"]  # noqa: DUR999
    b = event["b"]  # noqa: DUR203
    c = event["c"]  # noqa: E501
    d = event["d"]  # noqa: DUR100, DUR999
    e = time.time()  # noqa: DUR101, DUR203
    f = event["f"]  # noqa
    g = "# noqa: DUR999"
    return context.step(lambda _: [a, b, c, d, e, f, g], name="x")
