"""Files the linter cannot read as Python."""

from __future__ import annotations

from collections.abc import Iterator

from durable_lint.module import DurableModule
from durable_lint.rule import Report, Rule


class UnparsableFile(Rule):
    """
    ## What it does
    Reports a file that mentions the durable SDK but cannot be parsed: a syntax
    error, bytes that are not valid in the file's encoding, a null byte, or nesting
    too deep for Python's parser. The parser's message is part of the finding, and
    linting goes on with the other files.

    ## Why is this bad?
    Nothing in the file can be checked, so its orchestration code goes unreviewed;
    the Lambda runtime would also fail to import it.

    ## Use instead
    Fix the file so that `python -m py_compile FILE` succeeds.
    """

    code = "DUR000"
    name = "unparsable-file"
    message = "cannot parse this file: {subject}"

    def check(self, module: DurableModule) -> Iterator[Report]:
        # A module that reached the rules has parsed; the engine reports DUR000
        # itself when parsing fails.
        return iter(())

    INVALID = (
        """
        from aws_durable_execution_sdk_python import durable_execution

        @durable_execution
        def handler(event, context)  # <- DUR000
            return 1
        """,
    )
