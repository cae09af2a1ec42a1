"""`make bench-nlu`: how well the trained model recognises messages it was not trained on.

For each data set (the team's held-out file `tests/nlu/heldout.yml` and, when present, the
real-customer development set `../shared/evaluation/real-dev.tsv`) it prints accuracy,
macro-F1 over the in-scope intents, out-of-scope recall, the in-scope false-fallback rate,
per-intent F1, the most confused pairs and parse latency, side by side. On the development
set it also sweeps the FallbackClassifier threshold. The scoring rules are in
`bot.modelops.nlu_metrics`; the final intent counts as the answer, so a message that goes to the
fallback (`nlu_fallback`) is a miss for accuracy and F1.

`python -m bot bench nlu` (the `make nlu-eval` gate) scores one file; `python -m
bot.modelops.bench_nlu` (what `make bench-nlu` runs) scores several and writes one JSON per set.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import statistics
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.modelops.faq_fresh import (
    first_replies,
    load_questions,
    print_results,
    response_texts,
    score_questions,
)
from bot.modelops.nlu_metrics import (
    FALLBACK,
    Scores,
    SweepRow,
    percentile,
    read_tsv_examples,
    response_selector_accuracy,
    score,
    sweep,
    thresholds_between,
)

__all__ = ["FALLBACK", "Scores", "print_scores", "run_benchmark", "score"]

DEFAULT_DEV = "../shared/evaluation/real-dev.tsv"
DEFAULT_FAQ = "tests/nlu/faq_fresh.yml"
DEFAULT_FAQ_ANSWERS = "data/nlu/faq.yml"
DOMAIN_FILE = "domain.yml"


@dataclass
class Parsed:
    """What the model said about each message of one data set."""

    final: list[str]
    top: list[str]
    confidence: list[float]
    second_confidence: list[float]
    latencies_ms: list[float]
    selected: list[str | None] | None = None  # the FAQ family the ResponseSelector picked


def _resolve_model(model: str) -> Path:
    path = Path(model)
    if path.is_dir():
        # A folder means its accepted release (never "the newest file": a candidate that
        # was not accepted must not be what gets measured or served).
        current = path / "current.tar.gz"
        if not current.exists():
            raise FileNotFoundError(f"no accepted release in {path}/ (run `make train`)")
        return current
    if not path.exists():
        raise FileNotFoundError(f"no model file {path}")
    return path


def _bar(fraction: float, width: int = 30) -> str:
    filled = round(fraction * width)
    return "█" * filled + "·" * (width - filled)


def load_response_keys(data: str) -> list[str | None]:
    """The retrieval sub-intent (`faq/<family>`) of each example, None where there is none."""
    if data.endswith(".tsv"):
        return [None] * len(read_tsv_examples(data)[0])
    from rasa.shared.nlu.training_data.loading import load_data

    examples = [e for e in load_data(data).intent_examples if e.get("intent")]
    return [e.get("intent_response_key") for e in examples]


def print_response_accuracy(gold: list[str | None], parsed: Parsed) -> dict[str, float]:
    """Print and return the ResponseSelector's top-1 accuracy on faq/<family> examples."""
    accuracy, total = response_selector_accuracy(gold, parsed.selected or [None] * len(gold))
    if total:
        print(f"\nresponse selector (faq/<family>) top-1 accuracy  {accuracy:6.3f}  (n {total})")
    return {"response_accuracy": accuracy, "response_total": total}


def load_examples(data: str) -> tuple[list[str], list[str]]:
    """Texts and gold intents from a Rasa NLU file (YAML/JSON/Markdown) or a TSV file."""
    if data.endswith(".tsv"):
        return read_tsv_examples(data)
    from rasa.shared.nlu.training_data.loading import load_data

    examples = [e for e in load_data(data).intent_examples if e.get("intent")]
    return [e.get("text") for e in examples], [e.get("intent") for e in examples]


