"""``python -m etl.crosstab query ...``: the same command as ``python -m etl query``."""

import sys

from etl.crosstab.cli import main

sys.exit(main())
