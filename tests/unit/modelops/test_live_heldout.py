"""Rotating held-out data: the split, the manifest, the rolling slice, leak detection."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import yaml

from bot.modelops.live_heldout import (
    HeldOutMessage,
    goes_to_heldout,
    leaks,
    plain_text,
    read_manifest,
    rolling_slice,
    split_review,
)

REVIEW = """# Messages to review
version: "3.1"
nlu:
- intent: forgot_password
  examples:
  # confidence 0.41 · conversation conv-1 · classified as nlu_fallback · suggested x · fallback
  - text: "cant remember my pw for [name@example.com](email)"
  # confidence 0.52 · conversation conv-2 · classified as greet · suggested x · low_confidence
  - text: "the reset thing never came"
- intent: out_of_scope
  examples:
  # confidence 0.30 · conversation conv-3 · classified as nlu_fallback · suggested x · fallback
  - text: "whats the weather"
"""


def test_the_split_is_deterministic_and_shares_roughly() -> None:
    texts = [f"message number {i}" for i in range(1000)]
    held = [t for t in texts if goes_to_heldout(t, 0.2)]
    assert 150 < len(held) < 250
    assert held == [t for t in texts if goes_to_heldout(t.upper(), 0.2)]  # case-insensitive


def test_split_review_writes_training_file_and_manifest(tmp_path: Path) -> None:
    review = tmp_path / "review.yml"
    review.write_text(REVIEW)
    manifest = tmp_path / "live.jsonl"
    out = tmp_path / "data" / "reviewed.yml"
    result = split_review(review, out, date(2026, 12, 1), share=1.0, manifest=manifest)
    assert (result.training, result.heldout) == (0, 3)
    messages = read_manifest(manifest)
    assert [(m.text, m.intent, m.conversation) for m in messages] == [
        ("cant remember my pw for name@example.com", "forgot_password", "conv-1"),
        ("the reset thing never came", "forgot_password", "conv-2"),
        ("whats the weather", "out_of_scope", "conv-3"),
    ]
    # a second run holds out nothing twice
    again = split_review(review, out, date(2026, 12, 2), share=1.0, manifest=manifest)
    assert again.heldout == 0 and len(read_manifest(manifest)) == 3


def test_training_part_keeps_entity_annotations(tmp_path: Path) -> None:
    review = tmp_path / "review.yml"
    review.write_text(REVIEW)
    out = tmp_path / "reviewed.yml"
    result = split_review(review, out, date(2026, 12, 1), share=0.0,
                          manifest=tmp_path / "live.jsonl")  # fmt: skip
    assert result.training == 3 and result.heldout == 0
    data = yaml.safe_load(out.read_text())
    examples = {b["intent"]: b["examples"] for b in data["nlu"]}
    assert "- cant remember my pw for [name@example.com](email)\n" in examples["forgot_password"]


def test_rolling_slice_keeps_recent_lines() -> None:
    messages = [HeldOutMessage("a", "greet", "c", "2026-09-01"),
                HeldOutMessage("b", "greet", "c", "2026-11-20")]  # fmt: skip
    assert [m.text for m in rolling_slice(messages, date(2026, 12, 1), 56)] == ["b"]
    assert len(rolling_slice(messages, date(2026, 12, 1), 365)) == 2


def test_leaks_find_held_out_messages_in_training_data(tmp_path: Path) -> None:
    data = tmp_path / "data" / "nlu"
    data.mkdir(parents=True)
    examples = "    - Hello   There\n    - [bob@example.com](email) hi\n"
    (data / "x.yml").write_text(f'version: "3.1"\nnlu:\n- intent: greet\n  examples: |\n{examples}')
    messages = [HeldOutMessage("hello there", "greet", "c", "2026-11-20"),
                HeldOutMessage("bob@example.com hi", "greet", "c", "2026-11-20"),
                HeldOutMessage("good morning", "greet", "c", "2026-11-20")]  # fmt: skip
    assert [m.text for m in leaks(messages, tmp_path / "data")] == ["hello there",
                                                                  "bob@example.com hi"]  # fmt: skip
    assert plain_text('[a](b) and [c]{"entity": "d"}') == "a and c"


def test_the_project_has_no_leaks() -> None:
    assert leaks(read_manifest()) == []
