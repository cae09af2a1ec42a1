import pytest

from bot.modelops.bench_nlu import score


def test_scores_count_fallback_as_a_miss() -> None:
    gold = ["a", "a", "b", "b"]
    predicted = ["a", "nlu_fallback", "b", "a"]
    top = ["a", "a", "b", "a"]
    result = score(gold, predicted, top, ["t1", "t2", "t3", "t4"])
    assert result.accuracy == 0.5
    assert result.top_intent_accuracy == 0.75
    assert result.fallback_rate == 0.25
    # a: p=1/2 r=1/2 f=0.5 ; b: p=1 r=1/2 f=2/3
    assert result.macro_f1 == pytest.approx((0.5 + 2 / 3) / 2)
    assert result.confused[0][2] == 1
    assert {(e["gold"], e["predicted"]) for e in result.errors} == {
        ("a", "nlu_fallback"),
        ("b", "a"),
    }


def test_response_selector_accuracy_scores_only_messages_with_a_sub_intent() -> None:
    from bot.modelops.nlu_metrics import response_selector_accuracy

    gold = ["faq/a", None, "faq/b", "faq/b", None]
    predicted = ["faq/a", None, "faq/a", None, "faq/b"]
    assert response_selector_accuracy(gold, predicted) == (pytest.approx(1 / 3), 3)
    assert response_selector_accuracy([None, None], [None, "faq/a"]) == (0.0, 0)
