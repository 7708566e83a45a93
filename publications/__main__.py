"""``python -m publications``: see ``publications/cli.py``."""

import sys

from publications.cli import main

sys.exit(main())
