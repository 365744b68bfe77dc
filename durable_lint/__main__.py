import sys

from durable_lint.cli import main

sys.exit(main())
