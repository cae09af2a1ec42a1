"""The production profile's pure parts: required settings and the nginx configuration."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from bot.modelops.cluster import REQUIRED, missing_settings, nginx_config


def test_names_every_missing_setting() -> None:
    assert missing_settings({}) == list(REQUIRED)
    full = dict.fromkeys(REQUIRED, "x")
    assert missing_settings(full) == []
    assert missing_settings({**full, "ACTION_SERVER_TOKEN": ""}) == ["ACTION_SERVER_TOKEN"]


def test_config_lists_every_process_and_keeps_socketio_sticky(tmp_path: Path) -> None:
    conf = nginx_config(tmp_path, 8080, [7001, 7002], 7100, [7201, 7202])
    assert conf.count("server 127.0.0.1:7001") == 2  # REST upstream and socket.io upstream
    assert "server 127.0.0.1:7202" in conf
    assert "ip_hash;" in conf.split("upstream rasa_socketio")[1].split("}")[0]
    assert "listen 127.0.0.1:8080;" in conf and "listen 127.0.0.1:7100;" in conf
    assert "daemon off;" in conf and f"pid {tmp_path}/nginx.pid;" in conf


@pytest.mark.skipif(shutil.which("nginx") is None, reason="nginx is not installed")
def test_nginx_accepts_the_generated_config(tmp_path: Path) -> None:
    conf = tmp_path / "nginx.conf"
    conf.write_text(nginx_config(tmp_path, 18080, [17001, 17002], 17100, [17201]))
    checked = subprocess.run(["nginx", "-t", "-p", str(tmp_path), "-c", str(conf)],
                             capture_output=True, text=True)  # fmt: skip
    assert checked.returncode == 0, checked.stderr
