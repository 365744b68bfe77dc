"""Inline `# noqa` comments: blanket, exact, prefix, any case, wrong code, multi-line statements."""

import time
import uuid

from aws_durable_execution_sdk_python import durable_execution


@durable_execution
def handler(event, context):
    a = time.time()  # noqa
    b = time.time()  # noqa: DUR101
    c = time.time()  # NOQA:dur101
    d = time.time()  # noqa: DUR1
    e = time.time()  # noqa: DUR203
    f = time.time()  # noqa: DUR
    g = time.time()  # noqa:E501,Dur101
    h = time.strftime("""%H
    """)  # noqa: DUR101
    i = (
        time.time()
    )
    j = (
        time.time()  # noqa: DUR101
    )
    k = (
        time.time()
    )  # noqa: DUR101
    m = max(  # noqa: DUR101
        time.time(),
        0,
    )
    return context.step(lambda _: [a, b, c, d, e, f, g, h, i, j, k, m, str(uuid.uuid4())], name="x")
