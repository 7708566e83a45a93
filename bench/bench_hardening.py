"""Hardening budgets (issue 15): peak memory and time to validate hostile uploads, server vs worker.

Three SYNTHETIC files are generated into a temporary directory (labelled SYNTHETIC in their
names and metadata; the 1,000,000-row workbook is kept in ``$TMPDIR/atlas-bench-hardening`` and
reused by later runs):

- a 5 MB XLSX zip bomb (one cell of "A"s, about 5 GB once uncompressed, honest CRC);
- a 200 MB CSV;
- a 1,000,000-row XLSX (entries and exits, Guatemala's departments).

Each is validated by a fresh "server" process that reads the bytes (as Streamlit holds an upload
in memory) and calls ``etl.submissions.worker.validate_isolated`` as the Submit page does. The
figures printed: wall time, the server process's peak resident memory (``ru_maxrss`` of itself)
and the worker's (``ru_maxrss`` of its waited children), the outcome (problem codes), and whether
the server stayed under the stated ceiling.

    .venv/bin/python bench/bench_hardening.py [--ceiling-mb 1024] [--xlsx-rows 1000000]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def build_files(work: Path, cache: Path, xlsx_rows: int) -> dict[str, Path]:
    """The three SYNTHETIC files (the workbook cached across runs)."""
    from tests.hostile_files import build_csv_rows, build_zip_bomb

    files = {}
    bomb = work / "SYNTHETIC_zip_bomb_5MB.xlsx"
    t = time.perf_counter()
    bomb.write_bytes(build_zip_bomb(5_000_000, honest_crc=True))
    print(f"  generated {bomb.name}: {bomb.stat().st_size / 1e6:.1f} MB in {time.perf_counter() - t:.1f} s")
    files["zip bomb 5 MB (XLSX)"] = bomb
    big = work / "SYNTHETIC_200MB.csv"
    t = time.perf_counter()
    line = b"2024-01,GT-01,ENTRY,HND,1\n"
    with open(big, "wb") as fh:
        fh.write(build_csv_rows(1, title="SYNTHETIC 200 MB benchmark file"))
        block = line * 100_000
        while fh.tell() < 200_000_000:
            fh.write(block)
    print(f"  generated {big.name}: {big.stat().st_size / 1e6:.0f} MB in {time.perf_counter() - t:.1f} s")
    files["CSV 200 MB"] = big
    files[f"XLSX {xlsx_rows:,} rows"] = build_big_xlsx(cache, xlsx_rows)
    return files


def build_big_xlsx(cache: Path, rows: int) -> Path:
    from openpyxl import Workbook

    from tests.hostile_files import HEADER, META, synthetic_rows

    path = cache / f"SYNTHETIC_{rows}_rows.xlsx"
    if path.exists():
        print(f"  reused {path} ({path.stat().st_size / 1e6:.1f} MB)")
        return path
    t = time.perf_counter()
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("datos")
    ws.append(HEADER)
    for r in synthetic_rows(rows):
        ws.append(r)
    meta = wb.create_sheet("metadatos")
    for line in META["es"].format(country="GTM", title="SYNTHETIC 1,000,000-row benchmark").splitlines():
        label, _, value = line.lstrip("# ").partition(": ")
        meta.append([label, value])
    tmp = path.with_suffix(".tmp")
    wb.save(tmp)
    os.replace(tmp, path)
    print(f"  generated {path.name}: {path.stat().st_size / 1e6:.1f} MB in {time.perf_counter() - t:.0f} s")
    return path


def serve_one(path: str, lift_zip_limits: bool) -> None:
    """The "server" side of one case (run in its own process): read the upload, validate it isolated.

    ``lift_zip_limits``: the ZIP directory checks are switched off, to show what the worker's own
    memory limit does with a bomb whose declared sizes would get past them.
    """
    from etl.submissions.limits import load_limits
    from etl.submissions.worker import validate_isolated

    limits = (
        load_limits(xlsx_uncompressed_bytes=10**13, xlsx_compression_ratio=10**7) if lift_zip_limits else load_limits()
    )
    data = Path(path).read_bytes()
    stages = []
    t = time.perf_counter()
    v = validate_isolated(
        data, Path(path).name, "GTM", progress=lambda s, f: stages.append(s), keep_rows=False, limits=limits
    )
    elapsed = time.perf_counter() - t
    errors = sorted({p.code for p in v.report.problems if p.severity == "error"})
    print(
        json.dumps(
            {
                "seconds": elapsed,
                "server_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "worker_peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
                "rows": v.report.rows,
                "valid": v.valid,
                "errors": errors,
                "stages": stages,
            }
        )
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ceiling-mb", type=float, default=1024, help="server-process memory ceiling (MB)")
    parser.add_argument("--xlsx-rows", type=int, default=1_000_000)
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    parser.add_argument("--lift-zip-limits", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve_one(args.serve, args.lift_zip_limits)
        return 0
    from etl.submissions.limits import load_limits

    limits = load_limits()
    cache = Path(tempfile.gettempdir()) / "atlas-bench-hardening"
    cache.mkdir(exist_ok=True)
    print("SYNTHETIC hostile uploads, validated as the Submit page does (etl.submissions.worker.validate_isolated)")
    print(
        f"limits: upload {limits.upload_bytes / 1e6:.0f} MB, "
        f"worker memory {limits.worker_memory_bytes / 1e9:.1f} GB, "
        f"worker timeout {limits.worker_timeout_seconds:.0f} s; server ceiling {args.ceiling_mb:.0f} MB"
    )
    with tempfile.TemporaryDirectory(prefix="atlas-bench-hardening-") as tmp:
        files = build_files(Path(tmp), cache, args.xlsx_rows)
        print(f"\n{'case':<26} {'time':>8} {'server peak':>12} {'worker peak':>12}  outcome")
        over = False
        cases = [(name, path, []) for name, path in files.items()]
        cases.insert(1, ("zip bomb, ZIP checks off", files["zip bomb 5 MB (XLSX)"], ["--lift-zip-limits"]))
        for name, path, extra in cases:
            out = subprocess.run(
                [sys.executable, __file__, "--serve", str(path), *extra],
                capture_output=True,
                text=True,
                cwd=ROOT,
                check=False,
            )
            if out.returncode != 0:
                print(f"{name:<26} FAILED: {out.stderr.strip().splitlines()[-1:]}")
                over = True
                continue
            r = json.loads(out.stdout.strip().splitlines()[-1])
            outcome = (
                ("valid, " if r["valid"] else "")
                + (", ".join(r["errors"]) or "no error")
                + f" ({r['rows']:,} rows read)"
            )
            worker = f"{r['worker_peak_mb']:,.0f} MB" if r["worker_peak_mb"] > 1 else "no worker"
            print(f"{name:<26} {r['seconds']:>7.2f}s {r['server_peak_mb']:>9,.0f} MB {worker:>12}  {outcome}")
            over |= r["server_peak_mb"] > args.ceiling_mb
        print(f"\nserver process under {args.ceiling_mb:.0f} MB in every case: {'NO' if over else 'yes'}")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
