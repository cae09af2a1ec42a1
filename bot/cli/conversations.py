"""`conversations show ID`: any stored conversation, redacted, turn by turn."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from bot.bootstrap import Container
from bot.cli.common import command, print_json


def release_names() -> dict[str, str]:
    """model_id → release id, from the release cards under models/."""
    from bot.modelops.releases import ReleaseStore

    return ReleaseStore().model_names()


def stored_conversation(conversation_id: str) -> Any:
    """One conversation from the tracker store (TRACKER_STORE_URL), or None after printing
    why not (no store, no such conversation)."""
    from bot.insights.reader import TrackerEventReader, TrackerStoreError, tracker_engine
    from bot.settings import tracker_store_url

    try:
        reader = TrackerEventReader(tracker_engine(tracker_store_url()))
        conversation = reader.conversation(conversation_id)
    except TrackerStoreError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return None
    if conversation is None:
        print(f"error: no conversation {conversation_id!r} in the tracker store", file=sys.stderr)
    return conversation


def cmd_show(container: Container | None, args: argparse.Namespace) -> int:
    from bot.insights.transcript import conversation_turns, format_turns, turns_as_json

    conversation = stored_conversation(args.id)
    if conversation is None:
        return 1
    turns = conversation_turns(conversation)
    releases = release_names()
    if args.json:
        print_json(turns_as_json(conversation.sender_id, turns, releases))
    else:
        print(format_turns(conversation.sender_id, turns, releases))
    return 0


def register(groups: Any) -> None:
    """Add this module's command group to the parser."""
    conversations = groups.add_parser("conversations", help="stored conversations by id")
    c = conversations.add_subparsers(dest="command", metavar="COMMAND", required=True)
    show = command(c, "show", cmd_show,
                   "one conversation, redacted: per turn the intent, confidence, release, "
                   "actions and replies", needs_container=False)  # fmt: skip
    show.add_argument("id", help="the conversation (sender) id")
    show.add_argument("--json", action="store_true")
