"""What a customer types is never a server command: reserved payloads are read as words."""

import pytest

from bot.domain.chat import customer_text


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("/restart", "restart"),
        ("  /session_start ", "session_start"),
        ("/back", "back"),
        ("/nlu_fallback", "nlu_fallback"),
        ("/EXTERNAL_nobody_available", "EXTERNAL_nobody_available"),
        ('/EXTERNAL_anything{"x": 1}', 'EXTERNAL_anything{"x": 1}'),
        ("/restart@0.9", "restart@0.9"),
    ],
)
def test_reserved_and_server_only_payloads_lose_their_slash(typed: str, read: str) -> None:
    assert customer_text(typed) == read


@pytest.mark.parametrize(
    "typed",
    ["/greet", "/request_human", '/inform{"email": "a@example.com"}', "/restarting", "hello",
     "my path is /restart", ""],
)  # fmt: skip
def test_everything_else_is_left_as_typed(typed: str) -> None:
    assert customer_text(typed) == typed
