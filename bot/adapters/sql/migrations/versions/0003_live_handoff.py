"""Live handoff: agents chat in the customer's web chat; follow-up by email; notifications.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("live", sa.Boolean, nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("contact_email", sa.String(320), nullable=True))
        batch.add_column(
            sa.Column("contact_verified", sa.Boolean, nullable=False, server_default=sa.false())
        )
        batch.add_column(
            sa.Column("follow_up_offered_at", sa.DateTime(timezone=True), nullable=True)
        )
    with op.batch_alter_table("audit_log") as batch:
        batch.add_column(sa.Column("actor", sa.String(320), nullable=True))
    with op.batch_alter_table("agents") as batch:
        batch.add_column(
            sa.Column("display_name", sa.String(100), nullable=False, server_default="")
        )
        batch.add_column(
            sa.Column("disabled", sa.Boolean, nullable=False, server_default=sa.false())
        )
    op.create_table(
        "chat_deliveries",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("conversation_id", sa.String(255), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("author", sa.String(100), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_id", sa.Integer, nullable=False),
        sa.Column("target", sa.String(20), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_notifications_status", "notifications", ["status", "id"])


def downgrade() -> None:
    op.drop_index("ix_notifications_status", "notifications")
    op.drop_table("notifications")
    op.drop_table("chat_deliveries")
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_column("actor")
    with op.batch_alter_table("agents") as batch:
        batch.drop_column("disabled")
        batch.drop_column("display_name")
    with op.batch_alter_table("cases") as batch:
        for column in ("follow_up_offered_at", "contact_verified", "contact_email", "live"):
            batch.drop_column(column)
