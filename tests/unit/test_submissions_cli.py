"""``python -m etl`` submission commands: exit codes and what they print."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "submissions"
PASSWORD = "correct horse battery staple"


def etl(*args: str, stdin: str | None = None, registry: Path | None = None) -> subprocess.CompletedProcess:
    extra = ["--registry", str(registry)] if registry else []
    return subprocess.run([sys.executable, "-m", "etl", *args, *extra], cwd=ROOT, input=stdin, capture_output=True,
                          text=True, timeout=300)


@pytest.mark.parametrize("lang,expected", [("en", "row 47, column «Valor»: The count -5 is negative."),
                                           ("es", "fila 47, columna «Valor»: El conteo -5 es negativo.")])
def test_validate_prints_the_report_and_exits_non_zero_on_errors(lang, expected):
    broken = etl("validate", str(FIXTURES / "broken" / "value_negative.csv"), "--country", "GTM", "--lang", lang)
    assert broken.returncode == 1 and expected in broken.stdout
    valid = etl("validate", str(FIXTURES / "valid" / "gtm_returns_igm_es.csv"), "--country", "GTM", "--lang", lang)
    assert valid.returncode == 0 and ("valid —" in valid.stdout or "válido —" in valid.stdout)


def test_users_ingest_publish_from_the_command_line(tmp_path):
    reg = tmp_path / "registry"
    assert etl("users", "add", "ana", "--role", "focal_point", "--country", "GTM", "--password-stdin",
               stdin=PASSWORD + "\n", registry=reg).returncode == 0
    weak = etl("users", "add", "bob", "--role", "focal_point", "--country", "HND", "--password-stdin",
               stdin="short\n", registry=reg)
    assert weak.returncode == 2 and "at least 12" in weak.stderr
    assert etl("users", "add", "boss", "--role", "regional_admin", "--password-stdin", stdin=PASSWORD + "\n",
               registry=reg).returncode == 0
    listing = etl("users", "list", registry=reg)
    assert "ana" in listing.stdout and "argon2" not in listing.stdout and PASSWORD not in listing.stdout
    valid = str(FIXTURES / "valid" / "gtm_returns_igm_es.csv")
    refused = etl("ingest", valid, "--country", "HND", "--user", "ana", "--lang", "en", registry=reg)
    assert refused.returncode == 3 and "cannot submit data for HND" in refused.stderr
    stored = etl("ingest", valid, "--country", "GTM", "--user", "ana", "--lang", "en", registry=reg)
    assert stored.returncode == 0 and "Stored as sub_GTM_returns_1 version 1, awaiting publication." in stored.stdout
    assert etl("publish", "sub_GTM_returns_1", "--version", "1", "--user", "ana", registry=reg).returncode == 3
    assert etl("publish", "sub_GTM_returns_1", "--version", "1", "--user", "boss", registry=reg).returncode == 0
    assert "published" in etl("submissions", registry=reg).stdout
