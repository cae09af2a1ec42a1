"""`python -m bot models ...` and `conversations show`, in-process, on temporary stores."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import create_engine, insert

from bot.cli import main
from bot.insights.reader import events_table
from bot.modelops.releases import ReleaseStore, read_model_id
from tests.unit.modelops.release_fakes import add_candidate


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ReleaseStore:
    monkeypatch.setenv("SIGNIN_MODELS_DIR", str(tmp_path / "models"))
    return ReleaseStore()


def test_list_show_promote_rollback(store: ReleaseStore, capsys: pytest.CaptureFixture) -> None:
    assert main(["models", "list"]) == 0
    assert "no models yet" in capsys.readouterr().out
    add_candidate(store, "20261201T100000Z-aaaaaaaa", "m-a", accepted=True)
    add_candidate(store, "20261201T110000Z-bbbbbbbb", "m-b", accepted=True)
    add_candidate(store, "20261201T120000Z-cccccccc", "m-c", accepted=False, macro_f1=0.7)
    assert main(["models", "promote", "20261201T10"]) == 0
    assert main(["models", "promote", "20261201T11"]) == 0
    capsys.readouterr()
    # a rejected candidate is not served without --force
    assert main(["models", "promote", "20261201T12"]) == 1
    assert "rejected by the gate" in capsys.readouterr().err
    assert store.current_id() == "20261201T110000Z-bbbbbbbb"
    assert main(["models", "list", "--json"]) == 0
    listed = {row["id"]: row["state"] for row in json.loads(capsys.readouterr().out)}
    assert listed == {"20261201T100000Z-aaaaaaaa": "release (accepted)",
                      "20261201T110000Z-bbbbbbbb": "current",
                      "20261201T120000Z-cccccccc": "candidate (rejected)"}  # fmt: skip
    assert main(["models", "show"]) == 0
    shown = capsys.readouterr().out
    assert "20261201T110000Z-bbbbbbbb  (current)" in shown and "macro_f1 0.900" in shown
    assert main(["models", "rollback"]) == 0
    assert "to 20261201T100000Z-aaaaaaaa" in capsys.readouterr().out
    assert read_model_id(store.current_archive) == "m-a"
    assert main(["models", "path", "--current"]) == 0
    assert capsys.readouterr().out.strip() == str(
        store.releases / "20261201T100000Z-aaaaaaaa.tar.gz"
    )


def test_show_unknown_release_is_an_error(
    store: ReleaseStore, capsys: pytest.CaptureFixture
) -> None:
    assert main(["models", "show", "nope"]) == 1
    assert "no release or candidate" in capsys.readouterr().err


def test_conversations_show_and_stories(
    store: ReleaseStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture,
) -> None:  # fmt: skip
    add_candidate(store, "20261201T100000Z-aaaaaaaa", "m-a", accepted=True)
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    engine = create_engine(url, future=True)
    events_table.metadata.create_all(engine)
    user = {"event": "user", "text": "forgot pw for bob@corp.com", "timestamp": 1764583200.0,
            "parse_data": {"intent": {"name": "forgot_password", "confidence": 0.91},
                           "intent_ranking": [], "entities": []},
            "metadata": {"model_id": "m-a"}}  # fmt: skip
    act = {"event": "action", "name": "password_reset_form", "timestamp": 1764583201.0}
    with engine.begin() as conn:
        for event in (user, act):
            conn.execute(insert(events_table).values(
                sender_id="conv-9", type_name=event["event"], timestamp=event["timestamp"],
                data=json.dumps(event)))  # fmt: skip
    engine.dispose()
    monkeypatch.setenv("TRACKER_STORE_URL", url)
    assert main(["conversations", "show", "conv-9"]) == 0
    out = capsys.readouterr().out
    assert "user: forgot pw for name@example.com" in out and "bob@corp.com" not in out
    assert "intent forgot_password (0.91), 20261201T100000Z-aaaaaaaa" in out
    assert "action password_reset_form" in out
    assert main(["conversations", "show", "conv-9", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["turns"][0]["release"] == "20261201T100000Z-aaaaaaaa"
    assert main(["conversations", "show", "nobody"]) == 1
    assert "no conversation" in capsys.readouterr().err
    out_file = tmp_path / "story.yml"
    assert main(["insights", "stories", "--conversation", "conv-9", "--out", str(out_file)]) == 0
    assert "intent: forgot_password" in out_file.read_text()


def test_retention_setting_is_checked(monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture) -> None:  # fmt: skip
    from bot.settings import SettingsError, retention_days

    assert retention_days({}) == 90
    assert retention_days({"SIGNIN_RETENTION_DAYS": "30"}) == 30
    for bad in ("0", "soon"):
        with pytest.raises(SettingsError, match="SIGNIN_RETENTION_DAYS"):
            retention_days({"SIGNIN_RETENTION_DAYS": bad})
