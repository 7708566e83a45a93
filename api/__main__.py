"""``python -m api``: serve the API (default), keep a copy of the current data version, or list kept versions.

python -m api --port 8502 [--host 127.0.0.1]
python -m api snapshot        # keep the current data version under data/versions/ now
python -m api versions        # list the kept versions
"""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m api", description="Atlas PVIGM API service (SDMX + JSON/CSV)")
    parser.add_argument("command", nargs="?", default="serve", choices=("serve", "snapshot", "versions"))
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8502, help="port (default 8502)")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes (default 1)")
    args = parser.parse_args(argv)
    from geodata import DataNotBuiltError

    try:
        if args.command == "snapshot":
            from api.versions import snapshot_store

            info = snapshot_store()
            print(f"kept {info.id} ({info.version}): {info.tables.get('public_observations', 0):,} observations")
            return 0
        if args.command == "versions":
            from api.versions import list_versions

            for v in reversed(list_versions()):
                print(f"{v.id}  {v.version}  kept {v.kept_at_utc}")
            return 0
        from api.versions import VersionStore

        VersionStore().current()  # keep the current version before the first request (and fail early)
    except DataNotBuiltError as err:
        print(f"{err}", file=sys.stderr)
        return 1
    import uvicorn

    uvicorn.run(
        "api.app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level="warning",
        proxy_headers=False,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
