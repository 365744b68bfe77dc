"""Iteration orders that differ between replays."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from durable_lint.fixes import Fix, in_fstring, span
from durable_lint.module import DurableModule, Region
from durable_lint.resolve import source_of
from durable_lint.rule import PATH_OBJECT, CallRule, Report, Rule



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
        PATH_OBJECT + r"\.(iterdir|r?glob)",
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


# Consumers for which the order of their argument does not matter.
_ORDER_FREE = frozenset(
    {"builtins.sorted", "builtins.len", "builtins.sum", "builtins.min", "builtins.max", "builtins.any",
     "builtins.all", "builtins.set", "builtins.frozenset"}
)
# Element kinds whose hashes are not salted, so a set of them iterates alike in every process.
_UNSALTED = frozenset({"int", "bool", "float"})
_ORDERABLE = frozenset({"str", "int", "float", "bytes"})


class UnorderedIteration(Rule):
    """
    ## What it does
    Flags iteration over a value inferred to be a `set` or `frozenset` in
    orchestration code: `for` loops, comprehensions, `list()`, `tuple()`,
    `enumerate()`, `zip()`, `str.join()`, `next(iter(s))` and `s.pop()`. Sets are
    recognised from literals and comprehensions, `set()`/`frozenset()` calls, set
    operators, variables, annotations, attributes and function return values.
    `sorted(s)`, `len(s)`, `x in s` and dict iteration stay quiet, and so do sets
    whose elements are all numbers (their hashes are not salted).

    ## Why is this bad?
    String hashing is salted per process (`PYTHONHASHSEED`), so a set of strings
    iterates in a different order in each Lambda execution environment. A replay
    that lands in a fresh environment issues its per-element operations in another
    order than the recorded run.

    ## Example
    ```python
        for region in {order["region"] for order in event["orders"]}:
            context.step(notify(region))
    ```

    ## Use instead
    ```python
        for region in sorted({order["region"] for order in event["orders"]}):
    ```

    ## Fix safety
    `durable-lint fix` wraps the set in `sorted(...)` when its elements are known
    to be strings, bytes or numbers (which sort); otherwise the finding has no fix.
    """

    code = "DUR301"
    name = "unordered-iteration"
    message = "{subject} iterates a set, whose order changes between processes (string hashing is salted). Iterate sorted(...) instead"
    transferable = True

    def in_code(self, module: DurableModule, region: Region) -> Iterator[Report]:
        for node in region.nodes(ast.For, ast.AsyncFor):
            yield from self._iterated(module, node.iter)  # type: ignore[attr-defined]
        for node in region.nodes(ast.comprehension):
            consumer = module.parent(node)
            if isinstance(consumer, ast.SetComp) or self._order_free(module, consumer):
                continue
            yield from self._iterated(module, node.iter)  # type: ignore[attr-defined]
        for call in region.calls:
            yield from self._iterating_call(module, call)

    def _iterating_call(self, module: DurableModule, call: ast.Call) -> Iterator[Report]:
        path = module.call_path(call.func)
        if path in ("builtins.list", "builtins.tuple", "builtins.enumerate") and call.args:
            yield from self._iterated(module, call.args[0])
        elif path == "builtins.zip":
            for arg in call.args:
                yield from self._iterated(module, arg)
        elif path == "builtins.next" and call.args and isinstance(call.args[0], ast.Call):
            inner = call.args[0]
            if module.call_path(inner.func) == "builtins.iter" and inner.args:
                yield from self._iterated(module, inner.args[0], fixable=False)
        elif isinstance(call.func, ast.Attribute):
            receiver = call.func.value
            if call.func.attr == "join" and call.args and module.inference.kind(receiver) == "str":
                yield from self._iterated(module, call.args[0])
            elif call.func.attr == "pop" and not call.args:
                yield from self._iterated(module, receiver, fixable=False)

    def _iterated(self, module: DurableModule, expr: ast.expr, fixable: bool = True) -> Iterator[Report]:
        if module.inference.kind(expr) not in ("set", "frozenset"):
            return
        elements = module.inference.element_kinds(expr)
        if elements <= _UNSALTED:
            return
        sortable = fixable and (elements <= {"str"} or elements <= {"bytes"} or elements <= _UNSALTED | {"int"})
        fix = Fix("sorted", *span(expr)) if sortable and None not in elements and not in_fstring(module, expr) else None
        yield self.report(expr, source_of(expr), fix=fix)

    @staticmethod
    def _order_free(module: DurableModule, consumer: ast.AST | None) -> bool:
        if not isinstance(consumer, (ast.GeneratorExp, ast.ListComp)):
            return False
        call = module.parent(consumer)
        return isinstance(call, ast.Call) and consumer in call.args and module.call_path(call.func) in _ORDER_FREE

    VALID = (
        """
        from aws_durable_execution_sdk_python import durable_execution

        @durable_execution
        def handler(event, context):
            regions = {order["region"] for order in event["orders"]}
            for region in sorted(regions):
                context.step(lambda _: region, name=f"notify-{region}")
            sizes = {1, 2, 3}
            for size in sizes:
                context.step(lambda _: size, name=f"size-{size}")
            by_id = {order["id"]: order for order in event["orders"]}
            for key in by_id:
                context.step(lambda _: key, name=f"order-{key}")
            return {"count": len(regions), "any": "eu" in regions, "total": sum(len(r) for r in regions)}
        """,
    )
    INVALID = (
        """
        from aws_durable_execution_sdk_python import durable_execution

        def active_regions(orders) -> set[str]:
            return {order["region"] for order in orders}

        class Tracker:
            def __init__(self):
                self.seen = set()

        @durable_execution
        def handler(event, context):
            regions = {order["region"] for order in event["orders"]}
            for region in regions:  # <- DUR301
                context.step(lambda _: region, name=f"notify-{region}")
            labels = ",".join({"b", "a"})  # <- DUR301
            first = next(iter(active_regions(event["orders"])))  # <- DUR301
            tracker = Tracker()
            ordered = [item for item in tracker.seen]  # <- DUR301
            return context.step(lambda _: [labels, first, ordered], name="summary")
        """,
    )
