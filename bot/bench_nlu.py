"""`python -m bot bench nlu`: how well the trained model recognises held-out messages.

Prints accuracy, macro-F1, per-intent F1, the most confused intent pairs and parse
latency, and for retrieval sub-intents (`faq/<family>`) the ResponseSelector's top-1
accuracy. The final intent counts as the answer, so a message that goes to the fallback
(`nlu_fallback`) counts as a miss; accuracy of the raw top intent is printed beside it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

FALLBACK = "nlu_fallback"


@dataclass
class Scores:
    """Everything the benchmark measures."""

    total: int
    accuracy: float
    top_intent_accuracy: float
    macro_f1: float
    fallback_rate: float
    per_intent: dict[str, dict[str, float]]
    confused: list[tuple[str, str, int]]
    latency_ms_median: float = 0.0
    latency_ms_p95: float = 0.0
    errors: list[dict[str, str]] = field(default_factory=list)
    response_accuracy: float = 0.0
    response_total: int = 0


def score(
    gold: list[str], predicted: list[str], top: list[str], texts: list[str], n_pairs: int = 10
) -> Scores:
    """Compare gold intents with predictions (plain Python, no Rasa)."""
    labels = sorted(set(gold))
    per_intent: dict[str, dict[str, float]] = {}
    for label in labels:
        tp = sum(1 for g, p in zip(gold, predicted, strict=False) if g == label and p == label)
        fp = sum(1 for g, p in zip(gold, predicted, strict=False) if g != label and p == label)
        fn = sum(1 for g, p in zip(gold, predicted, strict=False) if g == label and p != label)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_intent[label] = {
            "precision": precision,
            "recall": recall,
            "f1": f1,
            "support": float(tp + fn),
        }
    pairs = Counter((g, p) for g, p in zip(gold, predicted, strict=False) if g != p)
    n = len(gold)
    return Scores(
        total=n,
        accuracy=sum(g == p for g, p in zip(gold, predicted, strict=False)) / n if n else 0.0,
        top_intent_accuracy=sum(g == t for g, t in zip(gold, top, strict=False)) / n if n else 0.0,
        macro_f1=statistics.fmean(v["f1"] for v in per_intent.values()) if per_intent else 0.0,
        fallback_rate=sum(p == FALLBACK for p in predicted) / n if n else 0.0,
        per_intent=per_intent,
        confused=[(g, p, c) for (g, p), c in pairs.most_common(n_pairs)],
        errors=[
            {"text": t, "gold": g, "predicted": p}
            for t, g, p in zip(texts, gold, predicted, strict=False)
            if g != p
        ],
    )


def response_selector_accuracy(
    gold: list[str | None], predicted: list[str | None]
) -> tuple[float, int]:
    """Top-1 accuracy of the selected sub-intent (`faq/<family>`), and how many were scored.

    Only messages whose gold label has a sub-intent count (None elsewhere).
    """
    pairs = [(g, p) for g, p in zip(gold, predicted, strict=True) if g is not None]
    if not pairs:
        return 0.0, 0
    return sum(g == p for g, p in pairs) / len(pairs), len(pairs)


def _selected_key(parsed: dict, gold_key: str | None) -> str | None:
    """The sub-intent picked by the ResponseSelector of the gold key's retrieval intent."""
    if gold_key is None:
        return None
    selector = parsed.get("response_selector", {}).get(gold_key.split("/")[0], {})
    return selector.get("response", {}).get("intent_response_key")


