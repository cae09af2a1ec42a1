"""The built-in agent inbox: a small server-rendered web app over the case store."""

from bot.inbox.app import create_app

__all__ = ["create_app"]
