"""The release store: candidates, promotion, the pointer, rollback, no stray newest file."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from bot.modelops.releases import ReleaseError, ReleaseStore, new_release_id, read_model_id
from tests.unit.modelops.release_fakes import add_candidate, fake_archive


@pytest.fixture
def store(tmp_path: Path) -> ReleaseStore:
    return ReleaseStore(tmp_path / "models")


def test_release_id_is_utc_time_and_short_data_hash() -> None:
    from datetime import datetime, timezone

    at = datetime(2026, 12, 1, 14, 30, 5, tzinfo=timezone.utc)
    assert new_release_id("1a2b3c4d5e6f", at) == "20261201T143005Z-1a2b3c4d"


def test_model_id_is_read_from_the_archive(tmp_path: Path) -> None:
    assert read_model_id(fake_archive(tmp_path / "m.tar.gz", "abc123")) == "abc123"
    (tmp_path / "broken.tar.gz").write_bytes(b"not a tar")
    assert read_model_id(tmp_path / "broken.tar.gz") is None


def test_a_candidate_is_not_current_and_not_a_top_level_archive(store: ReleaseStore) -> None:
    add_candidate(store, "20261201T100000Z-aaaaaaaa", "m-a")
    assert store.current_id() is None
    assert store.current() is None
    assert list(store.root.glob("*.tar.gz")) == []
    (card,) = store.list_candidates()
    assert card.model_id == "m-a"  # read from the archive when the card had none


def test_promote_moves_the_candidate_and_points_at_it(store: ReleaseStore) -> None:
    add_candidate(store, "20261201T100000Z-aaaaaaaa", "m-a")
    store.promote("20261201T100000Z-aaaaaaaa", "first")
    assert store.current_id() == "20261201T100000Z-aaaaaaaa"
    assert (store.releases / "20261201T100000Z-aaaaaaaa.tar.gz").exists()
    assert (store.releases / "20261201T100000Z-aaaaaaaa.json").exists()
    assert store.list_candidates() == []
    # current.tar.gz is the release's archive, and the only archive directly under models/
    assert [p.name for p in store.root.glob("*.tar.gz")] == ["current.tar.gz"]
    assert read_model_id(store.current_archive) == "m-a"
    assert os.path.samefile(
        store.current_archive, store.releases / "20261201T100000Z-aaaaaaaa.tar.gz"
    )
    (entry,) = store.promotions()
    assert (entry.release, entry.previous, entry.action) == (
        "20261201T100000Z-aaaaaaaa",
        None,
        "promote",
    )


def test_a_new_candidate_never_changes_what_is_current(store: ReleaseStore) -> None:
    add_candidate(store, "20261201T100000Z-aaaaaaaa", "m-a")
    store.promote("20261201T100000Z-aaaaaaaa")
    add_candidate(store, "20261201T110000Z-bbbbbbbb", "m-b", accepted=False)
    assert store.current_id() == "20261201T100000Z-aaaaaaaa"
    assert read_model_id(store.current_archive) == "m-a"
    assert [p.name for p in store.root.glob("*.tar.gz")] == ["current.tar.gz"]


def test_rollback_restores_the_previous_release(store: ReleaseStore) -> None:
    add_candidate(store, "20261201T100000Z-aaaaaaaa", "m-a")
    store.promote("20261201T100000Z-aaaaaaaa")
    add_candidate(store, "20261201T110000Z-bbbbbbbb", "m-b")
    store.promote("20261201T110000Z-bbbbbbbb")
    assert read_model_id(store.current_archive) == "m-b"
    card = store.rollback()
    assert card.id == "20261201T100000Z-aaaaaaaa"
    assert store.current_id() == "20261201T100000Z-aaaaaaaa"
    assert read_model_id(store.current_archive) == "m-a"
    assert store.promotions()[-1].action == "rollback"
    # both archives are kept as releases
    assert len(store.list_releases()) == 2


def test_rollback_without_history_is_an_error(store: ReleaseStore) -> None:
    with pytest.raises(ReleaseError):
        store.rollback()
    add_candidate(store, "20261201T100000Z-aaaaaaaa", "m-a")
    store.promote("20261201T100000Z-aaaaaaaa")
    with pytest.raises(ReleaseError, match="no earlier release"):
        store.rollback()


def test_find_by_prefix_and_for_data(store: ReleaseStore) -> None:
    add_candidate(store, "20261201T100000Z-aaaaaaaa", "m-a", data_hash="a" * 64)
    add_candidate(store, "20261202T100000Z-bbbbbbbb", "m-b", data_hash="b" * 64)
    assert store.find("20261202")[0].id == "20261202T100000Z-bbbbbbbb"
    with pytest.raises(ReleaseError, match="several"):
        store.find("2026120")
    with pytest.raises(ReleaseError, match="no release"):
        store.find("1999")
    store.promote("20261201T100000Z-aaaaaaaa")
    assert store.for_data("a" * 64)[0].id == "20261201T100000Z-aaaaaaaa"
    assert store.for_data("b" * 64)[0].id == "20261202T100000Z-bbbbbbbb"
    assert store.for_data("c" * 64) is None
    assert store.model_names() == {"m-a": "20261201T100000Z-aaaaaaaa",
                                   "m-b": "20261202T100000Z-bbbbbbbb"}  # fmt: skip


def test_a_stray_top_level_archive_is_moved_out_of_rasas_way(store: ReleaseStore) -> None:
    fake_archive(store.root / "candidate.tar.gz", "old")  # what earlier versions left
    add_candidate(store, "20261201T100000Z-aaaaaaaa", "m-a")
    store.promote("20261201T100000Z-aaaaaaaa")
    assert [p.name for p in store.root.glob("*.tar.gz")] == ["current.tar.gz"]
    assert (store.candidates / "stray-candidate.tar.gz").exists()


def test_card_round_trips_as_json(store: ReleaseStore) -> None:
    card = add_candidate(store, "20261201T100000Z-aaaaaaaa", "m-a", accepted=True)
    saved = json.loads((store.candidates / f"{card.id}.json").read_text())
    assert saved["gate"]["accepted"] is True and saved["model_id"] == "m-a"
