"""The gate a model passes before it is served: pure decisions over evaluation results.

Two rules, both always applied:

- **absolute:** macro-F1 on the team's held-out file at least `min_macro_f1` (0.85, the
  same bar as `make nlu-eval`) and every test story passes. This is what the first model of
  a fresh clone is accepted by.
- **relative** (when a release is current): no metric of the candidate is lower than the
  current release's by more than `tolerance`, both evaluated on the same sets in the same
  run (held-out file, the live held-out slice when it has messages, test stories); and no
  single intent's F1 on the held-out file drops by more than `intent_tolerance` (0.10: with
  about 28 held-out messages per intent, one message is worth about 0.03, so this stops a
  wrecked intent that the average hides without failing on noise).

Metrics come as `{set: {metric: value}}`, e.g. `{"heldout": {"macro_f1": 0.91}}`; a set's
`n` (how many messages) is information, not a metric.
"""

from __future__ import annotations

from dataclasses import dataclass, field

NOT_METRICS = frozenset({"n"})


@dataclass(frozen=True)
class MetricRow:
    """One metric of the comparison."""

    name: str  # "heldout.macro_f1"
    current: float | None
    candidate: float
    dropped: bool

    @property
    def change(self) -> float | None:
        return None if self.current is None else self.candidate - self.current


@dataclass(frozen=True)
class GateDecision:
    """Whether the candidate may be served, and why not."""

    accepted: bool
    reasons: tuple[str, ...]
    rows: tuple[MetricRow, ...] = field(default=())


def flatten(metrics: dict[str, dict[str, float]]) -> dict[str, float]:
    """`{"heldout": {"accuracy": 0.9}}` → `{"heldout.accuracy": 0.9}` (without `n`)."""
    return {
        f"{group}.{name}": float(value)
        for group, values in metrics.items()
        for name, value in values.items()
        if name not in NOT_METRICS
    }


def decide(
    candidate: dict[str, dict[str, float]],
    current: dict[str, dict[str, float]] | None,
    tolerance: float = 0.01,
    min_macro_f1: float = 0.85,
    per_intent: tuple[dict[str, float], dict[str, float]] | None = None,
    intent_tolerance: float = 0.10,
) -> GateDecision:
    """Apply both rules.

    Args:
        candidate: The candidate's metrics.
        current: The current release's metrics on the same sets, or None when there is none.
        tolerance: Largest drop allowed in any metric.
        min_macro_f1: Smallest macro-F1 allowed on the held-out file.
        per_intent: (candidate, current) F1 per intent on the held-out file, same run.
        intent_tolerance: Largest drop allowed in one intent's F1.

    Returns:
        The decision, with one row per metric and a sentence per failed rule.
    """
    reasons: list[str] = []
    flat = flatten(candidate)
    macro = flat.get("heldout.macro_f1")
    if macro is None:
        reasons.append("no held-out macro-F1 for the candidate")
    elif macro < min_macro_f1:
        reasons.append(f"held-out macro-F1 {macro:.3f} is below {min_macro_f1:.2f}")
    stories = flat.get("stories.story_success")
    if stories is None:
        reasons.append("the test stories were not run")
    elif stories < 1.0:
        reasons.append(f"test stories: {stories:.1%} pass, all must")
    before = flatten(current) if current is not None else {}
    rows = []
    for name in sorted(set(flat) | set(before)):
        after = flat.get(name, 0.0)
        previous = before.get(name)
        dropped = previous is not None and after < previous - tolerance
        rows.append(MetricRow(name, previous, after, dropped))
        if dropped:
            reasons.append(
                f"{name} dropped from {previous:.3f} to {after:.3f} (more than {tolerance})"
            )
    if per_intent is not None and current is not None:
        after_f1, before_f1 = per_intent
        for intent in sorted(before_f1):
            drop = before_f1[intent] - after_f1.get(intent, 0.0)
            if drop > intent_tolerance:
                reasons.append(
                    f"F1 of intent {intent} dropped from {before_f1[intent]:.3f} to "
                    f"{after_f1.get(intent, 0.0):.3f} (more than {intent_tolerance})"
                )
    return GateDecision(accepted=not reasons, reasons=tuple(reasons), rows=tuple(rows))


def format_rows(decision: GateDecision) -> str:
    """The side-by-side table `make retrain` prints."""
    lines = [f"{'metric':<30} {'current':>8} {'candidate':>10} {'change':>8}"]
    for row in decision.rows:
        current = "–" if row.current is None else f"{row.current:.3f}"
        change = "" if row.change is None else f"{row.change:+.3f}"
        flag = "  ← dropped" if row.dropped else ""
        lines.append(f"{row.name:<30} {current:>8} {row.candidate:10.3f} {change:>8}{flag}")
    return "\n".join(lines)
