"""Apply fixes to a module's source as LibCST transforms (imported only by `durable-lint fix`)."""

from __future__ import annotations

import libcst as cst
from libcst.codemod import CodemodContext
from libcst.codemod.visitors import AddImportsVisitor
from libcst.metadata import MetadataWrapper, PositionProvider

from durable_lint.fixes import Fix

_PLACEHOLDER = "__durable_lint_fix__"


class _Fill(cst.CSTTransformer):
    """Puts an expression where a template says `__durable_lint_fix__`."""

    def __init__(self, replacement: cst.BaseExpression) -> None:
        super().__init__()
        self._replacement = replacement

    def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.BaseExpression:  # noqa: N802
        return self._replacement if original.value == _PLACEHOLDER else updated


def _fill(template: str, expression: cst.BaseExpression) -> cst.BaseExpression:
    return cst.ensure_type(cst.parse_expression(template).visit(_Fill(expression)), cst.BaseExpression)


class _Rewriter(cst.CSTTransformer):
    """Replaces each expression whose span a fix names."""

    def __init__(self, positions: object, wanted: dict[tuple[tuple[int, int], tuple[int, int]], Fix]) -> None:
        super().__init__()
        self._positions = positions
        self._wanted = wanted
        self.applied: list[Fix] = []
        self._names: set[str] = set()

    def on_leave(self, original: cst.CSTNode, updated: cst.CSTNode) -> cst.CSTNode:  # type: ignore[override]
        where = self._positions.get(original)  # type: ignore[attr-defined]
        if where is None or not isinstance(updated, cst.BaseExpression):
            return updated
        fix = self._wanted.pop(((where.start.line, where.start.column), (where.end.line, where.end.column)), None)
        if fix is None:
            return updated
        self.applied.append(fix)
        return self._rewrite(fix, updated)

    def _rewrite(self, fix: Fix, expression: cst.BaseExpression) -> cst.BaseExpression:
        if fix.kind == "wrap-step":
            name, counter = fix.step_name, 2
            while name in self._names:
                name, counter = f"{fix.step_name}-{counter}", counter + 1
            self._names.add(name)
            return _fill(f'{fix.context}.step(lambda _: {_PLACEHOLDER}, name="{name}")', expression)
        if fix.kind == "sorted":
            return _fill(f"sorted({_PLACEHOLDER})", expression)
        if fix.kind == "sleep-to-wait":
            seconds = cst.ensure_type(expression, cst.Call).args[0].value
            return _fill(f"{fix.context}.wait({fix.duration}.from_seconds({_PLACEHOLDER}))", seconds)
        lambda_ = cst.ensure_type(expression, cst.Lambda)
        return lambda_.with_changes(params=cst.Parameters(params=[cst.Param(cst.Name("_"))]))


def apply_fixes(source: str, fixes: list[Fix]) -> tuple[str, list[Fix]]:
    """The source with the fixes applied, and which fixes were applied."""
    lines = source.splitlines(keepends=True)

    def characters(position: tuple[int, int]) -> tuple[int, int]:
        line, byte_column = position
        text = lines[line - 1] if 0 < line <= len(lines) else ""
        return line, len(text.encode("utf-8")[:byte_column].decode("utf-8", "replace"))

    wanted = {(characters(f.start), characters(f.end)): f for f in fixes}
    wrapper = MetadataWrapper(cst.parse_module(source))
    rewriter = _Rewriter(wrapper.resolve(PositionProvider), wanted)
    module = wrapper.visit(rewriter)
    if any(f.kind == "sleep-to-wait" and f.duration == "Duration" for f in rewriter.applied):
        context = CodemodContext()
        AddImportsVisitor.add_needed_import(context, "aws_durable_execution_sdk_python.config", "Duration")
        module = AddImportsVisitor(context).transform_module(module)
    return module.code, rewriter.applied
