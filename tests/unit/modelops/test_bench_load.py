"""The load benchmark's pure parts: percentiles, summaries, the plan, the stock bot's data."""

from __future__ import annotations

import math

import pytest

from bot.modelops.bench_load import (
    OUR_SCRIPTS,
    Script,
    Summary,
    Turn,
    _reply_matches,
    conversation_plan,
    format_table,
    percentile,
    summarise,
    throughput_ratio,
    turn_breakdown,
    with_echo_after_each_turn,
)


def test_percentile_interpolates_between_closest_ranks() -> None:
    values = [10.0, 20.0, 30.0, 40.0]
    assert percentile(values, 0) == 10.0
    assert percentile(values, 100) == 40.0
    assert percentile(values, 50) == 25.0
    assert percentile(values, 95) == pytest.approx(38.5)
    assert percentile([7.0], 95) == 7.0
    assert math.isnan(percentile([], 50))
    with pytest.raises(ValueError):
        percentile(values, 101)


def test_percentile_does_not_depend_on_order() -> None:
    assert percentile([3.0, 1.0, 2.0], 50) == percentile([1.0, 2.0, 3.0], 50) == 2.0


def test_summary_counts_every_answered_message_over_the_wall_clock() -> None:
    summary = summarise([100.0] * 19 + [1000.0], errors=1, unexpected=2, seconds=4.0,
                        conversations=5, rss_bytes=300 * 2**20, processes=3,
                        cpu_seconds=1.0)  # fmt: skip
    assert summary.messages == 20
    assert summary.messages_per_second == 5.0
    assert summary.p50_ms == 100.0
    assert summary.p95_ms == pytest.approx(145.0)
    assert summary.max_ms == 1000.0
    assert (summary.errors, summary.unexpected) == (1, 2)
    assert (summary.rss_mb, summary.processes) == (300.0, 3)
    assert summary.cpu_ms_per_message == 50.0


def test_table_shows_both_bots_and_the_ratio() -> None:
    stock = summarise([100.0, 200.0], 0, 0, 1.0, 1)
    ours = summarise([50.0] * 6, 0, 0, 1.0, 2)
    table = format_table({"stock": stock, "ours": ours})
    assert "stock" in table and "ours" in table
    assert "ours/stock messages/s: 3.00x" in table
    assert throughput_ratio({"ours": ours}) is None


def test_plan_follows_the_weights_and_is_repeatable() -> None:
    a = Script("a", (Turn("x"),), weight=2)
    b = Script("b", (Turn("y"),))
    plan = conversation_plan([a, b], 7)
    assert [s.name for s in plan] == ["a", "a", "b", "a", "a", "b", "a"]
    assert conversation_plan(OUR_SCRIPTS, 80) == conversation_plan(OUR_SCRIPTS, 80)


def test_a_reply_must_exist_and_hold_an_expected_word() -> None:
    turn = Turn("hi", ("hello", "welcome"))
    assert _reply_matches([{"text": "Welcome back"}], turn) == (True, True)
    assert _reply_matches([{"text": "what?"}], turn) == (True, False)
    assert _reply_matches([], turn) == (False, False)
    assert _reply_matches(500, turn) == (False, False)
    assert _reply_matches([{"image": "x"}], Turn("hi")) == (True, True)


def test_stock_bot_runs_the_echo_action_after_every_bot_turn() -> None:
    steps = [{"intent": "greet"}, {"action": "utter_greet"}, {"intent": "mood_unhappy"},
             {"action": "utter_cheer_up"}, {"action": "utter_did_that_help"}]  # fmt: skip
    assert with_echo_after_each_turn(steps) == [
        {"intent": "greet"}, {"action": "utter_greet"}, {"action": "action_echo"},
        {"intent": "mood_unhappy"}, {"action": "utter_cheer_up"},
        {"action": "utter_did_that_help"}, {"action": "action_echo"},
    ]  # fmt: skip


def test_summary_is_a_frozen_record() -> None:
    with pytest.raises(AttributeError):
        summarise([1.0], 0, 0, 1.0, 1).errors = 3  # type: ignore[misc]
    assert isinstance(summarise([1.0], 0, 0, 1.0, 1), Summary)


def test_cpu_time_of_this_process_is_read_from_proc() -> None:
    import os

    from bot.modelops.bench_load import cpu_seconds, process_tree, rss_bytes

    assert os.getpid() in process_tree(os.getpid())
    assert cpu_seconds([os.getpid()]) > 0
    assert rss_bytes([os.getpid()]) > 0


def test_turn_breakdown_puts_the_slowest_turn_first_with_its_share() -> None:
    rows = turn_breakdown({"a #1": [10.0, 20.0, 30.0], "b #2": [400.0]}, total=4)
    assert [row["turn"] for row in rows] == ["b #2", "a #1"]
    assert rows[0] == {"turn": "b #2", "share": 0.25, "p50_ms": 400.0, "p95_ms": 400.0}
    assert rows[1]["share"] == 0.75 and rows[1]["p50_ms"] == 20.0
