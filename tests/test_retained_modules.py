"""A run holds a bounded number of linted modules, and letting one go changes no finding."""

from __future__ import annotations

import gc
import textwrap
import weakref
from pathlib import Path

import pytest

from durable_lint import project as project_module
from durable_lint.config import Settings
from durable_lint.engine import Linter

HELPERS = """\
import uuid

def new_order_id():
    return str(uuid.uuid4())

def log_progress(table, order_id):
    table.update_item(Key={"id": order_id})
"""
# Handler 0 defines a helper the later handlers import: it is linted first, let go with a
# tight bound, and must be found again (parsed on demand) when handler 5 asks for it.
HANDLER = """\
import boto3
from aws_durable_execution_sdk_python import durable_execution
from shop.helpers import log_progress, new_order_id
{extra_import}

TABLE = boto3.resource("dynamodb").Table("orders")


def audit(table):
    table.put_item(Item={{"k": 1}})


@durable_execution
def handler_{index}(event, context):
    order_id = new_order_id()
    log_progress(TABLE, order_id)
    audit(TABLE)
    {extra_call}
    return context.step(lambda _: order_id, name="done")
"""


def write_project(root: Path, count: int) -> list[Path]:
    (root / "shop").mkdir()
    (root / "shop" / "__init__.py").write_text("")
    (root / "shop" / "helpers.py").write_text(HELPERS)
    files = []
    for index in range(count):
        extra = index == 5
        text = HANDLER.format(index=index, extra_import="from shop.handler_0 import audit as first_audit" if extra else "",
                              extra_call="first_audit(TABLE)" if extra else "")
        path = root / "shop" / f"handler_{index}.py"
        path.write_text(textwrap.dedent(text))
        files.append(path)
    return files


def lint_all(root: Path, files: list[Path]) -> tuple[list[tuple[str, int, str, str]], Linter]:
    linter = Linter(Settings(root=root))
    found = [(f.path, f.line, f.code, f.message) for file in files for f in linter.lint_file(file, file.name)]
    return found, linter


def test_letting_modules_go_changes_no_finding(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = write_project(tmp_path, 8)
    kept, _ = lint_all(tmp_path, files)
    monkeypatch.setattr(project_module, "MAX_RETAINED", 1)
    bounded, _ = lint_all(tmp_path, files)
    assert bounded == kept
    codes = {code for _, _, code, _ in kept}
    assert {"DUR203", "DUR501"} <= codes  # the helper chains are really followed
    assert any(message.startswith("first_audit() (via audit(TABLE)") for *_, message in bounded)  # via the module let go


def test_a_run_holds_at_most_the_bound_of_unrequested_modules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(project_module, "MAX_RETAINED", 2)
    files = write_project(tmp_path, 10)
    linter = Linter(Settings(root=tmp_path))
    trees = []
    original = linter._build_module

    def remember(tree, file, source=None):  # type: ignore[no-untyped-def]
        trees.append(weakref.ref(tree))
        return original(tree, file, source)

    linter._build_module = remember  # type: ignore[method-assign]
    linter.project._factory = remember
    for file in files:
        linter.lint_file(file, file.name)
    gc.collect()
    alive = sum(ref() is not None for ref in trees)
    # helpers.py and handler_0.py were asked for by other modules and stay; then at most 2 more.
    assert alive <= 2 + 2, alive
    assert alive < len(files)
