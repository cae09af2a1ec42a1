"""The audit log of recovery events, kept apart from the conversation tracker."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.engine import Engine

from bot.adapters.sql.engine import as_utc
from bot.adapters.sql.tables import audit_log
from bot.domain.clock import utcnow


@dataclass(frozen=True)
class AuditEntry:
    """One recovery event."""

    id: int
    created_at: datetime
    conversation_id: str
    account_id: str | None
    event: str
    outcome: str
    actor: str | None = None


class SqlAuditLog:
    """Audit entries in the app database."""

    def __init__(self, engine: Engine, clock: Callable[[], datetime] = utcnow) -> None:
        self._engine = engine
        self._clock = clock

    def record(
        self,
        event: str,
        outcome: str,
        conversation_id: str = "",
        account_id: str | None = None,
        actor: str | None = None,
    ) -> None:
        """Write one entry; never includes a customer's address or anything a customer typed
        (`actor` is the agent who acted, for inbox and command-line actions)."""
        with self._engine.begin() as conn:
            conn.execute(
                insert(audit_log).values(
                    created_at=self._clock(),
                    conversation_id=conversation_id,
                    account_id=account_id,
                    event=event,
                    outcome=outcome,
                    actor=actor,
                )
            )

    def list_entries(self) -> list[AuditEntry]:
        """All entries, oldest first."""
        with self._engine.connect() as conn:
            rows = conn.execute(select(audit_log).order_by(audit_log.c.id)).all()
        return [
            AuditEntry(
                id=r.id,
                created_at=as_utc(r.created_at),
                conversation_id=r.conversation_id,
                account_id=r.account_id,
                event=r.event,
                outcome=r.outcome,
                actor=r.actor,
            )
            for r in rows
        ]
