"""Small pieces around the app: the build's synthetic option, timing log, warm-up, data version."""

from __future__ import annotations

import argparse
import time

import pytest

from atlas.core import timing, warmup
from etl import commands, store


@pytest.mark.parametrize("raw,expected", [("0", 0), ("200000", 200000), (" 5 ", 5)])
def test_synthetic_records_accepts_whole_numbers(raw, expected):
    assert commands._non_negative(raw.strip()) == expected


@pytest.mark.parametrize("raw,message", [("-1", "0 or more"), ("many", "whole number"), ("1.5", "whole number")])
def test_synthetic_records_rejects_the_rest_with_a_reason(raw, message):
    with pytest.raises(argparse.ArgumentTypeError, match=message):
        commands._non_negative(raw)


def test_synthetic_records_default_comes_from_the_environment(monkeypatch):
    monkeypatch.delenv("ATLAS_SYNTHETIC_RECORDS", raising=False)
    assert commands._env_records() == 0
    monkeypatch.setenv("ATLAS_SYNTHETIC_RECORDS", "1000")
    assert commands._env_records() == 1000


class _Page:
    url_path = "map"


def test_timing_logs_one_line_per_run_only_when_asked(tmp_path, monkeypatch):
    log = tmp_path / "runs.log"
    monkeypatch.delenv("ATLAS_TIMING_LOG", raising=False)
    with timing.timed_run(_Page()):
        pass
    assert not log.exists()
    monkeypatch.setenv("ATLAS_TIMING_LOG", str(log))
    for handler in list(timing.LOGGER.handlers):
        timing.LOGGER.removeHandler(handler)
    try:
        with pytest.raises(RuntimeError):
            with timing.timed_run(_Page(), time.perf_counter()):
                raise RuntimeError("a rerun or stop still logs")
        name, ms = log.read_text().split()
        assert name == "map" and float(ms) >= 0
    finally:
        for handler in list(timing.LOGGER.handlers):
            handler.close()
            timing.LOGGER.removeHandler(handler)


def test_warmup_imports_once(monkeypatch):
    import threading

    monkeypatch.setattr(warmup, "_done", threading.Event())  # a process that has not warmed up yet
    monkeypatch.setattr(warmup, "_claimed", threading.Lock())
    assert warmup.run_once() is True
    assert warmup.run_once() is False
    assert warmup._done.is_set()


def test_data_version_changes_when_the_store_is_replaced(tmp_path, monkeypatch):
    monkeypatch.setenv("ATLAS_STORE", str(tmp_path / "atlas.duckdb"))
    monkeypatch.setenv("ATLAS_REGISTRY", str(tmp_path / "registry"))
    empty = store.data_version()
    (tmp_path / "atlas.duckdb").write_bytes(b"one")
    first = store.data_version()
    replacement = tmp_path / "new.duckdb"
    replacement.write_bytes(b"two, longer")
    replacement.replace(tmp_path / "atlas.duckdb")
    assert len({empty, first, store.data_version()}) == 3


def test_prewarm_reports_a_server_that_does_not_answer(capsys):
    import socket

    from atlas.core import prewarm

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again when the block ends: nothing listens there
    assert prewarm.wait_for(f"http://127.0.0.1:{port}/_stcore/health", 0.5) is False
    assert prewarm.main(["--port", str(port), "--timeout", "0.5"]) == 1
    assert "did not answer" in capsys.readouterr().err
