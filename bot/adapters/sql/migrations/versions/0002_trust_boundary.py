"""Server-side verification records; safe email changes; passwords set on the reset page.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "verifications",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("conversation_id", sa.String(255), nullable=False),
        sa.Column("subject_key", sa.String(64), nullable=False),
        sa.Column("account_id", sa.String(64), nullable=True),
        sa.Column("purpose", sa.String(20), nullable=False),
        sa.Column("factor", sa.String(10), nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("code_expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("questions", sa.String(200), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("code_tries", sa.Integer, nullable=False),
        sa.Column("answers_right", sa.Integer, nullable=False),
        sa.Column("answers_wrong", sa.Integer, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_verifications_conversation", "verifications", ["conversation_id", "id"])
    # Codes now live in the verification record; old ones lapse with the upgrade.
    op.drop_table("one_time_codes")
    with op.batch_alter_table("email_changes") as batch:
        batch.add_column(sa.Column("cancel_token_hash", sa.String(64), nullable=True))
        batch.add_column(
            sa.Column("conversation_id", sa.String(255), nullable=False, server_default="")
        )
        batch.add_column(sa.Column("effective_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("applied_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_unique_constraint("uq_email_changes_cancel_token", ["cancel_token_hash"])
    with op.batch_alter_table("accounts") as batch:
        batch.add_column(sa.Column("password_hash", sa.String(255), nullable=True))
        batch.add_column(
            sa.Column("password_changed_at", sa.DateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("password_changed_at")
        batch.drop_column("password_hash")
    with op.batch_alter_table("email_changes") as batch:
        batch.drop_constraint("uq_email_changes_cancel_token", type_="unique")
        for column in ("applied_at", "cancelled_at", "effective_at", "conversation_id",
                       "cancel_token_hash"):  # fmt: skip
            batch.drop_column(column)
    op.create_table(
        "one_time_codes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("subject_key", sa.String(64), nullable=False),
        sa.Column("conversation_id", sa.String(255), nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.drop_index("ix_verifications_conversation", "verifications")
    op.drop_table("verifications")
