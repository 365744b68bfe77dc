"""durable-lint: a static determinism linter for AWS Lambda durable functions."""

__version__ = "0.2.0"

# Where each rule's documentation lives; rule anchors are `#dur101-clock-read`.
DOCS_URL = "https://github.com/durable-lint/durable-lint/blob/main/docs/rules.md"
