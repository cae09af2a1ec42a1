"""Run the action server and the Rasa server together until Ctrl-C.

Used by `make run` (`python -m bot serve`) and by the integration tests. The embedded
default needs no other service: the app database and the tracker store are SQLite files
under `var/` unless SIGNIN_DATABASE_URL / TRACKER_STORE_URL say otherwise.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import FrameType

from bot.rasa_plugins.action_auth import TOKEN_ENV
from bot.settings import PROJECT_ROOT, tracker_store_url

READY_TIMEOUT_SECONDS = 300


def default_rasa_workers(cpus: int | None = None) -> int:
    """One Rasa process per core (a Rasa process uses one core), at most 4 (each holds the
    model in memory, ~0.4 GB)."""
    return max(1, min(cpus or os.cpu_count() or 1, 4))


def default_action_workers(cpus: int | None = None) -> int:
    """Actions are light (SQLite, worker threads): two processes once there are two cores."""
    return 2 if (cpus or os.cpu_count() or 1) > 1 else 1


def server_environment(
    action_port: int, base: dict[str, str] | None = None, web_port: int = 5080
) -> dict[str, str]:
    """Environment the servers need: endpoint URLs filled into endpoints.yml, the shared
    secret between Rasa and the action server (a fresh one per run unless set), the action
    server bound to loopback, and the public URL that account emails link to."""
    env = dict(os.environ if base is None else base)
    env.setdefault("ACTION_ENDPOINT_URL", f"http://127.0.0.1:{action_port}/webhook")
    if not env.get(TOKEN_ENV):
        env[TOKEN_ENV] = _local_token()
    env.setdefault("SANIC_HOST", "127.0.0.1")  # where rasa_sdk binds the action server
    env.setdefault("SIGNIN_PUBLIC_URL", f"http://127.0.0.1:{web_port}")
    env.setdefault("TRACKER_STORE_URL", tracker_store_url(env))
    env.setdefault("RASA_TELEMETRY_ENABLED", "false")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    env.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
    return env


TOKEN_FILE = PROJECT_ROOT / "var" / "action-server.token"


def _local_token() -> str:
    """The shared secret of local runs: kept in var/ (owner-only) so that `make shell` can
    talk to the action server that `make run` started; made anew when missing."""
    try:
        token = TOKEN_FILE.read_text(encoding="utf-8").strip()
        if len(token) >= 32:
            return token
    except OSError:
        pass
    token = secrets.token_urlsafe(32)
    TOKEN_FILE.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(TOKEN_FILE, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(token)
    return token


def action_server_command(port: int) -> list[str]:
    """The action server (rasa_sdk) serving `bot.actions`."""
    return [sys.executable, "-m", "rasa_sdk", "--actions", "bot.actions", "--port", str(port)]


def rasa_server_command(
    port: int,
    model: str,
    host: str = "127.0.0.1",
    endpoints: str = "endpoints.yml",
    credentials: str = "credentials.yml",
) -> list[str]:
    """The Rasa server with the channels of `credentials` (REST and socketio by default)."""
    return [
        sys.executable, "-m", "rasa", "run",
        "--model", model,
        "--port", str(port),
        "--interface", host,
        "--credentials", str(PROJECT_ROOT / credentials),
        "--endpoints", str(PROJECT_ROOT / endpoints),
        "--cors", "*",
    ]  # fmt: skip


def wait_until_up(url: str, process: subprocess.Popen, timeout: float) -> bool:
    """Poll `url` until it answers, the process dies, or `timeout` passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        if _answers(url):
            return True
        time.sleep(0.5)
    return False


def stop(processes: list[subprocess.Popen]) -> None:
    """Terminate, then kill what does not stop within 10 seconds."""
    for process in processes:
        if process.poll() is None:
            process.terminate()
    deadline = time.monotonic() + 10
    for process in processes:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def web_server_command(port: int, rasa_port: int, host: str = "127.0.0.1") -> list[str]:
    """The agent inbox and demo page server."""
    return [sys.executable, "-m", "bot", "web", "--port", str(port), "--host", host,
            "--rasa-url", f"http://{host}:{rasa_port}"]  # fmt: skip


def _instructions(rasa_port: int, host: str, web_port: int) -> str:
    base = f"http://{host}:{rasa_port}"
    return (
        f"\nThe assistant is up.\n"
        f"  web chat: http://{host}:{web_port}/ (demo support page with the chat widget)\n"
        f"  inbox:    http://{host}:{web_port}/inbox/ (add an agent: "
        f".venv/bin/python -m bot agents add EMAIL)\n"
        f"  REST:     curl -s -XPOST {base}/webhooks/rest/webhook "
        f'-H \'Content-Type: application/json\' -d \'{{"sender": "me", "message": "hi"}}\'\n'
        f"  socketio: {base}/socket.io (web chat widget)\n"
        f"  terminal: make shell (in another terminal)\n"
        f"  emails:   .venv/bin/python -m bot outbox list\n"
        f"Press Ctrl-C to stop.\n"
    )


