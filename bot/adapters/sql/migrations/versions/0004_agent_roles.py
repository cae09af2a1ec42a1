"""Agent roles: `agent` works cases; `analyst` reads the inbox and conversations only.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("agents") as batch:
        batch.add_column(sa.Column("role", sa.String(20), nullable=False, server_default="agent"))


def downgrade() -> None:
    with op.batch_alter_table("agents") as batch:
        batch.drop_column("role")
