"""`python -m bot web`: the agent inbox (and the demo support page) on one aiohttp server."""

from __future__ import annotations

import logging
import os

from aiohttp import web

from bot.adapters.agent_store import SqlAgentStore
from bot.bootstrap import Container, get_container

log = logging.getLogger(__name__)


def build_web_app(container: Container, rasa_url: str) -> web.Application:
    """The inbox under /inbox; the demo page under / when the widget is built."""
    from bot.inbox import create_app

    settings = container.settings
    secure = os.environ.get("SIGNIN_INBOX_SECURE_COOKIES", "false").lower() in ("1", "true")
    app = create_app(
        container.cases,
        SqlAgentStore(container.engine, container.clock),
        secure_cookies=secure,
        clock=container.clock,
        title=settings.vendor.name,
    )
    try:
        from bot.web.demo import add_web_routes
    except ImportError:  # the widget is optional for the inbox
        log.info("no web widget package: serving the inbox only")
    else:
        add_web_routes(app, vendor_name=settings.vendor.name, server_url=rasa_url)
    return app


def run_web(host: str, port: int, rasa_url: str) -> int:
    """Serve until interrupted."""
    web.run_app(build_web_app(get_container(), rasa_url), host=host, port=port,
                print=None, handle_signals=True)  # fmt: skip
    return 0
