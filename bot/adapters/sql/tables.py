"""SQLAlchemy table definitions of the app database (SQLAlchemy Core, 2.0 style)."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

accounts = Table(
    "accounts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("email", String(320), nullable=False, unique=True),
    Column("name", String(200), nullable=False, default=""),
    Column("status", String(20), nullable=False, default="active"),
    Column("locked_until", DateTime(timezone=True), nullable=True),
    Column("lock_reason", String(30), nullable=False, default=""),
    Column("phone_last4", String(4), nullable=False, default=""),
    Column("created_at", DateTime(timezone=True), nullable=False),
    # Set through the built-in reset page only (argon2 hash).
    Column("password_hash", String(255), nullable=True),
    Column("password_changed_at", DateTime(timezone=True), nullable=True),
)

# Enrolled MFA methods (sms | email | totp | push); the lowest id is the primary one.
mfa_factors = Table(
    "mfa_factors",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("account_id", Integer, ForeignKey("accounts.id"), nullable=False),
    Column("method", String(20), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# Signed-in sessions, so that "sign out everywhere" has something real to end.
sessions = Table(
    "sessions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("account_id", Integer, ForeignKey("accounts.id"), nullable=False),
    Column("device", String(200), nullable=False, default=""),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
)

# Facts only the owner should know, stored as keyed hashes of their normalised form.
verification_facts = Table(
    "verification_facts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("account_id", String(64), nullable=False),
    Column("kind", String(30), nullable=False),
    Column("value_hash", String(64), nullable=False),
    UniqueConstraint("account_id", "kind"),
)

# Ownership verifications: server-side state of each check (see bot/domain/verification.py).
# Hashes and counters only; the code and the answers typed are never stored.
verifications = Table(
    "verifications",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("conversation_id", String(255), nullable=False),
    Column("subject_key", String(64), nullable=False),
    Column("account_id", String(64), nullable=True),
    Column("purpose", String(20), nullable=False),
    Column("factor", String(10), nullable=False),
    Column("code_hash", String(64), nullable=False),
    Column("code_expires_at", DateTime(timezone=True), nullable=False),
    Column("questions", String(200), nullable=False, default=""),
    Column("status", String(20), nullable=False),
    Column("code_tries", Integer, nullable=False, default=0),
    Column("answers_right", Integer, nullable=False, default=0),
    Column("answers_wrong", Integer, nullable=False, default=0),
    Column("version", Integer, nullable=False, default=0),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True), nullable=True),
)
Index("ix_verifications_conversation", verifications.c.conversation_id, verifications.c.id)

# Timestamps of throttled actions (verification failures, code resends, ...), by key.
rate_events = Table(
    "rate_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(40), nullable=False),
    Column("subject_key", String(128), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
Index(
    "ix_rate_events_lookup", rate_events.c.kind, rate_events.c.subject_key, rate_events.c.created_at
)

# Email changes: confirmed by the new address, cancellable from the old one, applied only
# after a cooling-off period (hashes of both link tokens only).
email_changes = Table(
    "email_changes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("account_id", String(64), nullable=False),
    Column("new_email", String(320), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("cancel_token_hash", String(64), nullable=True),
    Column("conversation_id", String(255), nullable=False, default="", server_default=""),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("effective_at", DateTime(timezone=True), nullable=True),
    Column("confirmed_at", DateTime(timezone=True), nullable=True),
    Column("cancelled_at", DateTime(timezone=True), nullable=True),
    Column("applied_at", DateTime(timezone=True), nullable=True),
    UniqueConstraint("cancel_token_hash", name="uq_email_changes_cancel_token"),
)

reset_tokens = Table(
    "reset_tokens",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("account_id", Integer, ForeignKey("accounts.id"), nullable=False),
    # Only a SHA-256 of the token is kept; the token itself exists only in the email.
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("used_at", DateTime(timezone=True), nullable=True),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
)
Index("ix_reset_tokens_account", reset_tokens.c.account_id)

# Every reset request, whether or not an account exists, keyed by a keyed hash of the
# address: it feeds the throttle without storing which addresses people typed.
reset_requests = Table(
    "reset_requests",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("email_hash", String(64), nullable=False),
    Column("conversation_id", String(255), nullable=False, default=""),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
Index("ix_reset_requests_email_time", reset_requests.c.email_hash, reset_requests.c.created_at)

outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("to_address", String(320), nullable=False),
    Column("sender", String(320), nullable=False),
    Column("subject", String(500), nullable=False),
    Column("body", Text, nullable=False),
    Column("kind", String(50), nullable=False, default="general"),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("conversation_id", String(255), nullable=False, default=""),
    Column("account_id", String(64), nullable=True),
    Column("event", String(50), nullable=False),
    Column("outcome", String(50), nullable=False),
    Column("actor", String(320), nullable=True),  # the agent, for inbox and CLI actions
)

# Cases handed to people (the built-in agent inbox reads these).
cases = Table(
    "cases",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("conversation_id", String(255), nullable=False),
    Column("status", String(20), nullable=False, default="open"),
    Column("priority", String(20), nullable=False, default="normal"),
    Column("reason", String(50), nullable=False),
    Column("problem", String(500), nullable=False, default=""),
    Column("summary", Text, nullable=False, default=""),
    Column("transcript", Text, nullable=False, default="[]"),  # JSON list of turns
    Column("channel", String(50), nullable=False, default=""),
    Column("account_id", String(64), nullable=True),
    Column("claimed_by", String(320), nullable=True),
    Column("resolution_note", Text, nullable=False, default=""),
    Column("helpdesk_id", String(64), nullable=True),
    Column("delivery", String(20), nullable=False, default="local"),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    # Live handoff: the agent holding the case is chatting, the assistant is paused.
    Column("live", Boolean, nullable=False, default=False),
    # Where to follow up by email when nobody could answer in the chat; `contact_verified`
    # says whether that address was proven (it is the verified account's address).
    Column("contact_email", String(320), nullable=True),
    Column("contact_verified", Boolean, nullable=False, default=False),
    # When the customer was offered the email follow-up (offered once per case).
    Column("follow_up_offered_at", DateTime(timezone=True), nullable=True),
)
Index("ix_cases_conversation_status", cases.c.conversation_id, cases.c.status)

# People who work the inbox. Passwords are stored as argon2 hashes only.
agents = Table(
    "agents",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("email", String(320), nullable=False, unique=True),
    Column("password_hash", String(255), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("display_name", String(100), nullable=False, default=""),  # shown to customers
    Column("disabled", Boolean, nullable=False, default=False),
    Column("role", String(20), nullable=False, default="agent"),  # domain.model.AGENT_ROLES
)

# Signed-in inbox sessions: the cookie holds a random id, the table its hash.
agent_sessions = Table(
    "agent_sessions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("agent_email", String(320), nullable=False),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
)

# What agents (and notices about them) say in a customer's web chat, waiting to be pushed to
# the customer's socket. Every Rasa process reads new rows and emits them to the sockets of
# that conversation it holds; the tracker has the same text as a bot event.
chat_deliveries = Table(
    "chat_deliveries",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("conversation_id", String(255), nullable=False),
    Column("kind", String(20), nullable=False),  # agent | joined | left
    Column("author", String(100), nullable=False, default=""),
    Column("text", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# Notifications about new or escalated cases (webhook, email), retried until delivered.
notifications = Table(
    "notifications",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("case_id", Integer, nullable=False),
    Column("target", String(20), nullable=False),  # webhook | email
    Column("text", Text, nullable=False),
    Column("status", String(20), nullable=False, default="pending"),  # pending | sent
    Column("attempts", Integer, nullable=False, default=0),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("sent_at", DateTime(timezone=True), nullable=True),
)
Index("ix_notifications_status", notifications.c.status, notifications.c.id)
