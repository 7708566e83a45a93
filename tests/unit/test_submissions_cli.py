"""``python -m etl`` submission commands: exit codes and what they print."""

from __future__ import annotations

import os
import random
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from etl.submissions.registry import Registry
from etl.submissions.templates import build_template

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "submissions"
PASSWORD = "correct horse battery staple"

pytestmark = pytest.mark.integration  # every test here runs the command line in a subprocess


def etl(*args: str, stdin: str | None = None, registry: Path | None = None) -> subprocess.CompletedProcess:
    extra = ["--registry", str(registry)] if registry else []
    return subprocess.run(
        [sys.executable, "-m", "etl", *args, *extra], cwd=ROOT, input=stdin, capture_output=True, text=True, timeout=300
    )


@pytest.mark.parametrize(
    "lang,expected",
    [
        ("en", "row 47, column «Valor»: The count -5 is negative."),
        ("es", "fila 47, columna «Valor»: El conteo -5 es negativo."),
    ],
)
def test_validate_prints_the_report_and_exits_non_zero_on_errors(lang, expected):
    broken = etl("validate", str(FIXTURES / "broken" / "value_negative.csv"), "--country", "GTM", "--lang", lang)
    assert broken.returncode == 1 and expected in broken.stdout
    valid = etl("validate", str(FIXTURES / "valid" / "gtm_returns_igm_es.csv"), "--country", "GTM", "--lang", lang)
    assert valid.returncode == 0 and ("valid —" in valid.stdout or "válido —" in valid.stdout)


def test_users_ingest_publish_from_the_command_line(tmp_path, registry_env):  # on both back ends
    reg = tmp_path / "registry"
    assert (
        etl(
            "users",
            "add",
            "ana",
            "--role",
            "focal_point",
            "--country",
            "GTM",
            "--password-stdin",
            stdin=PASSWORD + "\n",
            registry=reg,
        ).returncode
        == 0
    )
    weak = etl(
        "users",
        "add",
        "bob",
        "--role",
        "focal_point",
        "--country",
        "HND",
        "--password-stdin",
        stdin="short\n",
        registry=reg,
    )
    assert weak.returncode == 2 and "at least 12" in weak.stderr
    assert (
        etl(
            "users", "add", "boss", "--role", "regional_admin", "--password-stdin", stdin=PASSWORD + "\n", registry=reg
        ).returncode
        == 0
    )
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


VALID_CSV = FIXTURES / "valid" / "gtm_returns_igm_es.csv"


def _bad_inputs(tmp: Path) -> dict[str, tuple[list[str], str, str]]:
    """name -> (arguments, a fragment of the Spanish line, a fragment of the English line)."""
    (tmp / "random.csv").write_bytes(random.Random(0).randbytes(20_000))
    (tmp / "random.xlsx").write_bytes(random.Random(1).randbytes(20_000))
    (tmp / "empty.csv").write_bytes(b"")
    (tmp / "data.ods").write_bytes(b"anything")
    os.mkfifo(tmp / "pipe.csv")
    (tmp / "registry_file").write_text("not a directory")
    (tmp / "garbled").mkdir()
    (tmp / "garbled" / "registry.sqlite").write_bytes(random.Random(2).randbytes(5000))
    valid = str(VALID_CSV)
    return {
        "directory": (["validate", str(tmp), "--country", "GTM"], "es una carpeta", "is a directory"),
        "missing": (
            ["validate", str(tmp / "nope.csv"), "--country", "GTM"],
            "No existe el archivo",
            "There is no file",
        ),
        "pipe": (
            ["validate", str(tmp / "pipe.csv"), "--country", "GTM"],
            "no es un archivo normal",
            "not a regular file",
        ),
        "binary_csv": (
            ["validate", str(tmp / "random.csv"), "--country", "GTM"],
            "no es un CSV ni un XLSX",
            "This is not a CSV or XLSX file",
        ),
        "binary_xlsx": (
            ["validate", str(tmp / "random.xlsx"), "--country", "GTM"],
            "no es un CSV ni un XLSX",
            "This is not a CSV or XLSX file",
        ),
        "binary_ingest": (
            [
                "ingest",
                str(tmp / "random.csv"),
                "--country",
                "GTM",
                "--user",
                "ana",
                "--registry",
                str(tmp / "reg_ana"),
            ],
            "no es un CSV ni un XLSX",
            "This is not a CSV or XLSX file",
        ),
        "empty": (["validate", str(tmp / "empty.csv"), "--country", "GTM"], "está vacío", "is empty"),
        "extension": (["validate", str(tmp / "data.ods"), "--country", "GTM"], "se aceptan CSV", "are accepted"),
        "country": (["validate", valid, "--country", "XYZ"], "código de país", "country code"),
        "kind": (["validate", valid, "--country", "GTM", "--kind", "foo"], "Argumentos no válidos", "invalid choice"),
        "no_country": (["validate", valid], "Argumentos no válidos", "required: --country"),
        "version": (
            ["publish", "sub_GTM_returns_1", "--version", "one", "--user", "boss"],
            "Argumentos no válidos",
            "invalid int value",
        ),
        "account": (
            ["ingest", valid, "--country", "GTM", "--user", "nobody", "--registry", str(tmp / "reg")],
            "No existe la cuenta «nobody»",
            "There is no account 'nobody'",
        ),
        "registry_file": (
            ["submissions", "--registry", str(tmp / "registry_file")],
            "no es una carpeta",
            "is not a directory",
        ),
        "registry_garbled": (
            ["submissions", "--registry", str(tmp / "garbled")],
            "No se puede usar el registro",
            "cannot be used",
        ),
        "template_out": (
            ["template", "returns", "--lang", "es", "--out", str(tmp / "no" / "such" / "x.csv")],
            "No se puede escribir",
            "cannot be written",
        ),
        "no_password": (
            ["users", "add", "bob", "--role", "regional_admin", "--registry", str(tmp / "reg")],
            "No se recibió ninguna contraseña",
            "No password was given",
        ),
        "weak_password": (
            ["users", "add", "bob", "--role", "regional_admin", "--password-stdin", "--registry", str(tmp / "reg")],
            "use al menos 12",
            "use at least 12",
        ),
    }


