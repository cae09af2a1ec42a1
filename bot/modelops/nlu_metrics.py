"""Scores for intent classification, in plain Python (no Rasa), used by `bot.modelops.bench_nlu`.

Two kinds of "not understood" exist: the model's `out_of_scope` intent and the fallback
(`nlu_fallback`, confidence under the FallbackClassifier threshold). Both mean the assistant
does not claim to understand, so:

- *in-scope false fallback* is the share of in-scope messages (gold intent other than
  `out_of_scope`) whose final intent is `nlu_fallback` or `out_of_scope`;
- *out-of-scope recall* is the share of `out_of_scope` messages whose final intent is
  `out_of_scope` or `nlu_fallback`; the strict variant counts only `out_of_scope`;
- *macro-F1 in scope* averages F1 over the gold intents except `out_of_scope` (a message
  wrongly given an in-scope intent still costs that intent precision).

Accuracy and the plain macro-F1 (over every gold intent) count a fallback as a miss, as
before, so the team's gate on `macro_f1` keeps its meaning.
"""

from __future__ import annotations

import csv
import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

FALLBACK = "nlu_fallback"
OUT_OF_SCOPE = "out_of_scope"
NOT_UNDERSTOOD = frozenset({FALLBACK, OUT_OF_SCOPE})


@dataclass
class Scores:
    """Everything the benchmark measures on one data set."""

    total: int
    accuracy: float
    top_intent_accuracy: float
    macro_f1: float
    fallback_rate: float
    per_intent: dict[str, dict[str, float]]
    confused: list[tuple[str, str, int]]
    macro_f1_in_scope: float = 0.0
    in_scope_false_fallback: float = 0.0
    oos_recall: float = 0.0
    oos_recall_strict: float = 0.0
    in_scope_total: int = 0
    oos_total: int = 0
    latency_ms_median: float = 0.0
    latency_ms_p95: float = 0.0
    errors: list[dict[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class SweepRow:
    """Scores had the FallbackClassifier used `threshold`."""

    threshold: float
    accuracy: float
    macro_f1_in_scope: float
    in_scope_false_fallback: float
    oos_recall: float


def _ratio(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def f1_per_label(
    gold: Sequence[str], predicted: Sequence[str], labels: Sequence[str]
) -> dict[str, dict[str, float]]:
    """Precision, recall, F1 and support for each label."""
    per_label: dict[str, dict[str, float]] = {}
    for label in labels:
        tp = sum(1 for g, p in zip(gold, predicted, strict=True) if g == label and p == label)
        fp = sum(1 for g, p in zip(gold, predicted, strict=True) if g != label and p == label)
        fn = sum(1 for g, p in zip(gold, predicted, strict=True) if g == label and p != label)
        precision = _ratio(tp, tp + fp)
        recall = _ratio(tp, tp + fn)
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_label[label] = {
            "precision": precision,
            "recall": recall,
            "f1": f1,
            "support": float(tp + fn),
        }
    return per_label


def out_of_scope_rates(gold: Sequence[str], predicted: Sequence[str]) -> tuple[float, float, float]:
    """(in-scope false fallback, out-of-scope recall, strict out-of-scope recall)."""
    in_scope = [p for g, p in zip(gold, predicted, strict=True) if g != OUT_OF_SCOPE]
    oos = [p for g, p in zip(gold, predicted, strict=True) if g == OUT_OF_SCOPE]
    return (
        _ratio(sum(p in NOT_UNDERSTOOD for p in in_scope), len(in_scope)),
        _ratio(sum(p in NOT_UNDERSTOOD for p in oos), len(oos)),
        _ratio(sum(p == OUT_OF_SCOPE for p in oos), len(oos)),
    )


def macro_f1_in_scope(per_intent: dict[str, dict[str, float]]) -> float:
    """Mean F1 over the intents other than `out_of_scope`."""
    values = [v["f1"] for label, v in per_intent.items() if label != OUT_OF_SCOPE]
    return statistics.fmean(values) if values else 0.0


def score(
    gold: list[str], predicted: list[str], top: list[str], texts: list[str], n_pairs: int = 10
) -> Scores:
    """Compare gold intents with final predictions (`top`: the top intent ignoring fallback)."""
    labels = sorted(set(gold))
    per_intent = f1_per_label(gold, predicted, labels)
    pairs = Counter((g, p) for g, p in zip(gold, predicted, strict=True) if g != p)
    n = len(gold)
    false_fallback, oos_recall, oos_recall_strict = out_of_scope_rates(gold, predicted)
    return Scores(
        total=n,
        accuracy=_ratio(sum(g == p for g, p in zip(gold, predicted, strict=True)), n),
        top_intent_accuracy=_ratio(sum(g == t for g, t in zip(gold, top, strict=True)), n),
        macro_f1=statistics.fmean(v["f1"] for v in per_intent.values()) if per_intent else 0.0,
        fallback_rate=_ratio(sum(p == FALLBACK for p in predicted), n),
        per_intent=per_intent,
        confused=[(g, p, c) for (g, p), c in pairs.most_common(n_pairs)],
        macro_f1_in_scope=macro_f1_in_scope(per_intent),
        in_scope_false_fallback=false_fallback,
        oos_recall=oos_recall,
        oos_recall_strict=oos_recall_strict,
        in_scope_total=sum(g != OUT_OF_SCOPE for g in gold),
        oos_total=sum(g == OUT_OF_SCOPE for g in gold),
        errors=[
            {"text": t, "gold": g, "predicted": p}
            for t, g, p in zip(texts, gold, predicted, strict=True)
            if g != p
        ],
    )


def apply_fallback(
    top: Sequence[str],
    confidence: Sequence[float],
    second_confidence: Sequence[float],
    threshold: float,
    ambiguity_threshold: float,
) -> list[str]:
    """What Rasa's FallbackClassifier would answer with these settings.

    It replaces the top intent with `nlu_fallback` when the top confidence is below
    `threshold` or the top two are closer than `ambiguity_threshold`.
    """
    return [
        FALLBACK if c < threshold or c - c2 < ambiguity_threshold else t
        for t, c, c2 in zip(top, confidence, second_confidence, strict=True)
    ]


def sweep(
    gold: Sequence[str],
    top: Sequence[str],
    confidence: Sequence[float],
    second_confidence: Sequence[float],
    thresholds: Sequence[float],
    ambiguity_threshold: float,
) -> list[SweepRow]:
    """Scores for each fallback threshold, from one pass of raw predictions."""
    rows = []
    labels = sorted(set(gold))
    for threshold in thresholds:
        predicted = apply_fallback(
            top, confidence, second_confidence, threshold, ambiguity_threshold
        )
        false_fallback, oos_recall, _strict = out_of_scope_rates(gold, predicted)
        rows.append(
            SweepRow(
                threshold=round(threshold, 4),
                accuracy=_ratio(
                    sum(g == p for g, p in zip(gold, predicted, strict=True)), len(gold)
                ),
                macro_f1_in_scope=macro_f1_in_scope(f1_per_label(gold, predicted, labels)),
                in_scope_false_fallback=false_fallback,
                oos_recall=oos_recall,
            )
        )
    return rows


def thresholds_between(low: float, high: float, step: float) -> list[float]:
    """`low`, `low + step`, ... up to and including `high` (rounded, no float drift)."""
    if step <= 0 or high < low:
        raise ValueError("need step > 0 and high >= low")
    count = round((high - low) / step)
    return [round(low + i * step, 4) for i in range(count + 1)]


def percentile(values: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile (`fraction` in 0..1) of `values`; 0.0 when empty."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[int(fraction * (len(ordered) - 1))]


def read_tsv_examples(path: str | Path) -> tuple[list[str], list[str]]:
    """Texts and intents from a tab-separated file with a `text` and an `intent` column."""
    texts, intents = [], []
    with Path(path).open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        if not reader.fieldnames or not {"text", "intent"} <= set(reader.fieldnames):
            raise ValueError(f"{path}: needs a header with 'text' and 'intent' columns")
        for row in reader:
            text, intent = (row.get("text") or "").strip(), (row.get("intent") or "").strip()
            if text and intent:
                texts.append(text)
                intents.append(intent)
    return texts, intents


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
