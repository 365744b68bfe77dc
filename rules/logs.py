"""Output that orchestration code repeats on every replay: print and loggers (DUR504)."""

from __future__ import annotations

from durable_lint.rule import OBJECT_CHAIN, CallRule

_LOG_METHODS = r"(debug|info|warning|warn|error|exception|critical|fatal|log)"


class PrintLogging(CallRule):
    """
    ## What it does
    Opt-in. Flags `print()`, the `logging` module's functions and calls on module
    loggers (`logging.getLogger(...)`) in orchestration code, and the loggers teams
    use instead: AWS Lambda Powertools `Logger()`, `loguru.logger` and `structlog`
    loggers (`structlog.get_logger()`, with `.bind(...)` too). A logger keeps its
    kind where it travels: returned by a helper, kept on `self`, passed as an argument.

    ## Why is this bad?
    Orchestration code runs again on every replay, so every line is logged once per
    invocation: logs of a long execution fill with duplicates that look like
    repeated work. `context.logger` knows when the code is replaying and drops them.

    ## Example
    ```python
        logger.info("charging %s", order_id)
    ```

    ## Use instead
    ```python
        context.logger.info("charging %s", order_id)
    ```
    """

    code = "DUR504"
    name = "print-logging"
    default_enabled = False
    message = "{subject} logs again on every replay of orchestration code. Use context.logger, which is replay-aware"
    calls = (
        r"builtins\.print",
        rf"logging\.{_LOG_METHODS}",
        rf"logging\.getLogger\(\)\.{_LOG_METHODS}",
        # AWS Lambda Powertools: Logger(), also through its logging subpackage.
        rf"aws_lambda_powertools\.(logging\.)?(logger\.)?Logger\(\)\.{_LOG_METHODS}",
        rf"loguru\.logger{OBJECT_CHAIN}\.({_LOG_METHODS}|success|trace)",
        rf"structlog\.(stdlib\.)?(get_logger|getLogger|wrap_logger)\(\){OBJECT_CHAIN}\.({_LOG_METHODS}|msg|a(debug|info|warning|error|exception|critical))",
    )

    VALID = (
        """
        from aws_durable_execution_sdk_python import durable_execution

        @durable_execution
        def handler(event, context):
            context.logger.info("processing %s", event["id"])
            return context.step(lambda _: print("inside a step") or 1, name="work")
        """,
    )
    INVALID = (
        """
        import logging
        from aws_durable_execution_sdk_python import durable_execution

        logger = logging.getLogger(__name__)

        @durable_execution
        def handler(event, context):
            logger.info("processing %s", event["id"])  # <- DUR504
            print("started")  # <- DUR504
            return context.step(lambda _: "ok", name="work")
        """,
        """
        import structlog
        from aws_lambda_powertools import Logger
        from loguru import logger as log
        from aws_durable_execution_sdk_python import durable_execution

        powertools = Logger(service="orders")
        events = structlog.get_logger()

        @durable_execution
        def handler(event, context):
            powertools.info("order received")  # <- DUR504
            log.bind(order=event["id"]).warning("slow path")  # <- DUR504
            events.info("order.received", order=event["id"])  # <- DUR504
            return context.step(lambda _: "ok", name="work")
        """,
    )
