"""Trained models as releases: one archive and one card per training, one pointer to the
accepted one.

Layout under `models/`:

    releases/<id>.tar.gz, releases/<id>.json   accepted (gated) models and their cards
    candidates/<id>.tar.gz, candidates/<id>.json  trained, not (yet) accepted
    current                                    a text file naming the accepted release id
    current.tar.gz                             the accepted archive (a hard link to it, or a copy)
    promotions.jsonl                           every promotion and rollback, oldest first
    model-server.json                          address of the running assistant's model server

`<id>` is `<UTC time>-<first 8 hex digits of the data hash>`. Nothing outside `releases/`
is ever served: `current.tar.gz` is the only archive directly under `models/`, so Rasa's
own verbs (`rasa run`, `rasa shell`, which load the newest `models/*.tar.gz`) load the
accepted release too, and a candidate can never become "the newest file".

Changing the pointer is atomic (write a temporary file, rename it); the model server of the
running assistant (`bot/modelops/model_server.py`) reads it on every pull.
"""

from __future__ import annotations

import getpass
import json
import os
import shutil
import socket
import tarfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from bot.settings import PROJECT_ROOT

MODELS_DIR = PROJECT_ROOT / "models"
ARCHIVE = ".tar.gz"


class ReleaseError(RuntimeError):
    """A release or candidate cannot be found, read or promoted."""


def new_release_id(data_hash: str, now: datetime | None = None) -> str:
    """`20261201T143000Z-1a2b3c4d`: sortable by time, and it names the data it was trained on."""
    moment = (now or datetime.now(timezone.utc)).astimezone(timezone.utc)
    return f"{moment:%Y%m%dT%H%M%SZ}-{data_hash[:8]}"