def fallback_settings(config: str | Path = "config.yml") -> tuple[float, float]:
    """(threshold, ambiguity_threshold) of the FallbackClassifier in `config`."""
    pipeline = (yaml.safe_load(Path(config).read_text(encoding="utf-8")) or {}).get("pipeline", [])
    for component in pipeline or []:
        if component.get("name") == "FallbackClassifier":
            return float(component.get("threshold", 0.3)), float(
                component.get("ambiguity_threshold", 0.1)
            )
    return 0.0, 0.0


def print_scores(scores: Scores, model: Path, data: str) -> None:
    """The human-readable report for one data set."""
    print(f"\nNLU benchmark: {scores.total} messages from {data}")
    print(f"model: {model}")
    print(f"  accuracy              {scores.accuracy:6.3f}")
    print(f"  macro-F1              {scores.macro_f1:6.3f}  (every intent)")
    print(f"  macro-F1 in scope     {scores.macro_f1_in_scope:6.3f}  (without out_of_scope)")
    print(f"  top-intent accuracy   {scores.top_intent_accuracy:6.3f}  (ignoring the fallback)")
    print(f"  fallback rate         {scores.fallback_rate:6.3f}")
    print(
        f"  in-scope false fallb. {scores.in_scope_false_fallback:6.3f}  "
        f"(n {scores.in_scope_total})"
    )
    print(
        f"  out-of-scope recall   {scores.oos_recall:6.3f}  "
        f"(strict {scores.oos_recall_strict:.3f}, n {scores.oos_total})"
    )
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


def print_side_by_side(results: dict[str, Scores]) -> None:
    """One table with a column per data set: the headline numbers, then F1 per intent."""
    names = list(results)
    width = max(12, *(len(n) for n in names))
    head = f"  {'':<26}" + "".join(f"{n:>{width + 2}}" for n in names)
    rows: list[tuple[str, str]] = [
        ("messages", "total"),
        ("accuracy", "accuracy"),
        ("macro-F1 (every intent)", "macro_f1"),
        ("macro-F1 in scope", "macro_f1_in_scope"),
        ("in-scope false fallback", "in_scope_false_fallback"),
        ("out-of-scope recall", "oos_recall"),
        ("  strict (out_of_scope)", "oos_recall_strict"),
        ("parse median ms", "latency_ms_median"),
        ("parse p95 ms", "latency_ms_p95"),
    ]
    print("\nsummary")
    print(head)
    for label, attr in rows:
        cells = []
        for name in names:
            value = getattr(results[name], attr)
            cells.append(f"{value:>{width + 2}}" if attr == "total" else f"{value:>{width + 2}.3f}")
        print(f"  {label:<26}" + "".join(cells))
    intents = sorted({i for s in results.values() for i in s.per_intent})
    print("\nF1 per intent (n)")
    print(head)
    for intent in intents:
        cells = []
        for name in names:
            v = results[name].per_intent.get(intent)
            cell = f"{v['f1']:.3f} ({int(v['support'])})" if v else "-"
            cells.append(f"{cell:>{width + 2}}")
        print(f"  {intent:<26}" + "".join(cells))


def print_sweep(rows: list[SweepRow], current: float, ambiguity: float, data: str) -> None:
    """The fallback threshold sweep as a table."""
    print(f"\nfallback threshold sweep on {data} (ambiguity_threshold {ambiguity})")
    print("  threshold  in-scope false fallback  out-of-scope recall  macro-F1 in scope  accuracy")
    for row in rows:
        mark = "  <- config.yml" if abs(row.threshold - current) < 1e-9 else ""
        print(
            f"  {row.threshold:9.2f}  {row.in_scope_false_fallback:23.3f}  {row.oos_recall:19.3f}"
            f"  {row.macro_f1_in_scope:17.3f}  {row.accuracy:8.3f}{mark}"
        )


