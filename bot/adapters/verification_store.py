"""Ownership-verification data: hashed knowledge facts and one-time codes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Engine

from bot.adapters.database import as_utc
from bot.adapters.tables import email_changes, one_time_codes, verification_facts


class SqlVerificationStore:
    """Facts (keyed hashes only) and one-time codes (hashes only) in the app database."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def set_fact(self, account_id: str, kind: str, value_hash: str) -> None:
        """Store or replace one fact of an account."""
        with self._engine.begin() as conn:
            conn.execute(
                delete(verification_facts)
                .where(verification_facts.c.account_id == account_id)
                .where(verification_facts.c.kind == kind)
            )
            conn.execute(
                insert(verification_facts).values(
                    account_id=account_id, kind=kind, value_hash=value_hash
                )
            )

    def facts(self, account_id: str) -> dict[str, str]:
        """kind -> value hash for one account."""
        with self._engine.connect() as conn:
            rows = conn.execute(
                select(verification_facts.c.kind, verification_facts.c.value_hash).where(
                    verification_facts.c.account_id == account_id
                )
            ).all()
        return {row.kind: row.value_hash for row in rows}

    def store_code(
        self, subject_key: str, conversation_id: str, code_hash: str, now: datetime,
        expires_at: datetime,
    ) -> None:  # fmt: skip
        """Keep a new code; earlier unused codes for the same subject stop working."""
        with self._engine.begin() as conn:
            conn.execute(
                update(one_time_codes)
                .where(one_time_codes.c.subject_key == subject_key)
                .where(one_time_codes.c.used_at.is_(None))
                .values(used_at=now)
            )
            conn.execute(
                insert(one_time_codes).values(
                    subject_key=subject_key,
                    conversation_id=conversation_id,
                    code_hash=code_hash,
                    created_at=now,
                    expires_at=expires_at,
                )
            )

    def use_code(
        self, subject_key: str, conversation_id: str, code_hash: str, now: datetime
    ) -> bool:
        """Spend a matching, unexpired code issued in this conversation (single use)."""
        with self._engine.begin() as conn:
            row = conn.execute(
                select(one_time_codes)
                .where(one_time_codes.c.subject_key == subject_key)
                .where(one_time_codes.c.conversation_id == conversation_id)
                .where(one_time_codes.c.code_hash == code_hash)
                .where(one_time_codes.c.used_at.is_(None))
            ).first()
            if row is None or as_utc(row.expires_at) <= now:
                return False
            conn.execute(
                update(one_time_codes).where(one_time_codes.c.id == row.id).values(used_at=now)
            )
            return True


class SqlEmailChangeStore:
    """Pending email changes (hash of the confirmation token only)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def add(
        self, account_id: str, new_email: str, token_hash: str, now: datetime,
        expires_at: datetime,
    ) -> None:  # fmt: skip
        """Keep a change waiting for confirmation."""
        with self._engine.begin() as conn:
            conn.execute(
                insert(email_changes).values(
                    account_id=account_id,
                    new_email=new_email,
                    token_hash=token_hash,
                    created_at=now,
                    expires_at=expires_at,
                )
            )

    def pending(self, account_id: str) -> list[str]:
        """New addresses waiting for confirmation for this account."""
        with self._engine.connect() as conn:
            return list(
                conn.execute(
                    select(email_changes.c.new_email)
                    .where(email_changes.c.account_id == account_id)
                    .where(email_changes.c.confirmed_at.is_(None))
                ).scalars()
            )
