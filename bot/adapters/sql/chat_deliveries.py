"""Messages for customers' open chat sockets, in the app database (table `chat_deliveries`).

An agent's reply is written here once; every Rasa process reads rows newer than the last
one it saw and emits each to the sockets of that conversation it holds (a process holding
none emits to nobody). Rows are pruned after a day: the tracker keeps the text for good.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import delete, func, insert, select
from sqlalchemy.engine import Engine

from bot.adapters.sql.engine import as_utc
from bot.adapters.sql.tables import chat_deliveries
from bot.domain.clock import utcnow
from bot.domain.live_chat import ChatDelivery


class SqlChatDeliveries:
    """The delivery queue every Rasa process polls."""

    def __init__(self, engine: Engine, clock: Callable[[], datetime] = utcnow) -> None:
        self._engine = engine
        self._clock = clock

    def add(self, conversation_id: str, kind: str, author: str, text: str) -> int:
        with self._engine.begin() as conn:
            return int(
                conn.execute(
                    insert(chat_deliveries).values(
                        conversation_id=conversation_id,
                        kind=kind,
                        author=author,
                        text=text,
                        created_at=self._clock(),
                    )
                ).inserted_primary_key[0]
            )

    def after(self, last_id: int, limit: int = 100) -> list[ChatDelivery]:
        """Rows with an id above `last_id`, oldest first."""
        with self._engine.connect() as conn:
            rows = conn.execute(
                select(chat_deliveries)
                .where(chat_deliveries.c.id > last_id)
                .order_by(chat_deliveries.c.id)
                .limit(limit)
            ).all()
        return [
            ChatDelivery(
                row.id, row.conversation_id, row.kind, row.author, row.text, as_utc(row.created_at)
            )
            for row in rows
        ]

    def newest_id(self) -> int:
        with self._engine.connect() as conn:
            return int(conn.execute(select(func.max(chat_deliveries.c.id))).scalar() or 0)

    def prune(self, before: datetime) -> int:
        with self._engine.begin() as conn:
            return conn.execute(
                delete(chat_deliveries).where(chat_deliveries.c.created_at < before)
            ).rowcount
