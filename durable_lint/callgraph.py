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
from durable_lint.call_shapes import is_method
from durable_lint.module import DurableModule
from durable_lint.project import Project
from durable_lint.resolve import source_of
from durable_lint.role_kinds import context_parameters
from durable_lint.rule import CallRule, Report, Rule, describe_call
from durable_lint.summaries import assigned_attributes, class_of_instance, method_of


class Effect(NamedTuple):
    """A finding inside a helper, and the calls that lead from the helper to it."""

    rule: Rule
    report: Report
    chain: tuple[str, ...]


# What a helper's parameters receive at one call: a call path (an I/O client, a
# logger, `time.time`) or a function of the project (a callable the helper may call).
Passed = dict[str, "str | tuple[ast.AST, DurableModule]"]
_MAX_PATH_DEPTH = 8


class CallGraph:
    """Effects of helper functions, per function and what its parameters receive, for one selection of rules."""

    def __init__(self, rules: list[Rule], project: Project) -> None:
        self._rules = [rule for rule in rules if rule.transferable]
        self._call_rules = [rule for rule in self._rules if isinstance(rule, CallRule)]
        self._project = project
        self._effects: dict[tuple[ast.AST, frozenset[str], frozenset[tuple[str, object]]], dict[str, Effect]] = {}
        self._in_progress: set[int] = set()

    def reports(self, module: DurableModule) -> Iterator[tuple[Rule, Report]]:
        """Findings at orchestration call sites for what the called helpers do."""
        if not self._rules:
            return
        for call in module.orchestration.calls:
            for effect in self._effects_of_call(call, module, {}).values():
                chain = " -> ".join(effect.chain)
                subject = f"{source_of(call.func)}() (via {chain})"
                yield effect.rule, Report(call, subject, effect.report.details)

    def _effects_of_call(self, call: ast.Call, module: DurableModule, passed_here: Passed) -> dict[str, Effect]:
        target = self._callee(call, module, passed_here)
        if target is None:
            return {}
        function, callee_module = target
        arguments, keywords = module.roles.arguments_of(function, call)
        contexts = context_parameters(function, arguments, keywords, module.roles.is_context)
        if contexts:
            callee_module.roles.add_helper_contexts(function, contexts)
        passed, carriers = self._passed(function, call, arguments, keywords, module, passed_here)
        passed.update(self._instance_attributes(function, call, module, passed_here))
        effects = self._effects_of(function, callee_module, passed)
        if not effects:
            return {}
        shown = ", ".join(source_of(arg) for arg in carriers)
        name = f"{getattr(function, 'name', 'lambda')}({shown})"
        return {code: Effect(e.rule, e.report, (name, *e.chain)) for code, e in effects.items()}

    def _effects_of(self, function: ast.AST, module: DurableModule, passed: Passed) -> dict[str, Effect]:
        # The nodes themselves, not their id(): a module the project lets go (the editor's
        # previous text) would free them, and a new node could take over an old id.
        key = (function, frozenset(module.roles.helper_contexts.get(function, ())),
               frozenset((k, v if isinstance(v, str) else v[0]) for k, v in passed.items()))
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
            if passed:
                for rule, report in self._through_parameters(function, module, region.calls, passed):
                    effects.setdefault(rule.code, Effect(rule, report, (report.subject,)))
            for call in region.calls:
                for code, effect in self._effects_of_call(call, module, passed).items():
                    effects.setdefault(code, effect)
        finally:
            self._in_progress.discard(id(function))
        self._effects[key] = effects
        return effects

    def _through_parameters(self, function: ast.AST, module: DurableModule, calls: list[ast.Call],
                            passed: Passed) -> Iterator[tuple[Rule, Report]]:
        """`table.update_item()` where the caller passed a boto3 Table as `table`."""
        for call in calls:
            path = self._path(call.func, function, module, passed, 0)
            if path is None or path == module.call_path(call.func):
                continue
            for rule in self._call_rules:
                if rule.flags(call, path, module):
                    yield rule, rule.report(call, describe_call(call, path))

    def _passed(self, function: ast.AST, call: ast.Call, arguments: list[ast.expr], keywords: list[ast.keyword],
                module: DurableModule, passed_here: Passed) -> tuple[Passed, list[ast.expr]]:
        """What each parameter of `function` receives at `call` that the analysis can follow."""
        args: ast.arguments = function.args  # type: ignore[attr-defined]
        positional = [a.arg for a in (*args.posonlyargs, *args.args)]
        pairs = [(positional[i], arg) for i, arg in enumerate(arguments) if i < len(positional) and not isinstance(arg, ast.Starred)]
        pairs += [(kw.arg, kw.value) for kw in keywords if kw.arg is not None]
        passed: Passed = {}
        carriers = []
        owner = module.code_owner(call)
        for name, arg in pairs:
            value = self._value(arg, owner, module, passed_here)
            if value is not None:
                passed[name] = value
                carriers.append(arg)
        return passed, carriers

    def _instance_attributes(self, method: ast.AST, call: ast.Call, module: DurableModule,
                             passed_here: Passed) -> Passed:
        """`notifier = Notifier(sns); notifier.send(...)`: what `__init__` kept from its
        arguments, as `self.<attr>` for the method (and for `self.other()` calls in it)."""
        if not (isinstance(call.func, ast.Attribute) and is_method(method)):
            return {}
        receiver = call.func.value
        owner = module.code_owner(call)
        if _is_receiver(receiver, owner):
            return {k: v for k, v in passed_here.items() if k.startswith("self.")}
        construction = receiver
        if isinstance(receiver, ast.Name):
            binding = receiver._dl_scope.lookup(receiver.id)  # type: ignore[attr-defined]
            construction = binding.values[0] if binding is not None and binding.kind == "assign" and len(binding.values) == 1 else None
        cls = method._dl_parent  # type: ignore[attr-defined]
        init = method_of(cls, "__init__")
        if not isinstance(construction, ast.Call) or init is None or class_of_instance(receiver) is not cls:
            return {}
        arguments = [ast.Constant(None), *construction.args]  # __init__ receives the new instance first
        given, _ = self._passed(init, construction, arguments, construction.keywords, module, passed_here)
        kept: Passed = {}
        for attr, values in assigned_attributes(cls).items():
            value = values[0] if len(values) == 1 else None
            if isinstance(value, ast.Name) and isinstance(given.get(value.id), str) and self._is_param_of(value, init):
                kept[f"self.{attr}"] = given[value.id]
        return kept

    def _value(self, arg: ast.expr, owner: ast.AST | None, module: DurableModule,
               passed_here: Passed) -> str | tuple[ast.AST, DurableModule] | None:
        function = module.roles.function_for(arg)
        if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return function, module
        if isinstance(arg, ast.Name) and isinstance(passed_here.get(arg.id), tuple) and self._is_param_of(arg, owner):
            return passed_here[arg.id]
        path = self._path(arg, owner, module, passed_here, 0)
        return path if path is not None and not path.startswith("builtins.") else None

    def _path(self, expr: ast.expr, owner: ast.AST | None, module: DurableModule, passed: Passed, depth: int) -> str | None:
        """The call path of `expr`, with the parameters of `owner` spelled as what the caller passed."""
        if not passed or depth > _MAX_PATH_DEPTH:
            return module.call_path(expr)
        if isinstance(expr, ast.Name):
            value = passed.get(expr.id)
            if isinstance(value, str) and self._is_param_of(expr, owner):
                return value
            binding = expr._dl_scope.lookup(expr.id)  # type: ignore[attr-defined]
            if binding is not None and binding.kind == "assign" and binding.scope.node is owner and len(binding.values) == 1:
                return self._path(binding.values[0], owner, module, passed, depth + 1)
            return module.call_path(expr)
        if isinstance(expr, ast.Attribute):
            held = passed.get(f"self.{expr.attr}")
            if isinstance(held, str) and _is_receiver(expr.value, owner):
                return held
            base = self._path(expr.value, owner, module, passed, depth + 1)
            return f"{base}.{expr.attr}" if base else module.call_path(expr)
        if isinstance(expr, ast.Call):
            base = self._path(expr.func, owner, module, passed, depth + 1)
            if base is not None and base != module.call_path(expr.func):
                return f"{base}()"
        return module.call_path(expr)

    @staticmethod
    def _is_param_of(name: ast.Name, function: ast.AST | None) -> bool:
        binding = name._dl_scope.lookup(name.id)  # type: ignore[attr-defined]
        return binding is not None and binding.kind == "param" and binding.definition is function

    def _callee(self, call: ast.Call, module: DurableModule, passed_here: Passed) -> tuple[ast.AST, DurableModule] | None:
        """The project helper a call runs, if it is a plain function without an SDK role."""
        func = call.func
        value = passed_here.get(func.id) if isinstance(func, ast.Name) else None
        if isinstance(value, tuple) and self._is_param_of(func, module.code_owner(call)):  # type: ignore[arg-type]
            target: tuple[ast.AST, DurableModule] | None = value
        else:
            local = module.roles.function_for(func)
            if isinstance(local, (ast.FunctionDef, ast.AsyncFunctionDef)):
                target = (local, module)
            elif local is None:
                target = self._imported_callee(func, module)
            else:
                return None
        if target is None or not target[1].roles.runs_where_called(target[0]):
            return None
        return target

    def _imported_callee(self, func: ast.expr, module: DurableModule) -> tuple[ast.AST, DurableModule] | None:
        """A function of another project module, or a method of an instance of its class
        (`repo = OrderRepository(); repo.claim(...)`)."""
        qualified = module.resolver.qualified_name(func)
        method = None
        if qualified is None and isinstance(func, ast.Attribute):
            made = module.call_path(func.value)
            if made is None or not made.endswith("()") or "(" in made[:-2]:
                return None
            qualified, method = made[:-2], func.attr
        if qualified is None or qualified.startswith(("builtins.", sdk.SDK_MODULE)):
            return None
        if module.call_policy(qualified) is not None:
            return None  # the team's configuration has the last word on this name
        target = self._project.resolve_function(qualified, module)
        if target is None or method is None:
            return target if target is not None and not isinstance(target[0], ast.ClassDef) else None
        found = method_of(target[0], method) if isinstance(target[0], ast.ClassDef) else None
        return (found, target[1]) if found is not None else None


def _is_receiver(expr: ast.expr, method: ast.AST | None) -> bool:
    """Is `expr` the first parameter (`self`) of `method`, a method of a class?"""
    if not isinstance(expr, ast.Name) or method is None or not is_method(method):
        return False
    args: ast.arguments = method.args  # type: ignore[attr-defined]
    first = [*args.posonlyargs, *args.args][:1]
    binding = expr._dl_scope.lookup(expr.id)  # type: ignore[attr-defined]
    return bool(first) and first[0].arg == expr.id and binding is not None and binding.definition is method
