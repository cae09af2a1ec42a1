"""Ownership-verification data: hashed knowledge facts and verification records."""

from __future__ import annotations

import dataclasses
from datetime import datetime

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Engine, Row

from bot.adapters.sql.engine import as_utc
from bot.adapters.sql.tables import verification_facts, verifications
from bot.domain.ports import ConcurrentUpdateError
from bot.domain.verification import Status, Verification


class SqlVerificationStore:
    """Facts (keyed hashes only) and verification records in the app database."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    # --- facts ----------------------------------------------------------------------------

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

    # --- verification records ----------------------------------------------------------------

    def add(self, record: Verification) -> Verification:
        """Store a new record; returns it with its id."""
        with self._engine.begin() as conn:
            new_id = conn.execute(
                insert(verifications).values(**_values(record))
            ).inserted_primary_key[0]
        return dataclasses.replace(record, id=int(new_id))

    def latest(self, conversation_id: str) -> Verification | None:
        """The newest record of a conversation."""
        with self._engine.connect() as conn:
            row = conn.execute(
                select(verifications)
                .where(verifications.c.conversation_id == conversation_id)
                .order_by(verifications.c.id.desc())
                .limit(1)
            ).first()
        return _record(row) if row else None

    def save(self, record: Verification) -> Verification:
        """Write a changed record, only if nobody saved it meanwhile (optimistic lock)."""
        assert record.id is not None
        values = _values(record)
        values["version"] = record.version + 1
        with self._engine.begin() as conn:
            result = conn.execute(
                update(verifications)
                .where(verifications.c.id == record.id)
                .where(verifications.c.version == record.version)
                .values(**values)
            )
        if result.rowcount != 1:
            raise ConcurrentUpdateError(f"verification {record.id} changed meanwhile")
        return dataclasses.replace(record, version=record.version + 1)

    def cancel_open(self, conversation_id: str, now: datetime) -> int:
        """End every open or unused record of a conversation; returns how many."""
        with self._engine.begin() as conn:
            result = conn.execute(
                update(verifications)
                .where(verifications.c.conversation_id == conversation_id)
                .where(
                    verifications.c.status.in_(
                        [
                            Status.AWAITING_CODE.value,
                            Status.AWAITING_ANSWERS.value,
                            Status.PASSED.value,
                        ]
                    )
                )
                .values(
                    status=Status.CANCELLED.value,
                    finished_at=now,
                    version=verifications.c.version + 1,
                )
            )
        return result.rowcount


def _values(record: Verification) -> dict[str, object]:
    return {
        "conversation_id": record.conversation_id,
        "subject_key": record.subject_key,
        "account_id": record.account_id,
        "purpose": record.purpose,
        "factor": record.factor,
        "code_hash": record.code_hash,
        "code_expires_at": record.code_expires_at,
        "questions": ",".join(record.questions),
        "status": record.status.value,
        "code_tries": record.code_tries,
        "answers_right": record.answers_right,
        "answers_wrong": record.answers_wrong,
        "version": record.version,
        "created_at": record.created_at,
        "expires_at": record.expires_at,
        "finished_at": record.finished_at,
    }


def _record(row: Row) -> Verification:
    return Verification(
        id=row.id,
        conversation_id=row.conversation_id,
        subject_key=row.subject_key,
        account_id=row.account_id,
        purpose=row.purpose,
        factor=row.factor,
        code_hash=row.code_hash,
        code_expires_at=as_utc(row.code_expires_at),
        questions=tuple(q for q in row.questions.split(",") if q),
        status=Status(row.status),
        code_tries=row.code_tries,
        answers_right=row.answers_right,
        answers_wrong=row.answers_wrong,
        version=row.version,
        created_at=as_utc(row.created_at),
        expires_at=as_utc(row.expires_at),
        finished_at=as_utc(row.finished_at),
    )
