"""Writing conversation insights: a Markdown report with PNG charts, a review file, exports.

Entry points for `python -m bot insights ...`:

- `run_report(engine, since, out_dir)`: `report.md` plus charts in `out_dir`;
- `run_review(engine, below, since, out)`: messages to relabel, as Rasa NLU YAML;
- `run_export(engine, since, fmt, out)`: one row per event, JSON Lines or CSV.

Charts use matplotlib's Agg canvas directly (no pyplot, no display, no global backend).
"""

from __future__ import annotations

import csv
import json
import os
import re
import sys
import time
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, TextIO

import yaml
from sqlalchemy.engine import Engine

from bot.domain.conversation import REASONS
from bot.insights.metrics import (
    DEFAULT_SESSION_TIMEOUT,
    DEFINITIONS,
    EXPORT_COLUMNS,
    Insights,
    ReviewItem,
    compute_insights,
    export_rows,
    review_items,
)
from bot.insights.per_release import DEFINITIONS as RELEASE_DEFINITIONS
from bot.insights.per_release import PerRelease, ReleaseInfo
from bot.insights.reader import Conversation, TrackerEventReader
from bot.settings import PROJECT_ROOT

DOMAIN_FILE = PROJECT_ROOT / "domain.yml"
UNKNOWN_INTENT = "out_of_scope"
EXPORT_FORMATS = ("jsonl", "csv")
CHARTS = {
    "daily": "daily.png",
    "rates": "rates.png",
    "top_intents": "top_intents.png",
    "lowest_confidence": "lowest_confidence.png",
    "releases": "releases.png",
}
# Spreadsheets run cells starting with these as formulas (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# `[text](entity)`, `[text]{...}` and `[text][...]` are entity annotations in Rasa NLU data.
_ANNOTATION = re.compile(r"\](?=[(\[{])")


# --- progress -------------------------------------------------------------------------


class Progress:
    """A one-line `\\r` counter on stderr, redrawn at most every `interval` seconds."""

    def __init__(
        self,
        total: int | None,
        label: str,
        stream: TextIO | None = None,
        enabled: bool | None = None,
        interval: float = 0.2,
    ) -> None:
        """Set up the counter.

        Args:
            total: The count at 100 % (None: show the count only).
            label: What is counted, e.g. "events read".
            stream: Where to draw (default: sys.stderr).
            enabled: Draw at all (default: only when the stream is a terminal).
            interval: Minimum seconds between redraws.
        """
        self._stream = stream or sys.stderr
        self._enabled = self._stream.isatty() if enabled is None else enabled
        self._total = total
        self._label = label
        self._interval = interval
        self._done = 0
        self._drawn_at = 0.0
        self._drawn = False

    def advance(self, n: int = 1) -> None:
        """Count `n` more and redraw when it is time."""
        self._done += n
        now = time.monotonic()
        if self._enabled and now - self._drawn_at >= self._interval:
            self._draw()
            self._drawn_at = now

    def close(self) -> None:
        """Draw the final count and end the line (only if anything was drawn)."""
        if self._enabled and self._drawn:
            self._draw()
            self._stream.write("\n")
            self._stream.flush()

    def _draw(self) -> None:
        if self._total:
            share = min(self._done / self._total, 1.0)
            bar = "#" * int(share * 30)
            line = f"{self._label}: [{bar:<30}] {self._done}/{self._total} ({share:.0%})"
        else:
            line = f"{self._label}: {self._done}"
        self._stream.write("\r" + line)
        self._stream.flush()
        self._drawn = True


def with_progress(
    conversations: Iterable[Conversation], progress: Progress
) -> Iterator[Conversation]:
    """Pass the conversations through, counting their events on `progress`."""
    try:
        for conversation in conversations:
            yield conversation
            progress.advance(len(conversation.events))
    finally:
        progress.close()


def _read(engine: Engine, since: datetime | None, progress: bool | None) -> Iterator[Conversation]:
    reader = TrackerEventReader(engine)
    total = reader.count_events(since)
    counter = Progress(total, "events read", enabled=progress)
    return with_progress(reader.conversations(since), counter)


# --- the report -----------------------------------------------------------------------


def _percent(rate: float | None) -> str:
    return "–" if rate is None else f"{rate:.1%}"