BAD_INPUTS = [
    "directory",
    "missing",
    "pipe",
    "binary_csv",
    "binary_xlsx",
    "binary_ingest",
    "empty",
    "extension",
    "country",
    "kind",
    "no_country",
    "version",
    "account",
    "registry_file",
    "registry_garbled",
    "template_out",
    "no_password",
    "weak_password",
]


@pytest.mark.parametrize("case", BAD_INPUTS)
def test_a_bad_input_ends_with_one_bilingual_line_and_status_2(case, tmp_path):
    args, spanish, english = _bad_inputs(tmp_path)[case]
    if case == "binary_ingest":
        Registry(tmp_path / "reg_ana").add_account("ana", PASSWORD, "focal_point", "GTM")
    stdin = "short\n" if case == "weak_password" else ""
    done = subprocess.run(
        [sys.executable, "-m", "etl", *args], cwd=ROOT, input=stdin, capture_output=True, text=True, timeout=120
    )
    lines = [line for line in done.stderr.splitlines() if line.startswith("error: ")]
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and len(lines) == 1, done.stderr
    assert spanish in lines[0] and english in lines[0] and " | " in lines[0]
    assert done.stdout == "" and not (tmp_path / "reg").exists()
    assert case != "binary_ingest" or Registry(tmp_path / "reg_ana").versions().empty  # nothing stored


def test_a_report_cut_short_by_a_closed_pipe_ends_without_a_traceback(tmp_path):
    """``python -m etl validate big.csv | head -1``: the reader goes away, the command ends quietly."""
    rows = pd.DataFrame(
        {
            "period": [f"{1901 + i // 12}-{i % 12 + 1:02d}" for i in range(3000)],
            "territory": "GTM",
            "returned_from": "MEX",
            "nationality": "GTM",
            "sex": "_T",
            "age_group": "Y_GE18",
            "accompaniment": "_Z",
            "return_type": "_T",
            "value": -1,
        }
    )
    meta = {
        "source": "s",
        "period_start": "1901",
        "period_end": "2200",
        "definitions": "d",
        "coverage": "c",
        "contact": "c",
        "country": "GTM",
    }
    big = tmp_path / "many_negative.csv"
    big.write_bytes(build_template("returns", "en", "csv", metadata=meta, rows=rows))
    proc = subprocess.Popen(
        [sys.executable, "-m", "etl", "validate", str(big), "--country", "GTM"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    first = proc.stdout.readline().decode()
    assert first.startswith("many_negative.csv: ") and "errores por corregir" in first
    proc.stdout.close()
    stderr = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 1 and "Traceback" not in stderr and "BrokenPipe" not in stderr, stderr


LEGACY_V2_ACCOUNTS = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT INTO meta VALUES ('schema_version', '2');
CREATE TABLE accounts (username TEXT PRIMARY KEY, password_hash TEXT NOT NULL, role TEXT NOT NULL, country TEXT,
    full_name TEXT NOT NULL DEFAULT '', email TEXT NOT NULL DEFAULT '', active INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL, password_version INTEGER NOT NULL DEFAULT 1, locked INTEGER NOT NULL DEFAULT 0);
"""


def test_migrate_shows_the_revisions_and_upgrades(tmp_path, registry_env):
    reg = tmp_path / "registry"
    check = etl("migrate", "--check", registry=reg)
    assert check.returncode == 1 and "no tables yet" in check.stdout and "head revision:     0002" in check.stdout
    done = etl("migrate", registry=reg)
    assert done.returncode == 0 and "upgraded to 0002" in done.stdout, done.stderr
    again = etl("migrate", "--check", registry=reg)
    assert again.returncode == 0 and "current revision:  0002" in again.stdout and "up to date" in again.stdout


def test_migrate_stamps_a_registry_made_before_alembic(tmp_path):
    import sqlite3

    reg = tmp_path / "registry"
    reg.mkdir()
    with sqlite3.connect(reg / "registry.sqlite") as con:  # the first tables of a registry of schema 2, by hand
        con.executescript(LEGACY_V2_ACCOUNTS)
    con.close()
    status = etl("migrate", "--check", registry=reg)
    assert status.returncode == 1 and "made before Alembic, at 0002" in status.stdout
    done = etl("migrate", registry=reg)
    assert done.returncode == 0 and "upgraded to 0002" in done.stdout, done.stderr


def test_a_registry_database_that_cannot_be_reached_is_one_bilingual_line(tmp_path, monkeypatch):
    from common.postgres import free_port

    monkeypatch.setenv("ATLAS_REGISTRY_URL", f"postgresql+psycopg://atlas:secret@127.0.0.1:{free_port()}/registry")
    done = etl("submissions", registry=tmp_path / "registry")
    lines = [line for line in done.stderr.splitlines() if line.startswith("error: ")]
    assert done.returncode == 2 and "Traceback" not in done.stderr and len(lines) == 1, done.stderr
    assert "No se pudo llegar a la base de datos" in lines[0] and "could not be reached" in lines[0]
    assert "PostgreSQL" in lines[0] and "secret" not in done.stderr
