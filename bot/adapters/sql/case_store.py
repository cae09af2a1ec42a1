"""Cases handed to people, in the app database (the built-in inbox and the retry queue)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import case as sql_case
from sqlalchemy import insert, select, update
from sqlalchemy.engine import Engine, Row

from bot.adapters.sql.engine import as_utc
from bot.adapters.sql.tables import cases
from bot.domain.clock import utcnow
from bot.domain.model import (
    PRIORITIES,
    Case,
    CaseConflictError,
    CaseNotFoundError,
    TranscriptLine,
    priority_rank,
)


def _transcript_json(lines: tuple[TranscriptLine, ...]) -> str:
    return json.dumps(
        [{"at": line.at.isoformat(), "speaker": line.speaker, "text": line.text} for line in lines]
    )


def _case(row: Row) -> Case:
    lines = tuple(
        TranscriptLine(datetime.fromisoformat(item["at"]), item["speaker"], item["text"])
        for item in json.loads(row.transcript or "[]")
    )
    return Case(
        id=row.id,
        conversation_id=row.conversation_id,
        status=row.status,
        priority=row.priority,
        reason=row.reason,
        problem=row.problem,
        summary=row.summary,
        transcript=lines,
        channel=row.channel,
        created_at=as_utc(row.created_at),
        updated_at=as_utc(row.updated_at),
        account_id=row.account_id,
        claimed_by=row.claimed_by,
        resolution_note=row.resolution_note,
        helpdesk_id=row.helpdesk_id,
        delivery=row.delivery,
        live=bool(row.live),
        contact_email=row.contact_email,
        contact_verified=bool(row.contact_verified),
        follow_up_offered_at=as_utc(row.follow_up_offered_at) if row.follow_up_offered_at else None,
    )


# Most urgent first; then oldest first.
_URGENCY = sql_case(
    {priority: priority_rank(priority) for priority in PRIORITIES},
    value=cases.c.priority,
    else_=len(PRIORITIES),
)


class SqlCaseStore:
    """Create, update and list cases."""

    def __init__(self, engine: Engine, clock: Callable[[], datetime] = utcnow) -> None:
        self._engine = engine
        self._clock = clock

    def open_case_for(self, conversation_id: str) -> Case | None:
        """The conversation's case that is not resolved yet, if any."""
        with self._engine.connect() as conn:
            row = conn.execute(
                select(cases)
                .where(cases.c.conversation_id == conversation_id)
                .where(cases.c.status != "resolved")
                .order_by(cases.c.id.desc())
            ).first()
        return _case(row) if row else None

    def save(self, draft: Case) -> Case:
        """Insert a new case (id 0) or update the open one with the same number."""
        now = self._clock()
        values = {
            "conversation_id": draft.conversation_id,
            "priority": draft.priority,
            "reason": draft.reason,
            "problem": draft.problem,
            "summary": draft.summary,
            "transcript": _transcript_json(draft.transcript),
            "channel": draft.channel,
            "account_id": draft.account_id,
            "delivery": draft.delivery,
            "updated_at": now,
        }
        with self._engine.begin() as conn:
            if draft.id:
                conn.execute(update(cases).where(cases.c.id == draft.id).values(**values))
                case_id = draft.id
            else:
                case_id = conn.execute(
                    insert(cases).values(status="open", created_at=now, **values)
                ).inserted_primary_key[0]
        return self.get(case_id)

    def get(self, case_id: int) -> Case:
        """One case; raises CaseNotFoundError."""
        with self._engine.connect() as conn:
            row = conn.execute(select(cases).where(cases.c.id == case_id)).first()
        if row is None:
            raise CaseNotFoundError(case_id)
        return _case(row)

    def list(self, status: str | None = None) -> list[Case]:
        """Cases, most urgent first, then oldest first; optionally of one status."""
        query = select(cases).order_by(_URGENCY, cases.c.created_at, cases.c.id)
        if status:
            query = query.where(cases.c.status == status)
        with self._engine.connect() as conn:
            return [_case(row) for row in conn.execute(query).all()]

    def pending_delivery(self) -> list[Case]:
        """Cases an external helpdesk has not received yet."""
        with self._engine.connect() as conn:
            rows = conn.execute(
                select(cases).where(cases.c.delivery == "pending").order_by(cases.c.id)
            ).all()
        return [_case(row) for row in rows]

    def mark_delivered(self, case_id: int, helpdesk_id: str) -> None:
        """The helpdesk has the case under `helpdesk_id`."""
        with self._engine.begin() as conn:
            conn.execute(
                update(cases)
                .where(cases.c.id == case_id)
                .values(delivery="delivered", helpdesk_id=helpdesk_id, updated_at=self._clock())
            )

    def claim(self, case_id: int, agent_email: str) -> Case:
        """An agent takes an open case; raises CaseConflictError if someone was faster."""
        with self._engine.begin() as conn:
            changed = conn.execute(
                update(cases)
                .where(cases.c.id == case_id)
                .where(cases.c.status == "open")
                .values(status="claimed", claimed_by=agent_email, updated_at=self._clock())
            ).rowcount
        if not changed:
            self.get(case_id)  # raises CaseNotFoundError for an unknown number
            raise CaseConflictError(case_id)
        return self.get(case_id)

    def resolve(self, case_id: int, agent_email: str, note: str) -> Case:
        """An agent closes a case with a note."""
        return self._set(case_id, status="resolved", claimed_by=agent_email, resolution_note=note,
                         live=False)  # fmt: skip

    def set_live(self, case_id: int, live: bool) -> Case:
        """An agent joins (True) or leaves (False) the customer's chat."""
        return self._set(case_id, live=live)

    def set_contact(self, case_id: int, email: str, verified: bool) -> Case:
        """Where to follow up by email, and whether that address is proven."""
        return self._set(case_id, contact_email=email, contact_verified=verified)

    def unclaimed_since(self, before: datetime) -> list[Case]:
        """Open cases created before `before` that nobody has claimed and whose customer has
        not been offered the email follow-up yet."""
        with self._engine.connect() as conn:
            rows = conn.execute(
                select(cases)
                .where(cases.c.status == "open")
                .where(cases.c.created_at < before)
                .where(cases.c.follow_up_offered_at.is_(None))
                .where(cases.c.contact_email.is_(None))
                .order_by(cases.c.id)
            ).all()
        return [_case(row) for row in rows]

    def mark_follow_up_offered(self, case_id: int) -> bool:
        """Record the offer once; False when it was recorded already (another process)."""
        with self._engine.begin() as conn:
            return bool(conn.execute(
                update(cases).where(cases.c.id == case_id)
                .where(cases.c.follow_up_offered_at.is_(None))
                .values(follow_up_offered_at=self._clock())
            ).rowcount)  # fmt: skip

    def by_helpdesk_id(self, helpdesk_id: str) -> Case | None:
        """The newest case delivered as this helpdesk ticket."""
        with self._engine.connect() as conn:
            row = conn.execute(
                select(cases).where(cases.c.helpdesk_id == helpdesk_id).order_by(cases.c.id.desc())
            ).first()
        return _case(row) if row else None

    def close_deleted(self, helpdesk_id: str, note: str) -> Case | None:
        """Resolve the case whose helpdesk ticket was deleted; None when there is none open."""
        with self._engine.connect() as conn:
            case_id = conn.execute(
                select(cases.c.id)
                .where(cases.c.helpdesk_id == helpdesk_id)
                .where(cases.c.status != "resolved")
            ).scalar_one_or_none()
        if case_id is None:
            return None
        return self._set(case_id, status="resolved", live=False, resolution_note=note)

    def _set(self, case_id: int, **values: object) -> Case:
        with self._engine.begin() as conn:
            changed = conn.execute(
                update(cases)
                .where(cases.c.id == case_id)
                .values(updated_at=self._clock(), **values)
            ).rowcount
        if not changed:
            raise CaseNotFoundError(case_id)
        return self.get(case_id)
