"""``python -m etl <command>``. Each module below adds its subcommands (``COMMANDS``): one line per module."""

from __future__ import annotations

import sys

from etl.cli import main

COMMAND_MODULES = [
    "etl.commands",  # build, datasets, check
    "etl.store_cli",  # store versions | use <id> | prune
    "etl.submissions.cli",  # validate, ingest, template, users, publish, withdraw, submissions
    "etl.crosstab.cli",  # query: the explorer's cross-tabulation as CSV
]

if __name__ == "__main__":
    sys.exit(main(COMMAND_MODULES))
