"""Side effects outside steps: network, files, databases, output."""

from __future__ import annotations

import ast

from durable_lint.call_shapes import positional_or_keyword
from durable_lint.module import DurableModule
from durable_lint.rule import OBJECT_CHAIN, PATH_OBJECT, CallRule

_HTTP_VERBS = r"(get|post|put|patch|delete|head|options|request|send|stream)"
# boto3 accessors that build a local handle without calling AWS.
# What lies between a boto3 client or resource and its AWS call: sub-resources
# (`Table(...)`, `Bucket(...).objects`), `meta.client`, paginators and waiters. What
# an AWS call returns is data: `table.get_item(...).get("Item")` calls nothing.
_BOTO_HANDLE = r"(\.([A-Z]\w*|meta|client|objects|object_versions|multipart_uploads|get_paginator|get_waiter|batch_writer)(\(\))?)*"
_BOTO_LOCAL = r"(Table|Bucket|Object|Queue|Topic|Subscription|Message|get_paginator|get_waiter|can_paginate|close|batch_writer)"


class NetworkIo(CallRule):
    """
    ## What it does
    Flags network calls in orchestration code: `requests`, `httpx`, `aiohttp`,
    `urllib.request`, `http.client`, `socket`, and AWS calls through `boto3`
    clients, resources and tables (also ones created at module level) or `botocore`.

    ## Why is this bad?
    Orchestration code runs again on every replay, so the request is sent again
    each time the execution resumes: a charge, an email or a write repeated once per
    suspension. Its response can also differ between replays.

    ## Example
    ```python
    table = boto3.resource("dynamodb").Table("orders")

    @durable_execution
    def handler(event, context):
        table.put_item(Item=event["order"])
    ```

    ## Use instead
    ```python
        context.step(lambda _: table.put_item(Item=event["order"]), name="save-order")
    ```
    """

    code = "DUR501"
    name = "network-io"
    message = "{subject} does network I/O in orchestration code, which repeats it on every replay. Move it into a step"
    calls = (
        rf"requests\.{_HTTP_VERBS}",
        rf"requests\.(sessions\.)?(Session|session)\(\)\.{_HTTP_VERBS}",
        rf"httpx\.{_HTTP_VERBS}",
        rf"httpx\.(Async)?Client\(\)\.{_HTTP_VERBS}",
        r"aiohttp\.request",
        rf"aiohttp\.ClientSession\(\)\.{_HTTP_VERBS}",
        r"urllib\.request\.(urlopen|urlretrieve)",
        r"urllib\.request\.build_opener\(\)\.open",
        r"http\.client\.HTTPS?Connection\(\)\.(request|getresponse|connect|send|putrequest|endheaders)",
        r"socket\.(create_connection|getaddrinfo|gethostbyname|gethostbyname_ex|gethostbyaddr)",
        r"socket\.socket\(\)\.(connect|connect_ex|send|sendall|sendto|recv|recvfrom|recv_into|accept|bind|listen)",
        rf"boto3\.(session\.)?(Session\(\)\.)?(client|resource)\(\){_BOTO_HANDLE}\.(?!{_BOTO_LOCAL}$)\w+",
        r"botocore\.session\.get_session\(\)\.create_client\(\)\.\w+",
    )

    VALID = (
        """
        import boto3
        import requests
        from aws_durable_execution_sdk_python import durable_execution, durable_step

        table = boto3.resource("dynamodb").Table("orders")

        @durable_step
        def save(step_context, order):
            table.put_item(Item=order)
            return requests.post("https://example.com/hook", json=order).status_code

        @durable_execution
        def handler(event, context):
            status = context.step(save(event["order"]))
            context.step(lambda _: table.get_item(Key={"id": "1"}), name="load")
            return status
        """,
    )
    INVALID = (
        """
        import boto3
        import requests
        from aws_durable_execution_sdk_python import durable_execution

        table = boto3.resource("dynamodb").Table("orders")
        sqs = boto3.client("sqs")

        @durable_execution
        def handler(event, context):
            table.put_item(Item=event["order"])  # <- DUR501
            sqs.send_message(QueueUrl=event["queue"], MessageBody="x")  # <- DUR501
            reply = requests.get(event["url"], timeout=5)  # <- DUR501
            return context.step(lambda _: reply.status_code, name="record")
        """,
        """
        import boto3
        from aws_durable_execution_sdk_python import durable_execution

        orders = boto3.resource("dynamodb").Table("orders")

        @durable_execution
        def handler(event, context):
            found = orders.get_item(Key={"id": event["id"]})  # <- DUR501
            item = found.get("Item", {})
            with orders.batch_writer() as batch:
                batch.put_item(Item=item)  # <- DUR501
            return context.step(lambda _: item, name="item")
        """,
    )