def _share(part: int, whole: int, rate: float | None) -> str:
    return f"{_percent(rate)} ({part} of {whole})" if whole else "– (none)"


def _md_cell(value: Any) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def _table(headers: list[str], rows: list[list[Any]]) -> list[str]:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in rows]
    return [*lines, ""]


def _code(name: str) -> str:
    return f"`{name}`" if name else "(none)"


def _new_figure(height: float = 4.0) -> Any:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(8, height), dpi=100)
    FigureCanvasAgg(figure)
    return figure


def _save(figure: Any, path: Path) -> None:
    figure.tight_layout()
    figure.savefig(path, format="png")


def _chart_daily(insights: Insights, path: Path) -> None:
    from matplotlib.ticker import MaxNLocator

    days = sorted(set(insights.conversations_per_day) | set(insights.handoffs_per_day))
    figure = _new_figure()
    axes = figure.add_subplot()
    positions = list(range(len(days)))
    conversations = [insights.conversations_per_day[d] for d in days]
    handoffs = [insights.handoffs_per_day[d] for d in days]
    axes.bar([p - 0.2 for p in positions], conversations, width=0.4, label="conversations")
    axes.bar([p + 0.2 for p in positions], handoffs, width=0.4, label="handoffs")
    step = max(1, len(days) // 20)  # at most ~20 date labels
    axes.set_xticks(positions[::step])
    axes.set_xticklabels([f"{d:%m-%d}" for d in days[::step]], rotation=45, ha="right")
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_ylabel("engaged conversations")
    axes.set_title("Conversations and handoffs per day (UTC)")
    axes.legend()
    _save(figure, path)


def _rates(insights: Insights) -> list[tuple[str, float | None]]:
    return [
        ("containment", insights.containment_rate),
        ("handoff", insights.handoff_rate),
        ("fallback (messages)", insights.fallback_message_rate),
        ("fallback (conversations)", insights.fallback_conversation_rate),
        ("abandonment", insights.abandonment_rate),
    ]


def _chart_rates(insights: Insights, path: Path) -> None:
    rates = _rates(insights)
    figure = _new_figure(3.5)
    axes = figure.add_subplot()
    values = [(rate or 0.0) * 100 for _, rate in rates]
    bars = axes.barh([name for name, _ in rates], values)
    axes.bar_label(bars, labels=[_percent(rate) for _, rate in rates], padding=3)
    axes.set_xlim(0, 110)
    axes.invert_yaxis()
    axes.set_xlabel("%")
    axes.set_title("Rates")
    _save(figure, path)


def _chart_bars(
    labels: list[str],
    values: list[float],
    title: str,
    xlabel: str,
    path: Path,
    value_format: str = "{:g}",
    xlim: tuple[float, float] | None = None,
) -> None:
    figure = _new_figure(max(2.5, 0.35 * len(labels) + 1.2))
    axes = figure.add_subplot()
    bars = axes.barh(labels, values)
    axes.bar_label(bars, labels=[value_format.format(v) for v in values], padding=3)
    axes.invert_yaxis()
    if xlim is not None:
        axes.set_xlim(*xlim)
    axes.set_xlabel(xlabel)
    axes.set_title(title)
    _save(figure, path)


def _chart_releases(per_release: PerRelease, path: Path) -> None:
    """Fallback rate over time, one line per release, a dashed marker at each promotion:
    per hour when the messages span less than three days, else per day."""
    from matplotlib.dates import DateFormatter

    span = per_release.span()
    if span is None:
        return
    hourly = span[1] - span[0] < timedelta(days=3)
    figure = _new_figure()
    axes = figure.add_subplot()
    for label, points in per_release.fallback_series(hourly).items():
        axes.plot([t for t, _ in points], [r * 100 for _, r in points], marker="o", label=label)
    low, high = span[0], span[1] + timedelta(hours=1 if hourly else 24)
    for info in per_release.releases:
        for moment in info.served_from or ((info.promoted_at,) if info.promoted_at else ()):
            if low - timedelta(days=1) <= moment <= high + timedelta(days=1):
                axes.axvline(moment, linestyle="--", color="grey", linewidth=1)
                axes.annotate(info.release[:15], (moment, 1.0), rotation=90,
                              xycoords=("data", "axes fraction"), fontsize=7, va="top",
                              ha="right", color="grey")  # fmt: skip
    markers = [m for i in per_release.releases for m in i.served_from
               if low - timedelta(days=1) <= m <= high + timedelta(days=1)]  # fmt: skip
    margin = timedelta(hours=1 if hourly else 24)
    axes.set_xlim(min([low, *markers]) - margin, max([high, *markers]) + margin)
    axes.set_ylim(bottom=0)
    axes.xaxis.set_major_formatter(DateFormatter("%m-%d %H:%M" if hourly else "%m-%d"))
    axes.set_ylabel("fallback rate (% of user messages)")
    axes.set_title(f"Fallback rate per {'hour' if hourly else 'day'} by model release "
                   "(dashed: promotions, UTC)")  # fmt: skip
    axes.legend(fontsize=7)
    figure.autofmt_xdate()
    _save(figure, path)


def release_section(per_release: PerRelease, out_dir: Path) -> list[str]:
    """The "Per model release" section (and its chart) of the report."""
    lines = ["## Per model release (live traffic)", ""]
    rows = per_release.ordered()
    if not rows:
        return [*lines, "No user messages in this period.", ""]
    _chart_releases(per_release, out_dir / CHARTS["releases"])
    promoted = {i.release: i.promoted_at for i in per_release.releases}
    lines += _table(
        ["release", "promoted", "conversations", "user messages", "fallback rate",
         "low-confidence rate", "containment", "handoff rate"],
        [
            [
                _code(s.label),
                f"{promoted[s.label]:%Y-%m-%d %H:%M}" if promoted.get(s.label) else "–",
                s.conversations,
                s.user_messages,
                _share(s.fallback_messages, s.user_messages, s.fallback_rate),
                _share(s.low_confidence_messages, s.typed_messages, s.low_confidence_rate),
                _share(s.contained, s.conversations, s.containment_rate),
                _share(s.handoffs, s.conversations, s.handoff_rate),
            ]
            for s in rows
        ],
    )  # fmt: skip
    return [*lines, f"![Fallback rate by release]({CHARTS['releases']})", ""]


def write_report(
    insights: Insights,
    out_dir: Path,
    since: datetime | None = None,
    top: int = 10,
    per_release: PerRelease | None = None,
    retention_days: int | None = None,
) -> Path:
    """Write `report.md` and its PNG charts into `out_dir` (created if missing).

    Args:
        insights: The computed metrics.
        out_dir: The folder to write into.
        since: The period's start, as asked for (shown in the heading).
        top: How many intents and paths the lists show.

    Returns:
        The path of report.md.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    engaged = insights.engaged_conversations
    top_intents = insights.top_intents(top)
    lowest = insights.lowest_confidence_intents(top)
    days = insights.days()

    if days:
        _chart_daily(insights, out_dir / CHARTS["daily"])
    if engaged:
        _chart_rates(insights, out_dir / CHARTS["rates"])
    if top_intents:
        _chart_bars(
            [i for i, _ in top_intents],
            [n for _, n in top_intents],
            "Top intents",
            "user messages",
            out_dir / CHARTS["top_intents"],
        )
    if lowest:
        _chart_bars(
            [i for i, _, _ in lowest],
            [m for _, m, _ in lowest],
            "Lowest mean confidence",
            "mean confidence of the predicted intent",
            out_dir / CHARTS["lowest_confidence"],
            value_format="{:.2f}",
            xlim=(0.0, 1.1),
        )

    def moment(value: datetime | None) -> str:
        return f"{value:%Y-%m-%d %H:%M} UTC" if value else "–"

    timeout_min = int(insights.session_timeout.total_seconds() // 60)
    csat = (
        f"{insights.csat_average:.2f} / 5 ({insights.csat_responses} responses)"
        if insights.csat_average is not None
        else "not collected"
    )
    lines = [
        "# Conversation insights",
        "",
        f"Period: {'since ' + f'{since:%Y-%m-%d}' if since else 'everything in the store'} "
        f"(events from {moment(insights.first_event)} to {moment(insights.last_event)}). "
        f"Generated {moment(insights.generated_at)}; session timeout {timeout_min} min. "
        "Every figure is defined under [Definitions](#definitions)."
        + (
            f" Events older than {retention_days} days are deleted (retention setting), so "
            "no period reaches further back."
            if retention_days
            else ""
        ),
        "",
        "## Summary",
        "",
        *_table(
            ["metric", "value"],
            [
                ["conversations", insights.conversations],
                ["engaged conversations", engaged],
                ["user messages", insights.user_messages],
                [
                    "containment rate",
                    _share(insights.contained, engaged, insights.containment_rate),
                ],
                ["handoff rate", _share(insights.handoffs, engaged, insights.handoff_rate)],
                [
                    "fallback rate (messages)",
                    _share(
                        insights.fallback_messages,
                        insights.user_messages,
                        insights.fallback_message_rate,
                    ),
                ],
                [
                    "fallback rate (conversations)",
                    _share(
                        insights.fallback_conversations,
                        engaged,
                        insights.fallback_conversation_rate,
                    ),
                ],
                [
                    "abandonment rate",
                    _share(insights.abandoned, engaged, insights.abandonment_rate),
                ],
                ["CSAT", csat],
            ],
        ),
    ]
    if engaged:
        lines += [f"![Rates]({CHARTS['rates']})", ""]

    if per_release is not None:
        lines += release_section(per_release, out_dir)

    lines += ["## Per day", ""]
    if days:
        lines += [f"![Conversations and handoffs per day]({CHARTS['daily']})", ""]
        lines += _table(
            ["day (UTC)", "engaged conversations", "handoffs", "user messages"],
            [
                [
                    f"{d:%Y-%m-%d}",
                    insights.conversations_per_day[d],
                    insights.handoffs_per_day[d],
                    sum(insights.intents_per_day.get(d, {}).values()),
                ]
                for d in days
            ],
        )
    else:
        lines += ["No conversations in this period.", ""]

    lines += ["## Handoffs", ""]
    if insights.handoffs:
        lines += _table(
            ["reason", "meaning", "handoffs", "share of handoffs"],
            [
                [_code(reason), REASONS.get(reason, reason), n, f"{n / insights.handoffs:.1%}"]
                for reason, n in insights.handoff_reasons.most_common()
            ],
        )
        lines += ["Most common paths into a handoff (last user intents, oldest first):", ""]
        lines += _table(
            ["path", "handoffs"],
            [
                [" → ".join(_code(i) for i in path) or "(no user message)", n]
                for path, n in insights.top_handoff_paths(top)
            ],
        )
    else:
        lines += ["No handoffs in this period.", ""]

    lines += ["## Intents", ""]
    if top_intents:
        lines += [f"![Top intents]({CHARTS['top_intents']})", ""]
        lines += _table(["intent", "user messages"], [[_code(i), n] for i, n in top_intents])
        names = [i for i, _ in top_intents[:5]]
        lines += [f"Top {len(names)} intents per day (UTC):", ""]
        lines += _table(
            ["day", *[_code(i) for i in names]],
            [
                [f"{d:%Y-%m-%d}", *[insights.intents_per_day.get(d, {}).get(i, 0) for i in names]]
                for d in days
                if d in insights.intents_per_day
            ],
        )
    else:
        lines += ["No user messages in this period.", ""]
    lines += ["### Lowest mean confidence", ""]
    if lowest:
        lines += [f"![Lowest mean confidence]({CHARTS['lowest_confidence']})", ""]
        lines += _table(
            ["predicted intent", "mean confidence", "typed messages"],
            [[_code(i), f"{m:.2f}", n] for i, m, n in lowest],
        )
    else:
        lines += ["Not enough typed messages per intent yet.", ""]

    lines += ["## Definitions", ""]
    definitions = {**DEFINITIONS, **(RELEASE_DEFINITIONS if per_release is not None else {})}
    lines += [f"- **{name.replace('_', ' ')}**: {text}" for name, text in definitions.items()]
    lines += [
        f"- **session timeout**: {timeout_min} minutes in this report (the default is "
        "domain.yml's session_expiration_time, 60).",
        "",
    ]
    path = out_dir / "report.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def run_report(
    engine: Engine,
    since: datetime | None,
    out_dir: Path,
    now: datetime | None = None,
    session_timeout: timedelta = DEFAULT_SESSION_TIMEOUT,
    progress: bool | None = None,
    releases: list[ReleaseInfo] | None = None,
    retention_days: int | None = None,
) -> Path:
    """Read the tracker store, compute the metrics and write the report.

    Args:
        engine: An engine on the tracker store (see `tracker_engine`).
        since: Only events at or after this moment; None reads everything.
        out_dir: Where report.md and the charts go.
        now: When the report is made (default: now, UTC).
        session_timeout: For abandonment.
        progress: Show a counter on stderr (default: when stderr is a terminal).
        releases: The model releases (from their cards): adds the per-release section.
        retention_days: The retention setting, said in the heading.

    Returns:
        The path of report.md.

    Raises:
        TrackerStoreError: No tracker store there (`TrackerStoreMissingError`), or it
            cannot be reached.
    """
    per_release = PerRelease(releases=releases or [], now=now or datetime.now(timezone.utc))

    def counted(stream: Iterable[Conversation]) -> Iterator[Conversation]:
        for conversation in stream:
            per_release.add(conversation)
            yield conversation

    conversations = counted(_read(engine, since, progress))
    insights = compute_insights(conversations, now=now, session_timeout=session_timeout)
    return write_report(insights, out_dir, since=since, per_release=per_release,
                        retention_days=retention_days)  # fmt: skip


# --- the review file ------------------------------------------------------------------


def domain_intents(domain_file: Path = DOMAIN_FILE) -> set[str]:
    """The intent names declared in a domain file (plain names or `{name: {...}}` items)."""
    data = yaml.safe_load(domain_file.read_text(encoding="utf-8")) or {}
    names: set[str] = set()
    for item in data.get("intents") or []:
        if isinstance(item, str):
            names.add(item)
        elif isinstance(item, dict):
            names.update(str(key) for key in item)
    return names


def _training_text(text: str) -> str:
    """One line, without anything Rasa would read as an entity annotation."""
    return _ANNOTATION.sub("] ", " ".join(text.split()))


def annotate_entities(text: str, entities: Iterable[tuple[str, str]]) -> str:
    """`[value](entity)` around each entity value that is in the text exactly once, so the
    relabelled example trains the entity too."""
    for name, value in entities:
        value = " ".join(value.split())
        if value and text.count(value) == 1 and not re.search(r"[\[\]()]", value):
            text = text.replace(value, f"[{value}]({name})")
    return text


def _yaml_string(text: str) -> str:
    dumped = yaml.safe_dump(text, default_style='"', allow_unicode=True, width=float("inf"))
    return dumped.strip()


def conversation_link(conversation_id: str) -> str:
    """The inbox page of a conversation (SIGNIN_PUBLIC_URL, else the local web app)."""
    from urllib.parse import quote

    base = (os.environ.get("SIGNIN_PUBLIC_URL") or "http://127.0.0.1:5080").rstrip("/")
    return f"{base}/inbox/conversations/{quote(conversation_id, safe='')}"


def _comment(item: ReviewItem) -> str:
    confidence = "unknown" if item.confidence is None else f"{item.confidence:.2f}"
    suggested = item.suggested_intent or "(none)"
    parts = [
        f"confidence {confidence}",
        f"conversation {' '.join(item.conversation_id.split())}",
        f"classified as {item.intent or '(none)'}",
        f"suggested {suggested}",
        ", ".join(item.reasons),
    ]
    if item.occurrences > 1:
        parts.append(f"seen {item.occurrences} times")
    parts.append(conversation_link(" ".join(item.conversation_id.split())))
    return "# " + " · ".join(parts)


def write_review_yaml(
    items: Iterable[ReviewItem],
    path: Path,
    known_intents: Iterable[str] | None = None,
) -> int:
    """Write the items as Rasa NLU training data for a person to relabel.

    The file is `version: "3.1"` NLU YAML, examples grouped under their suggested intent
    (an intent that is not in the domain, or none, becomes `out_of_scope`), each example a
    `- text:` list item with a comment line above it (confidence, conversation id, what NLU
    said, why it was picked). Moved into data/nlu/ it passes `rasa data validate`.

    Args:
        items: From `review_items`.
        path: The file to write (its folder is created).
        known_intents: The domain's intents (default: those of domain.yml).

    Returns:
        The number of examples written.

    Raises:
        ValueError: `out_of_scope` is not one of the known intents.
    """
    known = set(known_intents) if known_intents is not None else domain_intents()
    if UNKNOWN_INTENT not in known:
        raise ValueError(f"the domain has no '{UNKNOWN_INTENT}' intent for unknown suggestions")
    groups: dict[str, list[tuple[ReviewItem, str]]] = {}
    for item in items:
        text = annotate_entities(_training_text(item.text), item.entities)
        if not text:
            continue
        intent = item.suggested_intent if item.suggested_intent in known else UNKNOWN_INTENT
        groups.setdefault(intent, []).append((item, text))
    lines = [
        "# Messages to review, from the tracker store (python -m bot insights review).",
        "# Move each example under its right intent (or delete it), then move this file into",
        "# data/nlu/ and retrain. Suggestions that are not domain intents are under "
        f"{UNKNOWN_INTENT}.",
        "# Each comment links to the whole conversation in the inbox (or: python -m bot",
        "# conversations show ID). To keep a share out of training for the gate: python -m bot",
        "# insights holdout THIS_FILE (it writes data/nlu/reviewed-<date>.yml).",
        'version: "3.1"',
    ]
    if not groups:
        lines.append("nlu: []")
    else:
        lines.append("nlu:")
    written = 0
    for intent in sorted(groups):
        lines += [f"- intent: {intent}", "  examples:"]
        for item, text in groups[intent]:
            lines += [f"  {_comment(item)}", f"  - text: {_yaml_string(text)}"]
            written += 1
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return written


def run_review(
    engine: Engine,
    below: float,
    since: datetime | None,
    out: Path,
    progress: bool | None = None,
) -> int:
    """Read the tracker store and write the messages to review as NLU YAML.

    Args:
        engine: An engine on the tracker store.
        below: Confidence threshold for "low confidence".
        since: Only events at or after this moment; None reads everything.
        out: The YAML file to write.
        progress: Show a counter on stderr (default: when stderr is a terminal).

    Returns:
        The number of examples written.

    Raises:
        TrackerStoreError: No tracker store there (`TrackerStoreMissingError`), or it
            cannot be reached.
    """
    items = review_items(_read(engine, since, progress), below=below)
    return write_review_yaml(items, out)


# --- export ---------------------------------------------------------------------------


def _csv_safe(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def export(conversations: Iterable[Conversation], fmt: str, out: Path | TextIO) -> int:
    """Write one row per event (columns: `EXPORT_COLUMNS`) as JSON Lines or CSV.

    In CSV, a text cell that a spreadsheet would run as a formula gets a leading `'`.

    Args:
        conversations: The conversations to export.
        fmt: "jsonl" or "csv".
        out: A file path, or an open text stream such as sys.stdout.

    Returns:
        The number of rows written.

    Raises:
        ValueError: An unknown format.
    """
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"unknown export format {fmt!r}: use one of {', '.join(EXPORT_FORMATS)}")
    if isinstance(out, Path):
        out.parent.mkdir(parents=True, exist_ok=True)
        with out.open("w", encoding="utf-8", newline="") as stream:
            return export(conversations, fmt, stream)
    count = 0
    writer = csv.DictWriter(out, fieldnames=EXPORT_COLUMNS) if fmt == "csv" else None
    if writer is not None:
        writer.writeheader()
    for conversation in conversations:
        for row in export_rows(conversation):
            if writer is not None:
                writer.writerow({key: _csv_safe(value) for key, value in row.items()})
            else:
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
            count += 1
    return count


def run_export(
    engine: Engine,
    since: datetime | None,
    fmt: str,
    out: Path | TextIO,
    progress: bool | None = None,
) -> int:
    """Read the tracker store and export its events.

    Args:
        engine: An engine on the tracker store.
        since: Only events at or after this moment; None exports everything.
        fmt: "jsonl" or "csv".
        out: A file path, or a text stream (sys.stdout when no --out is given).
        progress: Show a counter on stderr (default: when stderr is a terminal).

    Returns:
        The number of rows written.

    Raises:
        TrackerStoreError: No tracker store there (`TrackerStoreMissingError`), or it
            cannot be reached.
        ValueError: An unknown format.
    """
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"unknown export format {fmt!r}: use one of {', '.join(EXPORT_FORMATS)}")
    return export(_read(engine, since, progress), fmt, out)


def utc_day(value: str) -> datetime:
    """A `YYYY-MM-DD` command-line date as midnight UTC (for `--since`).

    Raises:
        ValueError: Not a date like 2026-03-01.
    """
    return datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=timezone.utc)
