"""Native threads, processes and event loops in orchestration code."""

from __future__ import annotations

from durable_lint.rule import CallRule


class NativeConcurrency(CallRule):
    """
    ## What it does
    Flags native concurrency in orchestration code: `threading.Thread`,
    `threading.Timer`, `concurrent.futures` executors, `multiprocessing`, and
    `asyncio.run()`, `asyncio.gather()`, `asyncio.create_task()`, `asyncio.ensure_future()`.

    ## Why is this bad?
    The order in which threads and tasks run comes from the scheduler, not from the
    code, so it differs between replays, and work they do is not checkpointed. The
    SDK's `context.map()` and `context.parallel()` run branches concurrently with a
    checkpoint per branch and ids that do not depend on timing.

    ## Example
    ```python
        with ThreadPoolExecutor() as pool:
            prices = list(pool.map(fetch_price, skus))
    ```

    ## Use instead
    ```python
        prices = context.map(skus, lambda ctx, sku, i, _: ctx.step(fetch_price(sku))).get_results()
    ```
    """

    code = "DUR601"
    name = "native-concurrency"
    message = "{subject} runs work in an order chosen by the scheduler, which replay cannot reproduce. Use context.map or context.parallel"
    calls = (
        r"threading\.(Thread|Timer)",
        r"concurrent\.futures\.(thread\.|process\.)?(ThreadPoolExecutor|ProcessPoolExecutor)",
        r"multiprocessing\.(Process|Pool|pool\.Pool|pool\.ThreadPool|get_context)",
        r"asyncio\.(run|gather|create_task|ensure_future|TaskGroup)",
    )

    VALID = (
        """
        from aws_durable_execution_sdk_python import durable_execution

        @durable_execution
        def handler(event, context):
            prices = context.map(
                event["skus"],
                lambda ctx, sku, index, items: ctx.step(lambda _: len(sku), name=f"price-{index}"),
                name="prices",
            )
            return prices.get_results()
        """,
    )
    INVALID = (
        """
        import asyncio
        import threading
        from concurrent.futures import ThreadPoolExecutor
        from aws_durable_execution_sdk_python import durable_execution

        @durable_execution
        def handler(event, context):
            with ThreadPoolExecutor() as pool:  # <- DUR601
                sizes = list(pool.map(len, event["skus"]))
            threading.Thread(target=print).start()  # <- DUR601
            total = asyncio.run(asyncio.sleep(0, sum(sizes)))  # <- DUR601
            return context.step(lambda _: total, name="record")
        """,
    )
