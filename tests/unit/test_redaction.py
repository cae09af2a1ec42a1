import pytest

from bot.services.redaction import REDACTED, redact

SECRETS = [
    ("my password is hunter2", "hunter2"),
    ("password: Tr0ub4dor&3 please help", "Tr0ub4dor&3"),
    ("i typed Summer2024! and it failed", "Summer2024!"),
    ("pwd=letmein", "letmein"),
    ("the code is 482913", "482913"),
    ("482 913", "482 913"),
    ("got otp 0042 but it failed", "0042"),
    ("card 4111 1111 1111 1111 was charged", "4111 1111 1111 1111"),
    ("4012-8888-8888-1881", "4012-8888-8888-1881"),
    ("my new passcode should be 'purple elephant'", "purple elephant"),
    ("pin 7781", "7781"),
]


@pytest.mark.parametrize(("text", "secret"), SECRETS)
def test_secrets_are_removed(text: str, secret: str) -> None:
    cleaned = redact(text)
    assert secret not in cleaned
    assert REDACTED in cleaned


@pytest.mark.parametrize(
    "text",
    [
        "i forgot my password",
        "the password reset email never arrived",
        "my verification code is not arriving",
        "i bought it in march 2024",
        "chrome 120 shows a blank page",
        "my email is jane.doe@example.com",
        "is https://example.com/login real",
        "the code is wrong",
        "hello",
    ],
)
def test_ordinary_text_is_kept(text: str) -> None:
    assert redact(text) == text


def test_long_numbers_failing_luhn_are_not_cards() -> None:
    assert redact("order 41111111111111112 shipped") == "order 41111111111111112 shipped"
    assert redact("card 4111111111111111") == f"card {REDACTED}"


def test_tracker_events_lose_secrets_but_keep_outcomes() -> None:
    from bot.services.redaction import ANSWER_REDACTED, redact_events

    events = [
        {"event": "user", "text": "my password is Hunter2!!", "parse_data": {"text": "x"}},
        {"event": "slot", "name": "requested_slot", "value": "kq_1"},
        {"event": "user", "text": "kitchen pc", "parse_data": {"text": "kitchen pc",
         "entities": [{"entity": "device", "value": "windows pc"}]}},
        {"event": "slot", "name": "device", "value": "windows pc"},
        {"event": "action", "name": "verification_form"},
        {"event": "slot", "name": "kq_1", "value": "kitchen pc"},
        {"event": "slot", "name": "kq_1", "value": "correct"},
        {"event": "slot", "name": "requested_slot", "value": None},
        {"event": "user", "text": "/affirm", "parse_data": {"text": "/affirm"}},
        {"event": "user", "text": "thanks", "parse_data": {"text": "thanks"}},
    ]  # fmt: skip
    safe = redact_events(events)
    dumped = repr(safe)
    assert "Hunter2!!" not in dumped and "kitchen" not in dumped and "windows pc" not in dumped
    assert safe[2]["text"] == ANSWER_REDACTED and safe[2]["parse_data"]["entities"] == []
    assert safe[6]["value"] == "correct"
    assert safe[9]["text"] == "thanks"
    assert events[0]["text"] == "my password is Hunter2!!"  # the input is not changed
