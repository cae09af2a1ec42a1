"""A real assistant (`python -m bot serve`) on free ports, for the tests that talk to it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from bot.bootstrap import Container
from bot.settings import PROJECT_ROOT

MODEL = PROJECT_ROOT / "models" / "current.tar.gz"


def model_for_data() -> Path:
    """The model built from the data in this checkout (what the tests must exercise): the
    current release, or the candidate `make train` built after a data change that no retrain
    accepted yet; the current release when neither matches."""
    from bot.modelops.data_hash import data_hash
    from bot.modelops.releases import ReleaseStore

    found = ReleaseStore().for_data(data_hash())
    return found[1] if found is not None else MODEL


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class RunningAssistant:
    """A started assistant and the stores it writes to."""

    process: subprocess.Popen
    rasa_url: str
    web_url: str
    action_port: int
    container: Container
    tracker_db: Path
    log: Path

    def say(self, sender: str, text: str) -> list[dict]:
        response = requests.post(
            f"{self.rasa_url}/webhooks/rest/webhook",
            json={"sender": sender, "message": text},
            timeout=30,
        )
        response.raise_for_status()
        return response.json()


def start_assistant(
    work: Path,
    app_db: str,
    tracker_url: str,
    extra_env: dict[str, str] | None = None,
    endpoints: str | None = None,
) -> tuple[subprocess.Popen, str, str, int, Path]:
    """Start `python -m bot serve` on free ports; returns process, URLs, action port, log."""
    model = model_for_data()
    if not model.exists():
        pytest.fail(f"no trained model at {model}: run `make train` (make test does)")
    rasa_port, action_port, web_port = free_port(), free_port(), free_port()
    env = dict(os.environ)
    env.update(
        SIGNIN_DATABASE_URL=app_db,
        TRACKER_STORE_URL=tracker_url,
        ACTION_ENDPOINT_URL=f"http://127.0.0.1:{action_port}/webhook",
        **(extra_env or {}),
    )
    command = [sys.executable, "-m", "bot", "serve", "--rasa-port", str(rasa_port),
               "--action-port", str(action_port), "--web-port", str(web_port),
               "--model", str(model)]  # fmt: skip
    if endpoints:
        command += ["--endpoints", endpoints]
    log = work / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=PROJECT_ROOT
        )
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the assistant exited early:\n{log.read_text()[-3000:]}")
        if "The assistant is up." in log.read_text(errors="replace"):
            break
        time.sleep(1)
    else:
        process.kill()
        pytest.fail(f"the assistant did not start in time:\n{log.read_text()[-3000:]}")
    return (process, f"http://127.0.0.1:{rasa_port}", f"http://127.0.0.1:{web_port}",
            action_port, log)  # fmt: skip


def stop_assistant(process: subprocess.Popen) -> None:
    """Ctrl-C, then kill if it does not stop."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
