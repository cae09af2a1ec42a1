"""The identity directory: accounts and password-reset tokens.

`IdentityDirectory` is what services need; `SqlDirectory` is the built-in implementation
in the app database (the default). Other identity providers get their own module with a
class of the same shape.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import Engine, Row
from sqlalchemy.exc import IntegrityError

from bot.adapters.database import as_utc, utcnow
from bot.adapters.tables import accounts, reset_requests, reset_tokens
from bot.models import Account


class AccountExistsError(ValueError):
    """An account with that email is already in the directory."""


class IdentityDirectory(Protocol):
    """What the services need from an identity provider."""

    def find_by_email(self, email: str) -> Account | None:
        """The account registered with `email` (normalised), or None."""

    def issue_reset_token(self, account_id: int, ttl: timedelta) -> str:
        """A new single-use reset token; every earlier unused token of the account stops working."""


def hash_token(token: str) -> str:
    """The form in which reset tokens are stored."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _account(row: Row) -> Account:
    return Account(
        id=row.id,
        email=row.email,
        name=row.name,
        status=row.status,
        locked_until=as_utc(row.locked_until),
        created_at=as_utc(row.created_at),
    )


class SqlDirectory:
    """Built-in identity directory stored in the app database."""

    def __init__(self, engine: Engine, clock: Callable[[], datetime] = utcnow) -> None:
        self._engine = engine
        self._clock = clock

    def add_account(
        self,
        email: str,
        name: str = "",
        locked: bool = False,
        locked_until: datetime | None = None,
    ) -> Account:
        """Register an account; raises AccountExistsError for a taken email."""
        values = {
            "email": email.strip().lower(),
            "name": name,
            "status": "locked" if locked else "active",
            "locked_until": locked_until,
            "created_at": self._clock(),
        }
        try:
            with self._engine.begin() as conn:
                new_id = conn.execute(insert(accounts).values(**values)).inserted_primary_key[0]
        except IntegrityError as exc:
            raise AccountExistsError(values["email"]) from exc
        found = self.find_by_id(new_id)
        assert found is not None
        return found

    def find_by_email(self, email: str) -> Account | None:
        with self._engine.connect() as conn:
            row = conn.execute(
                select(accounts).where(accounts.c.email == email.strip().lower())
            ).first()
        return _account(row) if row else None

    def find_by_id(self, account_id: int) -> Account | None:
        """The account with this id, or None."""
        with self._engine.connect() as conn:
            row = conn.execute(select(accounts).where(accounts.c.id == account_id)).first()
        return _account(row) if row else None

    def list_accounts(self) -> list[Account]:
        """All accounts, oldest first."""
        with self._engine.connect() as conn:
            rows = conn.execute(select(accounts).order_by(accounts.c.id)).all()
        return [_account(row) for row in rows]

    def issue_reset_token(self, account_id: int, ttl: timedelta) -> str:
        token = secrets.token_urlsafe(32)
        now = self._clock()
        with self._engine.begin() as conn:
            conn.execute(
                update(reset_tokens)
                .where(reset_tokens.c.account_id == account_id)
                .where(reset_tokens.c.used_at.is_(None))
                .where(reset_tokens.c.revoked_at.is_(None))
                .values(revoked_at=now)
            )
            conn.execute(
                insert(reset_tokens).values(
                    account_id=account_id,
                    token_hash=hash_token(token),
                    created_at=now,
                    expires_at=now + ttl,
                )
            )
        return token

    def redeem_reset_token(self, token: str) -> int | None:
        """Spend a reset token: the account id if it was valid, None otherwise (single use)."""
        now = self._clock()
        with self._engine.begin() as conn:
            row = conn.execute(
                select(reset_tokens).where(reset_tokens.c.token_hash == hash_token(token))
            ).first()
            if row is None or row.used_at is not None or row.revoked_at is not None:
                return None
            if as_utc(row.expires_at) <= now:
                return None
            spent = conn.execute(
                update(reset_tokens)
                .where(reset_tokens.c.id == row.id)
                .where(reset_tokens.c.used_at.is_(None))
                .values(used_at=now)
            )
            return row.account_id if spent.rowcount == 1 else None


class SqlResetRequestLog:
    """Counts reset requests per (hashed) address and per conversation for throttling."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def record(self, email_hash: str, conversation_id: str, at: datetime) -> None:
        """Remember one request."""
        with self._engine.begin() as conn:
            conn.execute(
                insert(reset_requests).values(
                    email_hash=email_hash, conversation_id=conversation_id, created_at=at
                )
            )

    def count_for_email(self, email_hash: str, since: datetime) -> int:
        """Requests for this address since `since`."""
        with self._engine.connect() as conn:
            return conn.execute(
                select(func.count())
                .select_from(reset_requests)
                .where(reset_requests.c.email_hash == email_hash)
                .where(reset_requests.c.created_at >= since)
            ).scalar_one()

    def count_for_conversation(self, conversation_id: str) -> int:
        """Requests made in this conversation so far."""
        with self._engine.connect() as conn:
            return conn.execute(
                select(func.count())
                .select_from(reset_requests)
                .where(reset_requests.c.conversation_id == conversation_id)
            ).scalar_one()
