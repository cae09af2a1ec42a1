"""The customer web chat: the embeddable widget's static files and a demo support page.

- `bot/web/static/signin-chat.js` is the widget, built from `web/` (`node build.mjs`) and
  committed, so serving it needs no Node;
- `bot.web.demo` serves a demo support page with the widget embedded, on any aiohttp app;
- `bot.rasa_plugins.socketio` is the Rasa socketio channel the widget talks to (credentials.yml).
"""

from __future__ import annotations

from pathlib import Path

STATIC_DIR = Path(__file__).resolve().parent / "static"
WIDGET_FILE = STATIC_DIR / "signin-chat.js"
