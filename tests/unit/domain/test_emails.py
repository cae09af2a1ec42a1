import pytest

from bot.domain.emails import find_email, is_valid_email, mask_email, normalise_email


@pytest.mark.parametrize(
    "text",
    ["me@example.com", "Jane.Doe+sign-in@Mail.Example.co.uk", "o'brien@example.ie", "a@b.io"],
)
def test_valid_addresses(text: str) -> None:
    assert is_valid_email(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "me",
        "me@",
        "@example.com",
        "me@example",
        "me@@example.com",
        "me at example dot com",
        "me@example.c",
        "me@.example.com",
        "me..you@example.com",
        "me@exa mple.com",
    ],
)
def test_invalid_addresses(text: str) -> None:
    assert not is_valid_email(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("my email is Me@Example.com thanks", "me@example.com"),
        ("it's <jo@example.org>.", "jo@example.org"),
        ("jo@example.org, or maybe other@example.net", "jo@example.org"),
        ("bob at gmail dot com", None),
        ("bob@gmail", None),
        ("i forgot my password", None),
    ],
)
def test_find_email_in_free_text(text: str, expected: str | None) -> None:
    assert find_email(text) == expected


def test_normalise_strips_case_and_punctuation() -> None:
    assert normalise_email("  Me@Example.COM. ") == "me@example.com"


def test_mask_keeps_little() -> None:
    masked = mask_email("jane.doe@example.com")
    assert masked == "j•••e@e•••e.com"
    assert "jane" not in masked and "example" not in masked
