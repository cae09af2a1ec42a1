"""Email changes waiting for confirmation or for their cooling-off period to end."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Engine, Row

from bot.adapters.sql.engine import as_utc
from bot.adapters.sql.tables import email_changes
from bot.domain.email_change import EmailChange


class SqlEmailChangeStore:
    """Pending email changes; only hashes of the confirm and cancel link tokens are kept."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def add(
        self,
        account_id: str,
        new_email: str,
        token_hash: str,
        cancel_token_hash: str,
        conversation_id: str,
        now: datetime,
        expires_at: datetime,
        effective_at: datetime,
    ) -> int:
        """Keep a new change; returns its id."""
        with self._engine.begin() as conn:
            return int(
                conn.execute(
                    insert(email_changes).values(
                        account_id=account_id,
                        new_email=new_email,
                        token_hash=token_hash,
                        cancel_token_hash=cancel_token_hash,
                        conversation_id=conversation_id,
                        created_at=now,
                        expires_at=expires_at,
                        effective_at=effective_at,
                    )
                ).inserted_primary_key[0]
            )

    def by_confirm_token(self, token_hash: str) -> EmailChange | None:
        """The change a confirmation link belongs to."""
        return self._one(email_changes.c.token_hash == token_hash)

    def by_cancel_token(self, token_hash: str) -> EmailChange | None:
        """The change a cancel link belongs to."""
        return self._one(email_changes.c.cancel_token_hash == token_hash)

    def pending_for(self, account_id: str) -> list[EmailChange]:
        """Changes of this account that are neither applied nor cancelled."""
        with self._engine.connect() as conn:
            rows = conn.execute(
                select(email_changes)
                .where(email_changes.c.account_id == account_id)
                .where(email_changes.c.cancelled_at.is_(None))
                .where(email_changes.c.applied_at.is_(None))
                .order_by(email_changes.c.id)
            ).all()
        return [_change(row) for row in rows]

    def pending(self, account_id: str) -> list[str]:
        """New addresses of this account's pending changes (for `accounts show`)."""
        return [change.new_email for change in self.pending_for(account_id)]

    def confirmed_due(self, now: datetime) -> list[EmailChange]:
        """Confirmed, uncancelled, unapplied changes whose cooling-off period is over."""
        with self._engine.connect() as conn:
            rows = conn.execute(
                select(email_changes)
                .where(email_changes.c.confirmed_at.is_not(None))
                .where(email_changes.c.cancelled_at.is_(None))
                .where(email_changes.c.applied_at.is_(None))
                .where(email_changes.c.effective_at <= now)
                .order_by(email_changes.c.id)
            ).all()
        return [_change(row) for row in rows]

    def mark(self, change_id: int, field: str, at: datetime) -> bool:
        """Set confirmed_at / cancelled_at / applied_at once; False if something else won."""
        column = {"confirmed": "confirmed_at", "cancelled": "cancelled_at",
                  "applied": "applied_at"}[field]  # fmt: skip
        with self._engine.begin() as conn:
            result = conn.execute(
                update(email_changes)
                .where(email_changes.c.id == change_id)
                .where(email_changes.c[column].is_(None))
                .where(email_changes.c.cancelled_at.is_(None))
                .where(email_changes.c.applied_at.is_(None))
                .values({column: at})
            )
        return result.rowcount == 1

    def _one(self, condition: object) -> EmailChange | None:
        with self._engine.connect() as conn:
            row = conn.execute(select(email_changes).where(condition)).first()
        return _change(row) if row else None


def _change(row: Row) -> EmailChange:
    created = as_utc(row.created_at)
    return EmailChange(
        id=row.id,
        account_id=row.account_id,
        new_email=row.new_email,
        created_at=created,
        expires_at=as_utc(row.expires_at),
        effective_at=as_utc(row.effective_at) or created,
        confirmed_at=as_utc(row.confirmed_at),
        cancelled_at=as_utc(row.cancelled_at),
        applied_at=as_utc(row.applied_at),
    )
