"""`make bench-load`: this assistant under load, side by side with Rasa's stock bot.

Both bots run on this machine, one after the other, on free loopback ports, and get the same
closed-loop load: `--concurrency` simulated customers, each holding scripted conversations
over REST one turn at a time (the next message goes out when the reply is in) and starting a
new conversation when one ends, until `--conversations` conversations are done.

- **stock**: `rasa init`'s project (Rasa's own scaffold, as `rasa init --no-prompt` writes it)
  in `build/stock-bot/`, plus one trivial custom action, `action_echo`, run after every bot
  reply of its stories and rules, so every turn costs one action-server call. It is trained
  once and kept (retrained only when its files change); in-memory tracker store, as shipped.
- **ours**: `python -m bot serve` (what `make run` starts) with temporary SQLite databases and
  a realistic mix of conversations: password reset with an email address, service status, a
  link check, browser help, a code that does not arrive.

Every reply is checked (HTTP 200, at least one message, and the words the script expects), so
a fast wrong answer counts. Prints messages/s, latency p50/p95/max, errors, the servers' RSS
(summed over every process of each set-up, the largest seen while under load) and the ratio
ours/stock, and writes the numbers to `results/bench-load/<time>.json`. Loopback only,
bounded in count (`--conversations`) and time (`--max-seconds` per bot).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import math
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import yaml

from bot.settings import PROJECT_ROOT

STOCK_DIR = PROJECT_ROOT / "build" / "stock-bot"
RESULTS_DIR = PROJECT_ROOT / "results" / "bench-load"
HOST = "127.0.0.1"
REQUEST_TIMEOUT_SECONDS = 30

# --- scripted conversations -------------------------------------------------------------


@dataclass(frozen=True)
class Turn:
    """One customer message and words its reply must contain (any of them, case-insensitive)."""

    text: str
    expect: tuple[str, ...] = ()


@dataclass(frozen=True)
class Script:
    name: str
    turns: tuple[Turn, ...]
    weight: int = 1


def _t(text: str, *expect: str) -> Turn:
    return Turn(text, expect)


# `{n}` in a message becomes the conversation's number (unique addresses: resets are
# throttled per address).
OUR_SCRIPTS: tuple[Script, ...] = (
    Script("reset with email", (
        _t("hi", "sign-in assistant"),
        _t("i forgot my password", "email address"),
        _t("bench{n}@example.com", "If an account exists"),
        _t("no", "Bye"),
    ), weight=3),
    Script("service status", (
        _t("is your service down", "status", "operational", "working"),
        _t("thanks", "welcome"),
    ), weight=2),
    Script("link check", (
        _t("is this link safe? http://example.com.evil.net/login", "not", "safe"),
        _t("thank you", "welcome"),
    ), weight=2),
    Script("browser help", (
        _t("the sign in page doesn't load in chrome", "try this"),
        _t("no", "try this"),
        _t("no", "try this"),
    ), weight=2),
    Script("code not arriving", (
        _t("hello", "sign-in assistant"),
        _t("my verification code doesn't arrive", "How do you"),
        _t("sms", "Text-message"),
        _t("bye", "Bye"),
    ), weight=2),
)  # fmt: skip

STOCK_SCRIPTS: tuple[Script, ...] = (
    Script("happy path", (_t("hello", "Hey"), _t("I am great", "Great"))),
    Script("sad path 1", (_t("hi", "Hey"), _t("I am sad", "picture", "help"),
                          _t("yes", "Great"))),
    Script("sad path 2", (_t("hey", "Hey"), _t("very sad", "picture", "help"),
                          _t("no", "Bye"))),
    Script("bot challenge", (_t("are you a bot?", "bot"), _t("bye", "Bye"))),
)  # fmt: skip


def conversation_plan(scripts: Sequence[Script], count: int) -> list[Script]:
    """`count` scripts in a fixed order that follows their weights (no randomness)."""
    cycle = [script for script in scripts for _ in range(script.weight)]
    return [cycle[i % len(cycle)] for i in range(count)]


# --- numbers ------------------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100) by linear interpolation between closest ranks
    (numpy's default); NaN for no values."""
    if not values:
        return math.nan
    if not 0 <= q <= 100:
        raise ValueError(f"percentile must be within 0..100, not {q}")
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass(frozen=True)
class Summary:
    """What one bot did under the load."""

    messages: int
    conversations: int
    seconds: float
    messages_per_second: float
    p50_ms: float
    p95_ms: float
    max_ms: float
    errors: int
    unexpected: int
    rss_mb: float
    processes: int
    cpu_ms_per_message: float = math.nan


