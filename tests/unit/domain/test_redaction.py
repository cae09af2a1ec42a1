import pytest

from bot.domain.redaction import REDACTED, redact

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
    from bot.domain.redaction import ANSWER_REDACTED, redact_events

    events = [
        {"event": "user", "text": "my password is Hunter2!!", "parse_data": {"text": "x"}},
        {"event": "slot", "name": "requested_slot", "value": "verification_answer"},
        {"event": "user", "text": "kitchen pc", "parse_data": {"text": "kitchen pc",
         "entities": [{"entity": "device", "value": "windows pc"}]}},
        {"event": "slot", "name": "device", "value": "windows pc"},
        {"event": "action", "name": "verification_form"},
        {"event": "slot", "name": "verification_answer", "value": "kitchen pc"},
        {"event": "slot", "name": "verification_answer", "value": None},
        {"event": "slot", "name": "requested_slot", "value": None},
        {"event": "user", "text": "/affirm", "parse_data": {"text": "/affirm"}},
        {"event": "user", "text": "thanks", "parse_data": {"text": "thanks"}},
    ]  # fmt: skip
    safe = redact_events(events)
    dumped = repr(safe)
    assert "Hunter2!!" not in dumped and "kitchen" not in dumped and "windows pc" not in dumped
    assert safe[2]["text"] == ANSWER_REDACTED and safe[2]["parse_data"]["entities"] == []
    assert safe[6]["value"] is None
    assert safe[9]["text"] == "thanks"
    assert events[0]["text"] == "my password is Hunter2!!"  # the input is not changed


LEAKS = [
    ("my password is correct horse battery staple", "horse battery"),
    ("I tried summer time fun as the password", "summer time fun"),
    ("the code I got is 481516.", "481516"),
    ("my pin 4 8 1 5", "8 1 5"),
    ("code 8 4 2 9 1 3", "4 2 9"),
    ("the password I use is bluesky and it fails", "bluesky"),
    ("my password is: hunter2", "hunter2"),
    ("pass hunter2", "hunter2"),
    ("the password I use is bluesky", "bluesky"),
    ("I typed bluesky as my password", "bluesky"),
    ("password qwerty", "qwerty"),
    ("code 123 456", "456"),
    ("cvv 123", "123"),
    ("reset link https://account.example.com/reset?token=abcDEF123456789xyz", "abcDEF12"),
    ("https://x.example.com/confirm/AbCdEf0123456789xyzQ is it real", "AbCdEf01"),
]


@pytest.mark.parametrize(("text", "secret"), LEAKS)
def test_more_phrasings_of_secrets_are_removed(text: str, secret: str) -> None:
    assert secret not in redact(text)


@pytest.mark.parametrize(
    "text",
    [
        "error 0x80070005 when I sign in",
        "error code 0x800F081F",
        "case 12345 please",
        "ticket #45678 is still open",
        "ERR_CONNECTION_RESET in chrome",
        "my password is not working",
        "my passport number is on file",
    ],
)
def test_what_agents_need_is_kept(text: str) -> None:
    assert redact(text) == text


def test_a_password_typed_at_the_email_prompt_is_hidden_in_text_and_slot() -> None:
    from bot.domain.redaction import redact_events

    events = [
        {"event": "slot", "name": "requested_slot", "value": "email"},
        {"event": "user", "text": "hunter22", "parse_data": {"text": "hunter22",
         "entities": [{"entity": "product", "value": "hunter22"}]}},
        {"event": "action", "name": "action_extract_slots"},
        {"event": "slot", "name": "email", "value": "hunter22"},
        {"event": "user", "text": "jane@example.com", "parse_data": {"text": "jane@example.com"}},
        {"event": "slot", "name": "email", "value": "jane@example.com"},
    ]  # fmt: skip
    safe = redact_events(events)
    assert "hunter22" not in repr(safe)
    assert safe[3]["value"] == REDACTED
    assert safe[5]["value"] == "jane@example.com"


@pytest.mark.parametrize("typed", ["correct horse battery staple", "zx81 spectrum cassette"])
def test_a_passphrase_at_the_email_prompt_is_hidden_whole(typed: str) -> None:
    from bot.domain.redaction import redact_reply

    assert redact_reply(typed, "email") == REDACTED


@pytest.mark.parametrize("typed", ["i dont know which email", "I forgot it", "no idea sorry"])
def test_a_sentence_at_the_email_prompt_is_kept(typed: str) -> None:
    from bot.domain.redaction import redact_reply

    assert redact_reply(typed, "email") == typed
