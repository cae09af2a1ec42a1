"""`make bench-faq-flows`: what the FAQ costs the flows, measured against the same data without it.

The FAQ (retrieval intent `faq`, ~1,400 examples) sits next to the flow intents in one
intent classifier, so a borderline problem ("where is my login code") can be taken for a
question. This bench trains the same NLU pipeline on the same data minus the FAQ (its
examples and answers, and the pipeline components that only serve it), parses every line
of the held-out file and the real-customer dev set that is not itself an FAQ question with
that model and with the real one, and prints per intent the F1 without and with the FAQ,
the accuracy of both, and each line one model gets right and the other wrong. A JSON
report and a bar chart (`faq-flows.png`) go to the output folder.

Training the model without the FAQ takes one to two minutes; nothing is written under
models/ (a temporary folder holds it).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.modelops.faq_fresh import FAQ_INTENT as RETRIEVAL_INTENT
from bot.modelops.nlu_metrics import f1_per_label

# Pipeline components that only serve the retrieval intent (matched on the class name)
FAQ_ONLY_COMPONENTS = ("ResponseSelector", "FaqFallbackRescue", "FaqFamilyVote")


def config_without_faq(config: dict[str, Any]) -> dict[str, Any]:
    """The config with the FAQ-only components taken out of the pipeline (policies kept)."""
    pipeline = [
        component
        for component in config.get("pipeline") or []
        if str(component.get("name", "")).rsplit(".", 1)[-1] not in FAQ_ONLY_COMPONENTS
    ]
    return {**config, "pipeline": pipeline}


def _is_retrieval(intent: str) -> bool:
    return intent == RETRIEVAL_INTENT or intent.startswith(f"{RETRIEVAL_INTENT}/")


def nlu_without_faq(document: dict[str, Any]) -> dict[str, Any]:
    """One NLU YAML document without the retrieval intent's examples and answers."""
    result = dict(document)
    result["nlu"] = [
        block
        for block in document.get("nlu") or []
        if not _is_retrieval(str(block.get("intent", "")))
    ]
    if "responses" in document:
        result["responses"] = {
            name: variants
            for name, variants in (document.get("responses") or {}).items()
            if not name.startswith(f"utter_{RETRIEVAL_INTENT}/")
        }
    return result


@dataclass
class Line:
    """A line one model gets right and the other wrong."""

    text: str
    gold: str
    without_faq: str
    with_faq: str


@dataclass
class FlowComparison:
    """One data set's non-FAQ lines, scored by the model without the FAQ and with it."""

    data: str
    lines: int
    accuracy_without: float
    accuracy_with: float
    taken_as_faq: int
    f1: dict[str, dict[str, float]] = field(default_factory=dict)  # intent -> without/with/n
    lost: list[Line] = field(default_factory=list)
    gained: list[Line] = field(default_factory=list)

    @property
    def lower(self) -> list[str]:
        """Intents whose F1 is lower with the FAQ."""
        return [i for i, s in self.f1.items() if s["with"] < s["without"] - 1e-9]


def compare(
    data: str,
    texts: Sequence[str],
    gold: Sequence[str],
    without: Sequence[str],
    with_faq: Sequence[str],
) -> FlowComparison:
    """Score the lines whose gold intent is not the retrieval intent under both models."""
    keep = [i for i, g in enumerate(gold) if not _is_retrieval(g)]
    t = [texts[i] for i in keep]
    g = [gold[i] for i in keep]
    a = [without[i] for i in keep]
    b = [with_faq[i] for i in keep]
    labels = sorted(set(g))
    before, after = f1_per_label(g, a, labels), f1_per_label(g, b, labels)
    n = len(g)
    return FlowComparison(
        data=data,
        lines=n,
        accuracy_without=sum(x == y for x, y in zip(g, a, strict=True)) / n if n else 0.0,
        accuracy_with=sum(x == y for x, y in zip(g, b, strict=True)) / n if n else 0.0,
        taken_as_faq=sum(_is_retrieval(p) for p in b),
        f1={
            label: {
                "without": before[label]["f1"],
                "with": after[label]["f1"],
                "n": before[label]["support"],
            }
            for label in labels
        },
        lost=[Line(*row) for row in zip(t, g, a, b, strict=True) if row[2] == row[1] != row[3]],
        gained=[Line(*row) for row in zip(t, g, a, b, strict=True) if row[3] == row[1] != row[2]],
    )


def format_comparison(result: FlowComparison) -> list[str]:
    """The side-by-side table and the changed lines, as printable lines."""
    out = [
        f"\n{result.data}: {result.lines} lines that are not FAQ questions",
        f"  accuracy without the FAQ {result.accuracy_without:.3f}, with it "
        f"{result.accuracy_with:.3f}; taken as faq: {result.taken_as_faq}",
        f"  {'intent':22s} {'n':>4s}  {'F1 without':>10s}  {'with FAQ':>9s}",
    ]
    for intent, s in result.f1.items():
        mark = "  lower" if intent in result.lower else ""
        out.append(f"  {intent:22s} {s['n']:4.0f}  {s['without']:10.3f}  {s['with']:9.3f}{mark}")
    for tag, lines in (("lost", result.lost), ("gained", result.gained)):
        for line in lines:
            seen = f"now {line.with_faq}" if tag == "lost" else f"was {line.without_faq}"
            out.append(f"  {tag:6s} {line.gold} ({seen}): {line.text[:100]}")
    return out