def _resolve_model(model: str) -> Path:
    path = Path(model)
    if path.is_dir():
        candidates = sorted(path.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
        if not candidates:
            raise FileNotFoundError(f"no trained model in {path}/ (run `make train`)")
        return candidates[-1]
    if not path.exists():
        raise FileNotFoundError(f"no model file {path}")
    return path


def _bar(fraction: float, width: int = 30) -> str:
    filled = round(fraction * width)
    return "█" * filled + "·" * (width - filled)


def print_scores(scores: Scores, model: Path, data: str) -> None:
    """The human-readable report."""
    print(f"\nNLU benchmark: {scores.total} held-out messages from {data}")
    print(f"model: {model}")
    print(f"  accuracy              {scores.accuracy:6.3f}")
    print(f"  macro-F1              {scores.macro_f1:6.3f}")
    print(f"  top-intent accuracy   {scores.top_intent_accuracy:6.3f}  (ignoring the fallback)")
    print(f"  fallback rate         {scores.fallback_rate:6.3f}")
    print(
        f"  parse latency         median {scores.latency_ms_median:.1f} ms, "
        f"p95 {scores.latency_ms_p95:.1f} ms"
    )
    print("\nper-intent F1 (worst first)")
    for intent, v in sorted(scores.per_intent.items(), key=lambda kv: kv[1]["f1"]):
        print(
            f"  {intent:<22} {_bar(v['f1'])} {v['f1']:.3f}  "
            f"(p {v['precision']:.2f} r {v['recall']:.2f} n {int(v['support'])})"
        )
    print("\nmost confused (gold -> predicted: count)")
    for gold, predicted, count in scores.confused or []:
        print(f"  {gold} -> {predicted}: {count}")
    if not scores.confused:
        print("  none")
    if scores.response_total:
        print(
            f"\nresponse selector (faq/<family>) top-1 accuracy  "
            f"{scores.response_accuracy:6.3f}  (n {scores.response_total})"
        )


async def _predict(
    model: Path, texts: list[str], parses: list[dict] | None = None
) -> tuple[list[str], list[str], list[float]]:
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))
    final, top, latencies = [], [], []
    width = 30
    for i, text in enumerate(texts, 1):
        started = time.perf_counter()
        parsed = await agent.parse_message(text)
        latencies.append((time.perf_counter() - started) * 1000)
        if parses is not None:
            parses.append(parsed)
        final.append(parsed["intent"]["name"])
        ranking = [r for r in parsed.get("intent_ranking", []) if r["name"] != FALLBACK]
        top.append(ranking[0]["name"] if ranking else parsed["intent"]["name"])
        if i % 20 == 0 or i == len(texts):
            done = i / len(texts)
            print(
                f"\r  parsing {_bar(done, width)} {i}/{len(texts)}",
                end="",
                file=sys.stderr,
                flush=True,
            )
    print(file=sys.stderr)
    return final, top, latencies


def run_benchmark(
    model: str, data: str, n_pairs: int, min_macro_f1: float | None, report: str | None
) -> int:
    """Load the model, parse every held-out message, print the scores."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    logging.getLogger("rasa").setLevel(logging.WARNING)
    from rasa.shared.nlu.training_data.loading import load_data
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)

    try:
        model_path = _resolve_model(model)
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    examples = [e for e in load_data(data).intent_examples if e.get("intent")]
    texts = [e.get("text") for e in examples]
    gold = [e.get("intent") for e in examples]
    gold_keys = [e.get("intent_response_key") for e in examples]
    print(f"loading {model_path} ...", file=sys.stderr)
    parses: list[dict] = []
    final, top, latencies = asyncio.run(_predict(model_path, texts, parses))
    scores = score(gold, final, top, texts, n_pairs)
    scores.response_accuracy, scores.response_total = response_selector_accuracy(
        gold_keys, [_selected_key(p, k) for p, k in zip(parses, gold_keys, strict=True)]
    )
    scores.latency_ms_median = statistics.median(latencies)
    scores.latency_ms_p95 = sorted(latencies)[int(0.95 * (len(latencies) - 1))]
    print_scores(scores, model_path, data)
    if report:
        Path(report).parent.mkdir(parents=True, exist_ok=True)
        Path(report).write_text(json.dumps(scores.__dict__, indent=2), encoding="utf-8")
        print(f"\nreport written to {report}")
    if min_macro_f1 is not None and scores.macro_f1 < min_macro_f1:
        print(
            f"\nFAIL: macro-F1 {scores.macro_f1:.3f} is below {min_macro_f1:.3f}", file=sys.stderr
        )
        return 1
    return 0