def summarise(
    latencies_ms: Sequence[float],
    errors: int,
    unexpected: int,
    seconds: float,
    conversations: int,
    rss_bytes: int = 0,
    processes: int = 0,
    cpu_seconds: float = math.nan,
) -> Summary:
    """Throughput counts every message answered (errors too: they took their turn)."""
    messages = len(latencies_ms)
    return Summary(
        messages=messages,
        conversations=conversations,
        seconds=round(seconds, 2),
        messages_per_second=round(messages / seconds, 2) if seconds > 0 else 0.0,
        p50_ms=round(percentile(latencies_ms, 50), 1) if messages else math.nan,
        p95_ms=round(percentile(latencies_ms, 95), 1) if messages else math.nan,
        max_ms=round(max(latencies_ms), 1) if messages else math.nan,
        errors=errors,
        unexpected=unexpected,
        rss_mb=round(rss_bytes / 2**20, 1),
        processes=processes,
        cpu_ms_per_message=round(cpu_seconds * 1000 / messages, 1) if messages else math.nan,
    )


def turn_breakdown(per_turn_ms: dict[str, list[float]], total: int) -> list[dict[str, object]]:
    """Per scripted turn: share of the messages, p50 and p95; slowest p95 first."""
    rows = [
        {
            "turn": key,
            "share": round(len(values) / total, 3) if total else 0.0,
            "p50_ms": round(percentile(values, 50), 1),
            "p95_ms": round(percentile(values, 95), 1),
        }
        for key, values in per_turn_ms.items()
        if values
    ]
    return sorted(rows, key=lambda row: -float(row["p95_ms"]))  # type: ignore[arg-type]


def format_turns(rows: list[dict[str, object]], limit: int = 5) -> str:
    """The slowest turns, one line each."""
    return "\n".join(
        f"  {row['turn']:<28} {float(row['share']):>5.0%} of messages  "  # type: ignore[arg-type]
        f"p50 {float(row['p50_ms']):>5.0f} ms  p95 {float(row['p95_ms']):>5.0f} ms"  # type: ignore[arg-type]
        for row in rows[:limit]
    )


def format_table(summaries: dict[str, Summary]) -> str:
    """A plain-text table, one row per bot, then the ratio ours/stock when both ran."""
    headers = ["bot", "msgs", "msg/s", "p50 ms", "p95 ms", "max ms", "errors", "unexpected",
               "RSS MB (procs)", "CPU ms/msg"]  # fmt: skip
    rows = [
        [name, str(s.messages), f"{s.messages_per_second:.1f}", f"{s.p50_ms:.0f}",
         f"{s.p95_ms:.0f}", f"{s.max_ms:.0f}", str(s.errors), str(s.unexpected),
         f"{s.rss_mb:.0f} ({s.processes})", f"{s.cpu_ms_per_message:.0f}"]
        for name, s in summaries.items()
    ]  # fmt: skip
    widths = [max(len(r[i]) for r in [headers, *rows]) for i in range(len(headers))]
    lines = ["  ".join(cell.rjust(widths[i]) for i, cell in enumerate(row))
             for row in [headers, *rows]]  # fmt: skip
    ratio = throughput_ratio(summaries)
    if ratio is not None:
        lines.append(f"ours/stock messages/s: {ratio:.2f}x")
    return "\n".join(lines)


def throughput_ratio(summaries: dict[str, Summary]) -> float | None:
    stock, ours = summaries.get("stock"), summaries.get("ours")
    if not stock or not ours or stock.messages_per_second <= 0:
        return None
    return round(ours.messages_per_second / stock.messages_per_second, 2)


# --- process memory -----------------------------------------------------------------------


