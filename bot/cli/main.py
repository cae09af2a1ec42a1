"""Command line: `python -m bot <group> <command>`.

Groups: db, accounts, outbox, audit, cases, agents, insights, conversations, retrain,
models, web, serve, shell, bench; one module per family of groups. Every command exits 0 on
success, 1 when what was asked cannot be done, and 2 (with usage) when the call itself is
wrong.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from bot.bootstrap import build_container
from bot.cli import accounts, cases, conversations, insights, modelops, models, servers
from bot.settings import SettingsError, get_settings


def build_parser() -> argparse.ArgumentParser:
    """The whole command line."""
    parser = argparse.ArgumentParser(
        prog="python -m bot", description="Sign-in help assistant: operations commands."
    )
    groups = parser.add_subparsers(dest="group", metavar="GROUP", required=True)
    for module in (servers, accounts, cases, insights, conversations, modelops, models):
        module.register(groups)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit code."""
    load_argv = modelops.bench_load_argv(list(sys.argv[1:] if argv is None else argv))
    if load_argv is not None:
        return modelops.cmd_bench_load(None, argparse.Namespace(rest=load_argv))
    parser = build_parser()
    args = parser.parse_args(argv)
    container = None
    if getattr(args, "needs_container", True):
        try:
            container = build_container(get_settings())
        except SettingsError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
    return args.handler(container, args)
