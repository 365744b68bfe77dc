"""`durable-lint server`: a Language Server over stdio, so editors show findings as you type.

Diagnostics on open, change and save (code = the DUR code, source "durable-lint");
quick fixes that apply the safe fixes to the editor's text as a WorkspaceEdit (the
server never writes a file); the rule's documentation on hover over a finding. Each
document is checked with the configuration of the nearest pyproject.toml above it.
pygls speaks the protocol; it is an optional extra (`pip install 'durable-lint[lsp]'`).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from durable_lint import __version__
from durable_lint.config import UsageError
from durable_lint.editor import Edit, Span, fix_edits, hover_text, lint_document

if TYPE_CHECKING:
    from lsprotocol import types
    from pygls.lsp.server import LanguageServer
    from pygls.workspace import TextDocument

SOURCE = "durable-lint"
FIX_ALL = "source.fixAll.durable-lint"
MISSING_PYGLS = ("durable-lint: error: `durable-lint server` needs pygls, which is not installed; "
                 "install the extra: pip install 'durable-lint[lsp]'")


def main() -> int:
    try:
        server = build_server()
    except ModuleNotFoundError as error:
        if (error.name or "").split(".")[0] not in ("pygls", "lsprotocol"):
            raise
        print(MISSING_PYGLS, file=sys.stderr)
        return 2
    server.start_io()
    return 0


def build_server() -> LanguageServer:
    """The language server with its features registered."""
    from lsprotocol import types
    from pygls.lsp.server import LanguageServer

    server = LanguageServer("durable-lint", __version__)

    def publish(ls: LanguageServer, uri: str) -> None:
        document = ls.workspace.get_text_document(uri)
        ls.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, version=document.version, diagnostics=diagnose(document))
        )

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: LanguageServer, params: types.DidOpenTextDocumentParams) -> None:
        publish(ls, params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: LanguageServer, params: types.DidChangeTextDocumentParams) -> None:
        publish(ls, params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: LanguageServer, params: types.DidSaveTextDocumentParams) -> None:
        publish(ls, params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: LanguageServer, params: types.DidCloseTextDocumentParams) -> None:
        ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=params.text_document.uri, diagnostics=[]))

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix, FIX_ALL], resolve_provider=False),
    )
    def code_action(ls: LanguageServer, params: types.CodeActionParams) -> list[types.CodeAction]:
        document = ls.workspace.get_text_document(params.text_document.uri)
        wanted_kinds = params.context.only
        actions = []
        if not wanted_kinds or types.CodeActionKind.QuickFix in wanted_kinds:
            for edit in _fixes(document, _server_span(document, params.range)):
                actions.append(_action(document, edit, types.CodeActionKind.QuickFix, params.context.diagnostics))
        if not wanted_kinds or any(FIX_ALL.startswith(kind) for kind in wanted_kinds):
            actions += [_action(document, edit, FIX_ALL, []) for edit in _fixes(document, None)]
        return actions

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    def hover(ls: LanguageServer, params: types.HoverParams) -> types.Hover | None:
        document = ls.workspace.get_text_document(params.text_document.uri)
        try:
            findings = lint_document(document.source, _path(document))
        except UsageError:
            return None
        at = document.position_from_client_units(params.position)
        text = hover_text(findings, (at.line, at.character))
        if text is None:
            return None
        return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=text))

    return server


def diagnose(document: TextDocument) -> list[types.Diagnostic]:
    """The document's findings as LSP diagnostics; a broken configuration is one diagnostic on line 1."""
    from lsprotocol import types

    try:
        found = lint_document(document.source, _path(document))
    except UsageError as error:
        return [types.Diagnostic(range=types.Range(types.Position(0, 0), types.Position(0, 0)), message=str(error),
                                 severity=types.DiagnosticSeverity.Error, source=SOURCE)]
    return [
        types.Diagnostic(
            range=_client_range(document, item.span),
            message=item.finding.message,
            severity=_severity(item.finding.code),
            code=item.finding.code,
            source=SOURCE,
        )
        for item in found
    ]


def _severity(code: str) -> types.DiagnosticSeverity:
    """As the SARIF output levels it: a default rule's finding is an error (CI fails on it), an
    opt-in rule's a warning; an editor that showed both as warnings would understate the first."""
    from lsprotocol import types

    from durable_lint.rule import all_rules

    return types.DiagnosticSeverity.Error if all_rules()[code].default_enabled else types.DiagnosticSeverity.Warning


def _fixes(document: TextDocument, wanted: Span | None) -> list[Edit]:
    try:
        return fix_edits(document.source, _path(document), wanted)
    except UsageError:
        return []


def _action(document: TextDocument, edit: Edit, kind: str, diagnostics: list[Any]) -> types.CodeAction:
    from lsprotocol import types

    text_edit = types.TextEdit(range=_client_range(document, edit.span), new_text=edit.text)
    return types.CodeAction(
        title=edit.title,
        kind=kind,
        diagnostics=[d for d in diagnostics if d.source == SOURCE] or None,
        is_preferred=kind == types.CodeActionKind.QuickFix,
        edit=types.WorkspaceEdit(changes={document.uri: [text_edit]}),
    )


def _path(document: TextDocument) -> Path | None:
    """The document's file, if it is one (an untitled buffer has none)."""
    return Path(document.path) if document.uri.startswith("file:") else None


def _client_range(document: TextDocument, span: Span) -> types.Range:
    from pygls.workspace.position_codec import ServerTextPosition, ServerTextRange

    return document.range_to_client_units(ServerTextRange(ServerTextPosition(*span.start), ServerTextPosition(*span.end)))


def _server_span(document: TextDocument, client_range: types.Range) -> Span:
    inner = document.range_from_client_units(client_range)
    return Span((inner.start.line, inner.start.character), (inner.end.line, inner.end.character))
