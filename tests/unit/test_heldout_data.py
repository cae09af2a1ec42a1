"""The team's held-out NLU file stays held out: no line of it is also a training line.

Lines are compared after removing entity markup, case and punctuation, so "hello??" and
"hello" count as the same line.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from bot.settings import PROJECT_ROOT

HELDOUT_FILE = PROJECT_ROOT / "tests" / "nlu" / "heldout.yml"


def _normalised_lines(path: Path) -> dict[str, str]:
    """normalised example text -> intent, for every example of an NLU file."""
    found = {}
    for block in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu") or []:
        if "intent" not in block:
            continue
        for line in str(block["examples"]).splitlines():
            text = re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", line.strip()[2:]).lower()
            found[" ".join(re.sub(r"[^a-z0-9@' ]", " ", text).split())] = block["intent"]
    return found


def test_no_heldout_line_is_a_training_line() -> None:
    training: dict[str, str] = {}
    for path in sorted((PROJECT_ROOT / "data" / "nlu").glob("*.yml")):
        training.update(_normalised_lines(path))
    heldout = _normalised_lines(HELDOUT_FILE)
    shared = sorted(text for text in heldout if text in training)
    assert not shared, f"{len(shared)} held-out lines are training lines: {shared[:10]}"


def test_heldout_keeps_at_least_20_lines_per_intent() -> None:
    counts: dict[str, int] = {}
    for intent in _normalised_lines(HELDOUT_FILE).values():
        counts[intent.split("/", 1)[0]] = counts.get(intent.split("/", 1)[0], 0) + 1
    assert counts and min(counts.values()) >= 20, counts
