"""``python -m etl store versions | use <id> | prune``: the kept store versions, rollback, clean-up
(``etl.versions``, docs/STORE.md "Versions")."""

from __future__ import annotations

import argparse
import json
import sys

from etl import store, versions
from etl.cli import Command


def run_store(args: argparse.Namespace) -> int:
    """Dispatch ``store <action>``; bad input (an unknown version, a bad number) says what exists, exit 1."""
    try:
        return ACTIONS[args.action](args)
    except (versions.VersionNotFoundError, ValueError) as err:
        print(f"etl store {args.action}: {err}", file=sys.stderr)
        return 1


def run_versions(args: argparse.Namespace) -> int:
    """Every kept version, oldest first, with what it holds; CURRENT marked with ``*``."""
    current = store.served_version()  # brings CURRENT up to date with the registry first
    kept = versions.list_versions()
    if not kept:
        print(f"no store versions under {versions.store_root()}: build one with `python -m etl build`")
        return 0
    print(f"   {'version':<38} {'kind':<8} {'built (UTC)':<26} {'published':>9}  observations")
    for v in kept:
        m = v.manifest
        published = sum(1 for _ in _pairs(m))
        obs = m.get("tables", {}).get("observations", 0) + m.get("published_rows", {}).get("observations", 0)
        mark = "*" if v.id == current else " "
        print(f"{mark}  {v.id:<38} {m.get('kind', '?'):<8} {m.get('built_at_utc', '?'):<26} {published:>9}  {obs:,}")
    print(f"* = CURRENT ({current}); {len(kept)} kept under {versions.store_root()}")
    return 0


def _pairs(manifest: dict) -> list:
    """The (submission, version) pairs a version's published snapshot holds."""
    try:
        return json.loads(manifest.get("published_state") or "[]")
    except ValueError:
        return []


def run_use(args: argparse.Namespace) -> int:
    """Point CURRENT at a kept version (a rollback); servers switch at their next page run or request."""
    vid = versions.set_current(args.version)
    print(f"CURRENT -> {vid}")
    served = store.served_version()  # the published submissions follow the registry, not the rollback
    if served != vid:
        print(
            f"the registry's published submissions differ from {vid}'s snapshot: servers serve {served} "
            f"(the store build of {vid} with today's published submissions)"
        )
    return 0


def run_prune(args: argparse.Namespace) -> int:
    """Delete old versions (keeping the newest ``--keep``, CURRENT, and any served in the last minutes)."""
    deleted = versions.prune(args.keep, args.pin_minutes)
    print(f"deleted {len(deleted)} version(s)" + (": " + ", ".join(deleted) if deleted else ""))
    print(f"kept: {', '.join(v.id for v in versions.list_versions()) or 'none'}")
    return 0


ACTIONS = {"versions": run_versions, "use": run_use, "prune": run_prune}


def _options(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", required=True, metavar="action")
    sub.add_parser("versions", help="list the kept versions; * marks the one CURRENT names")
    use = sub.add_parser("use", help="point CURRENT at a kept version (a rollback)")
    use.add_argument("version", help="a version id as `python -m etl store versions` lists it")
    prune = sub.add_parser("prune", help="delete old versions (never CURRENT nor one served recently)")
    prune.add_argument(
        "--keep",
        type=_count,
        default=None,
        help=f"versions to keep (default $ATLAS_STORE_KEEP or {versions.DEFAULT_KEEP})",
    )
    prune.add_argument(
        "--pin-minutes",
        type=_count,
        default=None,
        help="spare versions a server read in the last N minutes "
        f"(default $ATLAS_STORE_PIN_MINUTES or {versions.DEFAULT_PIN_MINUTES})",
    )


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected 0 or more, got {value}")
    return value


COMMANDS = [Command("store", "the kept store versions: list them, roll back (use <id>), prune", run_store, _options)]