def who() -> str:
    """`user@host` of whoever runs the command (recorded on cards and promotions)."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return f"{user}@{socket.gethostname()}"


def read_model_id(archive: Path) -> str | None:
    """The `model_id` Rasa wrote into the archive's metadata (and into every event's metadata
    when it serves the model); None when the archive has none."""
    try:
        with tarfile.open(archive, "r:gz") as tar:
            for member in tar:
                if member.name.removeprefix("./") == "metadata.json" and member.isfile():
                    handle = tar.extractfile(member)
                    if handle is None:
                        continue
                    data = json.loads(handle.read().decode("utf-8"))
                    if isinstance(data, dict) and data.get("model_id"):
                        return str(data["model_id"])
    except (OSError, tarfile.TarError, ValueError):
        return None
    return None


@dataclass
class Card:
    """What is known about one trained model (stored as JSON beside its archive).

    Attributes:
        id: The release id (also the archive's file name without `.tar.gz`).
        data_hash: Hash of everything that changes the model (`bot/modelops/data_hash.py`).
        trained_at: When training finished (UTC, ISO 8601).
        trained_by: `user@host` that trained it.
        model_id: Rasa's id of the model (in the event metadata of conversations it served).
        config_hash: Hash of config.yml alone.
        training_seconds: How long training took.
        metrics: Evaluation results by set: `heldout`, `live_heldout`, `stories`.
        per_intent_f1: F1 per intent on the held-out file.
        gate: The last gate decision (`accepted`, `reasons`, `compared_with`, `at`, `by`).
    """

    id: str
    data_hash: str
    trained_at: str
    trained_by: str
    model_id: str | None = None
    config_hash: str | None = None
    training_seconds: float | None = None
    metrics: dict[str, dict[str, float]] = field(default_factory=dict)
    per_intent_f1: dict[str, float] = field(default_factory=dict)
    gate: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(self.__dict__, indent=2, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Card:
        data = json.loads(text)
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)


@dataclass(frozen=True)
class Promotion:
    """One line of `promotions.jsonl`."""

    release: str
    previous: str | None
    at: str
    by: str
    action: str  # "promote" or "rollback"
    reason: str = ""


def _atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


class ReleaseStore:
    """The releases and candidates under one `models/` folder."""

    def __init__(self, root: Path | None = None) -> None:
        """Keep the folder (default: SIGNIN_MODELS_DIR, else models/ of the project)."""
        root = root or Path(os.environ.get("SIGNIN_MODELS_DIR") or MODELS_DIR)
        self.root = root
        self.releases = root / "releases"
        self.candidates = root / "candidates"
        self.pointer = root / "current"
        self.current_archive = root / f"current{ARCHIVE}"
        self.log = root / "promotions.jsonl"
        # where the running assistant's model server says its address (model_server.py)
        self.server_file = root / "model-server.json"

    # --- reading ------------------------------------------------------------------------

    def _cards(self, folder: Path) -> list[Card]:
        if not folder.is_dir():
            return []
        cards = []
        for path in sorted(folder.glob("*.json")):
            try:
                cards.append(Card.from_json(path.read_text(encoding="utf-8")))
            except (OSError, ValueError, TypeError):
                continue
        return cards

    def list_releases(self) -> list[Card]:
        """Accepted releases, oldest first."""
        return self._cards(self.releases)

    def list_candidates(self) -> list[Card]:
        """Candidates not accepted (yet), oldest first."""
        return self._cards(self.candidates)

    def current_id(self) -> str | None:
        """The accepted release the pointer names, or None before the first one."""
        try:
            text = self.pointer.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
        return text or None

    def find(self, release_id: str) -> tuple[Card, Path]:
        """The card and archive of a release or candidate (a unique prefix of its id is enough).

        Raises:
            ReleaseError: No such id, or the prefix names several.
        """
        matches = []
        for folder in (self.releases, self.candidates):
            for card in self._cards(folder):
                if card.id == release_id:
                    return card, folder / f"{card.id}{ARCHIVE}"
                if card.id.startswith(release_id):
                    matches.append((card, folder / f"{card.id}{ARCHIVE}"))
        if len(matches) == 1:
            return matches[0]
        if not matches:
            raise ReleaseError(
                f"no release or candidate {release_id!r} (python -m bot models list)"
            )
        raise ReleaseError(f"{release_id!r} names several models: give more of the id")

    def current(self) -> tuple[Card, Path] | None:
        """The accepted release, or None before the first one."""
        current = self.current_id()
        if current is None:
            return None
        card, archive = self.find(current)
        return card, archive

    def for_data(self, data_hash: str) -> tuple[Card, Path] | None:
        """The newest release or candidate trained on exactly this data: the current release
        first, then other releases, then candidates."""
        current = self.current()
        if current is not None and current[0].data_hash == data_hash and current[1].exists():
            return current
        for folder, cards in (
            (self.releases, self.list_releases()),
            (self.candidates, self.list_candidates()),
        ):
            for card in reversed(cards):
                archive = folder / f"{card.id}{ARCHIVE}"
                if card.data_hash == data_hash and archive.exists():
                    return card, archive
        return None

    def model_names(self) -> dict[str, str]:
        """model_id → release id, from every card (releases and candidates)."""
        return {c.model_id: c.id for c in self.list_releases() + self.list_candidates()
                if c.model_id}  # fmt: skip

    def promotions(self) -> list[Promotion]:
        """Every promotion and rollback, oldest first."""
        if not self.log.exists():
            return []
        rows = []
        for line in self.log.read_text(encoding="utf-8").splitlines():
            if line.strip():
                rows.append(Promotion(**json.loads(line)))
        return rows

    # --- writing ------------------------------------------------------------------------

    def candidate_path(self, release_id: str) -> Path:
        """Where a new candidate's archive goes."""
        self.candidates.mkdir(parents=True, exist_ok=True)
        return self.candidates / f"{release_id}{ARCHIVE}"

    def save_card(self, card: Card) -> None:
        """Write (or rewrite) a card beside its archive, in releases/ or candidates/."""
        folder = (
            self.releases if (self.releases / f"{card.id}{ARCHIVE}").exists() else (self.candidates)
        )
        _atomic_write(folder / f"{card.id}.json", card.to_json())

    def add_candidate(self, archive: Path, card: Card) -> Path:
        """Keep a trained archive as a candidate (moved into candidates/) with its card."""
        target = self.candidate_path(card.id)
        if archive.resolve() != target.resolve():
            shutil.move(str(archive), target)
        if card.model_id is None:
            card.model_id = read_model_id(target)
        _atomic_write(self.candidates / f"{card.id}.json", card.to_json())
        return target

    def promote(self, release_id: str, reason: str = "", action: str = "promote") -> Card:
        """Make a candidate or an older release the accepted one.

        A candidate's archive and card move to releases/; the pointer and `current.tar.gz`
        are replaced atomically; the change is logged. Callers run the gate first
        (`bot/modelops/retrain.py`); this only records the decision.
        """
        card, archive = self.find(release_id)
        if archive.parent == self.candidates:
            self.releases.mkdir(parents=True, exist_ok=True)
            target = self.releases / archive.name
            archive.replace(target)
            (self.candidates / f"{card.id}.json").replace(self.releases / f"{card.id}.json")
            archive = target
        previous = self.current_id()
        self._link_current(archive)
        _atomic_write(self.pointer, card.id + "\n")
        self._remove_stray_archives()
        entry = Promotion(
            release=card.id,
            previous=previous,
            at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
            by=who(),
            action=action,
            reason=reason,
        )
        with self.log.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(entry.__dict__) + "\n")
        return card

    def rollback(self) -> Card:
        """Go back to the release that was current before the current one was promoted.

        Raises:
            ReleaseError: There is no earlier release to go back to.
        """
        current = self.current_id()
        history = self.promotions()
        for entry in reversed(history):
            if entry.release == current and entry.previous and entry.previous != current:
                return self.promote(entry.previous, f"rollback from {current}", "rollback")
        raise ReleaseError("no earlier release to roll back to")

    def _link_current(self, archive: Path) -> None:
        """`current.tar.gz` becomes the release's archive: a hard link (no copy, and Docker's
        COPY and Rasa see an ordinary file), or a copy where links are not possible."""
        tmp = self.root / f".current.{os.getpid()}.tmp"
        tmp.unlink(missing_ok=True)
        try:
            os.link(archive, tmp)
        except OSError:
            shutil.copyfile(archive, tmp)
        os.utime(tmp)  # the newest file in models/ for anything that still picks by time
        tmp.replace(self.current_archive)

    def _remove_stray_archives(self) -> None:
        """Archives directly under models/ other than current.tar.gz (e.g. the old
        `candidate.tar.gz` of earlier versions) would be "the newest model" for Rasa's own
        verbs: they move to candidates/ under their own name."""
        for path in self.root.glob(f"*{ARCHIVE}"):
            if path.name != self.current_archive.name:
                self.candidates.mkdir(parents=True, exist_ok=True)
                path.replace(self.candidates / f"stray-{path.name}")
