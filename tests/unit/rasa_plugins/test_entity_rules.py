"""The spaCy entity ruler built from the pattern files in the repository."""

import json
from pathlib import Path

import pytest

from bot.rasa_plugins.nlu.entity_rules import (
    build_pipeline,
    extract,
    load_patterns,
    patterns_fingerprint,
)


@pytest.fixture(scope="module")
def nlp():
    return build_pipeline(load_patterns())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("chrome 120 shows a blank page", {("browser", "chrome"), ("error", "blank page")}),
        (
            "it says too many redirects in Microsoft Edge",
            {("error", "too many redirects"), ("browser", "edge")},
        ),
        (
            "the code by sms never reaches my iphone 13",
            {("mfa_method", "sms"), ("device", "iphone")},
        ),
        (
            "I use Google Authenticator on a Samsung Galaxy S21",
            {("mfa_method", "totp"), ("device", "samsung galaxy")},
        ),
        ("my vpn and total security", {("product", "vpn"), ("product", "total security")}),
        ("my email is Jane@Example.com", {("email", "jane@example.com")}),
        (
            "is https://login.example.com.evil.net/x real",
            {("url", "https://login.example.com.evil.net/x")},
        ),
        (
            "firefox says cookies are disabled",
            {("browser", "firefox"), ("error", "cookies disabled")},
        ),
        ("i forgot my password", set()),
    ],
)
def test_entities(nlp, text: str, expected: set[tuple[str, str]]) -> None:
    assert {(e.entity, e.value) for e in extract(nlp, text)} == expected


def test_offsets_point_at_the_text(nlp) -> None:
    text = "safari on my ipad"
    for entity in extract(nlp, text):
        assert text[entity.start : entity.end] == entity.text


def test_labels_filter(nlp) -> None:
    assert [e.entity for e in extract(nlp, "chrome on my iphone", labels=["device"])] == ["device"]


def test_bad_pattern_file_names_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "a.jsonl").write_text('{"label": "x", "pattern": "ok"}\n{not json}\n')
    with pytest.raises(ValueError, match=r"a\.jsonl:2"):
        load_patterns(tmp_path)


def test_fingerprint_follows_the_files(tmp_path: Path) -> None:
    path = tmp_path / "p.jsonl"
    path.write_text(json.dumps({"label": "browser", "pattern": "netscape"}) + "\n")
    before = patterns_fingerprint(tmp_path)
    path.write_text(json.dumps({"label": "browser", "pattern": "mosaic"}) + "\n")
    assert patterns_fingerprint(tmp_path) != before


def test_saved_pipeline_loads_back_without_the_pattern_folder(nlp, tmp_path: Path) -> None:
    import spacy

    nlp.to_disk(tmp_path / "pipeline")
    reloaded = spacy.load(tmp_path / "pipeline")
    assert [(e.entity, e.value) for e in extract(reloaded, "opera keeps reloading")] == [
        ("browser", "opera")
    ]
