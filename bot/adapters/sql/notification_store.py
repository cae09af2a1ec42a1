"""Notifications about cases, kept until delivered (table `notifications`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Engine

from bot.adapters.sql.tables import notifications
from bot.domain.clock import utcnow

MAX_ATTEMPTS = 20  # then the row stays as "failed" for an administrator to look at


class SqlNotificationStore:
    def __init__(self, engine: Engine, clock: Callable[[], datetime] = utcnow) -> None:
        self._engine = engine
        self._clock = clock

    def add(self, case_id: int, target: str, text: str) -> int:
        with self._engine.begin() as conn:
            return int(conn.execute(insert(notifications).values(
                case_id=case_id, target=target, text=text, status="pending", attempts=0,
                created_at=self._clock())).inserted_primary_key[0])  # fmt: skip

    def pending(self, limit: int = 100) -> list[tuple[int, int, str, str]]:
        """(id, case id, target, text) of notifications not delivered yet, oldest first."""
        with self._engine.connect() as conn:
            rows = conn.execute(
                select(notifications.c.id, notifications.c.case_id, notifications.c.target,
                       notifications.c.text)
                .where(notifications.c.status == "pending")
                .order_by(notifications.c.id).limit(limit)
            ).all()  # fmt: skip
        return [(row.id, row.case_id, row.target, row.text) for row in rows]

    def mark_sent(self, notification_id: int) -> None:
        with self._engine.begin() as conn:
            conn.execute(update(notifications).where(notifications.c.id == notification_id)
                         .values(status="sent", sent_at=self._clock()))  # fmt: skip

    def mark_failed(self, notification_id: int) -> None:
        with self._engine.begin() as conn:
            conn.execute(
                update(notifications).where(notifications.c.id == notification_id)
                .values(attempts=notifications.c.attempts + 1)
            )  # fmt: skip
            conn.execute(
                update(notifications)
                .where(notifications.c.id == notification_id)
                .where(notifications.c.attempts >= MAX_ATTEMPTS)
                .values(status="failed")
            )  # fmt: skip