def serve(
    rasa_port: int,
    action_port: int,
    model: str,
    host: str = "127.0.0.1",
    web_port: int = 5080,
    endpoints: str = "endpoints.yml",
    credentials: str = "credentials.yml",
    rasa_workers: int | None = None,
    action_workers: int | None = None,
) -> int:
    """Start both servers, print how to chat, and stop both on Ctrl-C or when one dies.

    Rasa and the action server each run several worker processes on one port (Sanic
    workers: `SANIC_WORKERS`, `ACTION_SERVER_SANIC_WORKERS`). A conversation's messages are
    still handled one at a time: the endpoints file's lock store is shared by every worker
    (file locks in `endpoints.yml`, Redis in production). Rasa runs one worker when the
    endpoints file has no shared lock store."""
    from bot.bootstrap import get_container
    from bot.settings import SettingsError, check_safe_deployment, get_settings

    env = server_environment(action_port, web_port=web_port)
    rasa_workers = rasa_workers or int(env.get("SANIC_WORKERS") or default_rasa_workers())
    action_workers = action_workers or int(
        env.get("ACTION_SERVER_SANIC_WORKERS") or default_action_workers()
    )
    os.environ.setdefault("SIGNIN_PUBLIC_URL", env["SIGNIN_PUBLIC_URL"])
    get_settings.cache_clear()
    try:
        check_safe_deployment(get_settings(), env["TRACKER_STORE_URL"], (host,))
    except SettingsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    get_container()  # creates the app database tables before the first conversation
    (PROJECT_ROOT / "var").mkdir(exist_ok=True)
    if not Path(model).exists():
        print(f"error: no trained model at {model}; run `make train` first", file=sys.stderr)
        return 1
    processes: list[subprocess.Popen] = []
    stopping = False

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        print(f"starting the action server on port {action_port} "
              f"({action_workers} worker(s)) ...", flush=True)  # fmt: skip
        actions = subprocess.Popen(
            action_server_command(action_port),
            env={**env, "ACTION_SERVER_SANIC_WORKERS": str(action_workers)},
            start_new_session=True,
        )
        processes.append(actions)
        if not wait_until_up(f"http://127.0.0.1:{action_port}/health", actions, 120):
            print("error: the action server did not start (see its output above)", file=sys.stderr)
            return 1
        print(f"starting the Rasa server on port {rasa_port} ({rasa_workers} worker(s), "
              "loading the model) ...", flush=True)  # fmt: skip
        rasa = subprocess.Popen(
            rasa_server_command(rasa_port, model, host, endpoints, credentials),
            env={**env, "SANIC_WORKERS": str(rasa_workers)},
            start_new_session=True,
        )
        processes.append(rasa)
        if not wait_until_up(f"http://127.0.0.1:{rasa_port}/", rasa, READY_TIMEOUT_SECONDS):
            if not stopping:
                print(
                    "error: the Rasa server did not start (see its output above)", file=sys.stderr
                )
            return 0 if stopping else 1
        inbox = subprocess.Popen(web_server_command(web_port, rasa_port, host), env=env,
                                 start_new_session=True)  # fmt: skip
        processes.append(inbox)
        if not wait_until_up(f"http://127.0.0.1:{web_port}/inbox/login", inbox, 60):
            if not stopping:
                print("error: the inbox server did not start", file=sys.stderr)
            return 0 if stopping else 1
        from bot.bootstrap import get_container as _container

        delivered, pending = _container().handoff.retry_pending()
        if delivered or pending:
            print(f"helpdesk: {delivered} kept case(s) delivered, {pending} still pending")
        print(_instructions(rasa_port, host, web_port), flush=True)
        while not stopping:
            for process in processes:
                if process.poll() is not None:
                    print(
                        f"error: a server stopped (exit code {process.returncode})", file=sys.stderr
                    )
                    return 1
            time.sleep(0.5)
        return 0
    finally:
        if processes:
            print("stopping ...", flush=True)
        stop(processes)


def shell(action_port: int, model: str) -> int:
    """Chat in the terminal: reuse a running action server or start one for the session."""
    from bot.bootstrap import get_container

    get_container()
    env = server_environment(action_port)
    started: list[subprocess.Popen] = []
    try:
        if not _answers(f"http://127.0.0.1:{action_port}/health"):
            actions = subprocess.Popen(
                action_server_command(action_port),
                env=env,
                start_new_session=True,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            started.append(actions)
            if not wait_until_up(f"http://127.0.0.1:{action_port}/health", actions, 120):
                print("error: the action server did not start", file=sys.stderr)
                return 1
        command = [
            sys.executable, "-m", "rasa", "shell", "--model", model,
            "--endpoints", str(PROJECT_ROOT / "endpoints.yml"),
        ]  # fmt: skip
        return subprocess.call(command, env=env)
    except KeyboardInterrupt:
        return 0
    finally:
        stop(started)


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False
