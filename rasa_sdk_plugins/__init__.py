"""rasa_sdk's plugin hook (rasa_sdk 3.6 imports a package of this name if it exists).

It makes every way of starting the action server in this project's environment, including
plain `rasa run actions`, require the shared secret: see `bot.rasa_plugins.action_auth`.
"""

from __future__ import annotations

import pluggy
from sanic import Sanic

from bot.rasa_plugins.action_auth import require_token, token_from

hookimpl = pluggy.HookimplMarker("rasa_sdk")


class _ActionServerAuth:
    @hookimpl
    def attach_sanic_app_extensions(self, app: Sanic) -> None:
        require_token(app, token_from())


def init_hooks(manager: pluggy.PluginManager) -> None:
    """Called by rasa_sdk when it builds its plugin manager."""
    manager.register(_ActionServerAuth())
