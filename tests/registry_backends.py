"""The submission registry's two database back ends, for tests: SQLite (a file) and PostgreSQL (a real server).

``tests/conftest.py`` turns this into fixtures: ``registry_backend`` (module scope, parametrised
over ``BACKENDS``), ``registry_env`` (a fresh, empty registry database for one test) and
``postgres_server`` (one server per test session and xdist worker, from ``common.postgres``;
if Debian's PostgreSQL is missing the tests fail with ``PostgresNotInstalled``'s message).
A test then makes registries with ``Registry(path)`` as callers do: the database is chosen by
``$ATLAS_REGISTRY_URL``, set (or unset, for SQLite) by these fixtures, so subprocesses
(``python -m etl ...``) use the same database.
"""

from __future__ import annotations

import itertools
import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import sqlalchemy as sa

from common.postgres import PostgresServer
from etl.submissions import registry as registry_module
from etl.submissions.registry import URL_ENV, Registry

BACKENDS = ("sqlite", "postgresql")
TABLES = ("meta", "accounts", "submissions", "versions", "sign_in_failures", "audit", "alembic_version")
_names = itertools.count()


@dataclass
class RegistryBackend:
    """One back end: makes databases, copies registries, dumps their rows."""

    name: str
    server: PostgresServer | None = None
    databases: dict[str, str] = field(default_factory=dict)  # registry directory (or name) -> PostgreSQL database

    def new_database(self) -> str:
        """A fresh empty database (PostgreSQL) and its URL (dropped with the back end, at the module's end)."""
        name = f"reg_{os.getpid()}_{next(_names)}"
        self.databases[name] = name
        return self.server.create_database(name)

    def use(self, monkeypatch: pytest.MonkeyPatch, path: Path | None = None) -> str | None:
        """Make ``Registry(...)`` (here and in subprocesses) use a fresh database of this back end.

        Returns the PostgreSQL database's name (``None`` for SQLite); ``path`` remembers it as the
        database of the registry there (for ``copy`` and ``drop``).
        """
        if self.name == "sqlite":
            monkeypatch.delenv(URL_ENV, raising=False)
            return None
        url = self.new_database()
        name = sa.make_url(url).database
        if path is not None:
            self.databases[str(path)] = self.databases.pop(name)
        monkeypatch.setenv(URL_ENV, url)
        return name

    def copy(self, source: Path, target: Path, monkeypatch: pytest.MonkeyPatch) -> Registry:
        """A copy of the registry at ``source`` (directory and database) at ``target``, in use from now on."""
        subprocess.run(["cp", "-a", str(source), str(target)], check=True)
        if self.name == "sqlite":
            monkeypatch.delenv(URL_ENV, raising=False)
            return Registry(target)
        template = self.databases[str(source)]
        registry_module._engine(self.server.url(template)).dispose()  # a template must have no connection open
        name = f"reg_{os.getpid()}_{next(_names)}"
        self.server.sql(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        self.databases[str(target)] = name
        monkeypatch.setenv(URL_ENV, self.server.url(name))
        return Registry(target)

    def drop(self, key: Path | str | None) -> None:
        """Drop the database of the registry at ``key`` (a directory or a database name), if it has one."""
        name = self.databases.pop(str(key), None)
        if name is not None and self.server is not None:
            registry_module._engine(self.server.url(name)).dispose()
            self.server.sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def dump(reg: Registry) -> dict[str, list[tuple]]:
    """Every row of every registry table, sorted (what a snapshot compares on both back ends)."""
    rows = {}
    with reg.engine.connect() as con:
        for table in TABLES:
            if sa.inspect(con).has_table(table):
                rows[table] = sorted(tuple(r) for r in con.execute(sa.text(f"SELECT * FROM {table}")))
    return rows


def query(reg: Registry, statement: str) -> list[tuple]:
    """Rows of one SQL statement on the registry's database (either back end)."""
    with reg.engine.connect() as con:
        return [tuple(r) for r in con.execute(sa.text(statement))]
