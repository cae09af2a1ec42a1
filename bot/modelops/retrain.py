"""`make retrain`: train a candidate and serve it only through the gate.

Steps: `rasa data validate` → refuse when a held-out live message is also training data →
train a candidate from the current data (or reuse the one already trained from it) →
evaluate candidate and current release on the same sets (held-out file, live held-out
slice, test stories) → print a side-by-side table → `bot.modelops.gate.decide` → on
acceptance the candidate becomes a release and the pointer names it. A running assistant
(`make run`) pulls it from its model server within a few seconds, without a restart;
`retrain` waits for every Rasa process to report it. A rejected candidate stays in
`models/candidates/` with the reasons on its card and is never served.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import date, datetime, timezone
from pathlib import Path

from bot.modelops.evaluation import evaluate
from bot.modelops.gate import decide, format_rows
from bot.modelops.live_heldout import DEFAULT_WINDOW_DAYS, leaks, read_manifest, rolling_slice
from bot.modelops.releases import ReleaseStore, who
from bot.modelops.training import TrainingError, train_candidate
from bot.settings import PROJECT_ROOT


def _rasa(*args: str) -> int:
    return subprocess.call([sys.executable, "-m", "rasa", *args], cwd=PROJECT_ROOT)


def served_releases(status_file: Path) -> dict[str, str] | None:
    """What each Rasa process of a running assistant last pulled, from its model server's
    `/status` (None when no assistant with a model server runs)."""
    try:
        url = json.loads(status_file.read_text(encoding="utf-8"))["url"]
        with urllib.request.urlopen(f"{url}/status", timeout=2) as response:
            data = json.loads(response.read().decode("utf-8"))
    except (OSError, ValueError, KeyError, urllib.error.URLError):
        return None
    return {worker: info.get("release", "") for worker, info in data.get("workers", {}).items()}


def wait_until_served(store: ReleaseStore, release: str, timeout: float = 90.0) -> bool | None:
    """Wait until every Rasa process of the running assistant serves `release`.

    Returns None when no assistant is running, else whether they all did in time."""
    deadline = time.monotonic() + timeout
    while True:
        served = served_releases(store.server_file)
        if served is None:
            return None
        if served and all(value == release for value in served.values()):
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(1)


def run_retrain(
    tolerance: float,
    min_macro_f1: float = 0.85,
    window_days: int = DEFAULT_WINDOW_DAYS,
    store: ReleaseStore | None = None,
) -> int:
    """The whole routine; exit code 0 when the candidate was accepted (or nothing changed)."""
    store = store or ReleaseStore()
    if _rasa("data", "validate", "--quiet") != 0:
        print("error: the training data does not validate; nothing was trained", file=sys.stderr)
        return 1
    manifest = read_manifest()
    leaked = leaks(manifest)
    if leaked:
        print(f"error: {len(leaked)} held-out live message(s) are also training examples "
              f"(e.g. {leaked[0].text!r}); remove them from data/ or from "
              "tests/nlu/live-heldout.jsonl", file=sys.stderr)  # fmt: skip
        return 1
    try:
        trained = train_candidate(store)
    except TrainingError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    current = store.current()
    if current is not None and trained.card.id == current[0].id:
        print(f"nothing changed since release {current[0].id}: it stays current")
        return 0
    live = rolling_slice(manifest, date.today(), window_days)
    print(f"evaluating on the held-out file, {len(live)} live held-out message(s) "
          f"(last {window_days} days) and the test stories ...", flush=True)  # fmt: skip
    candidate = trained.card
    result = evaluate(trained.archive, live)
    before_eval = evaluate(current[1], live) if current is not None else None
    before = before_eval.metrics if before_eval is not None else None
    per_intent = (
        (result.per_intent_f1, before_eval.per_intent_f1) if before_eval is not None else None
    )
    decision = decide(result.metrics, before, tolerance, min_macro_f1, per_intent)
    print("\n" + format_rows(decision))
    if before_eval is not None:
        changes = sorted(
            ((i, result.per_intent_f1.get(i, 0.0) - f)
             for i, f in before_eval.per_intent_f1.items()),
            key=lambda pair: -abs(pair[1]),
        )  # fmt: skip
        if changes:
            print("\nper-intent F1 changes against the current release (largest first)")
            for intent, change in changes[:10]:
                print(f"  {intent:<22} {change:+.3f}")
    candidate.metrics, candidate.per_intent_f1 = result.metrics, result.per_intent_f1
    candidate.gate = {
        "accepted": decision.accepted,
        "reasons": list(decision.reasons),
        "compared_with": current[0].id if current else None,
        "current_metrics": before,
        "at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "by": who(),
    }
    store.save_card(candidate)
    if not decision.accepted:
        print(f"\nrejected candidate {candidate.id}; "
              f"{current[0].id if current else 'no release'} stays current:")  # fmt: skip
        for reason in decision.reasons:
            print(f"  - {reason}")
        return 1
    store.promote(candidate.id, "accepted by the gate")
    print(f"\nrelease {candidate.id} is now current (models/current.tar.gz)")
    served = wait_until_served(store, candidate.id)
    if served is None:
        print("no running assistant found; `make run` serves the new release")
    elif served:
        print("the running assistant now serves it (no restart)")
    else:
        print("warning: the running assistant has not loaded it yet; see its output",
              file=sys.stderr)  # fmt: skip
    return 0
