"""`python -m bot web`: the agent inbox (and the demo support page) on one aiohttp server."""

from __future__ import annotations

import asyncio
import logging
import os
from datetime import timedelta

from aiohttp import web

from bot.bootstrap import Container, get_container
from bot.settings import check_safe_deployment, get_settings, is_loopback, tracker_store_url

log = logging.getLogger(__name__)


APPLY_CHANGES_EVERY_SECONDS = 60
CASE_ROUND_SECONDS = 30


def secure_cookies(host: str, env: dict[str, str] | None = None) -> bool:
    """Inbox cookies are Secure unless the server is on loopback and nobody asked for them.

    `SIGNIN_INBOX_SECURE_COOKIES=false` is honoured on loopback only: anywhere else the
    inbox must be served over HTTPS (behind the load balancer) and its cookies say so.
    """
    env = dict(os.environ) if env is None else env
    asked = env.get("SIGNIN_INBOX_SECURE_COOKIES", "").strip().lower()
    if not is_loopback(host):
        return True
    return asked in ("1", "true", "yes")


async def _apply_email_changes(app: web.Application) -> None:
    """Apply confirmed email changes once their cooling-off period is over."""
    service = app["account_links"]
    while True:
        try:
            applied = await asyncio.to_thread(service.apply_due_changes)
            if applied:
                log.info("applied %d email change(s)", applied)
        except Exception:  # keep the loop alive; the next round tries again
            log.exception("applying email changes failed")
        await asyncio.sleep(APPLY_CHANGES_EVERY_SECONDS)


async def _look_after_cases(app: web.Application) -> None:
    """Every half minute: tell web-chat customers nobody claimed in time that we can continue
    by email, retry notifications and helpdesk deliveries, forget old pushed messages."""
    container: Container = app["container"]
    timeout = timedelta(minutes=container.settings.handoff.claim_timeout_minutes)
    rounds = 0
    while True:
        try:
            told = await asyncio.to_thread(container.live_chat.offer_follow_up_to_unclaimed,
                                           timeout)  # fmt: skip
            if told:
                log.info("offered the email follow-up on %d unclaimed case(s)", told)
            if rounds % 10 == 0:  # every five minutes
                await asyncio.to_thread(container.handoff.retry_pending)
                await asyncio.to_thread(container.live_chat.prune_deliveries)
        except Exception:  # keep the loop alive; the next round tries again
            log.exception("looking after cases failed")
        rounds += 1
        await asyncio.sleep(CASE_ROUND_SECONDS)


async def _start_background(app: web.Application) -> None:
    app["email_change_task"] = asyncio.create_task(_apply_email_changes(app))
    app["cases_task"] = asyncio.create_task(_look_after_cases(app))


async def _stop_background(app: web.Application) -> None:
    app["email_change_task"].cancel()
    app["cases_task"].cancel()


def build_web_app(container: Container, rasa_url: str, host: str = "127.0.0.1") -> web.Application:
    """The inbox under /inbox, the account pages under /account, the demo page under /."""
    from bot.insights.reader import TrackerEventReader, tracker_engine
    from bot.web.account_pages import add_account_routes
    from bot.web.helpdesk_hooks import add_helpdesk_routes
    from bot.web.inbox import create_app
    from bot.web.inbox.live import ConversationFeed

    settings = container.settings
    secure = secure_cookies(host)
    feed = ConversationFeed(lambda: TrackerEventReader(tracker_engine(tracker_store_url())))
    app = create_app(
        container.cases,
        container.agents,
        container.live_chat,
        feed,
        secure_cookies=secure,
        clock=container.clock,
        title=settings.vendor.name,
    )
    add_account_routes(app, container.account_links, settings.vendor.name,
                       settings.password_policy.describe())  # fmt: skip
    zendesk_secret = os.environ.get("SIGNIN_ZENDESK_WEBHOOK_SECRET", "")
    add_helpdesk_routes(app, container.live_chat, zendesk_secret, container.clock)
    app["account_links"] = container.account_links
    app["container"] = container
    app.on_startup.append(_start_background)
    app.on_cleanup.append(_stop_background)
    try:
        from bot.web.demo import add_web_routes
    except ImportError:  # the widget is optional for the inbox
        log.info("no web widget package: serving the inbox only")
    else:
        add_web_routes(app, vendor_name=settings.vendor.name, server_url=rasa_url)
    return app


def run_web(host: str, port: int, rasa_url: str) -> int:
    """Serve until interrupted (agents' replies reach Rasa's API at `rasa_url`)."""
    os.environ.setdefault("SIGNIN_RASA_URL", rasa_url)
    check_safe_deployment(get_settings(), tracker_store_url(), (host,))
    web.run_app(build_web_app(get_container(), rasa_url, host), host=host, port=port,
                print=None, handle_signals=True)  # fmt: skip
    return 0
