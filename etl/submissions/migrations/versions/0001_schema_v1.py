"""Schema 1 of the registry: accounts, submissions, versions, sign-in failures, audit, meta.

The tables as ``registry.SCHEMA`` made them before Alembic (SQLite types kept as they were: times
are ISO 8601 text, flags are integers), so that a registry made by that code is stamped ``0001``
or ``0002`` and carries on. Revision ID: 0001.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "meta",
        sa.Column("key", sa.Text, primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    op.create_table(
        "accounts",
        sa.Column("username", sa.Text, primary_key=True),
        sa.Column("password_hash", sa.Text, nullable=False),
        sa.Column("role", sa.Text, nullable=False),
        sa.Column("country", sa.Text),
        sa.Column("full_name", sa.Text, nullable=False, server_default=""),
        sa.Column("email", sa.Text, nullable=False, server_default=""),
        sa.Column("active", sa.Integer, nullable=False, server_default=sa.text("1")),
        sa.Column("created_at", sa.Text, nullable=False),
        sa.CheckConstraint("role IN ('focal_point', 'regional_admin')", name="accounts_role"),
        sa.CheckConstraint("(role = 'focal_point') = (country IS NOT NULL)", name="accounts_country"),
    )
    op.create_table(
        "submissions",
        sa.Column("submission_id", sa.Text, primary_key=True),
        sa.Column("country", sa.Text, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("created_at", sa.Text, nullable=False),
        sa.Column("created_by", sa.Text, sa.ForeignKey("accounts.username"), nullable=False),
        sa.UniqueConstraint("country", "kind", "seq"),
    )
    op.create_table(
        "versions",
        sa.Column("submission_id", sa.Text, sa.ForeignKey("submissions.submission_id"), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("replaces_version", sa.Integer),
        sa.Column("file_name", sa.Text, nullable=False),
        sa.Column("file_sha256", sa.Text, nullable=False, unique=True),
        sa.Column("file_size", sa.BigInteger, nullable=False),
        sa.Column("file_path", sa.Text, nullable=False),
        sa.Column("encoding", sa.Text),
        sa.Column("delimiter", sa.Text),
        sa.Column("sheet", sa.Text),
        sa.Column("observations_path", sa.Text, nullable=False),
        sa.Column("observations_sha256", sa.Text, nullable=False),
        sa.Column("row_count", sa.BigInteger, nullable=False),
        sa.Column("metadata_json", sa.Text, nullable=False),
        sa.Column("report_json", sa.Text, nullable=False),
        sa.Column("submitted_by", sa.Text, sa.ForeignKey("accounts.username"), nullable=False),
        sa.Column("submitted_at", sa.Text, nullable=False),
        sa.Column("status_changed_by", sa.Text),
        sa.Column("status_changed_at", sa.Text),
        sa.PrimaryKeyConstraint("submission_id", "version"),
        sa.CheckConstraint("version >= 1", name="versions_version"),
        sa.CheckConstraint("status IN ('draft', 'published', 'withdrawn')", name="versions_status"),
    )
    op.create_table(
        "sign_in_failures",
        sa.Column("scope", sa.Text, nullable=False),
        sa.Column("key", sa.Text, nullable=False),
        sa.Column("failures", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column("last_failure_at", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("scope", "key"),
        sa.CheckConstraint("scope IN ('account', 'address')", name="sign_in_failures_scope"),
    )
    op.create_table(
        "audit",
        sa.Column("event_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.Text, nullable=False),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("action", sa.Text, nullable=False),
        sa.Column("submission_id", sa.Text),
        sa.Column("version", sa.Integer),
        sa.Column("detail", sa.Text, nullable=False, server_default=""),
        sqlite_autoincrement=True,  # event ids are never reused, as before
    )
    op.execute("INSERT INTO meta (key, value) VALUES ('schema_version', '1')")


def downgrade() -> None:
    for table in ("audit", "sign_in_failures", "versions", "submissions", "accounts", "meta"):
        op.drop_table(table)
