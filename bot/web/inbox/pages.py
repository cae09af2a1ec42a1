"""HTML of the agent inbox: small server-rendered pages that work without JavaScript.

Every dynamic value goes through `_e` (`html.escape`): case summaries and transcripts hold
customer text verbatim, and `<img src=x onerror=...>` typed by a customer must show as text.
One script (`/inbox/static/inbox.js`, same origin as the strict CSP requires) keeps the case
list and the live chat up to date from server-sent events; it writes text with
`textContent` only.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone

from bot.domain.live_chat import MAX_REPLY_CHARS, ChatLine
from bot.domain.model import CASE_STATUSES, Case

_STYLE = """
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;
color:#1a1a1a;background:#fff}
a{color:#0b4f9c}
a:hover{color:#063366}
:focus-visible{outline:3px solid #b35900;outline-offset:2px}
.skip{position:absolute;left:-999px;top:0;background:#fff;padding:.5rem 1rem}
.skip:focus{left:1rem}
header{background:#12355b;color:#fff;padding:.5rem 1rem;display:flex;flex-wrap:wrap;
gap:1rem;align-items:center;justify-content:space-between}
header a,header .brand{color:#fff;font-weight:600}
header :focus-visible{outline-color:#ffd54a}
header form{display:inline;margin:0}
header button{background:#fff;color:#12355b;border:0}
main{max-width:72rem;margin:0 auto;padding:1rem}
h1{font-size:1.6rem;margin:.5rem 0 1rem}
h2{font-size:1.2rem;margin:1.5rem 0 .5rem}
table{border-collapse:collapse;width:100%}
caption{text-align:left;font-weight:600;padding:.25rem 0}
th,td{border-bottom:1px solid #8a8a8a;padding:.4rem .5rem;text-align:left;vertical-align:top}
thead th{border-bottom:2px solid #1a1a1a}
pre,.text{white-space:pre-wrap;overflow-wrap:anywhere;margin:0}
pre{background:#f3f4f6;border:1px solid #8a8a8a;padding:.75rem;font-size:.95rem}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem;margin:0}
dt{font-weight:600}
dd{margin:0;overflow-wrap:anywhere}
label{display:block;font-weight:600;margin:.75rem 0 .25rem}
input[type=email],input[type=password],textarea{width:100%;max-width:32rem;font:inherit;
padding:.4rem;border:2px solid #1a1a1a;border-radius:3px}
button{font:inherit;font-weight:600;padding:.45rem 1rem;margin-top:.75rem;border-radius:3px;
border:2px solid #12355b;background:#12355b;color:#fff;cursor:pointer}
button:hover{background:#0a2440}
.hint{color:#4a4a4a;margin:0 0 .25rem}
.error{color:#a4140b;font-weight:600;border-left:4px solid #a4140b;padding-left:.5rem}
.filters ul{list-style:none;display:flex;flex-wrap:wrap;gap:1rem;padding:0;margin:0 0 1rem}
.filters a[aria-current]{font-weight:700;color:#1a1a1a;text-decoration:none}
.prio-urgent{background:#fde2e1;color:#8a1c14;font-weight:700;padding:0 .35rem}
.prio-high{background:#fff1d6;color:#5c3a00;font-weight:600;padding:0 .35rem}
.speaker{font-weight:600}
.chat{list-style:none;padding:0;margin:0 0 1rem;max-height:28rem;overflow-y:auto;
border:1px solid #8a8a8a;background:#f7f8fa}
.chat li{padding:.35rem .6rem;border-bottom:1px solid #e1e3e6;white-space:pre-wrap;
overflow-wrap:anywhere}
.chat .who{font-weight:600;margin-right:.4rem}
.chat .customer{background:#fff}
.chat .agent{background:#e8f1fb}
.chat .notice{color:#4a4a4a;font-style:italic}
.inline{display:inline-block;margin-right:.75rem}
"""

SCRIPT = '<script src="/inbox/static/inbox.js" defer></script>'


def _e(value: object) -> str:
    """Escape any value for HTML text and attribute values."""
    return html.escape("" if value is None else str(value), quote=True)


def _words(code: str) -> str:
    """`verification_failed` -> `verification failed` (escaped)."""
    return _e(code.replace("_", " "))


def format_age(age: timedelta) -> str:
    """Short human age: '45 min', '3 h 5 min', '2 d 4 h'."""
    minutes = max(0, int(age.total_seconds() // 60))
    if minutes < 1:
        return "under a minute"
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


def _time(at: datetime) -> str:
    at = at.astimezone(timezone.utc)
    return (
        f'<time datetime="{_e(at.isoformat())}">{_e(at.strftime("%Y-%m-%d %H:%M:%S"))} UTC</time>'
    )


def _csrf_field(csrf_token: str) -> str:
    return f'<input type="hidden" name="csrf_token" value="{_e(csrf_token)}">'


def _layout(
    title: str,
    body: str,
    *,
    vendor: str | None,
    agent: str | None = None,
    csrf_token: str | None = None,
    script: bool = False,
) -> str:
    brand = f"{_e(vendor)} agent inbox" if vendor else "Agent inbox"
    nav = ""
    if agent and csrf_token:
        nav = (
            '<nav aria-label="Inbox"><a href="/inbox/">Cases</a> · '
            f"Signed in as {_e(agent)} · "
            f'<form method="post" action="/inbox/logout">{_csrf_field(csrf_token)}'
            '<button type="submit">Sign out</button></form></nav>'
        )
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)} – {brand}</title><style>{_STYLE}</style>"
        f"{SCRIPT if script else ''}</head><body>"
        '<a class="skip" href="#main">Skip to content</a>'
        f'<header><span class="brand">{brand}</span>{nav}</header>'
        f'<main id="main">{body}</main></body></html>\n'
    )


def login_page(
    *, csrf_token: str, email: str = "", error: str | None = None, vendor: str | None = None
) -> str:
    """The sign-in form.

    Args:
        csrf_token: the login double-submit token (also set as a cookie).
        email: the address typed last time, to fill in again.
        error: a message shown above the form.
        vendor: the vendor name for the header, if any.
    """
    described = ' aria-describedby="login-error"' if error else ""
    error_html = f'<p id="login-error" class="error" role="alert">{_e(error)}</p>' if error else ""
    body = (
        f"<h1>Sign in</h1>{error_html}"
        f'<form method="post" action="/inbox/login"{described}>'
        f"{_csrf_field(csrf_token)}"
        '<label for="email">Email</label>'
        f'<input id="email" name="email" type="email" autocomplete="username" required'
        f' value="{_e(email)}">'
        '<label for="password">Password</label>'
        '<input id="password" name="password" type="password" autocomplete="current-password"'
        " required>"
        '<div><button type="submit">Sign in</button></div></form>'
    )
    return _layout("Sign in", body, vendor=vendor)


def message_page(title: str, message: str, *, vendor: str | None = None, link: str = "") -> str:
    """A short page for errors (403, 404, 429, ...): a heading, a sentence, a way back.

    Args:
        title: the heading.
        message: one or two sentences.
        vendor: the vendor name for the header, if any.
        link: where "Back to the inbox" points (must be a local path); none when empty.
    """
    back = f'<p><a href="{_e(link)}">Back to the inbox</a></p>' if link else ""
    return _layout(title, f"<h1>{_e(title)}</h1><p>{_e(message)}</p>{back}", vendor=vendor)


def _priority(priority: str) -> str:
    return f'<span class="prio-{_e(priority)}">{_e(priority)}</span>'


def case_list_page(
    cases: Sequence[Case],
    *,
    now: datetime,
    status_filter: str | None,
    agent: str,
    csrf_token: str,
    vendor: str | None = None,
) -> str:
    """The list of cases, in the order given.

    Args:
        cases: the cases to show, already filtered and sorted.
        now: for the age column.
        status_filter: the status shown, or None for all.
        agent: the signed-in agent's email.
        csrf_token: for the sign-out form.
        vendor: the vendor name for the header, if any.
    """
    links = []
    for value, label in [(None, "All"), *((s, s.capitalize()) for s in CASE_STATUSES)]:
        href = "/inbox/" if value is None else f"/inbox/?status={value}"
        current = ' aria-current="page"' if value == status_filter else ""
        links.append(f'<li><a href="{_e(href)}"{current}>{_e(label)}</a></li>')
    filters = f'<nav class="filters" aria-label="Filter by status"><ul>{"".join(links)}</ul></nav>'
    shown = f"{status_filter} cases" if status_filter else "cases"
    if not cases:
        rows = f'<tr><td colspan="7">No {_e(shown)}.</td></tr>'
    else:
        rows = "".join(
            "<tr>"
            f'<td><a href="/inbox/cases/{case.id}">#{case.id}</a></td>'
            f"<td>{_priority(case.priority)}</td>"
            f'<td class="text">{_e(case.problem)}</td>'
            f"<td>{_words(case.reason)}</td>"
            f"<td>{_e(case.status)}</td>"
            f"<td>{_e(case.claimed_by or '–')}</td>"
            f'<td><time datetime="{_e(case.created_at.isoformat())}">'
            f"{_e(format_age(now - case.created_at))}</time></td>"
            "</tr>"
            for case in cases
        )
    if status_filter is None:
        order = "open and claimed first, most urgent then oldest first"
    elif status_filter == "resolved":
        order = "most recently resolved first"
    else:
        order = "most urgent then oldest first"
    count = f"{len(cases)} {shown}" if len(cases) != 1 else f"1 {shown[:-1]}"
    table = (
        f'<table><caption><span id="case-count">{_e(count)}</span>; {order}</caption>'
        "<thead><tr>"
        + "".join(
            f'<th scope="col">{name}</th>'
            for name in ("Number", "Priority", "Problem", "Reason", "Status", "Claimed by")
        )
        + f'<th scope="col">Age</th></tr></thead>'
        f'<tbody id="cases-body" data-status="{_e(status_filter or "")}">{rows}</tbody></table>'
        '<p class="hint">This list updates by itself.</p>'
    )
    heading = f"{status_filter.capitalize()} cases" if status_filter else "Cases"
    return _layout(
        heading,
        f"<h1>{_e(heading)}</h1>{filters}{table}",
        vendor=vendor,
        agent=agent,
        csrf_token=csrf_token,
        script=True,
    )


def _actions(case: Case, csrf_token: str, note: str, error: str | None, can_chat: bool) -> str:
    parts = []
    if case.status == "open":
        label = "Claim and chat with the customer" if can_chat else "Claim this case"
        parts.append(
            f'<form method="post" action="/inbox/cases/{case.id}/claim">{_csrf_field(csrf_token)}'
            f'<button type="submit">{label}</button></form>'
        )
    if case.status != "resolved":
        described = "note-hint note-error" if error else "note-hint"
        invalid = ' aria-invalid="true"' if error else ""
        error_html = (
            f'<p id="note-error" class="error" role="alert">{_e(error)}</p>' if error else ""
        )
        parts.append(
            f'<form method="post" action="/inbox/cases/{case.id}/resolve">'
            f"{_csrf_field(csrf_token)}"
            '<label for="note">Resolution note (required)</label>'
            '<p id="note-hint" class="hint">What was done, for whoever reads this case later.</p>'
            f"{error_html}"
            f'<textarea id="note" name="note" rows="5" required aria-describedby="{described}"'
            f"{invalid}>{_e(note)}</textarea>"
            '<div><button type="submit">Resolve case</button></div></form>'
        )
    if not parts:
        return "<p>This case is resolved.</p>"
    return "".join(parts)


def _chat_line(line: ChatLine) -> str:
    who = {"customer": "Customer", "assistant": "Assistant"}.get(line.speaker, line.name)
    return (
        f'<li class="{_e(line.speaker)}" data-id="{line.id}"><span class="who">{_e(who)}:</span>'
        f"{_e(line.text)}</li>"
    )


def _live_section(
    case: Case, lines: Sequence[ChatLine], agent: str, csrf_token: str, reply_error: str | None
) -> str:
    """The customer's chat as it happens, and the agent's reply form while they hold it."""
    mine = case.status == "claimed" and case.claimed_by == agent
    if case.status == "resolved":
        state = "The case is resolved; the assistant answers the customer."
    elif case.live:
        state = f"{case.claimed_by} is chatting with the customer; the assistant is paused."
    elif mine:
        state = "The assistant is answering. Send a reply to join the chat again."
    else:
        state = "The assistant is answering. Claim the case to chat with the customer."
    after = lines[-1].id if lines else 0
    seen = f"{case.status}|{'true' if case.live else 'false'}|{case.claimed_by or '–'}"
    parts = [
        f'<p id="live-state" role="status">{_e(state)}</p>',
        f'<ol id="chat" class="chat" aria-label="Conversation" data-case="{case.id}" '
        f'data-after="{after}" data-state="{_e(seen)}">'
        + "".join(_chat_line(line) for line in lines)
        + "</ol>",
    ]
    if mine:
        error_html = (
            f'<p id="reply-error" class="error" role="alert">{_e(reply_error)}</p>'
            if reply_error
            else '<p id="reply-error" class="error" role="alert" hidden></p>'
        )
        parts.append(
            f'<form id="reply-form" method="post" action="/inbox/cases/{case.id}/reply">'
            f"{_csrf_field(csrf_token)}"
            '<label for="reply">Reply to the customer</label>'
            '<p id="reply-hint" class="hint">Shown in the customer\'s chat with your name. '
            "Never ask for a password or a code.</p>"
            f"{error_html}"
            f'<textarea id="reply" name="text" rows="3" maxlength="{MAX_REPLY_CHARS}" required '
            'aria-describedby="reply-hint reply-error"></textarea>'
            '<div><button type="submit">Send reply</button></div></form>'
        )
        if case.live:
            parts.append(
                f'<form method="post" action="/inbox/cases/{case.id}/release">'
                f"{_csrf_field(csrf_token)}"
                '<button type="submit">Hand back to the assistant</button></form>'
            )
    return (
        '<section aria-labelledby="h-live"><h2 id="h-live">Live chat</h2>'
        + "".join(parts)
        + "</section>"
    )


def case_page(
    case: Case,
    *,
    now: datetime,
    agent: str,
    csrf_token: str,
    vendor: str | None = None,
    note: str = "",
    error: str | None = None,
    can_chat: bool = False,
    lines: Sequence[ChatLine] = (),
    reply_error: str | None = None,
) -> str:
    """One case: summary, details, claim / resolve forms and the full transcript.

    Args:
        case: the case.
        now: for its age.
        agent: the signed-in agent's email.
        csrf_token: carried by every form.
        vendor: the vendor name for the header, if any.
        note: the resolution note typed before an error, shown again.
        error: a message about the resolve form.
        can_chat: the customer's channel takes live replies (the live chat is shown).
        lines: the conversation so far, for the live chat.
        reply_error: a message about the reply form.
    """
    details = [
        ("Status", _e(case.status)),
        ("Priority", _priority(case.priority)),
        ("Reason", _words(case.reason)),
        ("Claimed by", _e(case.claimed_by or "–")),
        ("Opened", f"{_time(case.created_at)} ({_e(format_age(now - case.created_at))} ago)"),
        ("Updated", _time(case.updated_at)),
        ("Channel", _e(case.channel or "–")),
        ("Conversation", _e(case.conversation_id)),
        ("Account", _e(case.account_id or "–")),
    ]
    if case.helpdesk_id:
        details.append(("Helpdesk ticket", _e(case.helpdesk_id)))
    if case.contact_email:
        proof = "verified" if case.contact_verified else "not verified"
        details.append(("Follow up by email", f"{_e(case.contact_email)} ({proof})"))
    if case.resolution_note:
        details.append(("Resolution note", f'<div class="text">{_e(case.resolution_note)}</div>'))
    details_html = "".join(f"<dt>{name}</dt><dd>{value}</dd>" for name, value in details)
    if case.transcript:
        rows = "".join(
            f"<tr><td>{_time(line.at)}</td>"
            f'<td class="speaker">{_e(line.speaker)}</td>'
            f'<td class="text">{_e(line.text)}</td></tr>'
            for line in case.transcript
        )
        transcript = (
            "<table><caption>Every turn, oldest first</caption><thead><tr>"
            '<th scope="col">Time</th><th scope="col">Speaker</th><th scope="col">Text</th>'
            f"</tr></thead><tbody>{rows}</tbody></table>"
        )
    else:
        transcript = "<p>No transcript.</p>"
    title = f"Case #{case.id}"
    body = (
        '<p><a href="/inbox/">All cases</a></p>'
        f'<h1>{_e(title)}: <span class="text">{_e(case.problem or "no problem given")}</span></h1>'
        f'<section aria-labelledby="h-summary"><h2 id="h-summary">Summary</h2>'
        f"<pre>{_e(case.summary or '–')}</pre></section>"
        f'<section aria-labelledby="h-details"><h2 id="h-details">Details</h2>'
        f"<dl>{details_html}</dl></section>"
        f'<section aria-labelledby="h-actions"><h2 id="h-actions">Actions</h2>'
        f"{_actions(case, csrf_token, note, error, can_chat)}</section>"
        + (_live_section(case, lines, agent, csrf_token, reply_error) if can_chat else "")
        + f'<section aria-labelledby="h-transcript"><h2 id="h-transcript">Transcript</h2>'
        f"{transcript}</section>"
    )
    return _layout(title, body, vendor=vendor, agent=agent, csrf_token=csrf_token,
                   script=can_chat)  # fmt: skip
