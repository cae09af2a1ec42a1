"""People who work the built-in inbox: their passwords, sessions and failed sign-ins.

Passwords are stored as argon2id hashes only; sessions as the SHA-256 of a random token
that lives in the agent's cookie, so a copy of the database signs nobody in.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from bot.adapters.sql.engine import as_utc
from bot.adapters.sql.rate_log import SqlRateLog
from bot.adapters.sql.tables import agent_sessions, agents
from bot.domain.clock import utcnow
from bot.domain.live_chat import clean_display_name, display_name_from_email
from bot.domain.model import AGENT_ROLES, AgentSession
from bot.domain.tokens import hash_token

MIN_PASSWORD_LENGTH = 12
SESSION_LIFETIME = timedelta(hours=8)
FAILED_LOGIN_KIND = "inbox_login_failed"


class AgentExistsError(ValueError):
    """An agent with that email already exists."""


class UnknownAgentError(LookupError):
    """No agent has that email."""


@dataclass(frozen=True)
class AgentInfo:
    """An agent as `agents list` shows it."""

    email: str
    display_name: str
    disabled: bool
    created_at: datetime
    sessions: int
    role: str = "agent"


def normalise_email(email: str) -> str:
    """The form in which agent emails are stored and compared."""
    return email.strip().lower()


class SqlAgentStore:
    """Inbox agents in the app database (tables `agents` and `agent_sessions`)."""

    def __init__(
        self,
        engine: Engine,
        clock: Callable[[], datetime] = utcnow,
        hasher: PasswordHasher | None = None,
    ) -> None:
        """Create the store.

        Args:
            engine: the app database.
            clock: returns the timezone-aware current time.
            hasher: argon2id parameters; the argon2-cffi defaults unless given (tests pass
                cheaper ones).
        """
        self._engine = engine
        self._clock = clock
        self._hasher = hasher or PasswordHasher()
        # Checked when the email is unknown, so that answer takes as long as a wrong password.
        self._dummy_hash = self._hasher.hash(secrets.token_urlsafe(16))
        self._failures = SqlRateLog(engine)

    def add(self, email: str, password: str, display_name: str = "", role: str = "agent") -> None:
        """Add an agent.

        Args:
            email: the address the agent signs in with.
            password: at least `MIN_PASSWORD_LENGTH` characters.
            display_name: the name customers see in the chat (default: from the email).
            role: `agent`, or `analyst` (reads the inbox and conversations, changes nothing).

        Raises:
            ValueError: the email is not an address, the password is too short, or the role
                is unknown.
            AgentExistsError: an agent with this email exists already.
        """
        email = normalise_email(email)
        if "@" not in email.strip("@"):
            raise ValueError(f"not an email address: {email!r}")
        if role not in AGENT_ROLES:
            raise ValueError(f"role must be one of {', '.join(AGENT_ROLES)}, not {role!r}")
        password_hash = self._hasher.hash(_checked_password(password))
        name = clean_display_name(display_name) or display_name_from_email(email)
        try:
            with self._engine.begin() as conn:
                conn.execute(
                    insert(agents).values(
                        email=email,
                        password_hash=password_hash,
                        created_at=self._clock(),
                        display_name=name,
                        disabled=False,
                        role=role,
                    )
                )
        except IntegrityError as exc:
            raise AgentExistsError(email) from exc

    def exists(self, email: str) -> bool:
        """Whether an agent (not disabled) signs in with this email."""
        with self._engine.connect() as conn:
            found = conn.execute(
                select(agents.c.id)
                .where(agents.c.email == normalise_email(email))
                .where(agents.c.disabled.is_(False))
            ).first()
        return found is not None

    def display_name(self, email: str) -> str:
        """The name customers see for this agent."""
        email = normalise_email(email)
        with self._engine.connect() as conn:
            name = conn.execute(
                select(agents.c.display_name).where(agents.c.email == email)
            ).scalar_one_or_none()
        return name or display_name_from_email(email)

    def list_agents(self) -> list[AgentInfo]:
        """Every agent, with the number of sessions that are still valid."""
        now = self._clock()
        live = (
            select(agent_sessions.c.agent_email, func.count().label("n"))
            .where(agent_sessions.c.expires_at > now)
            .group_by(agent_sessions.c.agent_email)
            .subquery()
        )
        with self._engine.connect() as conn:
            rows = conn.execute(
                select(agents, live.c.n)
                .outerjoin(live, live.c.agent_email == agents.c.email)
                .order_by(agents.c.email)
            ).all()
        return [
            AgentInfo(
                row.email,
                row.display_name or display_name_from_email(row.email),
                bool(row.disabled),
                as_utc(row.created_at),
                int(row.n or 0),
                row.role or "agent",
            )
            for row in rows
        ]

    def disable(self, email: str) -> int:
        """Stop an agent signing in and end their sessions; the number of sessions ended.

        Raises:
            UnknownAgentError: no agent has this email.
        """
        return self._change_and_sign_out(email, disabled=True)

    def set_password(self, email: str, password: str) -> int:
        """Give an agent a new password and end their sessions; the number ended.

        Raises:
            UnknownAgentError: no agent has this email.
            ValueError: the password is too short.
        """
        password_hash = self._hasher.hash(_checked_password(password))
        return self._change_and_sign_out(email, password_hash=password_hash)

    def _change_and_sign_out(self, email: str, **values: object) -> int:
        email = normalise_email(email)
        with self._engine.begin() as conn:
            changed = conn.execute(
                update(agents).where(agents.c.email == email).values(**values)
            ).rowcount
            if not changed:
                raise UnknownAgentError(email)
            return conn.execute(
                delete(agent_sessions).where(agent_sessions.c.agent_email == email)
            ).rowcount

    def verify(self, email: str, password: str) -> bool:
        """Whether `password` is the agent's password.

        An unknown email is checked against a dummy hash, so it takes about as long as a
        wrong password. A hash made with older parameters is replaced after a success.
        """
        email = normalise_email(email)
        with self._engine.connect() as conn:
            stored = conn.execute(
                select(agents.c.password_hash)
                .where(agents.c.email == email)
                .where(agents.c.disabled.is_(False))
            ).scalar_one_or_none()
        try:
            self._hasher.verify(stored or self._dummy_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False
        if stored is None:
            return False
        if self._hasher.check_needs_rehash(stored):
            with self._engine.begin() as conn:
                conn.execute(
                    update(agents)
                    .where(agents.c.email == email)
                    .values(password_hash=self._hasher.hash(password))
                )
        return True

    def start_session(self, email: str) -> tuple[str, str]:
        """Sign an agent in.

        Returns:
            `(token, csrf_token)`: the token goes into the agent's cookie (only its SHA-256
            is stored), the CSRF token into every form the agent is shown.

        Raises:
            LookupError: no agent has this email.
        """
        email = normalise_email(email)
        if not self.exists(email):
            raise LookupError(email)
        token = secrets.token_urlsafe(32)
        csrf_token = secrets.token_urlsafe(32)
        now = self._clock()
        with self._engine.begin() as conn:
            conn.execute(delete(agent_sessions).where(agent_sessions.c.expires_at <= now))
            conn.execute(
                insert(agent_sessions).values(
                    token_hash=hash_token(token),
                    agent_email=email,
                    csrf_token=csrf_token,
                    created_at=now,
                    expires_at=now + SESSION_LIFETIME,
                )
            )
        return token, csrf_token

    def session(self, token: str) -> AgentSession | None:
        """The session this cookie token belongs to; None when unknown or expired."""
        if not token:
            return None
        with self._engine.connect() as conn:
            row = conn.execute(
                select(agent_sessions, agents.c.role)
                .join(agents, agents.c.email == agent_sessions.c.agent_email)
                .where(agent_sessions.c.token_hash == hash_token(token))
                .where(agents.c.disabled.is_(False))
            ).first()
        if row is None:
            return None
        expires_at = as_utc(row.expires_at)
        if expires_at <= self._clock():
            return None
        return AgentSession(row.agent_email, row.csrf_token, expires_at, row.role or "agent")

    def end_session(self, token: str) -> None:
        """Sign out: the token stops working (unknown tokens are ignored)."""
        with self._engine.begin() as conn:
            conn.execute(
                delete(agent_sessions).where(agent_sessions.c.token_hash == hash_token(token))
            )

    # --- sign-in throttle ----------------------------------------------------------------------

    def record_failed_login(self, email: str) -> None:
        """Count a failed sign-in for this email (whether or not an agent has it)."""
        self._failures.record(FAILED_LOGIN_KIND, hash_token(normalise_email(email)), self._clock())

    def failed_logins(self, email: str, within: timedelta) -> int:
        """Failed sign-ins for this email in the last `within`."""
        since = self._clock() - within
        return self._failures.count(FAILED_LOGIN_KIND, hash_token(normalise_email(email)), since)


def _checked_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"the password needs at least {MIN_PASSWORD_LENGTH} characters")
    return password
