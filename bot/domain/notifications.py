"""What the team is told about a new or escalated case (webhook chat messages, email)."""

from __future__ import annotations

from bot.domain.model import Case


def slack_escape(text: str) -> str:
    """Text for Slack-compatible `text` fields: no links, mentions or markup from customers
    (Slack reads `&`, `<` and `>` as control characters)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def case_notice(case: Case, inbox_url: str, escalated: bool) -> str:
    """One plain line or two; the problem is the customer's words (redacted), kept short."""
    what = "Case escalated" if escalated else "New case"
    problem = " ".join(case.problem.split())[:140] or "no problem given"
    channel = "web chat" if case.channel == "socketio" else (case.channel or "chat")
    return (
        f"{what} #{case.id} ({case.priority}, {case.reason.replace('_', ' ')}, {channel}): "
        f"{problem}\n{inbox_url.rstrip('/')}/inbox/cases/{case.id}"
    )
