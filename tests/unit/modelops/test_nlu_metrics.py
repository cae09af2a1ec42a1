"""The scoring rules of the NLU benchmark (plain Python, no Rasa)."""

from pathlib import Path

import pytest

from bot.modelops.nlu_metrics import (
    apply_fallback,
    out_of_scope_rates,
    percentile,
    read_tsv_examples,
    score,
    sweep,
    thresholds_between,
)


def test_in_scope_macro_f1_leaves_out_of_scope_out_of_the_average() -> None:
    gold = ["a", "a", "out_of_scope", "out_of_scope"]
    predicted = ["a", "a", "out_of_scope", "a"]
    result = score(gold, predicted, predicted, ["t"] * 4)
    # a: p = 2/3, r = 1 -> f1 0.8; out_of_scope: p 1, r 1/2 -> 2/3
    assert result.macro_f1_in_scope == pytest.approx(0.8)
    assert result.macro_f1 == pytest.approx((0.8 + 2 / 3) / 2)
    assert (result.in_scope_total, result.oos_total) == (2, 2)


def test_fallback_and_out_of_scope_both_count_as_not_understood() -> None:
    gold = ["a", "b", "c", "d", "out_of_scope", "out_of_scope", "out_of_scope", "out_of_scope"]
    predicted = ["a", "nlu_fallback", "out_of_scope", "d", "nlu_fallback", "out_of_scope", "a",
                 "out_of_scope"]  # fmt: skip
    false_fallback, oos_recall, strict = out_of_scope_rates(gold, predicted)
    assert false_fallback == pytest.approx(2 / 4)
    assert oos_recall == pytest.approx(3 / 4)
    assert strict == pytest.approx(2 / 4)


def test_rates_are_zero_without_messages_of_a_kind() -> None:
    assert out_of_scope_rates(["a"], ["a"]) == (0.0, 0.0, 0.0)
    assert out_of_scope_rates([], []) == (0.0, 0.0, 0.0)


def test_apply_fallback_uses_threshold_and_ambiguity_like_rasa() -> None:
    top = ["a", "b", "c"]
    confidence = [0.9, 0.35, 0.5]
    second = [0.05, 0.1, 0.48]
    assert apply_fallback(top, confidence, second, 0.4, 0.05) == [
        "a",
        "nlu_fallback",
        "nlu_fallback",
    ]
    assert apply_fallback(top, confidence, second, 0.3, 0.0) == ["a", "b", "c"]


def test_sweep_trades_false_fallback_for_out_of_scope_recall() -> None:
    gold = ["a", "b", "out_of_scope", "out_of_scope"]
    top = ["a", "b", "a", "out_of_scope"]
    confidence = [0.9, 0.45, 0.3, 0.8]
    second = [0.0, 0.0, 0.0, 0.0]
    rows = sweep(gold, top, confidence, second, [0.2, 0.4, 0.5], 0.0)
    assert [r.threshold for r in rows] == [0.2, 0.4, 0.5]
    assert [r.in_scope_false_fallback for r in rows] == [0.0, 0.0, 0.5]
    assert [r.oos_recall for r in rows] == [0.5, 1.0, 1.0]
    assert rows[1].macro_f1_in_scope == pytest.approx(1.0)


def test_thresholds_between_includes_both_ends_without_float_drift() -> None:
    assert thresholds_between(0.2, 0.7, 0.05) == [
        0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7,
    ]  # fmt: skip
    with pytest.raises(ValueError):
        thresholds_between(0.5, 0.2, 0.1)


def test_percentile_is_nearest_rank() -> None:
    assert percentile([], 0.95) == 0.0
    assert percentile([5.0, 1.0, 3.0], 0.5) == 3.0
    assert percentile([float(i) for i in range(1, 101)], 0.95) == 95.0


def test_read_tsv_examples_takes_text_and_intent_columns(tmp_path: Path) -> None:
    path = tmp_path / "dev.tsv"
    path.write_text(
        'text\tintent\tsource\nlocked out "again"\taccount_locked\tx\n\t\t\nhi\tgreet\ty\n',
        encoding="utf-8",
    )
    assert read_tsv_examples(path) == (['locked out "again"', "hi"], ["account_locked", "greet"])


def test_read_tsv_examples_needs_the_header(tmp_path: Path) -> None:
    path = tmp_path / "bad.tsv"
    path.write_text("hello\tgreet\n", encoding="utf-8")
    with pytest.raises(ValueError, match="header"):
        read_tsv_examples(path)


def test_response_selector_accuracy_scores_only_messages_with_a_sub_intent() -> None:
    from bot.modelops.nlu_metrics import response_selector_accuracy

    gold = ["faq/a", None, "faq/b", "faq/c"]
    predicted = ["faq/a", "faq/x", "faq/c", None]
    assert response_selector_accuracy(gold, predicted) == (pytest.approx(1 / 3), 3)
    assert response_selector_accuracy([None, None], [None, "faq/a"]) == (0.0, 0)
