"""`db`, `serve`, `shell` and `web`: the database and the servers."""

from __future__ import annotations

import argparse
from typing import Any

from bot.bootstrap import Container
from bot.cli.common import (
    command,
    positive_int,
)
from bot.settings import get_settings


def cmd_db_upgrade(container: Container | None, args: argparse.Namespace) -> int:
    from bot.adapters.sql.engine import create_engine
    from bot.adapters.sql.schema import upgrade_schema

    settings = get_settings()
    engine = create_engine(settings.database_url)
    try:
        print(f"{engine.url.render_as_string(hide_password=True)}: {upgrade_schema(engine)}")
    finally:
        engine.dispose()
    return 0


def cmd_web(container: Container | None, args: argparse.Namespace) -> int:
    from bot.web.app import run_web

    return run_web(args.host, args.port, args.rasa_url)


def cmd_serve(container: Container | None, args: argparse.Namespace) -> int:
    from bot.cli.serve import serve

    return serve(
        rasa_port=args.rasa_port,
        action_port=args.action_port,
        model=args.model,
        host=args.host,
        web_port=args.web_port,
        endpoints=args.endpoints,
        credentials=args.credentials,
        rasa_workers=args.rasa_workers,
        action_workers=args.action_workers,
    )


def cmd_shell(container: Container | None, args: argparse.Namespace) -> int:
    from bot.cli.serve import shell

    return shell(action_port=args.action_port, model=args.model)


def register(groups: Any) -> None:
    """Add this module's command groups to the parser."""
    db = groups.add_parser("db", help="the app database").add_subparsers(
        dest="command", metavar="COMMAND", required=True
    )
    command(
        db,
        "upgrade",
        cmd_db_upgrade,
        "create or migrate the app database to the current schema (idempotent)",
        needs_container=False,
    )
    command(db, "init", cmd_db_upgrade, "the same as `db upgrade`", needs_container=False)
    webp = groups.add_parser("web", help="serve the agent inbox and the demo page")
    webp.set_defaults(handler=cmd_web, needs_container=False)
    webp.add_argument("--port", type=positive_int, default=5080)
    webp.add_argument("--host", default="127.0.0.1")
    webp.add_argument(
        "--rasa-url",
        default="http://127.0.0.1:5005",
        help="where the chat widget finds the Rasa server",
    )
    serve = groups.add_parser(
        "serve", help="run the action server and the Rasa server (Ctrl-C stops both)"
    )
    serve.set_defaults(handler=cmd_serve, needs_container=False)
    serve.add_argument("--rasa-port", type=positive_int, default=5005)
    serve.add_argument("--action-port", type=positive_int, default=5055)
    serve.add_argument(
        "--web-port", type=positive_int, default=5080, help="agent inbox and demo page"
    )
    serve.add_argument("--host", default="127.0.0.1", help="interface to listen on")
    serve.add_argument("--model", default="models", help="model file or folder")
    serve.add_argument(
        "--endpoints",
        default="endpoints.yml",
        help="endpoints.yml (SQLite) or endpoints.production.yml",
    )
    serve.add_argument(
        "--credentials",
        default="credentials.yml",
        help="credentials.yml (REST + web chat) or credentials.production.yml (web chat only)",
    )
    serve.add_argument("--rasa-workers", type=positive_int, default=None,
                       help="Rasa processes (default: one per core, at most 4)")  # fmt: skip
    serve.add_argument("--action-workers", type=positive_int, default=None,
                       help="action server processes (default: 2 on 2+ cores)")  # fmt: skip
    shell = groups.add_parser("shell", help="chat with the assistant in this terminal")
    shell.set_defaults(handler=cmd_shell, needs_container=False)
    shell.add_argument("--action-port", type=positive_int, default=5055)
    shell.add_argument("--model", default="models", help="model file or folder")
