from durable_lint.cli import entry

entry()
