"""Alembic environment of the submission registry (``etl/submissions/migrations``).

The registry runs its migrations itself (``etl.submissions.registry.run_migrations``, called by every
write and by ``python -m etl.submissions migrate``): it hands over a connection that already holds the
writer lock and an open transaction, so a migration is all or nothing on SQLite as on PostgreSQL.
From the ``alembic`` command line (``alembic -c etl/submissions/alembic.ini current|upgrade head``)
there is no such connection: the database of ``$ATLAS_REGISTRY_URL`` (else ``$ATLAS_REGISTRY``'s
``registry.sqlite``) is opened here, in one transaction but WITHOUT the writer lock: stop the
servers first, or use ``python -m etl.submissions migrate``, which takes it.
"""

from __future__ import annotations

from alembic import context


def run(connection) -> None:
    context.configure(connection=connection, render_as_batch=True, transaction_per_migration=False)
    with context.begin_transaction():  # inside the caller's transaction: nothing more is begun
        context.run_migrations()


given = context.config.attributes.get("connection")
if given is not None:
    run(given)
else:  # the alembic command line
    from etl.submissions.registry import Registry

    with Registry().engine.connect() as con, con.begin():
        run(con)
