"""`insights`: reports, review files and exports from the tracker store."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from typing import Any

from bot.bootstrap import Container
from bot.cli.common import (
    command,
    positive_int,
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


def release_infos() -> list[Any]:
    """The releases for the report's per-release section (cards + promotion log)."""
    from bot.insights.per_release import ReleaseInfo
    from bot.modelops.releases import ReleaseStore

    store = ReleaseStore()
    served: dict[str, list[datetime]] = {}
    for entry in store.promotions():
        served.setdefault(entry.release, []).append(datetime.fromisoformat(entry.at))
    cards = store.list_releases() + store.list_candidates()
    infos = [
        ReleaseInfo(c.id, c.model_id, (served.get(c.id) or [None])[0], tuple(served.get(c.id, ())))
        for c in cards
    ]
    return sorted(infos, key=lambda i: (i.promoted_at is None, i.promoted_at or 0, i.release))


def cmd_purge(container: Container | None, args: argparse.Namespace) -> int:
    from pathlib import Path

    from bot.insights.purge import purge
    from bot.insights.reader import TrackerStoreError, tracker_engine
    from bot.settings import SettingsError, retention_days, tracker_store_url

    try:
        days = args.days or retention_days()
        result = purge(tracker_engine(tracker_store_url()), days,
                       [Path(p) for p in args.exports], dry_run=args.dry_run)  # fmt: skip
    except (TrackerStoreError, SettingsError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    verb = "would delete" if args.dry_run else "deleted"
    print(f"{verb} {result.events} tracker event(s) and {result.files} export file(s) older "
          f"than {result.cutoff:%Y-%m-%d %H:%M} UTC ({days} days)")  # fmt: skip
    return 0


def cmd_stories(container: Container | None, args: argparse.Namespace) -> int:
    from pathlib import Path

    from bot.cli.conversations import stored_conversation
    from bot.insights.story_writer import story_yaml

    conversation = stored_conversation(args.conversation)
    if conversation is None:
        return 1
    text = story_yaml(conversation)
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(text, encoding="utf-8")
        print(f"test story written to {args.out}")
    else:
        sys.stdout.write(text)
    return 0


def cmd_holdout(container: Container | None, args: argparse.Namespace) -> int:
    from datetime import date
    from pathlib import Path

    from bot.modelops.live_heldout import split_review

    review = Path(args.review)
    if not review.is_file():
        print(f"error: no file {review}", file=sys.stderr)
        return 1
    out = Path(args.train_out or f"data/nlu/reviewed-{date.today():%Y-%m-%d}.yml")
    result = split_review(review, out, date.today(), args.share)
    print(f"{result.training} example(s) to {out}, {result.heldout} held out in "
          "tests/nlu/live-heldout.jsonl (never trained on; the gate's live slice)")  # fmt: skip
    return 0


def cmd_insights(container: Container | None, args: argparse.Namespace) -> int:
    from pathlib import Path

    from bot.insights.reader import TrackerStoreError, tracker_engine
    from bot.insights.report import run_export, run_report, run_review
    from bot.settings import tracker_store_url

    try:
        engine = tracker_engine(tracker_store_url())
        if args.command == "report":
            from bot.settings import retention_days

            path = run_report(engine, args.since, Path(args.out), releases=release_infos(),
                              retention_days=retention_days())  # fmt: skip
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
    pur = command(ins, "purge", cmd_purge,
                  "delete tracker events and export files older than the retention period "
                  "(SIGNIN_RETENTION_DAYS, default 90)", needs_container=False)  # fmt: skip
    pur.add_argument("--days", type=positive_int, default=None,
                     help="override the retention setting")  # fmt: skip
    pur.add_argument("--exports", nargs="*", default=["results/insights"], metavar="DIR",
                     help="folders of reports and exports (default results/insights)")  # fmt: skip
    pur.add_argument("--dry-run", action="store_true", help="count, delete nothing")
    sto = command(ins, "stories", cmd_stories,
                  "one conversation as a Rasa test story (YAML) for tests/",
                  needs_container=False)  # fmt: skip
    sto.add_argument("--conversation", required=True, metavar="ID")
    sto.add_argument("--out", default=None, metavar="FILE.yml", help="default: standard output")
    hol = command(ins, "holdout", cmd_holdout,
                  "split a relabelled review file: a share held out for the gate (never "
                  "trained on), the rest into data/nlu/", needs_container=False)  # fmt: skip
    hol.add_argument("review", metavar="REVIEWED.yml")
    hol.add_argument("--share", type=_fraction, default=0.2)
    hol.add_argument("--train-out", default=None, metavar="FILE.yml",
                     help="default data/nlu/reviewed-<today>.yml")  # fmt: skip
