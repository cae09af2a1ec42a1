"""The model server Rasa pulls releases from: ETag, 304, status, promotions seen at once."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import yaml

from bot.cli.serve import launch_endpoints
from bot.modelops.model_server import ModelServer
from bot.modelops.releases import ReleaseStore
from tests.unit.modelops.release_fakes import add_candidate


@pytest.fixture
def store(tmp_path: Path) -> ReleaseStore:
    return ReleaseStore(tmp_path / "models")


@pytest.fixture
def server(store: ReleaseStore) -> Iterator[str]:
    srv = ModelServer(("127.0.0.1", 0), store)
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()
    srv.server_close()
    thread.join()


def test_no_release_is_404(server: str) -> None:
    assert requests.get(f"{server}/model", timeout=5).status_code == 404


def test_serves_the_current_release_with_its_id_as_etag(store: ReleaseStore, server: str) -> None:
    add_candidate(store, "20261201T100000Z-aaaaaaaa", "m-a")
    store.promote("20261201T100000Z-aaaaaaaa")
    first = requests.get(f"{server}/model", params={"worker": "rasa-1"}, timeout=5)
    assert first.status_code == 200
    assert first.headers["ETag"] == "20261201T100000Z-aaaaaaaa"
    assert first.content == store.current_archive.read_bytes()
    again = requests.get(f"{server}/model", params={"worker": "rasa-1"}, timeout=5,
                         headers={"If-None-Match": "20261201T100000Z-aaaaaaaa"})  # fmt: skip
    assert again.status_code == 304 and again.content == b""
    status = requests.get(f"{server}/status", timeout=5).json()
    assert status["current"] == "20261201T100000Z-aaaaaaaa"
    assert status["workers"]["rasa-1"]["release"] == "20261201T100000Z-aaaaaaaa"
    assert status["workers"]["rasa-1"]["loading"] is None


def test_status_says_loaded_only_once_the_worker_confirms(store: ReleaseStore, server: str) -> None:
    add_candidate(store, "20261201T100000Z-aaaaaaaa", "m-a")
    store.promote("20261201T100000Z-aaaaaaaa")
    add_candidate(store, "20261201T110000Z-bbbbbbbb", "m-b")
    store.promote("20261201T110000Z-bbbbbbbb")
    old = {"If-None-Match": "20261201T100000Z-aaaaaaaa"}
    assert requests.get(f"{server}/model", params={"worker": "w"}, headers=old,
                        timeout=5).status_code == 200  # fmt: skip
    worker = requests.get(f"{server}/status", timeout=5).json()["workers"]["w"]
    assert worker["release"] == "20261201T100000Z-aaaaaaaa"  # still serving the old one
    assert worker["loading"] == "20261201T110000Z-bbbbbbbb"


def test_a_promotion_changes_the_answer_and_a_candidate_does_not(
    store: ReleaseStore, server: str
) -> None:
    add_candidate(store, "20261201T100000Z-aaaaaaaa", "m-a")
    store.promote("20261201T100000Z-aaaaaaaa")
    old = {"If-None-Match": "20261201T100000Z-aaaaaaaa"}
    add_candidate(store, "20261201T110000Z-bbbbbbbb", "m-b", accepted=False)
    assert requests.get(f"{server}/model", headers=old, timeout=5).status_code == 304
    store.promote("20261201T110000Z-bbbbbbbb")
    pulled = requests.get(f"{server}/model", headers=old, timeout=5)
    assert pulled.status_code == 200 and pulled.headers["ETag"] == "20261201T110000Z-bbbbbbbb"


def test_launch_endpoints_adds_the_model_server_per_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SIGNIN_MODEL_PULL_SECONDS", "3")
    path = launch_endpoints("endpoints.yml", "http://127.0.0.1:9999/model", "rasa-2")
    models = yaml.safe_load(Path(path).read_text())["models"]
    assert models == {"url": "http://127.0.0.1:9999/model", "params": {"worker": "rasa-2"},
                      "wait_time_between_pulls": 3}  # fmt: skip
    plain = yaml.safe_load(Path(launch_endpoints("endpoints.yml")).read_text())
    assert "models" not in plain