def write_chart(results: Sequence[FlowComparison], path: Path) -> None:
    """One panel per data set: F1 per intent without and with the FAQ."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(9, 3.2 * max(1, len(results))), dpi=100)
    FigureCanvasAgg(figure)
    for row, result in enumerate(results, 1):
        axes = figure.add_subplot(len(results), 1, row)
        intents = list(result.f1)
        positions = range(len(intents))
        axes.bar([p - 0.2 for p in positions], [result.f1[i]["without"] for i in intents], 0.4)
        axes.bar([p + 0.2 for p in positions], [result.f1[i]["with"] for i in intents], 0.4)
        axes.legend(["without the FAQ", "with the FAQ"], loc="lower left", fontsize=8)
        axes.set_xticks(list(positions))
        axes.set_xticklabels(intents, rotation=60, ha="right", fontsize=7)
        axes.set_ylim(0.5, 1.02)
        axes.set_ylabel("F1")
        axes.set_title(
            f"{Path(result.data).name}: accuracy {result.accuracy_without:.3f} without the FAQ, "
            f"{result.accuracy_with:.3f} with it",
            fontsize=9,
        )
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, format="png")


def train_without_faq(config: Path, nlu_dir: Path, workdir: Path) -> Path:
    """Train the NLU pipeline without the FAQ into `workdir`; the model file's path."""
    from rasa.model_training import train_nlu

    data = workdir / "nlu"
    data.mkdir(parents=True)
    for source in sorted(nlu_dir.glob("*.yml")):
        document = yaml.safe_load(source.read_text(encoding="utf-8")) or {}
        (data / source.name).write_text(
            yaml.safe_dump(nlu_without_faq(document), sort_keys=False, allow_unicode=True),
            encoding="utf-8",
        )
    stripped = config_without_faq(yaml.safe_load(config.read_text(encoding="utf-8")))
    config_file = workdir / "config.yml"
    config_file.write_text(yaml.safe_dump(stripped, sort_keys=False), encoding="utf-8")
    print("training the same NLU pipeline without the FAQ ...", file=sys.stderr)
    model = train_nlu(str(config_file), str(data), str(workdir / "model"), "without-faq")
    if not model:
        raise RuntimeError("training without the FAQ produced no model")
    return Path(model)


def _predictions(model: Path, sets: dict[str, list[str]]) -> dict[str, list[str]]:
    """The final intent of every text of every data set, the model loaded once."""
    from bot.modelops.bench_nlu import _load_agent, _parse_all

    agent = _load_agent(model)
    return {name: asyncio.run(_parse_all(agent, texts)).final for name, texts in sets.items()}


def run(model: Path, datasets: Sequence[str], config: Path, nlu_dir: Path, out: Path) -> int:
    """Train without the FAQ, score every data set with both models, report."""
    from bot.modelops.bench_nlu import _quiet_rasa, load_examples

    _quiet_rasa()
    present = [d for d in datasets if Path(d).exists()]
    for missing in sorted(set(datasets) - set(present)):
        print(f"note: {missing} is not here; skipped", file=sys.stderr)
    sets = {d: load_examples(d) for d in present}
    texts = {d: examples[0] for d, examples in sets.items()}
    with tempfile.TemporaryDirectory(prefix="without-faq-") as workdir:
        without = _predictions(train_without_faq(config, nlu_dir, Path(workdir)), texts)
    with_faq = _predictions(model, texts)
    results = [compare(d, *sets[d], without[d], with_faq[d]) for d in present]
    for result in results:
        print("\n".join(format_comparison(result)))
    out.mkdir(parents=True, exist_ok=True)
    (out / "faq-flows.json").write_text(
        json.dumps([{**asdict(r), "lower": r.lower} for r in results], indent=2), encoding="utf-8"
    )
    write_chart(results, out / "faq-flows.png")
    print(f"\nreport written to {out / 'faq-flows.json'} and {out / 'faq-flows.png'}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """`python -m bot.modelops.faq_flows`."""
    parser = argparse.ArgumentParser(
        prog="python -m bot.modelops.faq_flows", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--model", default="models/current.tar.gz", help="the model with the FAQ")
    parser.add_argument(
        "--data",
        action="append",
        default=None,
        help="NLU file or TSV to score (repeatable; default: held-out file and real-dev)",
    )
    parser.add_argument("--config", default="config.yml", help="the pipeline to train")
    parser.add_argument("--nlu", default="data/nlu", help="the NLU training data folder")
    parser.add_argument("--out", default="results/nlu", help="folder for the JSON and chart")
    args = parser.parse_args(argv)
    model = Path(args.model)
    if not model.is_file():
        parser.error(f"no model file at {model} (run `make train` first)")
    datasets = args.data or ["tests/nlu/heldout.yml", "../shared/evaluation/real-dev.tsv"]
    return run(model, datasets, Path(args.config), Path(args.nlu), Path(args.out))


if __name__ == "__main__":
    raise SystemExit(main())