async def _parse_all(agent: Any, texts: list[str]) -> Parsed:
    parsed_all = Parsed([], [], [], [], [], [])
    for i, text in enumerate(texts, 1):
        started = time.perf_counter()
        parsed = await agent.parse_message(text)
        parsed_all.latencies_ms.append((time.perf_counter() - started) * 1000)
        parsed_all.final.append(parsed["intent"]["name"])
        selector = parsed.get("response_selector", {}).get("faq", {})
        parsed_all.selected.append(selector.get("response", {}).get("intent_response_key"))
        ranking = [r for r in parsed.get("intent_ranking", []) if r["name"] != FALLBACK]
        parsed_all.top.append(ranking[0]["name"] if ranking else parsed["intent"]["name"])
        parsed_all.confidence.append(float(ranking[0]["confidence"]) if ranking else 0.0)
        parsed_all.second_confidence.append(
            float(ranking[1]["confidence"]) if len(ranking) > 1 else 0.0
        )
        if i % 20 == 0 or i == len(texts):
            print(
                f"\r  parsing {_bar(i / len(texts))} {i}/{len(texts)}",
                end="",
                file=sys.stderr,
                flush=True,
            )
    print(file=sys.stderr)
    return parsed_all


def _load_agent(model: Path) -> Any:
    from rasa.core.agent import Agent

    return Agent.load(str(model))


async def _predict(model: Path, texts: list[str]) -> tuple[list[str], list[str], list[float]]:
    """Final intent, top intent ignoring the fallback, and parse time (ms) per message."""
    parsed = await _parse_all(_load_agent(model), texts)
    return parsed.final, parsed.top, parsed.latencies_ms


def _quiet_rasa() -> None:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    logging.getLogger("rasa").setLevel(logging.WARNING)
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)


def _scores_for(parsed: Parsed, gold: list[str], texts: list[str], n_pairs: int) -> Scores:
    scores = score(gold, parsed.final, parsed.top, texts, n_pairs)
    scores.latency_ms_median = statistics.median(parsed.latencies_ms) if texts else 0.0
    scores.latency_ms_p95 = percentile(parsed.latencies_ms, 0.95)
    return scores


def _write_json(path: Path, payload: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=2), encoding="utf-8")
    print(f"report written to {path}")


def run_benchmark(
    model: str, data: str, n_pairs: int, min_macro_f1: float | None, report: str | None
) -> int:
    """Load the model, parse every message of one file, print the scores (the gate)."""
    _quiet_rasa()
    try:
        model_path = _resolve_model(model)
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    texts, gold = load_examples(data)
    print(f"loading {model_path} ...", file=sys.stderr)
    parsed = asyncio.run(_parse_all(_load_agent(model_path), texts))
    scores = _scores_for(parsed, gold, texts, n_pairs)
    print_scores(scores, model_path, data)
    selector = print_response_accuracy(load_response_keys(data), parsed)
    if report:
        _write_json(Path(report), {**asdict(scores), **selector})
    if min_macro_f1 is not None and scores.macro_f1 < min_macro_f1:
        print(
            f"\nFAIL: macro-F1 {scores.macro_f1:.3f} is below {min_macro_f1:.3f}", file=sys.stderr
        )
        return 1
    return 0


def run_fresh_faq(agent: Any, questions_file: str, answers_file: str, out_dir: str) -> bool:
    """Parse the fresh FAQ questions, print the pass count and misses; True when all pass."""
    questions = load_questions(questions_file)
    parsed = asyncio.run(_parse_all(agent, [q.text for q in questions]))
    results = score_questions(
        questions,
        parsed.final,
        parsed.selected or [],
        first_replies(answers_file),
        response_texts(DOMAIN_FILE),
    )
    print_results(results, questions_file)
    passed = sum(r.passed for r in results)
    _write_json(
        Path(out_dir) / "bench-faq_fresh.json",
        {
            "data": questions_file,
            "passed": passed,
            "total": len(results),
            "results": [{**asdict(r), "passed": r.passed} for r in results],
        },
    )
    return passed == len(results)