class FilesystemWrite(CallRule):
    """
    ## What it does
    Flags file system writes in orchestration code: `open()` in a write, append,
    create or update mode, `Path.write_text()`, `write_bytes()`, `touch()`,
    `unlink()`, `mkdir()`, `os.remove()`, `os.rename()`, `os.makedirs()` and the
    `shutil` copy, move and remove functions.

    ## Why is this bad?
    The write is repeated on every replay, and its effect is bound to one Lambda
    execution environment: a replay in a fresh environment does not see it.

    ## Example
    ```python
        with open("/tmp/report.csv", "w") as out:
            out.write(rows)
    ```

    ## Use instead
    Write inside a step (and keep durable data in the step result or external storage):
    ```python
        context.step(write_report(rows))
    ```
    """

    code = "DUR502"
    name = "filesystem-write"
    message = "{subject} writes to the file system in orchestration code, repeated on every replay. Move it into a step"
    calls = (
        r"builtins\.open",
        r"io\.open",
        PATH_OBJECT + r"\.(write_text|write_bytes|touch|unlink|mkdir|rmdir|rename|replace|symlink_to|hardlink_to|chmod|open)",
        r"os\.(remove|unlink|rename|renames|replace|makedirs|mkdir|rmdir|removedirs|truncate|symlink|link|chmod|chown|utime)",
        r"shutil\.(copy|copy2|copyfile|copytree|copymode|copystat|move|rmtree|make_archive|unpack_archive|chown)",
    )

    def matches(self, call: ast.Call, path: str, module: DurableModule) -> bool:
        if path in ("builtins.open", "io.open"):
            return _writes(positional_or_keyword(call, 1, "mode"))
        if path.endswith(".open"):
            return _writes(positional_or_keyword(call, 0, "mode"))
        return True

    VALID = (
        """
        from pathlib import Path
        from aws_durable_execution_sdk_python import durable_execution

        def write_report(rows):
            def body(step_context):
                with open("/tmp/report.csv", "w") as out:
                    out.write(rows)
                return len(rows)
            return body

        @durable_execution
        def handler(event, context):
            with open(event["template"]) as template:
                text = template.read()
            context.step(write_report(text), name="write-report")
            context.step(lambda _: Path("/tmp/done").touch(), name="mark-done")
            return text
        """,
    )
    INVALID = (
        """
        import shutil
        from pathlib import Path
        from aws_durable_execution_sdk_python import durable_execution

        @durable_execution
        def handler(event, context):
            with open("/tmp/report.csv", "a") as out:  # <- DUR502
                out.write("row")
            Path("/tmp/marker").write_text("done")  # <- DUR502
            shutil.rmtree("/tmp/work")  # <- DUR502
            return context.step(lambda _: "ok", name="finish")
        """,
    )


class DatabaseIo(CallRule):
    """
    ## What it does
    Flags database access in orchestration code through `sqlite3`, `psycopg`,
    `psycopg2`, `pymysql`, `redis` and SQLAlchemy engines and sessions.

    ## Why is this bad?
    Queries and writes are repeated on every replay: an `INSERT` runs once per
    suspension, and a read can return a different answer each time, steering the
    replay down another path.

    ## Example
    ```python
        cache.incr(f"orders:{event['customer']}")
    ```

    ## Use instead
    ```python
        context.step(lambda _: cache.incr(f"orders:{event['customer']}"), name="count-order")
    ```
    """

    code = "DUR503"
    name = "database-io"
    message = "{subject} talks to a database in orchestration code, repeated on every replay. Move it into a step"
    calls = (
        rf"(sqlite3|psycopg|psycopg2|pymysql)\.(connect|Connect)(\(\){OBJECT_CHAIN}\.(execute\w*|commit|rollback|fetch\w*|copy|callproc))?",
        r"redis\.(Redis|StrictRedis|from_url|Redis\.from_url)\(\)(\.pipeline\(\))?\.(?!pipeline$)\w+",
        rf"sqlalchemy\.create_engine\(\){OBJECT_CHAIN}\.(connect|begin|execute|exec_driver_sql|commit)",
        rf"sqlalchemy\.orm\.(Session|sessionmaker\(\))\(\){OBJECT_CHAIN}\.(execute|commit|add|add_all|query|get|scalars|scalar|flush|merge|delete|refresh)",
    )

    VALID = (
        """
        import redis
        from aws_durable_execution_sdk_python import durable_execution

        cache = redis.Redis(host="cache")

        @durable_execution
        def handler(event, context):
            count = context.step(lambda _: cache.incr(event["customer"]), name="count")
            return count
        """,
    )
    INVALID = (
        """
        import sqlite3
        import redis
        from aws_durable_execution_sdk_python import durable_execution

        cache = redis.Redis(host="cache")

        @durable_execution
        def handler(event, context):
            cache.incr(event["customer"])  # <- DUR503
            db = sqlite3.connect("/tmp/orders.db")  # <- DUR503
            db.execute("insert into orders values (?)", (event["id"],))  # <- DUR503
            return context.step(lambda _: "ok", name="finish")
        """,
    )


