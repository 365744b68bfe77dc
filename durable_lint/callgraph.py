"""Follow calls from orchestration code into helper functions.

A finding of a transferable rule inside a helper (in the same module or another
module of the project) is reported once, at the orchestration call site, with the
chain: `new_order_id() (via new_order_id() -> uuid.uuid4())`. Code that the helper
runs inside `context.step` is step code and stays clean; a helper called only from
step code is never reached. Each helper's effects are computed once and cached.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import NamedTuple

from durable_lint import sdk
from durable_lint.module import DurableModule
from durable_lint.project import Project
from durable_lint.resolve import source_of
from durable_lint.roles import context_parameters
from durable_lint.rule import Report, Rule


class Effect(NamedTuple):
    """A finding inside a helper, and the calls that lead from the helper to it."""

    rule: Rule
    report: Report
    chain: tuple[str, ...]


class CallGraph:
    """Effects of helper functions, per function, for one selection of rules."""

    def __init__(self, rules: list[Rule], project: Project) -> None:
        self._rules = [rule for rule in rules if rule.transferable]
        self._project = project
        self._effects: dict[tuple[int, frozenset[str]], dict[str, Effect]] = {}
        self._in_progress: set[int] = set()

    def reports(self, module: DurableModule) -> Iterator[tuple[Rule, Report]]:
        """Findings at orchestration call sites for what the called helpers do."""
        if not self._rules:
            return
        for call in module.orchestration.calls:
            for effect in self._effects_of_call(call, module).values():
                chain = " -> ".join(effect.chain)
                subject = f"{source_of(call.func)}() (via {chain})"
                yield effect.rule, Report(call, subject, effect.report.details)

    def _effects_of_call(self, call: ast.Call, module: DurableModule) -> dict[str, Effect]:
        target = self._callee(call, module)
        if target is None:
            return {}
        function, callee_module = target
        contexts = context_parameters(function, call.args, call.keywords, module.roles.is_context)
        if contexts:
            callee_module.roles.add_helper_contexts(function, contexts)
        name = f"{getattr(function, 'name', 'lambda')}()"
        return {code: Effect(e.rule, e.report, (name, *e.chain)) for code, e in self._effects_of(function, callee_module).items()}

    def _effects_of(self, function: ast.AST, module: DurableModule) -> dict[str, Effect]:
        key = (id(function), frozenset(module.roles.helper_contexts.get(function, ())))
        if key in self._effects:
            return self._effects[key]
        if id(function) in self._in_progress:
            return {}
        self._in_progress.add(id(function))
        try:
            region = module.function_code(function)
            effects: dict[str, Effect] = {}
            for rule in self._rules:
                report = next(iter(rule.in_code(module, region)), None)
                if report is not None:
                    effects[rule.code] = Effect(rule, report, (report.subject,))
            for call in region.calls:
                for code, effect in self._effects_of_call(call, module).items():
                    effects.setdefault(code, effect)
        finally:
            self._in_progress.discard(id(function))
        self._effects[key] = effects
        return effects

    def _callee(self, call: ast.Call, module: DurableModule) -> tuple[ast.AST, DurableModule] | None:
        """The project helper a call runs, if it is a plain function without an SDK role."""
        local = module.roles.function_for(call.func)
        if isinstance(local, (ast.FunctionDef, ast.AsyncFunctionDef)):
            target: tuple[ast.AST, DurableModule] | None = (local, module)
        elif local is None:
            qualified = module.resolver.qualified_name(call.func)
            if qualified is None or qualified.startswith(("builtins.", sdk.SDK_MODULE)):
                return None
            if module.call_policy(qualified) is not None:
                return None  # the team's configuration has the last word on this name
            target = self._project.resolve_function(qualified, module)
        else:
            return None
        if target is None or target[1].roles.role_of(target[0]) is not None:
            return None
        return target