def process_tree(pid: int) -> list[int]:
    """`pid` and all its descendants (Linux /proc)."""
    found, stack = [], [pid]
    while stack:
        current = stack.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*"):
            try:
                stack.extend(int(c) for c in (task / "children").read_text().split())
            except OSError:
                continue
    return found


def cpu_seconds(pids: Sequence[int]) -> float:
    """User + system CPU time the processes have used so far (Linux /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
        except (OSError, IndexError, ValueError):
            continue
    return total / ticks


def rss_bytes(pids: Sequence[int]) -> int:
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            continue
    return total


class RssSampler:
    """Samples the summed RSS of the servers' process trees twice a second; keeps the peak.
    Also the CPU time the servers used between enter and exit (machine-load independent)."""

    def __init__(self, roots: Sequence[int]) -> None:
        self._roots = roots
        self.peak = 0
        self.processes = 0
        self.cpu = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            pids = self._pids()
            total = rss_bytes(pids)
            if total > self.peak:
                self.peak, self.processes = total, len(pids)
            self._stop.wait(0.5)

    def _pids(self) -> list[int]:
        return [p for root in self._roots for p in process_tree(root)]

    def __enter__(self) -> RssSampler:
        self._cpu_start = cpu_seconds(self._pids())
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.cpu = max(0.0, cpu_seconds(self._pids()) - self._cpu_start)


# --- the load -----------------------------------------------------------------------------


@dataclass
class LoadResult:
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    unexpected: int = 0
    conversations: int = 0
    samples: list[str] = field(default_factory=list)  # first few problems, for the reader
    # latencies per scripted turn ("script #index"), to show which turn makes the tail
    per_turn_ms: dict[str, list[float]] = field(default_factory=dict)


def _reply_matches(messages: object, turn: Turn) -> tuple[bool, bool]:
    """(is a reply at all, contains an expected word)."""
    if not isinstance(messages, list) or not messages:
        return False, False
    if not turn.expect or "" in turn.expect:
        return True, True
    text = " ".join(str(m.get("text") or "") for m in messages if isinstance(m, dict)).lower()
    return True, any(word.lower() in text for word in turn.expect)


async def run_load(
    url: str,
    plan: Sequence[Script],
    concurrency: int,
    label: str,
    max_seconds: float,
    record: bool = True,
) -> tuple[LoadResult, float]:
    """Play `plan` with `concurrency` customers against the REST webhook at `url`."""
    import aiohttp

    result = LoadResult()
    queue: asyncio.Queue[tuple[int, Script]] = asyncio.Queue()
    for number, script in enumerate(plan):
        queue.put_nowait((number, script))
    run_id = uuid.uuid4().hex[:6]
    started = time.perf_counter()
    deadline = started + max_seconds

    async def customer(session: aiohttp.ClientSession) -> None:
        while time.perf_counter() < deadline:
            try:
                number, script = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            sender = f"load-{label}-{run_id}-{number}"
            for index, turn in enumerate(script.turns, start=1):
                text = turn.text.format(n=f"{run_id}{number}")
                sent = time.perf_counter()
                ok, expected, reply = False, False, None
                try:
                    async with session.post(url, json={"sender": sender, "message": text}) as r:
                        reply = await r.json(content_type=None) if r.status == 200 else r.status
                        ok, expected = _reply_matches(reply, turn)
                except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as exc:
                    reply = repr(exc)
                elapsed = (time.perf_counter() - sent) * 1000
                if record:
                    result.latencies_ms.append(elapsed)
                    key = f"{script.name} #{index}"
                    result.per_turn_ms.setdefault(key, []).append(elapsed)
                    if not ok:
                        result.errors += 1
                    elif not expected:
                        result.unexpected += 1
                    if (not ok or not expected) and len(result.samples) < 5:
                        result.samples.append(f"{script.name}: {text!r} -> {str(reply)[:200]}")
                if not ok:
                    break
            if record:
                result.conversations += 1

    async def progress() -> None:
        while True:
            await asyncio.sleep(1)
            if record:
                done = time.perf_counter() - started
                print(f"\r  {label}: {result.conversations}/{len(plan)} conversations, "
                      f"{len(result.latencies_ms)} messages, {result.errors} errors, "
                      f"{done:.0f} s", end="", file=sys.stderr, flush=True)  # fmt: skip

    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_SECONDS)
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
        ticker = asyncio.create_task(progress())
        await asyncio.gather(*(customer(session) for _ in range(concurrency)))
        ticker.cancel()
    seconds = time.perf_counter() - started
    if record:
        print(file=sys.stderr)
    return result, seconds


# --- the servers --------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def _bench_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(RASA_TELEMETRY_ENABLED="false", TF_CPP_MIN_LOG_LEVEL="3",
               SQLALCHEMY_SILENCE_UBER_WARNING="1", PYTHONWARNINGS="ignore")  # fmt: skip
    return env


def _stock_fingerprint() -> str:
    digest = hashlib.sha256()
    for path in sorted(STOCK_DIR.rglob("*")):
        if path.is_file() and not {"models", ".rasa", "__pycache__"} & set(path.parts):
            digest.update(str(path.relative_to(STOCK_DIR)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


ECHO_ACTION = '''"""One trivial custom action for the load benchmark: it answers every turn."""

from rasa_sdk import Action


class ActionEcho(Action):
    def name(self):
        return "action_echo"

    async def run(self, dispatcher, tracker, domain):
        dispatcher.utter_message(text=f"echo: {tracker.latest_message.get('text')}")
        return []
'''


def with_echo_after_each_turn(steps: list[dict]) -> list[dict]:
    """Story/rule steps with `action_echo` after the bot's last action of every turn."""
    out: list[dict] = []
    for i, step in enumerate(steps):
        out.append(step)
        following = steps[i + 1] if i + 1 < len(steps) else None
        if "action" in step and (following is None or "intent" in following):
            out.append({"action": "action_echo"})
    return out


