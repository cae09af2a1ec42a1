"""Helpers shared by the command modules: argument types, JSON and table output."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from bot.domain.emails import is_valid_email, normalise_email


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def print_json(data: Any) -> None:
    print(json.dumps(data, default=_json_default, indent=2, ensure_ascii=False))


def email_argument(value: str) -> str:
    if not is_valid_email(value):
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a valid email address (example: name@example.com)"
        )
    return normalise_email(value)


def positive_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if number <= 0:
        raise argparse.ArgumentTypeError(f"{value!r} must be greater than zero")
    return number


def last4(value: str) -> str:
    if not (len(value) == 4 and value.isdigit()):
        raise argparse.ArgumentTypeError(f"{value!r} is not 4 digits")
    return value


def year_month(value: str) -> str:
    try:
        return datetime.strptime(value, "%Y-%m").strftime("%Y-%m")
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a month like 2024-03") from None


def table(rows: list[list[str]], headers: list[str]) -> str:
    widths = [max(len(str(c)) for c in column) for column in zip(headers, *rows, strict=False)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=False))]
    lines += ["  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=False)) for row in rows]
    return "\n".join(line.rstrip() for line in lines)


def command(sub: Any, name: str, handler: Callable, help_text: str, **kw: Any) -> Any:
    """Add one command to a group's subparsers."""
    p = sub.add_parser(name, help=help_text, description=help_text)
    p.set_defaults(handler=handler, **kw)
    return p
