"""Rotating held-out data: reviewed live messages that are never trained on.

`tests/nlu/live-heldout.jsonl` is the manifest, one JSON object per line:
`{"text": ..., "intent": ..., "conversation": ..., "added": "YYYY-MM-DD"}` (text redacted
by the review, entity annotations removed). `python -m bot insights holdout REVIEWED.yml`
splits a relabelled review file: a fixed share of its examples (chosen by a hash of the
text, so the same message always lands on the same side) goes to the manifest, the rest
to a training file under `data/nlu/`.

The gate evaluates on the team's held-out file **plus the rolling slice**: the manifest
lines added within the last `window_days` days. Older lines retire from the gate (they
may then be moved into training by hand). `leaks()` lists manifest texts that appear in
the training data; `make retrain` refuses to train while there are any.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import yaml

from bot.settings import PROJECT_ROOT

MANIFEST = PROJECT_ROOT / "tests" / "nlu" / "live-heldout.jsonl"
DEFAULT_WINDOW_DAYS = 56
DEFAULT_SHARE = 0.2
_ANNOTATION = re.compile(r"\[([^\]]+)\](\([^)]*\)|\{[^}]*\})")


@dataclass(frozen=True)
class HeldOutMessage:
    """One reviewed live message kept out of training."""

    text: str
    intent: str
    conversation: str
    added: str  # YYYY-MM-DD


def plain_text(annotated: str) -> str:
    """`reset [me@example.com](email)` → `reset me@example.com`."""
    return _ANNOTATION.sub(lambda m: m.group(1), annotated)


def normalise(text: str) -> str:
    """Lower case, single spaces: how two messages are compared for leaks."""
    return " ".join(plain_text(text).lower().split())


def goes_to_heldout(text: str, share: float) -> bool:
    """Deterministic: the same message always lands on the same side of the split."""
    bucket = int(hashlib.sha256(normalise(text).encode("utf-8")).hexdigest()[:8], 16)
    return bucket / 0xFFFFFFFF < share


def read_manifest(path: Path = MANIFEST) -> list[HeldOutMessage]:
    """Every message of the manifest, in file order."""
    if not path.exists():
        return []
    messages = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            data = json.loads(line)
            messages.append(HeldOutMessage(**{k: str(data.get(k, "")) for k in
                                              HeldOutMessage.__dataclass_fields__}))  # fmt: skip
    return messages


def rolling_slice(
    messages: Iterable[HeldOutMessage], today: date, window_days: int = DEFAULT_WINDOW_DAYS
) -> list[HeldOutMessage]:
    """The messages added within the last `window_days` days (the ones the gate uses)."""
    oldest = today - timedelta(days=window_days)
    return [m for m in messages if m.added and date.fromisoformat(m.added) >= oldest]


def training_texts(data_dir: Path = PROJECT_ROOT / "data") -> set[str]:
    """Every NLU example under `data_dir`, normalised."""
    texts: set[str] = set()
    for path in data_dir.rglob("*.yml"):
        content = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for block in content.get("nlu") or []:
            examples = block.get("examples") if isinstance(block, dict) else None
            if isinstance(examples, str):
                for line in examples.splitlines():
                    line = line.strip()
                    if line.startswith("- "):
                        texts.add(normalise(line[2:]))
    return texts


def leaks(
    messages: Iterable[HeldOutMessage], data_dir: Path = PROJECT_ROOT / "data"
) -> list[HeldOutMessage]:
    """Held-out messages that are also training examples (they would inflate the gate)."""
    trained = training_texts(data_dir)
    return [m for m in messages if normalise(m.text) in trained]


@dataclass(frozen=True)
class SplitResult:
    """What `split_review` did."""

    training: int
    heldout: int
    training_file: Path


def _review_examples(review: Path) -> list[tuple[str, str, str]]:
    """(intent, annotated text, conversation id) of each example of a relabelled review file.
    The conversation id comes from the `# ... conversation ID` comment above the example."""
    examples: list[tuple[str, str, str]] = []
    content = yaml.safe_load(review.read_text(encoding="utf-8")) or {}
    conversations = _comment_conversations(review.read_text(encoding="utf-8"))
    for block in content.get("nlu") or []:
        if not isinstance(block, dict) or not block.get("intent"):
            continue
        raw = block.get("examples") or []
        if isinstance(raw, str):
            texts = [
                ln.strip()[2:].strip() for ln in raw.splitlines() if ln.strip().startswith("- ")
            ]
        else:
            texts = [str(e.get("text", "")) if isinstance(e, dict) else str(e) for e in raw]
        for text in texts:
            if text:
                examples.append((str(block["intent"]), text, conversations.get(text, "")))
    return examples


_CONVERSATION = re.compile(r"conversation\s+([^\s,;]+)")


def _comment_conversations(text: str) -> dict[str, str]:
    """Annotated example text → the conversation id named in the comment above it."""
    found: dict[str, str] = {}
    last = ""
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("#"):
            match = _CONVERSATION.search(stripped)
            last = match.group(1) if match else last
        elif stripped.startswith("- "):
            item = stripped[2:].strip()
            if item.startswith("text:"):
                try:
                    item = str(yaml.safe_load(item[len("text:") :]) or "")
                except yaml.YAMLError:
                    item = item[len("text:") :].strip()
            if last:
                found[item] = last
            last = ""
    return found


class _BlockDumper(yaml.SafeDumper):
    """Multi-line strings as `|` blocks, like the files in data/nlu/."""


_BlockDumper.add_representer(
    str,
    lambda dumper, value: dumper.represent_scalar(
        "tag:yaml.org,2002:str", value, style="|" if "\n" in value else None
    ),
)


def split_review(
    review: Path,
    training_file: Path,
    today: date,
    share: float = DEFAULT_SHARE,
    manifest: Path = MANIFEST,
) -> SplitResult:
    """Split a relabelled review file into training examples and held-out messages.

    Args:
        review: The review YAML after relabelling (examples moved under their right intent).
        training_file: Where the training part goes (NLU YAML, entity annotations kept).
        today: The date written on new manifest lines.
        share: Share of the examples held out (by hash of the text).
        manifest: The held-out manifest (appended to).

    Returns:
        How many examples went each way.
    """
    known = {normalise(m.text) for m in read_manifest(manifest)}
    by_intent: dict[str, list[str]] = {}
    held: list[HeldOutMessage] = []
    for intent, text, conversation in _review_examples(review):
        key = normalise(text)
        if key in known or goes_to_heldout(text, share):
            if key not in known:
                held.append(HeldOutMessage(plain_text(text), intent, conversation,
                                           today.isoformat()))  # fmt: skip
                known.add(key)
            continue
        by_intent.setdefault(intent, []).append(text)
    blocks = [
        {"intent": intent, "examples": "".join(f"- {t}\n" for t in texts)}
        for intent, texts in sorted(by_intent.items())
    ]
    training_file.parent.mkdir(parents=True, exist_ok=True)
    training_file.write_text(
        yaml.dump({"version": "3.1", "nlu": blocks}, Dumper=_BlockDumper, sort_keys=False,
                  allow_unicode=True),
        encoding="utf-8",
    )  # fmt: skip
    if held:
        manifest.parent.mkdir(parents=True, exist_ok=True)
        with manifest.open("a", encoding="utf-8") as handle:
            for message in held:
                handle.write(json.dumps(message.__dict__, ensure_ascii=False) + "\n")
    return SplitResult(sum(len(t) for t in by_intent.values()), len(held), training_file)
