"""The inbox's conversation page: any stored conversation by id, redacted, turn by turn.

`GET /inbox/conversations/{id}` shows per user message the redacted text, the intent NLU
gave it with its confidence, the entity names, the model release that understood it, then
the actions and replies that followed (`bot.insights.transcript`); `GET
/inbox/conversations?id=...` finds one by id. Read-only: both are GETs, so they sit behind
the inbox's session middleware like every /inbox route, and analysts (read-only accounts)
may open them. Every value is HTML-escaped here; the tracker store is read in a worker
thread, through one engine per app.
"""

from __future__ import annotations

import asyncio
import html
from typing import Any
from urllib.parse import quote

from aiohttp import web

from bot.insights.reader import (
    Conversation,
    TrackerEventReader,
    TrackerStoreError,
    tracker_engine,
)
from bot.insights.transcript import Turn, conversation_turns

_ENGINE_KEY: web.AppKey[Any] = web.AppKey("conversations.engine", object)
MAX_ID_LENGTH = 255

_STYLE = (
    "body{margin:0;font:16px/1.5 system-ui,sans-serif;color:#1a1a1a}"
    "header{background:#12355b;color:#fff;padding:.5rem 1rem}header a{color:#fff}"
    "main{max-width:72rem;margin:0 auto;padding:1rem}a{color:#0b4f9c}"
    "table{border-collapse:collapse;width:100%}"
    "th,td{border-bottom:1px solid #8a8a8a;padding:.4rem .5rem;text-align:left;"
    "vertical-align:top}.text{white-space:pre-wrap;overflow-wrap:anywhere}"
    "ul{margin:0;padding-left:1.1rem}.low{color:#a4140b;font-weight:600}"
)


def _e(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _page(title: str, body: str) -> str:
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)} – Agent inbox</title><style>{_STYLE}</style></head><body>"
        '<header><nav aria-label="Inbox"><a href="/inbox/">Cases</a> · '
        '<a href="/inbox/conversations">Conversations</a></nav></header>'
        f'<main id="main">{body}</main></body></html>\n'
    )


def _html(text: str, status: int = 200) -> web.Response:
    return web.Response(status=status, text=text, content_type="text/html", charset="utf-8")


def _list(items: list[str]) -> str:
    return "<ul>" + "".join(f"<li>{_e(i)}</li>" for i in items) + "</ul>" if items else "–"


def conversation_page(
    sender_id: str, turns: list[Turn], releases: dict[str, str], low_confidence: float = 0.6
) -> str:
    """The HTML of one conversation (every value escaped)."""
    rows = []
    for turn in turns:
        if turn.number == 0:
            customer, intent = "(start of the conversation)", "–"
        else:
            customer = turn.text or ""
            confidence = "–" if turn.confidence is None else f"{turn.confidence:.2f}"
            low = turn.confidence is not None and turn.confidence < low_confidence
            css = ' class="low"' if low else ""
            intent = f"{_e(turn.intent or '–')} <span{css}>({_e(confidence)})</span>"
            if turn.entities:
                intent += f"<br>entities: {_e(', '.join(turn.entities))}"
        release = releases.get(turn.model_id or "") or (
            f"model {turn.model_id[:12]}" if turn.model_id else "–"
        )
        when = f"{turn.at:%Y-%m-%d %H:%M:%S} UTC" if turn.at else "–"
        rows.append(
            f"<tr><td>{turn.number}</td><td>{_e(when)}</td>"
            f'<td class="text">{_e(customer)}</td><td>{intent}</td>'
            f"<td>{_e(release) if turn.number else '–'}</td>"
            f'<td>{_list(turn.actions)}</td><td class="text">{_list(turn.replies)}</td></tr>'
        )
    headings = ("#", "Time", "Customer", "Intent (confidence)", "Model release", "Actions",
                "Replies")  # fmt: skip
    table = (
        "<table><caption>Every turn, oldest first (customer text redacted)</caption><thead><tr>"
        + "".join(f'<th scope="col">{h}</th>' for h in headings)
        + f"</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )
    title = f"Conversation {sender_id}"
    return _page(title, f'<h1 class="text">{_e(title)}</h1>{table}')


def lookup_page(error: str | None = None) -> str:
    """The "find a conversation by id" form."""
    message = f'<p class="low" role="alert">{_e(error)}</p>' if error else ""
    return _page(
        "Conversations",
        "<h1>Find a conversation</h1>"
        f"{message}"
        '<form method="get" action="/inbox/conversations"><label for="id">Conversation id'
        '</label> <input id="id" name="id" required maxlength="255"> '
        '<button type="submit">Show</button></form>',
    )


def _engine(app: web.Application) -> Any:
    if _ENGINE_KEY not in app:
        from bot.settings import tracker_store_url

        app[_ENGINE_KEY] = tracker_engine(tracker_store_url())
    return app[_ENGINE_KEY]


def _release_names() -> dict[str, str]:
    """model_id → release id from the release cards (empty when there are none)."""
    from bot.modelops.releases import ReleaseStore

    return ReleaseStore().model_names()


def _load(app: web.Application, sender_id: str) -> Conversation | None:
    return TrackerEventReader(_engine(app)).conversation(sender_id)


async def show_conversation(request: web.Request) -> web.Response:
    """GET /inbox/conversations/{sender_id}."""
    sender_id = request.match_info["sender_id"]
    try:
        conversation = await asyncio.to_thread(_load, request.app, sender_id)
    except TrackerStoreError:
        return _html(lookup_page("The conversation store cannot be read right now."), 503)
    if conversation is None:
        return _html(lookup_page("There is no conversation with that id."), 404)
    turns = conversation_turns(conversation)
    releases = await asyncio.to_thread(_release_names)
    return _html(conversation_page(conversation.sender_id, turns, releases))


async def find_conversation(request: web.Request) -> web.Response:
    """GET /inbox/conversations?id=...: the form, or a redirect to the conversation."""
    wanted = request.query.get("id", "").strip()
    if not wanted:
        return _html(lookup_page())
    if len(wanted) > MAX_ID_LENGTH:
        return _html(lookup_page("That is not a conversation id."), 400)
    return web.Response(
        status=303, headers={"Location": f"/inbox/conversations/{quote(wanted, safe='')}"}
    )


# The inbox's session key (bot/web/inbox/app.py sets it before any handler runs).
SESSION_KEY = "inbox.agent_session"
ANALYST_MAY_POST = frozenset({"/inbox/logout"})


@web.middleware
async def read_only_analysts(request: web.Request, handler: Any) -> web.StreamResponse:
    """Analysts (read-only accounts) may open every inbox page but change nothing: any
    request other than GET/HEAD is refused, signing out excepted. Runs inside the inbox's
    session middleware, which has already checked the session."""
    session = request.get(SESSION_KEY)
    if (
        session is not None
        and getattr(session, "read_only", False)
        and request.method not in ("GET", "HEAD")
        and request.path not in ANALYST_MAY_POST
    ):
        return _html(
            _page("Read-only account", "<h1>Read-only account</h1><p>Analysts can read the "
                  "inbox and conversations but not change cases or chats.</p>"),
            403,
        )  # fmt: skip
    return await handler(request)


def add_routes(app: web.Application) -> None:
    """Register the conversation pages on the inbox app (behind its session middleware)."""
    app.router.add_get("/inbox/conversations", find_conversation, name="conversations")
    app.router.add_get(
        r"/inbox/conversations/{sender_id:[^/]{1,255}}", show_conversation, name="conversation"
    )
