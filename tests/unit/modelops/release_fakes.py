"""Tiny stand-ins for trained models: a real .tar.gz with Rasa's metadata.json inside."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

from bot.modelops.releases import Card, ReleaseStore


def fake_archive(path: Path, model_id: str) -> Path:
    """A small gzipped tar with `metadata.json` naming `model_id` (what Rasa's archives hold)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = json.dumps({"model_id": model_id, "rasa_open_source_version": "3.6.21"}).encode()
    with tarfile.open(path, "w:gz") as tar:
        info = tarfile.TarInfo("metadata.json")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    return path


def add_candidate(
    store: ReleaseStore,
    release_id: str,
    model_id: str,
    data_hash: str = "d" * 64,
    accepted: bool | None = None,
    macro_f1: float = 0.9,
) -> Card:
    """A candidate with a card, as training leaves it (optionally with a gate decision)."""
    archive = fake_archive(store.root / "tmp" / f"{release_id}.tar.gz", model_id)
    card = Card(id=release_id, data_hash=data_hash, trained_at="2026-12-01T10:00:00+00:00",
                trained_by="test@host", metrics={"heldout": {"macro_f1": macro_f1}})  # fmt: skip
    if accepted is not None:
        card.gate = {"accepted": accepted, "reasons": [] if accepted else ["worse"]}
    store.add_candidate(archive, card)
    return card
