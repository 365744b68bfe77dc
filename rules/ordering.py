"""Iteration orders that differ between replays."""

from __future__ import annotations

import ast

from durable_lint.module import DurableModule
from durable_lint.rule import CallRule

_PATH_CLASS = r"pathlib\.(Pure)?(Posix|Windows)?Path\(\)(\.\w+(\(\))?)*"


class FilesystemOrder(CallRule):
    """
    ## What it does
    Flags directory listings in orchestration code that are not wrapped in
    `sorted()`: `os.listdir()`, `os.scandir()`, `os.walk()`, `glob.glob()`,
    `glob.iglob()`, `Path.iterdir()`, `Path.glob()`, `Path.rglob()`.

    ## Why is this bad?
    The order of a directory listing is not specified and the directory itself may
    change between replays (a warm and a cold Lambda environment have different
    `/tmp` contents), so operations issued per file come in a different order.

    ## Example
    ```python
        for name in os.listdir("/tmp/batch"):
            context.step(upload(name))
    ```

    ## Use instead
    List the files in a step and sort them:
    ```python
        names = context.step(lambda _: sorted(os.listdir("/tmp/batch")), name="list-batch")
    ```
    """

    code = "DUR302"
    name = "filesystem-order"
    message = "{subject} lists a directory in unspecified order, and the listing changes between replays. List it in a step and sort it"
    calls = (
        r"os\.(listdir|scandir|walk)",
        r"glob\.i?glob",
        _PATH_CLASS + r"\.(iterdir|r?glob)",
    )

    def matches(self, call: ast.Call, path: str, module: DurableModule) -> bool:
        parent = module.parent(call)
        return not (
            isinstance(parent, ast.Call)
            and call in parent.args
            and module.call_path(parent.func) == "builtins.sorted"
        )

    VALID = (
        """
        import os
        from pathlib import Path
        from aws_durable_execution_sdk_python import durable_execution

        @durable_execution
        def handler(event, context):
            names = sorted(os.listdir(event["dir"]))
            reports = sorted(Path(event["dir"]).glob("*.csv"))
            listed = context.step(lambda _: os.listdir("/tmp"), name="list-tmp")
            return [names, [str(r) for r in reports], sorted(listed)]
        """,
    )
    INVALID = (
        """
        import glob
        import os
        from pathlib import Path
        from aws_durable_execution_sdk_python import durable_execution

        @durable_execution
        def handler(event, context):
            for name in os.listdir(event["dir"]):  # <- DUR302
                context.step(lambda _: name, name=f"upload-{name}")
            first = glob.glob("/tmp/*.json")[0]  # <- DUR302
            base = Path(event["dir"])
            children = [p.name for p in base.iterdir()]  # <- DUR302
            return [first, children]
        """,
    )
