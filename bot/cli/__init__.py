"""The command line (`python -m bot ...`): `main` parses and dispatches; each command group
has its own module."""

from bot.cli.main import build_parser, main

__all__ = ["build_parser", "main"]
