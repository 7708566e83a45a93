"""``python -m etl.submissions <command>``: the submission commands on their own (see cli.py)."""

import sys

from etl.submissions.cli import main

if __name__ == "__main__":
    sys.exit(main())
