"""The identity directory: accounts and password-reset tokens.

`IdentityDirectory` is what services need; `SqlDirectory` is the built-in implementation
in the app database (the default). Other identity providers get their own module with a
class of the same shape.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.engine import Connection, Engine, Row
from sqlalchemy.exc import IntegrityError

from bot.adapters.sql.engine import as_utc
from bot.adapters.sql.tables import (
    accounts,
    mfa_factors,
    reset_requests,
    reset_tokens,
    sessions,
)
from bot.domain.clock import utcnow
from bot.domain.model import Account
from bot.domain.ports import AccountExistsError
from bot.domain.tokens import hash_token


class SqlDirectory:
    """Built-in identity directory stored in the app database (the default)."""

    def __init__(self, engine: Engine, clock: Callable[[], datetime] = utcnow) -> None:
        self._engine = engine
        self._clock = clock

    # --- reading ---------------------------------------------------------------------------

    def _load(self, conn: Connection, row: Row) -> Account:
        methods = conn.execute(
            select(mfa_factors.c.method)
            .where(mfa_factors.c.account_id == row.id)
            .order_by(mfa_factors.c.id)
        ).scalars()
        return Account(
            id=str(row.id),
            email=row.email,
            name=row.name,
            status=row.status,
            locked_until=as_utc(row.locked_until),
            lock_reason=row.lock_reason,
            mfa_factors=tuple(methods),
            phone_last4=row.phone_last4,
            created_at=as_utc(row.created_at),
        )

    def find_by_email(self, email: str) -> Account | None:
        with self._engine.connect() as conn:
            row = conn.execute(
                select(accounts).where(accounts.c.email == email.strip().lower())
            ).first()
            return self._load(conn, row) if row else None

    def find_by_id(self, account_id: str) -> Account | None:
        """The account with this id, or None."""
        if not str(account_id).isdigit():
            return None
        with self._engine.connect() as conn:
            row = conn.execute(select(accounts).where(accounts.c.id == int(account_id))).first()
            return self._load(conn, row) if row else None

    def list_accounts(self) -> list[Account]:
        """All accounts, oldest first."""
        with self._engine.connect() as conn:
            rows = conn.execute(select(accounts).order_by(accounts.c.id)).all()
            return [self._load(conn, row) for row in rows]

    def active_sessions(self, account_id: str) -> list[str]:
        """Devices with a session that has not been ended."""
        with self._engine.connect() as conn:
            return list(
                conn.execute(
                    select(sessions.c.device)
                    .where(sessions.c.account_id == int(account_id))
                    .where(sessions.c.revoked_at.is_(None))
                    .order_by(sessions.c.id)
                ).scalars()
            )

    # --- administration (command line, tests) -----------------------------------------------

    def add_account(
        self,
        email: str,
        name: str = "",
        locked: bool = False,
        locked_until: datetime | None = None,
        lock_reason: str = "",
        mfa: tuple[str, ...] = (),
        phone_last4: str = "",
        devices: tuple[str, ...] = (),
    ) -> Account:
        """Register an account; raises AccountExistsError for a taken email."""
        now = self._clock()
        values = {
            "email": email.strip().lower(),
            "name": name,
            "status": "locked" if locked or locked_until else "active",
            "locked_until": locked_until,
            "lock_reason": lock_reason or ("failed_attempts" if locked_until else ""),
            "phone_last4": phone_last4,
            "created_at": now,
        }
        try:
            with self._engine.begin() as conn:
                new_id = conn.execute(insert(accounts).values(**values)).inserted_primary_key[0]
                for method in dict.fromkeys(mfa):
                    conn.execute(
                        insert(mfa_factors).values(account_id=new_id, method=method, created_at=now)
                    )
                for device in devices:
                    conn.execute(
                        insert(sessions).values(account_id=new_id, device=device, created_at=now)
                    )
        except IntegrityError as exc:
            raise AccountExistsError(values["email"]) from exc
        found = self.find_by_id(str(new_id))
        assert found is not None
        return found

    # --- recovery operations -----------------------------------------------------------------

    def start_password_reset(self, account_id: str, ttl: timedelta) -> str | None:
        token = secrets.token_urlsafe(32)
        now = self._clock()
        with self._engine.begin() as conn:
            conn.execute(
                update(reset_tokens)
                .where(reset_tokens.c.account_id == int(account_id))
                .where(reset_tokens.c.used_at.is_(None))
                .where(reset_tokens.c.revoked_at.is_(None))
                .values(revoked_at=now)
            )
            conn.execute(
                insert(reset_tokens).values(
                    account_id=int(account_id),
                    token_hash=hash_token(token),
                    created_at=now,
                    expires_at=now + ttl,
                )
            )
        return token

    def reset_token_is_valid(self, token: str) -> bool:
        """Whether a reset token could be spent now (does not spend it)."""
        now = self._clock()
        with self._engine.connect() as conn:
            row = conn.execute(
                select(reset_tokens).where(reset_tokens.c.token_hash == hash_token(token))
            ).first()
        return (
            row is not None
            and row.used_at is None
            and row.revoked_at is None
            and as_utc(row.expires_at) > now
        )

    def reset_token_account(self, token: str) -> str | None:
        """The account a still-valid reset token belongs to (does not spend it)."""
        if not self.reset_token_is_valid(token):
            return None
        with self._engine.connect() as conn:
            value = conn.execute(
                select(reset_tokens.c.account_id).where(
                    reset_tokens.c.token_hash == hash_token(token)
                )
            ).scalar_one_or_none()
        return str(value) if value is not None else None

    def set_password_hash(self, account_id: str, password_hash: str) -> None:
        """Store a new password (argon2 hash); lifts a lock after failed sign-ins."""
        now = self._clock()
        with self._engine.begin() as conn:
            conn.execute(
                update(accounts)
                .where(accounts.c.id == int(account_id))
                .values(password_hash=password_hash, password_changed_at=now)
            )
            conn.execute(
                update(accounts)
                .where(accounts.c.id == int(account_id))
                .where(accounts.c.lock_reason == "failed_attempts")
                .values(status="active", locked_until=None, lock_reason="")
            )

    def password_hash(self, account_id: str) -> str | None:
        """The stored password hash (tests, sign-in checks)."""
        with self._engine.connect() as conn:
            return conn.execute(
                select(accounts.c.password_hash).where(accounts.c.id == int(account_id))
            ).scalar_one_or_none()

    def redeem_reset_token(self, token: str) -> str | None:
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
            return str(row.account_id) if spent.rowcount == 1 else None

    def unlock(self, account_id: str) -> None:
        with self._engine.begin() as conn:
            conn.execute(
                update(accounts)
                .where(accounts.c.id == int(account_id))
                .values(status="active", locked_until=None, lock_reason="")
            )

    def reset_factors(self, account_id: str) -> None:
        with self._engine.begin() as conn:
            conn.execute(delete(mfa_factors).where(mfa_factors.c.account_id == int(account_id)))

    def clear_sessions(self, account_id: str) -> None:
        with self._engine.begin() as conn:
            conn.execute(
                update(sessions)
                .where(sessions.c.account_id == int(account_id))
                .where(sessions.c.revoked_at.is_(None))
                .values(revoked_at=self._clock())
            )

    def change_email(self, account_id: str, new_email: str) -> None:
        """Switch the sign-in email (after the new address confirmed the change)."""
        with self._engine.begin() as conn:
            conn.execute(
                update(accounts)
                .where(accounts.c.id == int(account_id))
                .values(email=new_email.strip().lower())
            )


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
