"""``python -m geodata build``: build geometry and the gazetteer export into data/geo."""

from __future__ import annotations

import argparse
import json
import sys

from geodata.build import build


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m geodata", description=__doc__)
    parser.add_argument("command", choices=["build"])
    parser.parse_args(argv)
    summary = build()
    print(json.dumps(summary, indent=2, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