def run_comparison(
    model: str,
    datasets: list[str],
    sweep_on: str | None,
    thresholds: list[float],
    n_pairs: int,
    out_dir: str,
    config: str = "config.yml",
    faq: tuple[str, str] | None = None,
) -> int:
    """Score several data sets with one loaded model; sweep the fallback threshold on one.

    `faq` (questions file, answers file): also score the fresh FAQ questions.
    """
    _quiet_rasa()
    try:
        model_path = _resolve_model(model)
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    present = []
    for data in datasets:
        if Path(data).exists():
            present.append(data)
        else:
            print(f"note: {data} is not here; skipping it", file=sys.stderr)
    if not present:
        print("error: none of the data sets exist", file=sys.stderr)
        return 1
    print(f"loading {model_path} ...", file=sys.stderr)
    agent = _load_agent(model_path)
    threshold, ambiguity = fallback_settings(config)
    results: dict[str, Scores] = {}
    for data in present:
        name = Path(data).name.split(".")[0]
        texts, gold = load_examples(data)
        parsed = asyncio.run(_parse_all(agent, texts))
        scores = _scores_for(parsed, gold, texts, n_pairs)
        results[name] = scores
        print_scores(scores, model_path, data)
        selector = print_response_accuracy(load_response_keys(data), parsed)
        payload: dict[str, Any] = {"data": data, "model": str(model_path), **asdict(scores),
                                   **selector}  # fmt: skip
        if data == sweep_on:
            rows = sweep(gold, parsed.top, parsed.confidence, parsed.second_confidence,
                         thresholds, ambiguity)  # fmt: skip
            print_sweep(rows, threshold, ambiguity, data)
            payload["fallback_sweep"] = {
                "configured_threshold": threshold,
                "ambiguity_threshold": ambiguity,
                "rows": [asdict(r) for r in rows],
            }
        _write_json(Path(out_dir) / f"bench-{name}.json", payload)
    print_side_by_side(results)
    if faq and Path(faq[0]).exists():
        run_fresh_faq(agent, faq[0], faq[1], out_dir)
    return 0


def _threshold_range(value: str) -> list[float]:
    try:
        low, high, step = (float(x) for x in value.split(":"))
        return thresholds_between(low, high, step)
    except ValueError as exc:
        raise argparse.ArgumentTypeError("expected LOW:HIGH:STEP, e.g. 0.2:0.7:0.05") from exc


def main(argv: list[str] | None = None) -> int:
    """`python -m bot.modelops.bench_nlu`: compare data sets and sweep the fallback threshold."""
    parser = argparse.ArgumentParser(
        prog="python -m bot.modelops.bench_nlu", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--model", default="models", help="model file or folder")
    parser.add_argument(
        "--data",
        action="append",
        default=None,
        help="an NLU file to score (repeatable; default tests/nlu/heldout.yml)",
    )
    parser.add_argument(
        "--dev",
        default=DEFAULT_DEV,
        help="development TSV (text, intent); skipped with a note when absent; "
        "the threshold sweep runs on it",
    )
    parser.add_argument(
        "--sweep",
        type=_threshold_range,
        default=thresholds_between(0.2, 0.7, 0.05),
        help="fallback thresholds LOW:HIGH:STEP (default 0.2:0.7:0.05)",
    )
    parser.add_argument("--top", type=int, default=10, help="confused pairs to show")
    parser.add_argument("--config", default="config.yml", help="where the fallback settings are")
    parser.add_argument("--out", default="results/nlu", help="folder for the JSON reports")
    parser.add_argument(
        "--faq", default=DEFAULT_FAQ, help="fresh FAQ questions (text, family, key_fact)"
    )
    parser.add_argument(
        "--faq-answers", default=DEFAULT_FAQ_ANSWERS, help="file with the utter_faq/* answers"
    )
    parser.add_argument(
        "--faq-only",
        action="store_true",
        help="score only the fresh FAQ questions; exit 1 unless every one passes",
    )
    args = parser.parse_args(argv)
    if args.faq_only:
        _quiet_rasa()
        model_path = _resolve_model(args.model)
        agent = _load_agent(model_path)
        return 0 if run_fresh_faq(agent, args.faq, args.faq_answers, args.out) else 1
    datasets = [*(args.data or ["tests/nlu/heldout.yml"]), args.dev]
    return run_comparison(
        args.model,
        datasets,
        args.dev,
        args.sweep,
        args.top,
        args.out,
        args.config,
        faq=(args.faq, args.faq_answers),
    )


if __name__ == "__main__":
    sys.exit(main())
