"""`insights`: reports, review files and exports from the tracker store."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from typing import Any

from bot.bootstrap import Container
from bot.cli.common import (
    command,
)


def _since(value: str) -> datetime:
    from bot.insights.report import utc_day

    try:
        return utc_day(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date like 2026-11-01") from None


def _fraction(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number") from None
    if not 0 < number <= 1:
        raise argparse.ArgumentTypeError(f"{value!r} must be above 0 and at most 1")
    return number


def cmd_insights(container: Container | None, args: argparse.Namespace) -> int:
    from pathlib import Path

    from bot.insights.reader import TrackerStoreError, tracker_engine
    from bot.insights.report import run_export, run_report, run_review
    from bot.settings import tracker_store_url

    try:
        engine = tracker_engine(tracker_store_url())
        if args.command == "report":
            path = run_report(engine, args.since, Path(args.out))
            print(f"report written to {path}")
        elif args.command == "review":
            count = run_review(engine, args.below, args.since, Path(args.out))
            print(f"{count} messages to review written to {args.out}")
        else:
            out = Path(args.out) if args.out else sys.stdout
            count = run_export(engine, args.since, args.format, out)
            print(f"{count} rows exported", file=sys.stderr)
    except TrackerStoreError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        return 0
    return 0


def register(groups: Any) -> None:
    """Add this module's command groups to the parser."""
    insights = groups.add_parser("insights", help="conversation logs for product teams")
    ins = insights.add_subparsers(dest="command", metavar="COMMAND", required=True)
    rep = command(ins, "report", cmd_insights, "metrics report with charts (Markdown + PNG)",
                  needs_container=False)  # fmt: skip
    rep.add_argument("--since", type=_since, required=True, metavar="YYYY-MM-DD")
    rep.add_argument("--out", default="results/insights", metavar="DIR")
    rev = command(ins, "review", cmd_insights,
                  "low-confidence messages as Rasa NLU YAML for relabelling",
                  needs_container=False)  # fmt: skip
    rev.add_argument("--below", type=_fraction, default=0.6, metavar="CONFIDENCE")
    rev.add_argument("--since", type=_since, default=None, metavar="YYYY-MM-DD")
    rev.add_argument("--out", required=True, metavar="FILE.yml")
    exp = command(ins, "export", cmd_insights, "redacted conversations as JSON lines or CSV",
                  needs_container=False)  # fmt: skip
    exp.add_argument("--since", type=_since, required=True, metavar="YYYY-MM-DD")
    exp.add_argument("--format", choices=("jsonl", "csv"), default="jsonl")
    exp.add_argument("--out", default=None, metavar="FILE", help="default: standard output")
