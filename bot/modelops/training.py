"""Training into a candidate: never into the served model.

`python -m bot models train` (`make train`, run by `make run` and `make test`) trains only
when no release or candidate was built from exactly the current data (by hash, not by file
times), and only ever into `models/candidates/`. The one exception to "a candidate is not
served" is the very first model of a clone: with no release at all, the candidate is
evaluated and accepted through the absolute gate (held-out macro-F1 at least 0.85, every
test story passes), so a fresh clone runs and tests without a manual step. After that,
only `make retrain` (the full gate) or `models promote` change what is served.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path

from bot.modelops.data_hash import config_hash, data_hash
from bot.modelops.releases import Card, ReleaseStore, new_release_id, read_model_id, who
from bot.settings import PROJECT_ROOT


@dataclass(frozen=True)
class Trained:
    """The model built from the current data: its card, archive, and whether it is new."""

    card: Card
    archive: Path
    new: bool


class TrainingError(RuntimeError):
    """`rasa train` failed."""


def train_candidate(store: ReleaseStore, force: bool = False) -> Trained:
    """The release or candidate for the current data, training a candidate when there is none.

    Args:
        store: The release store.
        force: Train even when a model of the same data exists.

    Raises:
        TrainingError: Training failed (its output says why).
    """
    digest = data_hash()
    existing = None if force else store.for_data(digest)
    if existing is not None:
        return Trained(existing[0], existing[1], False)
    release_id = new_release_id(digest)
    target = store.candidate_path(release_id)
    print(f"training candidate {release_id} (data or config changed) ...", flush=True)
    started = time.monotonic()
    env = {"RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "3", **os.environ}
    code = subprocess.call(
        [sys.executable, "-m", "rasa", "train", "--out", str(target.parent),
         "--fixed-model-name", release_id, "--force", "--skip-validation"],
        cwd=PROJECT_ROOT, env=env,
    )  # fmt: skip
    if code != 0 or not target.exists():
        raise TrainingError(f"rasa train failed (exit code {code})")
    seconds = time.monotonic() - started
    print(f"training took {seconds:.0f} s", flush=True)
    card = Card(
        id=release_id,
        data_hash=digest,
        trained_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        trained_by=who(),
        model_id=read_model_id(target),
        config_hash=config_hash(),
        training_seconds=round(seconds, 1),
    )
    store.add_candidate(target, card)
    return Trained(card, target, True)


def ensure_model(store: ReleaseStore, min_macro_f1: float = 0.85) -> int:
    """`make train`: a model for the current data, and a first release on a fresh clone."""
    from bot.modelops.gate import decide, format_rows
    from bot.modelops.live_heldout import read_manifest, rolling_slice

    try:
        trained = train_candidate(store)
    except TrainingError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    current = store.current_id()
    if current is not None:
        if trained.card.id == current:
            print(f"the current release {current} is built from this data: nothing to train")
        else:
            print(f"candidate {trained.card.id} ({trained.archive.relative_to(PROJECT_ROOT)}) is "
                  f"built from this data; {current} stays current until `make retrain` "
                  "accepts the candidate")  # fmt: skip
        return 0
    from bot.modelops.evaluation import evaluate

    print("no release yet: checking the first model against the absolute gate ...", flush=True)
    live = rolling_slice(read_manifest(), date.today())
    result = evaluate(trained.archive, live)
    decision = decide(result.metrics, None, min_macro_f1=min_macro_f1)
    print(format_rows(decision))
    card = trained.card
    card.metrics, card.per_intent_f1 = result.metrics, result.per_intent_f1
    card.gate = {"accepted": decision.accepted, "reasons": list(decision.reasons),
                 "compared_with": None, "at": datetime.now(timezone.utc).isoformat(
                     timespec="seconds"), "by": who()}  # fmt: skip
    store.save_card(card)
    if not decision.accepted:
        print("error: the first model fails the gate: " + "; ".join(decision.reasons),
              file=sys.stderr)  # fmt: skip
        return 1
    store.promote(card.id, "first release (absolute gate)")
    print(f"release {card.id} is now current (models/current.tar.gz)")
    return 0
