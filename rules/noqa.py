"""`# noqa` comments that name no rule or suppress nothing."""

from __future__ import annotations

from collections.abc import Iterator

from durable_lint.module import DurableModule
from durable_lint.rule import Report, Rule


class UnusedNoqa(Rule):
    """
    ## What it does
    Opt-in. Reports a DUR code in a `# noqa: ...` comment that names no
    durable-lint rule (`# noqa: DUR999`, a typo), or that suppresses nothing on its
    line although its rule ran (the code was fixed, or the comment sits on the
    wrong line of a statement), as ruff's RUF100 does. Codes of other tools
    (`E501`, `B006`) and a blanket `# noqa` are left alone; a code whose rule is not
    selected in the run is not judged. A comment that also names DUR100 (or a
    prefix of it, such as `DUR1`) is not reported, as with any other code.

    ## Why is this bad?
    A `# noqa` that suppresses nothing looks like a reviewed exception to the
    determinism rules, and it will silently hide the next real finding on that line.
    A mistyped code suppresses nothing at all while looking as if it did.

    ## Example
    ```python
        started = event["started"]  # noqa: DUR101
    ```

    ## Use instead
    ```python
        started = event["started"]
    ```

    ## Options
    Select it with `--extend-select DUR100` or `extend-select = ["DUR100"]`.
    """

    code = "DUR100"
    name = "unused-noqa"
    message = "{subject}; remove it or name the code it is meant for"
    default_enabled = False

    def check(self, module: DurableModule) -> Iterator[Report]:
        # It judges comments against the other rules' findings: durable_lint.noqa
        # reports it after every rule has run.
        return iter(())

    VALID = (
        """
        from aws_durable_execution_sdk_python import durable_execution

        @durable_execution
        def handler(event, context):
            long_name = event["a_rather_long_key_name"]  # noqa: E501
            other = event["b"]  # noqa
            return context.step(lambda _: (long_name, other), name="pair")
        """,
    )
    INVALID = (
        """
        from aws_durable_execution_sdk_python import durable_execution

        @durable_execution
        def handler(event, context):
            started = event["started"]  # noqa: DUR999  # <- DUR100
            region = event["region"]  # noqa: E501, dur42  # <- DUR100
            return context.step(lambda _: (started, region), name="pair")
        """,
    )
