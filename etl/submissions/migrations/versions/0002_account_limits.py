"""Schema 2: sign-in limits and sessions (``accounts.password_version``, ``accounts.locked``).

A registry of schema 1 made before Alembic may lack ``sign_in_failures`` (that code created it
with the columns): it is created here when missing. ``meta.schema_version`` says ``2`` after,
as before Alembic. Revision ID: 0002.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    inspector = sa.inspect(op.get_bind())
    have = {c["name"] for c in inspector.get_columns("accounts")}
    if "password_version" not in have:
        column = sa.Column("password_version", sa.Integer, nullable=False, server_default=sa.text("1"))
        op.add_column("accounts", column)
    if "locked" not in have:
        op.add_column("accounts", sa.Column("locked", sa.Integer, nullable=False, server_default=sa.text("0")))
    if not inspector.has_table("sign_in_failures"):
        op.create_table(
            "sign_in_failures",
            sa.Column("scope", sa.Text, nullable=False),
            sa.Column("key", sa.Text, nullable=False),
            sa.Column("failures", sa.Integer, nullable=False, server_default=sa.text("0")),
            sa.Column("last_failure_at", sa.Text, nullable=False),
            sa.PrimaryKeyConstraint("scope", "key"),
            sa.CheckConstraint("scope IN ('account', 'address')", name="sign_in_failures_scope"),
        )
    op.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'")


def downgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("locked")
        batch.drop_column("password_version")
    op.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
