"""`make retrain` end to end with a stand-in trainer and evaluator (training is not the point
here): a worse candidate is kept out, a good one is promoted, leaks stop everything."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.modelops import retrain
from bot.modelops.evaluation import Evaluation
from bot.modelops.live_heldout import HeldOutMessage
from bot.modelops.releases import ReleaseStore
from bot.modelops.training import Trained
from tests.unit.modelops.release_fakes import add_candidate

GOOD = {"heldout": {"accuracy": 0.93, "macro_f1": 0.94}, "stories": {"story_success": 1.0}}
WORSE = {"heldout": {"accuracy": 0.80, "macro_f1": 0.83}, "stories": {"story_success": 1.0}}


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ReleaseStore:
    store = ReleaseStore(tmp_path / "models")
    add_candidate(store, "20261201T100000Z-aaaaaaaa", "m-current", data_hash="a" * 64)
    store.promote("20261201T100000Z-aaaaaaaa")
    monkeypatch.setattr(retrain, "_rasa", lambda *args: 0)  # data validates
    monkeypatch.setattr(retrain, "read_manifest", lambda: [])
    return store


def _candidate(store: ReleaseStore, monkeypatch: pytest.MonkeyPatch, metrics: dict) -> str:
    card = add_candidate(store, "20261201T110000Z-bbbbbbbb", "m-new", data_hash="b" * 64)
    archive = store.candidates / f"{card.id}.tar.gz"
    monkeypatch.setattr(retrain, "train_candidate", lambda s: Trained(card, archive, True))
    results = {archive.name: metrics}

    def evaluate(model: Path, live: list) -> Evaluation:
        return Evaluation(results.get(model.name, GOOD), {"greet": 1.0})

    monkeypatch.setattr(retrain, "evaluate", evaluate)
    return card.id


def test_a_worse_candidate_is_rejected_and_nothing_changes(
    store: ReleaseStore, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    candidate = _candidate(store, monkeypatch, WORSE)
    assert retrain.run_retrain(0.01, store=store) == 1
    out = capsys.readouterr().out
    assert "rejected candidate" in out and "heldout.macro_f1 dropped" in out
    assert store.current_id() == "20261201T100000Z-aaaaaaaa"
    card, archive = store.find(candidate)
    assert archive.parent == store.candidates
    assert card.gate["accepted"] is False and card.gate["compared_with"] == store.current_id()
    assert card.metrics == WORSE


def test_a_good_candidate_is_promoted(
    store: ReleaseStore, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    better = {"heldout": {"accuracy": 0.95, "macro_f1": 0.95}, "stories": {"story_success": 1.0}}
    candidate = _candidate(store, monkeypatch, better)
    assert retrain.run_retrain(0.01, store=store) == 0
    assert store.current_id() == candidate
    assert "no running assistant found" in capsys.readouterr().out
    assert store.find(candidate)[0].gate["accepted"] is True


def test_held_out_messages_in_the_training_data_stop_the_retrain(
    store: ReleaseStore, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    leaked = HeldOutMessage("hello there", "greet", "c", "2026-11-30")
    monkeypatch.setattr(retrain, "read_manifest", lambda: [leaked])
    monkeypatch.setattr(retrain, "leaks", lambda messages: list(messages))
    assert retrain.run_retrain(0.01, store=store) == 1
    assert "also training examples" in capsys.readouterr().err