def scaffold_stock_bot(target: Path) -> None:
    """`rasa init`'s project (Rasa's scaffold) with `action_echo` after every bot turn."""
    from rasa.cli.scaffold import create_initial_project

    create_initial_project(str(target))
    (target / "actions" / "actions.py").write_text(ECHO_ACTION, encoding="utf-8")
    domain_file = target / "domain.yml"
    domain = domain_file.read_text(encoding="utf-8")
    domain_file.write_text(domain + "\nactions:\n  - action_echo\n", encoding="utf-8")
    for name, key in (("stories.yml", "stories"), ("rules.yml", "rules")):
        path = target / "data" / name
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for item in data[key]:
            item["steps"] = with_echo_after_each_turn(item["steps"])
        path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    shutil.rmtree(target / "tests", ignore_errors=True)


def prepare_stock_bot() -> Path:
    """The stock bot's trained model, trained once and reused while its files are unchanged."""
    if not (STOCK_DIR / "domain.yml").exists():
        print(f"building the stock bot in {STOCK_DIR} ...", file=sys.stderr)
        STOCK_DIR.mkdir(parents=True, exist_ok=True)
        scaffold_stock_bot(STOCK_DIR)
    fingerprint = _stock_fingerprint()
    model = STOCK_DIR / "models" / f"stock-{fingerprint[:12]}.tar.gz"
    if not model.exists():
        print("training the stock bot (once; cached in build/stock-bot/models) ...",
              file=sys.stderr, flush=True)  # fmt: skip
        subprocess.run(
            [sys.executable, "-m", "rasa", "train", "--fixed-model-name", model.name[:-7],
             "--out", "models"],
            cwd=STOCK_DIR, env=_bench_env(), check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip
    return model


@dataclass
class Running:
    processes: list[subprocess.Popen]
    webhook: str
    log: Path


def _wait_http(url: str, processes: list[subprocess.Popen], log: Path, timeout: float) -> None:
    import urllib.error
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for process in processes:
            if process.poll() is not None:
                raise RuntimeError(f"a server exited early; see {log}:\n{_tail(log)}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f} s; see {log}")


def _tail(log: Path) -> str:
    return log.read_text(errors="replace")[-2000:] if log.exists() else ""


def start_stock(model: Path, work: Path) -> Running:
    """The stock bot's action server and Rasa server, as `rasa run` starts them."""
    action_port, rasa_port = free_port(), free_port()
    env = _bench_env()
    env.setdefault("ACTION_SERVER_TOKEN", uuid.uuid4().hex + uuid.uuid4().hex)
    endpoints = work / "stock-endpoints.yml"
    endpoints.write_text(yaml.safe_dump({"action_endpoint": {
        "url": f"http://{HOST}:{action_port}/webhook",
        # this environment's rasa_sdk plug-in requires the shared secret of every action server
        "headers": {"Authorization": f"Bearer {env['ACTION_SERVER_TOKEN']}"}}}))  # fmt: skip
    log = work / "stock.log"
    out = log.open("wb")
    actions = subprocess.Popen(
        [sys.executable, "-m", "rasa_sdk", "--actions", "actions", "--port", str(action_port)],
        cwd=STOCK_DIR, env={**env, "SANIC_HOST": HOST}, stdout=out, stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    rasa = subprocess.Popen(
        [sys.executable, "-m", "rasa", "run", "--model", str(model), "--port", str(rasa_port),
         "--interface", HOST, "--endpoints", str(endpoints),
         "--credentials", str(STOCK_DIR / "credentials.yml")],
        cwd=STOCK_DIR, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    running = Running([actions, rasa], f"http://{HOST}:{rasa_port}/webhooks/rest/webhook", log)
    try:
        _wait_http(f"http://{HOST}:{action_port}/health", running.processes, log, 120)
        _wait_http(f"http://{HOST}:{rasa_port}/", running.processes, log, 300)
        _wait_ready(f"http://{HOST}:{rasa_port}", running, log)
    except BaseException:
        stop_running(running)
        raise
    return running


def start_ours(model: Path, work: Path, extra_args: Sequence[str] = ()) -> Running:
    """`python -m bot serve` (what `make run` starts) on free ports, temporary databases."""
    rasa_port, action_port, web_port = free_port(), free_port(), free_port()
    env = _bench_env()
    for name in ("SIGNIN_DATABASE_URL", "TRACKER_STORE_URL", "ACTION_ENDPOINT_URL",
                 "SIGNIN_PUBLIC_URL"):  # fmt: skip
        env.pop(name, None)
    env.update(SIGNIN_DATABASE_URL=f"sqlite:///{work / 'app.db'}",
               TRACKER_STORE_URL=f"sqlite:///{work / 'tracker.db'}")  # fmt: skip
    log = work / "ours.log"
    command = [sys.executable, "-m", "bot", "serve", "--rasa-port", str(rasa_port),
               "--action-port", str(action_port), "--web-port", str(web_port),
               "--model", str(model), *extra_args]  # fmt: skip
    process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=log.open("wb"),
                               stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip
    running = Running([process], f"http://{HOST}:{rasa_port}/webhooks/rest/webhook", log)
    deadline = time.monotonic() + 400
    while "The assistant is up." not in _tail_all(log):
        if process.poll() is not None or time.monotonic() > deadline:
            stop_running(running)
            raise RuntimeError(f"the assistant did not start; see {log}:\n{_tail(log)}")
        time.sleep(0.5)
    try:
        _wait_ready(f"http://{HOST}:{rasa_port}", running, log)
    except BaseException:
        stop_running(running)
        raise
    return running


def _tail_all(log: Path) -> str:
    return log.read_text(errors="replace") if log.exists() else ""


def _wait_ready(base: str, running: Running, log: Path) -> None:
    """Every Rasa worker has its model: `/status` is no proof with several workers, so
    a few REST calls must all get an answer."""
    import urllib.request

    deadline = time.monotonic() + 300
    answered = 0
    while answered < 8 and time.monotonic() < deadline:
        request = urllib.request.Request(
            f"{base}/webhooks/rest/webhook",
            data=json.dumps({"sender": f"ready-{uuid.uuid4().hex}", "message": "hi"}).encode(),
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                answered += 1 if json.loads(response.read()) else 0
        except OSError:
            time.sleep(1)
    if answered < 8:
        raise RuntimeError(f"{base} does not answer REST messages; see {log}")


def stop_running(running: Running) -> None:
    """SIGINT (as Ctrl-C), then SIGKILL to the process groups that do not stop."""
    for process in running.processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGINT)
    for process in running.processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def measure(
    label: str, running: Running, scripts: Sequence[Script], args: argparse.Namespace
) -> tuple[Summary, list[str], list[dict[str, object]]]:
    warmup = conversation_plan(scripts, args.warmup)
    asyncio.run(run_load(running.webhook, warmup, args.concurrency, label, 120, record=False))
    plan = conversation_plan(scripts, args.conversations)
    roots = [p.pid for p in running.processes]
    with RssSampler(roots) as sampler:
        result, seconds = asyncio.run(
            run_load(running.webhook, plan, args.concurrency, label, args.max_seconds)
        )
    summary = summarise(result.latencies_ms, result.errors, result.unexpected, seconds,
                        result.conversations, sampler.peak, sampler.processes,
                        sampler.cpu)  # fmt: skip
    return summary, result.samples, turn_breakdown(result.per_turn_ms, len(result.latencies_ms))


# --- command line -------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot bench load",
        description="this assistant (`make run`) and the stock Rasa bot under the same load",
    )
    parser.add_argument("--concurrency", type=int, default=20, help="simultaneous customers")
    parser.add_argument("--conversations", type=int, default=80, help="conversations per bot")
    parser.add_argument("--warmup", type=int, default=20, help="unmeasured conversations first")
    parser.add_argument("--max-seconds", type=float, default=300, help="time limit per bot")
    parser.add_argument("--model", default=str(PROJECT_ROOT / "models" / "current.tar.gz"))
    parser.add_argument("--only", choices=("ours", "stock"), help="measure one bot only")
    parser.add_argument("--serve-arg", action="append", default=[], metavar="ARG",
                        help="extra argument for `python -m bot serve` (repeatable)")  # fmt: skip
    parser.add_argument("--out", default=str(RESULTS_DIR), help="folder for the JSON result")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.concurrency < 1 or args.conversations < 1:
        print("error: --concurrency and --conversations must be at least 1", file=sys.stderr)
        return 2
    model = Path(args.model)
    if args.only != "stock" and not model.exists():
        print(f"error: no trained model at {model}; run `make train` first", file=sys.stderr)
        return 1
    summaries: dict[str, Summary] = {}
    problems: dict[str, list[str]] = {}
    turns: dict[str, list[dict[str, object]]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-load-") as folder:
        work = Path(folder)
        bots = [b for b in ("stock", "ours") if args.only in (None, b)]
        for label in bots:
            print(f"{label}: starting ...", file=sys.stderr, flush=True)
            if label == "stock":
                running = start_stock(prepare_stock_bot(), work)
                scripts = STOCK_SCRIPTS
            else:
                running = start_ours(model, work, args.serve_arg)
                scripts = OUR_SCRIPTS
            try:
                summaries[label], problems[label], turns[label] = measure(
                    label, running, scripts, args
                )
            finally:
                stop_running(running)
            if problems.get(label):  # keep the servers' log of a run with problems
                kept = Path(args.out) / f"{label}-{datetime.now(timezone.utc):%Y%m%dT%H%M%SZ}.log"
                kept.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(running.log, kept)
                print(f"{label}: problems; the servers' log is in {kept}", file=sys.stderr)
    print(f"\n{args.concurrency} concurrent customers, {args.conversations} conversations per "
          f"bot, {os.cpu_count()} CPUs\n")  # fmt: skip
    print(format_table(summaries))
    for label, rows in turns.items():
        print(f"\n{label}: slowest turns")
        print(format_turns(rows))
    for label, samples in problems.items():
        for sample in samples:
            print(f"  {label} problem: {sample}")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    report = {
        "when": stamp,
        "concurrency": args.concurrency,
        "conversations": args.conversations,
        "cpus": os.cpu_count(),
        "serve_args": args.serve_arg,
        "bots": {label: asdict(s) for label, s in summaries.items()},
        "ratio_ours_to_stock": throughput_ratio(summaries),
        "problems": problems,
        "turns": turns,
    }
    path = out / f"{stamp}.json"
    path.write_text(json.dumps(report, indent=2), encoding="utf-8")
    shown = path.relative_to(PROJECT_ROOT) if path.is_relative_to(PROJECT_ROOT) else path
    print(f"\nwritten {shown}")
    return 1 if any(s.errors for s in summaries.values()) else 0


if __name__ == "__main__":
    raise SystemExit(main())
