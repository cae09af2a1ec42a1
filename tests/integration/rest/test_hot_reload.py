"""Hot reload of model releases on a running assistant, checked over REST.

The assistant (`python -m bot serve`, two Rasa processes behind the balancer) serves the
current release of a temporary release store through its model server. A rejected
candidate changes nothing: the same intent ranking from the same model. A promotion
reaches both Rasa processes without a restart (the model id in the events changes), and a
rollback brings the first release back. The second release is the trained model repacked
with another model id, so no second training is needed.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, select

from bot.insights.reader import events_table
from bot.modelops.releases import Card, ReleaseStore, read_model_id
from bot.settings import PROJECT_ROOT
from tests.support.assistant import free_port, model_for_data, stop_assistant

PULL_SECONDS = 2


def repack(source: Path, target: Path, model_id: str) -> Path:
    """A copy of a trained archive whose metadata.json names another model id."""
    with tarfile.open(source, "r:gz") as src, tarfile.open(target, "w:gz", compresslevel=1) as dst:
        for member in src:
            handle = src.extractfile(member) if member.isfile() else None
            if member.name.removeprefix("./") == "metadata.json" and handle is not None:
                data = json.loads(handle.read())
                data["model_id"] = model_id
                raw = json.dumps(data).encode()
                member.size = len(raw)
                dst.addfile(member, io.BytesIO(raw))
            else:
                dst.addfile(member, handle)
    return target


def _release(store: ReleaseStore, archive: Path, release_id: str, accepted: bool) -> Card:
    card = Card(id=release_id, data_hash="0" * 64, trained_at="2026-12-01T00:00:00+00:00",
                trained_by="test", gate={"accepted": accepted})  # fmt: skip
    store.add_candidate(archive, card)
    return card


def _last_user_event(tracker_url: str, sender: str) -> dict:
    engine = create_engine(tracker_url, future=True)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                select(events_table.c.data)
                .where(events_table.c.sender_id == sender, events_table.c.type_name == "user")
                .order_by(events_table.c.id.desc()).limit(1)
            ).all()  # fmt: skip
    finally:
        engine.dispose()
    return json.loads(rows[0][0])


def _ask(rasa_url: str, tracker_url: str, sender: str, text: str) -> tuple[str, list]:
    """Send over REST; the model id and intent ranking Rasa stored for that message."""
    response = requests.post(f"{rasa_url}/webhooks/rest/webhook",
                             json={"sender": sender, "message": text}, timeout=60)  # fmt: skip
    response.raise_for_status()
    event = _last_user_event(tracker_url, sender)
    ranking = [(r["name"], round(r["confidence"], 6))
               for r in event["parse_data"]["intent_ranking"][:5]]  # fmt: skip
    return event["metadata"]["model_id"], ranking


def _wait_served(store: ReleaseStore, release: str, workers: int, timeout: float = 120) -> dict:
    url = json.loads(store.server_file.read_text())["url"]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = requests.get(f"{url}/status", timeout=5).json()
        served = {w: info["release"] for w, info in status["workers"].items()}
        if len(served) == workers and set(served.values()) == {release}:
            return served
        time.sleep(0.5)
    pytest.fail(f"not every Rasa process serves {release}: {status}")


def test_rejected_candidate_is_not_served_and_promotion_reloads_without_restart(
    tmp_path: Path,
) -> None:
    MODEL = model_for_data()
    if not MODEL.exists():
        pytest.fail(f"no trained model at {MODEL}: run `make train` (make test does)")
    store = ReleaseStore(tmp_path / "models")
    first_id = read_model_id(MODEL)
    assert first_id
    shutil.copy(MODEL, tmp_path / "a.tar.gz")
    first = _release(store, tmp_path / "a.tar.gz", "20261201T100000Z-aaaaaaaa", True)
    store.promote(first.id)
    second = _release(store, repack(MODEL, tmp_path / "b.tar.gz", "second-model"),
                      "20261201T110000Z-bbbbbbbb", True)  # fmt: skip
    rasa_port, action_port, web_port = free_port(), free_port(), free_port()
    tracker_url = f"sqlite:///{tmp_path / 'tracker.db'}"
    env = {**os.environ, "SIGNIN_MODELS_DIR": str(store.root),
           "SIGNIN_MODEL_PULL_SECONDS": str(PULL_SECONDS),
           "SIGNIN_DATABASE_URL": f"sqlite:///{tmp_path / 'app.db'}",
           "TRACKER_STORE_URL": tracker_url}  # fmt: skip
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "serve", "--rasa-port", str(rasa_port),
             "--action-port", str(action_port), "--web-port", str(web_port),
             "--rasa-workers", "2", "--action-workers", "1",
             "--model", str(store.current_archive)],
            env=env, stdout=out, stderr=subprocess.STDOUT, cwd=PROJECT_ROOT,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 400
        while "The assistant is up." not in log.read_text(errors="replace"):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the assistant did not start:\n{log.read_text()[-3000:]}")
            time.sleep(1)
        rasa_url = f"http://127.0.0.1:{rasa_port}"
        assert _wait_served(store, first.id, 2)

        model, before = _ask(rasa_url, tracker_url, "hot-1", "i forgot my password")
        assert model == first_id and before[0][0] == "forgot_password"

        # a rejected candidate is trained and stored: nothing changes for customers
        rejected = repack(MODEL, tmp_path / "c.tar.gz", "rejected-model")
        _release(store, rejected, "20261201T120000Z-cccccccc", False)
        time.sleep(3 * PULL_SECONDS)
        for sender in ("hot-2", "hot-3"):  # both Rasa processes (round robin)
            assert _ask(rasa_url, tracker_url, sender, "i forgot my password") == (
                first_id, before)  # fmt: skip

        # promotion: every process pulls the new release, no restart
        store.promote(second.id)
        assert _wait_served(store, second.id, 2)
        for sender in ("hot-4", "hot-5"):
            model, ranking = _ask(rasa_url, tracker_url, sender, "i forgot my password")
            assert model == "second-model" and ranking == before

        # rollback: the first release again
        store.rollback()
        assert _wait_served(store, first.id, 2)
        for sender in ("hot-6", "hot-7"):
            assert _ask(rasa_url, tracker_url, sender, "i forgot my password")[0] == first_id
        assert process.poll() is None  # the same process all along
        assert "Traceback" not in log.read_text(errors="replace")
    finally:
        stop_assistant(process)
