"""durable-lint: a static determinism linter for AWS Lambda durable functions."""

__version__ = "0.1.0"
