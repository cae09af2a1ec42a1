"""Wiring: build adapters and services once from settings.

Actions call `get_container()`; tests build a `Container` directly with their own engine.
Adapters are picked here, at start-up, never inside actions.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path

from sqlalchemy.engine import Engine

from bot.adapters.builtin import NullHelpdesk, SettingsStatusSource
from bot.adapters.http import Timeouts, make_session
from bot.adapters.mail_queue import QueuedMailer
from bot.adapters.rasa_api import RasaConversationControl
from bot.adapters.smtp import SmtpMailer
from bot.adapters.sql.agent_store import SqlAgentStore
from bot.adapters.sql.audit import SqlAuditLog
from bot.adapters.sql.case_store import SqlCaseStore
from bot.adapters.sql.chat_deliveries import SqlChatDeliveries
from bot.adapters.sql.directory import SqlDirectory, SqlResetRequestLog
from bot.adapters.sql.email_change_store import SqlEmailChangeStore
from bot.adapters.sql.engine import create_engine, init_schema
from bot.adapters.sql.notification_store import SqlNotificationStore
from bot.adapters.sql.outbox import OutboxMailer, OutboxSms
from bot.adapters.sql.rate_log import SqlRateLog
from bot.adapters.sql.verification_store import SqlVerificationStore
from bot.adapters.work_queue import RunNow, WorkQueue
from bot.domain.clock import utcnow
from bot.domain.links import AccountLinks
from bot.domain.ports import (
    ConversationControl,
    Helpdesk,
    IdentityDirectory,
    Mailer,
    NotificationSender,
    SmsSender,
    StatusSource,
)
from bot.services.account_links import AccountLinkService
from bot.services.accounts import AccountAdminService
from bot.services.code_resend import CodeResendService
from bot.services.handoff import HandoffService
from bot.services.live_chat import LiveChatService
from bot.services.notifications import NotificationService
from bot.services.password_reset import PasswordResetService
from bot.services.recovery import RecoveryService
from bot.services.timing import ReplyFloor
from bot.services.verification import VerificationService
from bot.settings import (
    Settings,
    check_safe_deployment,
    get_settings,
    notify_webhook_url,
    rasa_api_token,
    rasa_url,
    tracker_store_url,
)


@dataclass
class Container:
    """Everything the actions and the command line use."""

    settings: Settings
    engine: Engine
    directory: IdentityDirectory
    builtin_directory: SqlDirectory
    outbox: OutboxMailer
    mailer: Mailer
    account_work: WorkQueue | RunNow
    audit: SqlAuditLog
    status: StatusSource
    password_reset: PasswordResetService
    verification: VerificationService
    verification_store: SqlVerificationStore
    recovery: RecoveryService
    email_changes: SqlEmailChangeStore
    rate_log: SqlRateLog
    cases: SqlCaseStore
    handoff: HandoffService
    code_resend: CodeResendService
    account_links: AccountLinkService
    accounts: AccountAdminService
    agents: SqlAgentStore
    deliveries: SqlChatDeliveries
    live_chat: LiveChatService
    clock: Callable[[], datetime]


def build_container(
    settings: Settings,
    engine: Engine | None = None,
    clock: Callable[[], datetime] = utcnow,
    background: bool = False,
    mailer: Mailer | None = None,
    control: ConversationControl | None = None,
) -> Container:
    """Create the adapters chosen by `settings` and the services on top of them.

    `background`: hand emails, and the work only an existing account causes, to background
    threads (servers do, so that neither delays a reply nor shows in its timing); off, both
    run before the call returns (command line, tests).
    `mailer`: deliver through this instead of the backend the settings choose (benchmarks).
    `control`: reach conversations through this instead of Rasa's HTTP API (tests).
    """
    engine = engine or create_engine(settings.database_url)
    init_schema(engine)
    builtin = SqlDirectory(engine, clock)
    directory: IdentityDirectory = builtin
    status: StatusSource = SettingsStatusSource(settings.status)
    helpdesk: Helpdesk = NullHelpdesk()
    apis = settings.apis
    outbox = OutboxMailer(engine, clock)
    sms: SmsSender = OutboxSms(outbox, settings.vendor.name)
    # urllib3 logs request URLs: Okta's contain the customer's address, Rasa's API its token.
    logging.getLogger("urllib3").setLevel(logging.ERROR)
    session = make_session()  # one shared session for every HTTP adapter
    timeouts = Timeouts(apis.connect_timeout, apis.read_timeout)
    if apis.identity_backend == "okta":
        from bot.adapters.okta import OktaDirectory

        directory = OktaDirectory(session, apis.okta_base_url, apis.okta_api_token, timeouts)
    if apis.status_page_url:
        from bot.adapters.statuspage import StatuspageStatusSource

        status = StatuspageStatusSource(session, apis.status_page_url, timeouts)
    if apis.helpdesk == "zendesk":
        from bot.adapters.zendesk import ZendeskHelpdesk

        helpdesk = ZendeskHelpdesk(
            session, apis.zendesk_url, apis.zendesk_email, apis.zendesk_api_token, timeouts
        )
    if settings.sms.backend == "twilio":
        from bot.adapters.sms import TwilioSms

        s = settings.sms
        sms = TwilioSms(session, s.twilio_url, s.twilio_account_sid, s.twilio_auth_token,
                        s.twilio_from, timeouts)  # fmt: skip
    if mailer is None:
        mailer = SmtpMailer(settings.smtp) if settings.email_backend == "smtp" else outbox
    if background:
        mailer = QueuedMailer(mailer)
    # the work starts a moment after the answer, so it never competes with the answer itself
    account_work = WorkQueue("account-work", start_after=0.2) if background else RunNow()
    links = AccountLinks(settings.public_url)
    reply_floor = ReplyFloor.from_ms(settings.reset.min_reply_ms, settings.reset.min_work_ms)
    audit = SqlAuditLog(engine, clock)
    store = SqlVerificationStore(engine)
    rate_log = SqlRateLog(engine)
    email_changes = SqlEmailChangeStore(engine)
    cases = SqlCaseStore(engine, clock)
    senders: list[NotificationSender] = []
    webhook_url = notify_webhook_url()
    if webhook_url:
        from bot.adapters.notify import WebhookNotifier

        senders.append(WebhookNotifier(session, webhook_url, timeouts))
    if settings.handoff.notify_email:
        from bot.adapters.notify import EmailNotifier

        senders.append(EmailNotifier(mailer, settings.handoff.notify_email,
                                     settings.vendor.email_sender))  # fmt: skip
    notifications = NotificationService(SqlNotificationStore(engine, clock), cases, senders,
                                        settings.public_url)  # fmt: skip
    agents = SqlAgentStore(engine, clock)
    deliveries = SqlChatDeliveries(engine, clock)
    if control is None:
        control = RasaConversationControl(session, rasa_url(), rasa_api_token())
    verification = VerificationService(
        directory=directory,
        store=store,
        rate_log=rate_log,
        mailer=mailer,
        audit=audit,
        vendor=settings.vendor,
        secret_key=settings.secret_key,
        clock=clock,
        reply_floor=reply_floor,
    )
    return Container(
        settings=settings,
        engine=engine,
        directory=directory,
        builtin_directory=builtin,
        outbox=outbox,
        mailer=mailer,
        account_work=account_work,
        audit=audit,
        status=status,
        password_reset=PasswordResetService(
            directory=directory,
            mailer=mailer,
            requests_log=SqlResetRequestLog(engine),
            audit=audit,
            vendor=settings.vendor,
            rules=settings.reset,
            secret_key=settings.secret_key,
            clock=clock,
            links=links,
            background=account_work,
        ),
        verification=verification,
        verification_store=store,
        recovery=RecoveryService(
            directory=directory,
            verification=verification,
            mailer=mailer,
            audit=audit,
            email_changes=email_changes,
            vendor=settings.vendor,
            reset_rules=settings.reset,
            links=links,
            clock=clock,
            cooling_off=timedelta(hours=settings.email_change.cooling_off_hours),
        ),
        email_changes=email_changes,
        rate_log=rate_log,
        cases=cases,
        handoff=HandoffService(
            store=cases,
            helpdesk=helpdesk,
            hours=settings.vendor.support_hours,
            expected_wait_minutes=settings.handoff.expected_wait_minutes,
            clock=clock,
            directory=directory,
            notifications=notifications if senders else None,
        ),
        code_resend=CodeResendService(
            directory=directory,
            mailer=mailer,
            sms=sms,
            rate_log=rate_log,
            audit=audit,
            vendor=settings.vendor,
            secret_key=settings.secret_key,
            clock=clock,
            reply_floor=reply_floor,
        ),
        account_links=AccountLinkService(
            directory=builtin,
            changes=email_changes,
            mailer=mailer,
            audit=audit,
            vendor=settings.vendor,
            rules=settings.password_policy,
            common_passwords=load_common_passwords(),
            clock=clock,
        ),
        accounts=AccountAdminService(builtin, store, verification.fact_hash, clock),
        agents=agents,
        deliveries=deliveries,
        live_chat=LiveChatService(cases, agents.display_name, control, deliveries, audit, clock),
        clock=clock,
    )


COMMON_PASSWORDS_FILE = Path(__file__).resolve().parent / "data" / "common_passwords.txt"


@lru_cache(maxsize=1)
def load_common_passwords() -> frozenset[str]:
    """The bundled list of passwords too common to allow (lower case)."""
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and line[0] != "#")


_container: Container | None = None


def get_container() -> Container:
    """The process-wide container, built on first use (not at import)."""
    global _container
    if _container is None:
        settings = get_settings()
        # The action server binds where SANIC_HOST says (the launcher: loopback).
        host = os.environ.get("SANIC_HOST", "127.0.0.1")
        check_safe_deployment(settings, tracker_store_url(), (host,))
        _container = build_container(settings, background=True)
    return _container


def set_container(container: Container | None) -> None:
    """Install the container actions use (tests and embedding); None rebuilds on next use."""
    global _container
    _container = container


def drain_background(timeout: float = 10.0) -> bool:
    """Let the work queued after answers finish (account work, then the emails it queued):
    a server stopping calls this, so that a reset answered just before is still sent.
    True when everything ran within `timeout` (or nothing was ever built)."""
    container = _container
    if container is None:
        return True
    deadline = time.monotonic() + timeout
    done = container.account_work.flush(timeout)
    flush_mail = getattr(container.mailer, "flush", None)
    if flush_mail is not None:
        done = flush_mail(max(0.1, deadline - time.monotonic())) and done
    return done
