"""`durable-lint server` in a real Language Server session over stdio, as an editor drives it."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.lsp_client import LspClient, apply_edits

HANDLER = textwrap.dedent(
    """\
    import time
    from aws_durable_execution_sdk_python import durable_execution


    @durable_execution
    def handler(event, context):
        started = time.time()
        regions = {order["region"].lower() for order in event["orders"]}
        for region in regions:
            context.step(lambda _, r=region: r, name=f"notify-{region}")
        return context.step(lambda _: [started, len(regions)], name="count")
    """
)
CLEAN = "print('saved, unchanged')\n"


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    for service in ("svc_a", "svc_b", "svc_c", "svc_d"):
        (tmp_path / service).mkdir()
        (tmp_path / service / "handler.py").write_text(CLEAN)  # the editor's text is not on disk
    (tmp_path / "svc_b" / "pyproject.toml").write_text('[tool.durable-lint]\nignore = ["DUR101"]\n')
    (tmp_path / "svc_c" / "pyproject.toml").write_text('[tool.durable-lint]\nselect = ["DUR9999"]\n')
    (tmp_path / "svc_d" / "pyproject.toml").write_text('[tool.durable-lint]\nextend-select = ["DUR402"]\n')
    return tmp_path


def _open(client: LspClient, uri: str, text: str) -> list[dict]:
    client.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": text}})
    return client.notification("textDocument/publishDiagnostics", uri=uri)["diagnostics"]


def test_editor_session_diagnostics_fixes_hover_and_configuration_per_project(project: Path) -> None:
    client = LspClient([sys.executable, "-m", "durable_lint", "server"], cwd=str(project))
    capabilities = client.request("initialize", {"processId": None, "rootUri": project.as_uri(), "capabilities": {}})["capabilities"]
    assert capabilities["hoverProvider"] and capabilities["codeActionProvider"]
    client.notify("initialized", {})

    uri = (project / "svc_a" / "handler.py").as_uri()
    diagnostics = _open(client, uri, HANDLER)
    by_code = {d["code"]: d for d in diagnostics}
    assert sorted(by_code) == ["DUR101", "DUR301"]
    assert {d["source"] for d in diagnostics} == {"durable-lint"}
    assert {d["severity"] for d in diagnostics} == {1}  # default rules are errors, as SARIF levels them
    assert by_code["DUR301"]["range"] == {"start": {"line": 8, "character": 18}, "end": {"line": 8, "character": 25}}
    assert by_code["DUR101"]["range"] == {"start": {"line": 6, "character": 14}, "end": {"line": 6, "character": 25}}

    actions = client.request("textDocument/codeAction", {
        "textDocument": {"uri": uri}, "range": by_code["DUR301"]["range"],
        "context": {"diagnostics": [by_code["DUR301"]], "only": ["quickfix"]},
    })
    assert [a["title"] for a in actions] == ["Fix DUR301: wrap in sorted(...)"]
    assert actions[0]["kind"] == "quickfix" and actions[0]["diagnostics"] == [by_code["DUR301"]]
    fixed = apply_edits(HANDLER, actions[0]["edit"]["changes"][uri])
    assert fixed == HANDLER.replace("for region in regions:", "for region in sorted(regions):")

    client.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": fixed}]})
    after_change = client.notification("textDocument/publishDiagnostics", uri=uri, version=2)["diagnostics"]
    assert [d["code"] for d in after_change] == ["DUR101"]

    hover = client.request("textDocument/hover", {"textDocument": {"uri": uri}, "position": {"line": 6, "character": 20}})
    assert hover["contents"]["kind"] == "markdown"
    assert hover["contents"]["value"].startswith("### DUR101 clock-read") and "## Why is this bad?" in hover["contents"]["value"]
    assert client.request("textDocument/hover", {"textDocument": {"uri": uri}, "position": {"line": 0, "character": 0}}) is None

    fix_all = client.request("textDocument/codeAction", {
        "textDocument": {"uri": uri}, "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}},
        "context": {"diagnostics": [], "only": ["source.fixAll"]},
    })
    assert [a["kind"] for a in fix_all] == ["source.fixAll.durable-lint"]
    all_fixed = apply_edits(fixed, fix_all[0]["edit"]["changes"][uri])
    assert 'started = context.step(lambda _: time.time(), name="' in all_fixed
    client.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 3}, "contentChanges": [{"text": all_fixed}]})
    assert client.notification("textDocument/publishDiagnostics", uri=uri, version=3)["diagnostics"] == []
    client.notify("textDocument/didSave", {"textDocument": {"uri": uri}})
    assert client.notification("textDocument/publishDiagnostics", uri=uri)["diagnostics"] == []

    other = (project / "svc_b" / "handler.py").as_uri()
    assert [d["code"] for d in _open(client, other, HANDLER)] == ["DUR301"]  # svc_b's pyproject.toml ignores DUR101
    broken = _open(client, (project / "svc_c" / "handler.py").as_uri(), HANDLER)
    assert len(broken) == 1 and broken[0]["severity"] == 1  # one error that names the file and the problem
    assert "svc_c/pyproject.toml" in broken[0]["message"] and "DUR9999" in broken[0]["message"]
    opted_in = _open(client, (project / "svc_d" / "handler.py").as_uri(),
                     HANDLER.replace("started = time.time()", 'started = os.environ["STAGE"]').replace("import time", "import os"))
    assert {d["code"]: d["severity"] for d in opted_in} == {"DUR402": 2, "DUR301": 1}  # an opt-in rule is a warning

    assert client.request("shutdown") is None
    client.notify("exit")
    assert client.process.wait(timeout=30) == 0
    assert (project / "svc_a" / "handler.py").read_text() == CLEAN  # the server never writes


def test_server_without_pygls_says_how_to_install_it(tmp_path: Path) -> None:
    run = subprocess.run(
        [sys.executable, "-c", "import sys; sys.modules['pygls'] = None\n"
                               "from durable_lint.cli import main; sys.exit(main(['server']))"],
        capture_output=True, text=True, timeout=60, cwd=tmp_path,
    )
    assert run.returncode == 2
    assert run.stderr.strip().splitlines() == [
        "durable-lint: error: `durable-lint server` needs pygls, which is not installed; "
        "install the extra: pip install 'durable-lint[lsp]'"
    ]
