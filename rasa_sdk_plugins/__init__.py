"""rasa_sdk's plugin hook (rasa_sdk 3.6 imports a package of this name if it exists).

It makes every way of starting the action server in this project's environment, including
plain `rasa run actions`, require the shared secret: see `bot.rasa_plugins.action_auth`.
It drains the work queued after answers (reset lookups and links, emails) when a worker
stops: Sanic's workers are multiprocessing children, which skip `atexit`. It also makes
loopback the default address (rasa_sdk's own default is 0.0.0.0): the action
server answers only Rasa, so it listens beyond this machine only when SANIC_HOST says so
(and then ACTION_SERVER_TOKEN must be set).
"""

from __future__ import annotations

import asyncio
import os

import pluggy
from sanic import Sanic

from bot.rasa_plugins.action_auth import require_token, token_from

hookimpl = pluggy.HookimplMarker("rasa_sdk")


class _ActionServerAuth:
    @hookimpl
    def attach_sanic_app_extensions(self, app: Sanic) -> None:
        # rasa_sdk reads SANIC_HOST right after this hook (rasa_sdk 3.6 endpoint.run)
        os.environ.setdefault("SANIC_HOST", "127.0.0.1")
        require_token(app, token_from())

        @app.listener("before_server_stop")
        async def drain(_app: Sanic, loop: object) -> None:
            from bot.bootstrap import drain_background

            await asyncio.get_running_loop().run_in_executor(None, drain_background)


def init_hooks(manager: pluggy.PluginManager) -> None:
    """Called by rasa_sdk when it builds its plugin manager."""
    manager.register(_ActionServerAuth())
