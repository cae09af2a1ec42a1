"""Evaluating one trained model on the sets the gate uses.

- `heldout`: the team's held-out NLU file (`tests/nlu/heldout.yml`);
- `live_heldout`: the rolling slice of reviewed live messages never trained on
  (`bot/modelops/live_heldout.py`), when it has any;
- `stories`: the test stories (`tests/test_stories.yml`) under `rasa test core`.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot.modelops.live_heldout import HeldOutMessage
from bot.settings import PROJECT_ROOT

HELDOUT = PROJECT_ROOT / "tests" / "nlu" / "heldout.yml"
STORIES = PROJECT_ROOT / "tests" / "test_stories.yml"


@dataclass
class Evaluation:
    """A model's results: `{set: {metric: value}}` and F1 per intent on the held-out file."""

    metrics: dict[str, dict[str, float]] = field(default_factory=dict)
    per_intent_f1: dict[str, float] = field(default_factory=dict)


def story_scores(model: Path, stories: Path = STORIES) -> dict[str, float]:
    """Share of test stories and of actions the model gets right (`rasa test core`)."""
    with tempfile.TemporaryDirectory() as out:
        subprocess.call(
            [sys.executable, "-m", "rasa", "test", "core", "--model", str(model),
             "--stories", str(stories), "--out", out, "--quiet"],
            cwd=PROJECT_ROOT,
        )  # fmt: skip
        report_path = Path(out) / "story_report.json"
        failed_path = Path(out) / "failed_test_stories.yml"
        report = json.loads(report_path.read_text()) if report_path.exists() else {}
        failed_text = failed_path.read_text() if failed_path.exists() else ""
    total = len((yaml.safe_load(stories.read_text()) or {}).get("stories", []))
    failed = failed_text.count("- story:")
    if not report:  # rasa test did not finish: nothing passed
        failed = total
    return {
        "story_success": (total - failed) / total if total else 0.0,
        "correct_actions": float(report.get("accuracy", 0.0)),
    }


def nlu_sets(
    model: Path, live: list[HeldOutMessage], heldout: Path = HELDOUT
) -> tuple[dict[str, dict[str, float]], dict[str, float]]:
    """Accuracy and macro-F1 on the held-out file and the live slice (one model load)."""
    from rasa.shared.nlu.training_data.loading import load_data

    from bot.modelops.bench_nlu import _predict, _quiet_rasa
    from bot.modelops.nlu_metrics import score

    _quiet_rasa()
    examples = [e for e in load_data(str(heldout)).intent_examples if e.get("intent")]
    texts = [e.get("text") for e in examples] + [m.text for m in live]
    gold = [e.get("intent") for e in examples] + [m.intent for m in live]
    final, top, _latency = asyncio.run(_predict(model, texts))
    cut = len(examples)
    results: dict[str, dict[str, float]] = {}
    per_intent: dict[str, float] = {}
    for name, sl in (("heldout", slice(0, cut)), ("live_heldout", slice(cut, None))):
        if not gold[sl]:
            continue
        scores = score(gold[sl], final[sl], top[sl], texts[sl])
        results[name] = {
            "accuracy": scores.accuracy,
            "macro_f1": scores.macro_f1,
            "n": float(len(gold[sl])),
        }
        if name == "heldout":
            per_intent = {i: v["f1"] for i, v in scores.per_intent.items()}
    return results, per_intent


def evaluate(model: Path, live: list[HeldOutMessage], stories: bool = True) -> Evaluation:
    """Every set the gate uses."""
    metrics, per_intent = nlu_sets(model, live)
    if stories:
        metrics["stories"] = story_scores(model)
    return Evaluation(metrics, per_intent)