def _writes(mode: ast.expr | None) -> bool:
    """Does an open() mode write? Unknown (non-literal) modes are given the benefit of the doubt."""
    return isinstance(mode, ast.Constant) and isinstance(mode.value, str) and any(c in mode.value for c in "wax+")


class Subprocess(CallRule):
    """
    ## What it does
    Flags processes started from orchestration code: `subprocess.*`, `os.system()`,
    `os.popen()`, `os.exec*()`, `os.spawn*()` and asyncio's subprocess functions.

    ## Why is this bad?
    The command runs again on every replay, and its output (from another program,
    in another execution environment) can differ each time.

    ## Example
    ```python
        version = subprocess.check_output(["git", "rev-parse", "HEAD"])
    ```

    ## Use instead
    ```python
        version = context.step(lambda _: subprocess.check_output(["git", "rev-parse", "HEAD"]).decode(), name="version")
    ```
    """

    code = "DUR505"
    name = "subprocess"
    message = "{subject} starts a process from orchestration code: repeated on every replay, with output that can differ. Run it in a step"
    calls = (
        r"subprocess\.(run|call|check_call|check_output|Popen|getoutput|getstatusoutput)",
        r"os\.(system|popen|exec[lv]p?e?|spawn[lv]p?e?|posix_spawnp?|fork|forkpty)",
        r"asyncio\.(create_subprocess_exec|create_subprocess_shell)",
    )

    VALID = (
        """
        import subprocess
        from aws_durable_execution_sdk_python import durable_execution

        @durable_execution
        def handler(event, context):
            out = context.step(lambda _: subprocess.run(["true"], check=True).returncode, name="run")
            return out
        """,
    )
    INVALID = (
        """
        import os
        import subprocess
        from aws_durable_execution_sdk_python import durable_execution

        @durable_execution
        def handler(event, context):
            head = subprocess.check_output(["git", "rev-parse", "HEAD"])  # <- DUR505
            os.system("sync")  # <- DUR505
            return context.step(lambda _: head.decode(), name="head")
        """,
    )


class FilesystemRead(CallRule):
    """
    ## What it does
    Opt-in. Flags file reads in orchestration code: `open()` in read mode (the
    default), `Path.read_text()`, `Path.read_bytes()` and `Path.open()` for reading.

    ## Why is this bad?
    Files outside the deployment package differ between Lambda execution
    environments (a warm `/tmp` keeps what an earlier invocation wrote, a cold one
    is empty), so a replay can read something else. Files shipped with the function
    are the same everywhere, which is why this rule is opt-in.

    ## Example
    ```python
        rows = open("/tmp/batch.csv").read().splitlines()
    ```

    ## Use instead
    ```python
        rows = context.step(lambda _: open("/tmp/batch.csv").read().splitlines(), name="read-batch")
    ```
    """

    code = "DUR506"
    name = "filesystem-read"
    default_enabled = False
    message = "{subject} reads a file in orchestration code, and files differ between execution environments. Read it in a step"
    calls = (
        r"builtins\.open",
        r"io\.open",
        PATH_OBJECT + r"\.(read_text|read_bytes|open)",
    )

    def matches(self, call: ast.Call, path: str, module: DurableModule) -> bool:
        if path.endswith((".read_text", ".read_bytes")):
            return True
        mode = positional_or_keyword(call, 0 if path.endswith(".open") and not path.startswith(("builtins", "io")) else 1, "mode")
        return _reads(mode)

    VALID = (
        """
        from aws_durable_execution_sdk_python import durable_execution

        @durable_execution
        def handler(event, context):
            text = context.step(lambda _: open("/tmp/batch.csv").read(), name="read")
            return text
        """,
    )
    INVALID = (
        """
        from pathlib import Path
        from aws_durable_execution_sdk_python import durable_execution

        @durable_execution
        def handler(event, context):
            with open("/tmp/batch.csv") as batch:  # <- DUR506
                rows = batch.read().splitlines()
            marker = Path("/tmp/marker").read_text()  # <- DUR506
            return context.step(lambda _: [rows, marker], name="rows")
        """,
    )


def _reads(mode: ast.expr | None) -> bool:
    """Does an open() mode only read? No mode means "r"; a computed mode is not judged."""
    if mode is None:
        return True
    return isinstance(mode, ast.Constant) and isinstance(mode.value, str) and not any(c in mode.value for c in "wax+")
