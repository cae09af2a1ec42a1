"""The built-in agent inbox: a small server-rendered web app over the case store."""

from bot.web.inbox.app import create_app

__all__ = ["create_app"]
