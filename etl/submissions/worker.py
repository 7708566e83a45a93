"""Validate an upload in a worker process with a memory limit and a timeout, reporting progress.

The web server never parses a large or compressed upload itself: ``validate_isolated`` checks the
limits on the bytes (``limits.check_upload``: size, ZIP directory, lines; milliseconds, no
parsing), then runs ``validate_submission`` in a child Python process that first caps its own
address space (``resource.setrlimit(RLIMIT_AS)``) and CPU time, and is killed at the timeout. The
child reports each stage on its standard output (one JSON line per stage) and leaves the
``Validation`` in a private temporary directory (0o700) that the parent reads and removes. A child
that runs out of memory, is killed or fails gives a report with ONE problem saying so and how to
split the file (``validation_memory``, ``validation_timeout``, ``validation_failed``), in
Spanish and English, instead of taking the server down.

The limits are set by the child on itself, not with ``preexec_fn`` (unsafe in a threaded server).

Command line (used by the parent only): ``python -m etl.submissions.worker WORKDIR``.
"""

from __future__ import annotations

import json
import os
import pickle
import select
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from etl.submissions.limits import Limits, bytes_text, check_upload, load_limits
from etl.submissions.report import Problem, Report

PROJECT_ROOT = Path(__file__).resolve().parents[2]
INPUT, OUTPUT, ARGS = "input.bin", "validation.pickle", "args.json"
MEMORY_EXIT = 71  # the child's exit status when it ran out of memory
# Only the validation's own stages move the bar; starting the interpreter is "start".
PROGRESS_STAGES = ("start", "limits", "read", "metadata", "headers", "cells", "rows", "totals", "done")
# Environment for the child: one thread per numeric library, so the address-space cap is not
# spent on thread arenas; no user site directory.
CHILD_ENV = {
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "POLARS_MAX_THREADS": "1",
    "RAYON_NUM_THREADS": "1",
    "PYTHONNOUSERSITE": "1",
    "MALLOC_ARENA_MAX": "2",
}

Progress = Callable[[str, float], None]


def _no_progress(stage: str, fraction: float) -> None:
    return None


def progress_fraction(stage: str) -> float:
    """Where ``stage`` puts the progress bar, 0.0 to 1.0 (unknown stages keep it at 0)."""
    return PROGRESS_STAGES.index(stage) / (len(PROGRESS_STAGES) - 1) if stage in PROGRESS_STAGES else 0.0


def should_isolate(data: bytes, filename: str, limits: Limits) -> bool:
    """Every workbook (its size says nothing of its content) and every text file over ``in_process_bytes``."""
    return (
        data.startswith(b"PK\x03\x04")
        or Path(filename).suffix.lower() in (".xlsx", ".xlsm")
        or len(data) > limits.in_process_bytes
    )


def validate_isolated(
    data: bytes,
    filename: str,
    country: str,
    kind: str | None = None,
    tolerance: float = 0.0,
    *,
    limits: Limits | None = None,
    progress: Progress = _no_progress,
    isolate: bool | None = None,
    keep_rows: bool = True,
):
    """The ``Validation`` of an upload, computed where it cannot exhaust the caller.

    ``progress(stage, fraction)`` is called as the validation moves on (``PROGRESS_STAGES``), from
    the calling thread. ``isolate`` forces (``True``) or avoids (``False``) the worker; by default a
    workbook or a file over ``limits.in_process_bytes`` goes to the worker. ``keep_rows=False``
    returns the report without the parsed rows (for "check only": nothing big comes back).
    Raises ``InputError`` (a ``ValueError``) only when ``country`` is not a country code.
    """
    from etl.submissions.validate import Validation, check_country_code, validate_submission

    country = check_country_code(country)
    limits = limits or load_limits()
    progress("start", 0.0)
    over = check_upload(data, filename, limits)
    if over:
        report = Report(file=filename, country=country)
        report.extend(over)
        progress("done", 1.0)
        return Validation(report)
    if not (should_isolate(data, filename, limits) if isolate is None else isolate):
        result = validate_submission(
            data, filename, country, kind, tolerance, limits, progress=lambda s: progress(s, progress_fraction(s))
        )
        return result if keep_rows else _without_rows(result)
    return _run_worker(data, filename, country, kind, tolerance, limits, progress, keep_rows)


def _without_rows(validation):
    if validation.rows is not None:
        validation.rows = validation.rows.iloc[:0]
    return validation


