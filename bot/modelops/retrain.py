"""`make retrain`: train a candidate model and keep it only if it is not worse.

Steps: `rasa data validate` → train `models/candidate.tar.gz` → evaluate candidate and
current model on the held-out NLU file and the test stories → print a side-by-side table →
replace `models/current.tar.gz` only when no metric drops by more than the tolerance.
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

from bot.settings import PROJECT_ROOT

CURRENT = PROJECT_ROOT / "models" / "current.tar.gz"
CANDIDATE = PROJECT_ROOT / "models" / "candidate.tar.gz"
HELDOUT = PROJECT_ROOT / "tests" / "nlu" / "heldout.yml"
STORIES = PROJECT_ROOT / "tests" / "test_stories.yml"


def _rasa(*args: str) -> int:
    return subprocess.call([sys.executable, "-m", "rasa", *args], cwd=PROJECT_ROOT)


def story_scores(model: Path) -> dict[str, float]:
    """Share of test stories and of actions the model gets right."""
    import json

    with tempfile.TemporaryDirectory() as out:
        _rasa("test", "core", "--model", str(model), "--stories", str(STORIES),
              "--out", out, "--quiet")  # fmt: skip
        report = json.loads((Path(out) / "story_report.json").read_text())
        failed_text = (Path(out) / "failed_test_stories.yml").read_text()
    total = len((yaml.safe_load(STORIES.read_text()) or {}).get("stories", []))
    failed = failed_text.count("- story:")
    return {
        "story success": (total - failed) / total if total else 0.0,
        "action accuracy": float(report.get("accuracy", 0.0)),
    }


def nlu_scores(model: Path) -> tuple[dict[str, float], dict[str, float]]:
    """Accuracy and macro-F1, and F1 per intent, on the held-out file."""
    from rasa.shared.nlu.training_data.loading import load_data

    from bot.modelops.bench_nlu import _predict, score

    examples = [e for e in load_data(str(HELDOUT)).intent_examples if e.get("intent")]
    texts = [e.get("text") for e in examples]
    gold = [e.get("intent") for e in examples]
    final, top, _latency = asyncio.run(_predict(model, texts))
    scores = score(gold, final, top, texts)
    per_intent = {intent: values["f1"] for intent, values in scores.per_intent.items()}
    return {"accuracy": scores.accuracy, "macro-F1": scores.macro_f1}, per_intent


def compare(
    current: dict[str, float], candidate: dict[str, float], tolerance: float
) -> list[tuple[str, float, float, float, bool]]:
    """(metric, current, candidate, change, dropped beyond tolerance) per metric."""
    rows = []
    for metric, before in current.items():
        after = candidate.get(metric, 0.0)
        rows.append((metric, before, after, after - before, after < before - tolerance))
    return rows


def run_retrain(tolerance: float) -> int:
    """The whole routine; exit code 0 when the candidate was kept or nothing was worse."""
    if _rasa("data", "validate", "--quiet") != 0:
        print("error: the training data does not validate; nothing was trained", file=sys.stderr)
        return 1
    print("training the candidate ...", flush=True)
    if _rasa("train", "--fixed-model-name", "candidate", "--out", str(CANDIDATE.parent),
             "--force") != 0:  # fmt: skip
        return 1
    if not CURRENT.exists():
        shutil.copy(CANDIDATE, CURRENT)
        print("no current model: the candidate becomes the current model")
        return 0
    print("evaluating both models ...", flush=True)
    metrics, intents = {}, {}
    for name, model in (("current", CURRENT), ("candidate", CANDIDATE)):
        nlu, per_intent = nlu_scores(model)
        metrics[name] = {**nlu, **story_scores(model)}
        intents[name] = per_intent
    rows = compare(metrics["current"], metrics["candidate"], tolerance)
    print(f"\n{'metric':<18} {'current':>8} {'candidate':>10} {'change':>8}")
    for metric, before, after, change, dropped in rows:
        flag = "  ← dropped" if dropped else ""
        print(f"{metric:<18} {before:8.3f} {after:10.3f} {change:+8.3f}{flag}")
    changes = sorted(
        ((i, intents["candidate"].get(i, 0.0) - f) for i, f in intents["current"].items()),
        key=lambda pair: pair[1],
    )
    print("\nper-intent F1 changes (largest first)")
    for intent, change in sorted(changes, key=lambda pair: -abs(pair[1]))[:10]:
        print(f"  {intent:<22} {change:+.3f}")
    if any(dropped for *_rest, dropped in rows):
        print(f"\nkept the current model: a metric dropped by more than {tolerance}")
        return 1
    shutil.copy(CANDIDATE, CURRENT)
    print("\nthe candidate is now models/current.tar.gz")
    return 0
