"""Native threads, processes and event loops in orchestration code."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from durable_lint import sdk
from durable_lint.call_shapes import positional_or_keyword
from durable_lint.module import DurableModule
from durable_lint.role_kinds import context_parameters
from durable_lint.rule import CallRule, Report, Rule, describe_call


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


class CompletionOrder(CallRule):
    """
    ## What it does
    Flags waiting on concurrent work in completion order in orchestration code:
    `asyncio.as_completed()`, `asyncio.wait(..., return_when=FIRST_COMPLETED)`
    (or `FIRST_EXCEPTION`), `concurrent.futures.as_completed()` and
    `concurrent.futures.wait(..., return_when=FIRST_COMPLETED)`.

    ## Why is this bad?
    Which task finishes first depends on timing, so the order (or the set) of
    results that orchestration code acts on differs between the first run and a
    replay.

    ## Example
    ```python
        for future in as_completed(futures):
            context.step(record(future.result()))
    ```

    ## Use instead
    `context.map()` / `context.parallel()` with a `CompletionConfig`, or sort the
    results before acting on them.
    """

    code = "DUR602"
    name = "completion-order"
    message = "{subject} yields results in the order they finish, which differs between replays. Use context.map or context.parallel, or sort the results"
    calls = (
        r"asyncio\.(as_completed|wait)",
        r"concurrent\.futures\.(_base\.)?(as_completed|wait)",
    )

    def matches(self, call: ast.Call, path: str, module: DurableModule) -> bool:
        if not path.endswith(".wait"):
            return True
        when = next((k.value for k in call.keywords if k.arg == "return_when"), None)
        when_path = module.call_path(when) if when is not None else None
        text = when_path or (when.value if isinstance(when, ast.Constant) else "")
        return isinstance(text, str) and text.endswith(("FIRST_COMPLETED", "FIRST_EXCEPTION"))

    VALID = (
        """
        import concurrent.futures
        from aws_durable_execution_sdk_python import durable_execution

        @durable_execution
        def handler(event, context):
            done, _ = concurrent.futures.wait(event.get("futures", []))
            return context.step(lambda _: len(done), name="count")
        """,
    )
    INVALID = (
        """
        import asyncio
        from concurrent.futures import FIRST_COMPLETED, as_completed, wait
        from aws_durable_execution_sdk_python import durable_execution

        @durable_execution
        def handler(event, context):
            futures = event["futures"]
            first = [f.result() for f in as_completed(futures)]  # <- DUR602
            done, pending = wait(futures, return_when=FIRST_COMPLETED)  # <- DUR602
            racing = asyncio.as_completed(event["tasks"])  # <- DUR602
            return context.step(lambda _: [first, len(done), racing is None], name="record")
        """,
    )


# Where native concurrency receives a callable: call path -> (positional index, keyword)
# of the callable, and (index, keyword) of the arguments it will be called with.
_TASK_CALLABLES = (
    (r"threading\.Thread", (None, "target"), (None, "args")),
    (r"threading\.Timer", (1, "function"), (2, "args")),
    (r"concurrent\.futures\.(thread\.|process\.)?(ThreadPoolExecutor|ProcessPoolExecutor)\(\)\.(submit|map)", (0, "fn"), (1, None)),
    (r"asyncio\.to_thread", (0, "func"), (1, None)),
    (r"asyncio\.(create_task|ensure_future|run|gather|wait_for|shield)", (0, None), (None, None)),
)
_TASK_PATTERNS = tuple((re.compile(p), callable_at, args_at) for p, callable_at, args_at in _TASK_CALLABLES)


class DurableOpInNativeTask(Rule):
    """
    ## What it does
    Flags a durable operation reachable from a thread target, an executor's
    `submit`/`map` callable, `asyncio.to_thread`, or an asyncio task or `gather`
    argument: the callable (or coroutine function) issues `step`, `wait` or another
    operation itself, or is handed the DurableContext to do so.

    ## Why is this bad?
    Operation ids are a counter taken in call order within a context. Operations
    issued from threads or tasks take ids in the order the scheduler runs them, which
    differs between replays, so replayed operations meet the wrong checkpoints.

    ## Example
    ```python
        with ThreadPoolExecutor() as pool:
            list(pool.map(lambda item: context.step(process(item)), items))
    ```

    ## Use instead
    ```python
        context.map(items, lambda ctx, item, i, _: ctx.step(process(item)))
    ```
    """

    code = "DUR603"
    name = "durable-op-in-native-task"
    message = "{subject} issues durable operations from a thread or task; operation ids then depend on the scheduler. Use context.parallel or context.map"
    supersedes = frozenset({"DUR601"})

    def check(self, module: DurableModule) -> Iterator[Report]:
        for call in module.durable_code.calls:
            path = module.call_path(call.func)
            if path is None:
                continue
            for pattern, callable_at, args_at in _TASK_PATTERNS:
                if not pattern.fullmatch(path):
                    continue
                targets = self._targets(call, path, callable_at)
                if any(self._issues_operations(module, call, target, args_at) for target in targets):
                    yield self.report(call, describe_call(call, path))
                break

    @staticmethod
    def _targets(call: ast.Call, path: str, callable_at: tuple[int | None, str | None]) -> list[ast.expr]:
        if path.startswith("asyncio.gather"):
            return list(call.args)
        index, keyword = callable_at
        found = positional_or_keyword(call, index if index is not None else 10**6, keyword or "")
        return [found] if found is not None else []

    @staticmethod
    def _issues_operations(module: DurableModule, call: ast.Call, target: ast.expr,
                           args_at: tuple[int | None, str | None]) -> bool:
        if isinstance(target, ast.Call):  # a coroutine: asyncio.create_task(work(ctx))
            function = module.roles.function_for(target.func)
            passed = target.args
        else:
            function = module.roles.function_for(target)
            index, keyword = args_at
            passed = list(call.args[index:]) if index is not None else []
            given = next((k.value for k in call.keywords if keyword and k.arg == keyword), None)
            if isinstance(given, (ast.Tuple, ast.List)):
                passed = list(given.elts)
        if function is None:
            return False
        contexts = context_parameters(function, passed, (), module.roles.is_context)
        body = [function.body] if isinstance(function, ast.Lambda) else function.body  # type: ignore[attr-defined]
        if module.durable_operations_in(body):
            return True
        return any(
            isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in sdk.DURABLE_METHODS
            and isinstance(node.func.value, ast.Name) and node.func.value.id in contexts
            for statement in body for node in ast.walk(statement)
        )

    VALID = (
        """
        from concurrent.futures import ThreadPoolExecutor
        from aws_durable_execution_sdk_python import durable_execution

        def fetch(url):
            return len(url)

        @durable_execution
        def handler(event, context):
            sizes = context.step(lambda _: list(ThreadPoolExecutor().map(fetch, event["urls"])), name="fetch")
            return context.map(event["urls"], lambda ctx, url, i, _: ctx.step(lambda _: url, name=f"u-{i}")).get_results() + sizes
        """,
    )
    INVALID = (
        """
        import asyncio
        import threading
        from concurrent.futures import ThreadPoolExecutor
        from aws_durable_execution_sdk_python import durable_execution

        def work(ctx, item):
            return ctx.step(lambda _: item, name=f"item-{item}")

        async def notify(ctx, user):
            return ctx.step(lambda _: user, name=f"notify-{user}")

        @durable_execution
        def handler(event, context):
            with ThreadPoolExecutor() as pool:
                done = [pool.submit(work, context, item) for item in event["items"]]  # <- DUR603
            threading.Thread(target=lambda: context.wait(None)).start()  # <- DUR603
            asyncio.run(notify(context, event["user"]))  # <- DUR603
            return context.step(lambda _: len(done), name="count")
        """,
    )