def _failure(filename: str, country: str, code: str, **params: object):
    from etl.submissions.validate import Validation

    report = Report(file=filename, country=country)
    report.add(Problem(code, params=params))
    return Validation(report)


def _run_worker(
    data: bytes,
    filename: str,
    country: str,
    kind: str | None,
    tolerance: float,
    limits: Limits,
    progress: Progress,
    keep_rows: bool,
):
    with tempfile.TemporaryDirectory(prefix="atlas-validate-") as tmp:
        work = Path(tmp)
        os.chmod(work, 0o700)
        (work / INPUT).write_bytes(data)
        (work / ARGS).write_text(
            json.dumps(
                {
                    "filename": filename,
                    "country": country,
                    "kind": kind,
                    "tolerance": tolerance,
                    "keep_rows": keep_rows,
                    "limits": limits.__dict__,
                    "memory": limits.worker_memory_bytes,
                    "cpu_seconds": int(limits.worker_timeout_seconds) + 5,
                }
            )
        )
        env = {
            **os.environ,
            **CHILD_ENV,
            "PYTHONPATH": os.pathsep.join([str(PROJECT_ROOT), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep),
        }
        child = subprocess.Popen(
            [sys.executable, "-m", "etl.submissions.worker", str(work)],
            cwd=PROJECT_ROOT,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
        timed_out, stderr = _follow(child, limits.worker_timeout_seconds, progress)
        output = work / OUTPUT
        if timed_out:
            return _failure(filename, country, "validation_timeout", limit=f"{limits.worker_timeout_seconds:g}")
        if child.returncode == 0 and output.exists():
            with open(output, "rb") as fh:
                return pickle.load(fh)  # written by our own child, in our own private directory
        if child.returncode in (
            MEMORY_EXIT,
            -signal.SIGKILL,
            -signal.SIGABRT,
            -signal.SIGSEGV,
            -signal.SIGXCPU,
            -signal.SIGBUS,
        ):
            return _failure(filename, country, "validation_memory", limit=bytes_text(limits.worker_memory_bytes))
        last = (stderr.strip().splitlines() or [f"exit status {child.returncode}"])[-1]
        return _failure(filename, country, "validation_failed", detail=last[:160])


def _follow(child: subprocess.Popen, timeout: float, progress: Progress) -> tuple[bool, str]:
    """Read the child's progress lines until it exits or ``timeout`` passes (then kill it): ``(timed_out, stderr)``."""
    deadline = time.monotonic() + timeout
    buffer = b""
    err = bytearray()
    streams = {child.stdout.fileno(): "out", child.stderr.fileno(): "err"}
    open_fds = set(streams)
    timed_out = False
    while open_fds:
        left = deadline - time.monotonic()
        if left <= 0:
            timed_out = True
            child.kill()
            break
        ready, _, _ = select.select(list(open_fds), [], [], min(left, 0.5))
        for fd in ready:
            chunk = os.read(fd, 65536)
            if not chunk:
                open_fds.discard(fd)
                continue
            if streams[fd] == "err":
                err += chunk[-4096:]
                continue
            buffer += chunk
            *lines, buffer = buffer.split(b"\n")
            for line in lines:
                stage = _stage(line)
                if stage:
                    progress(stage, progress_fraction(stage))
    child.wait()
    child.stdout.close()
    child.stderr.close()
    return timed_out, err.decode("utf-8", errors="replace")


def _stage(line: bytes) -> str | None:
    try:
        stage = json.loads(line).get("stage")
    except (ValueError, AttributeError):
        return None
    return stage if stage in PROGRESS_STAGES else None


# --- the child ----------------------------------------------------------------------------------


def _limit_self(memory: int, cpu_seconds: int) -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 5))


def _emit(stage: str) -> None:
    sys.stdout.write(json.dumps({"stage": stage}) + "\n")
    sys.stdout.flush()


def main(argv: list[str]) -> int:
    work = Path(argv[0])
    args = json.loads((work / ARGS).read_text())
    _limit_self(args["memory"], args["cpu_seconds"])
    try:
        from etl.submissions.validate import validate_submission

        data = (work / INPUT).read_bytes()
        result = validate_submission(
            data,
            args["filename"],
            args["country"],
            args["kind"],
            args["tolerance"],
            Limits(**args["limits"]),
            progress=_emit,
        )
        del data
        if not args["keep_rows"]:
            result = _without_rows(result)
        tmp = work / (OUTPUT + ".tmp")
        with open(tmp, "wb") as fh:
            pickle.dump(result, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, work / OUTPUT)
    except MemoryError:
        return MEMORY_EXIT
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
