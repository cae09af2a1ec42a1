"""The gate's decisions on evaluation results (no model needed)."""

from __future__ import annotations

from bot.modelops.gate import decide, flatten, format_rows

GOOD = {
    "heldout": {"accuracy": 0.93, "macro_f1": 0.92, "n": 570},
    "live_heldout": {"accuracy": 0.80, "macro_f1": 0.78, "n": 40},
    "stories": {"story_success": 1.0, "correct_actions": 1.0},
}


def _with(group: str, metric: str, value: float) -> dict:
    changed = {g: dict(v) for g, v in GOOD.items()}
    changed[group][metric] = value
    return changed


def test_first_model_is_judged_by_the_absolute_bar_only() -> None:
    assert decide(GOOD, None).accepted
    low = decide(_with("heldout", "macro_f1", 0.80), None)
    assert not low.accepted and "below 0.85" in low.reasons[0]
    failing = decide(_with("stories", "story_success", 0.9), None)
    assert not failing.accepted and "test stories" in failing.reasons[0]


def test_missing_results_are_not_a_pass() -> None:
    decision = decide({"heldout": {"accuracy": 0.9}}, None)
    assert not decision.accepted
    assert any("macro-F1" in r for r in decision.reasons)
    assert any("not run" in r for r in decision.reasons)


def test_a_drop_beyond_the_tolerance_rejects() -> None:
    worse = _with("live_heldout", "macro_f1", 0.74)
    decision = decide(worse, GOOD, tolerance=0.01)
    assert not decision.accepted
    assert decision.reasons == (
        "live_heldout.macro_f1 dropped from 0.780 to 0.740 (more than 0.01)",
    )
    (row,) = [r for r in decision.rows if r.dropped]
    assert row.name == "live_heldout.macro_f1" and round(row.change, 3) == -0.04


def test_a_drop_within_the_tolerance_and_gains_pass() -> None:
    assert decide(_with("heldout", "accuracy", 0.925), GOOD, tolerance=0.01).accepted
    assert decide(_with("heldout", "macro_f1", 0.95), GOOD).accepted


def test_the_sample_size_is_not_a_metric() -> None:
    assert "heldout.n" not in flatten(GOOD)
    assert decide(_with("heldout", "n", 10), GOOD).accepted


def test_the_table_flags_drops() -> None:
    table = format_rows(decide(_with("heldout", "accuracy", 0.5), GOOD))
    line = next(ln for ln in table.splitlines() if ln.startswith("heldout.accuracy"))
    assert "0.930" in line and "0.500" in line and "dropped" in line


def test_one_wrecked_intent_rejects_even_when_the_average_holds() -> None:
    before = {"greet": 0.95, "forgot_password": 0.93}
    wrecked = {"greet": 0.96, "forgot_password": 0.60}
    decision = decide(GOOD, GOOD, per_intent=(wrecked, before))
    assert not decision.accepted
    assert decision.reasons == (
        "F1 of intent forgot_password dropped from 0.930 to 0.600 (more than 0.1)",
    )
    noisy = {"greet": 0.90, "forgot_password": 0.88}  # one or two messages either way
    assert decide(GOOD, GOOD, per_intent=(noisy, before)).accepted
