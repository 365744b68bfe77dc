"""Rule documentation, from the rules themselves: sections, help URLs and docs/rules.md.

`python -m durable_lint.docs > docs/rules.md` regenerates the catalog; a test keeps
the committed file in sync.
"""

from __future__ import annotations

import re
import sys

from durable_lint import DOCS_URL
from durable_lint.rule import Rule, all_rules

_SECTION = re.compile(r"^## (?P<title>.+)$", re.MULTILINE)


def section(rule: type[Rule], title: str) -> str:
    """The text under `## title` in a rule's docstring."""
    doc = rule.documentation()
    matches = list(_SECTION.finditer(doc))
    for index, match in enumerate(matches):
        if match["title"].strip() == title:
            end = matches[index + 1].start() if index + 1 < len(matches) else len(doc)
            return doc[match.end() : end].strip()
    return ""


def summary(rule: type[Rule]) -> str:
    """One sentence: the first of `What it does`, without the opt-in note."""
    text = " ".join(section(rule, "What it does").split()).removeprefix("Opt-in. ")
    return text.split(". ")[0].rstrip(".") + "."


def anchor(rule: type[Rule]) -> str:
    return f"{rule.code.lower()}-{rule.name}"


def help_url(rule: type[Rule]) -> str:
    return f"{DOCS_URL}#{anchor(rule)}"


class _Placeholders(dict):  # type: ignore[type-arg]
    """Shows a message's fields as `<field>`."""

    def __missing__(self, key: str) -> str:
        return f"<{key}>"


def render_markdown() -> str:
    """The whole rule catalog as Markdown."""
    rules = all_rules()
    out = [
        "# durable-lint rules",
        "",
        "Generated from the rule classes in `rules/` by `python -m durable_lint.docs`; do not edit by hand.",
        "",
        "| code | name | default |",
        "|---|---|---|",
    ]
    out += [f"| [{c}](#{anchor(r)}) | {r.name} | {'on' if r.default_enabled else 'opt-in'} |" for c, r in rules.items()]
    for code, rule in rules.items():
        out += ["", f"## {code} {rule.name}", "", f"Message: {rule.message.format_map(_Placeholders())}", ""]
        out.append(re.sub(r"^## ", "### ", rule.documentation(), flags=re.MULTILINE))
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    sys.stdout.write(render_markdown())
