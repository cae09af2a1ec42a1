"""Plain domain objects shared by services and adapters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Account:
    """A customer account in the identity directory."""

    id: int
    email: str
    name: str
    status: str  # "active" | "locked"
    locked_until: datetime | None
    created_at: datetime


@dataclass(frozen=True)
class EmailMessage:
    """An email to send."""

    to: str
    sender: str
    subject: str
    body: str
    kind: str = "general"


@dataclass(frozen=True)
class SentEmail:
    """An email the built-in outbox holds."""

    id: int
    to: str
    sender: str
    subject: str
    body: str
    kind: str
    created_at: datetime
