"""The Rasa command `bot serve` starts, read back with Rasa's own argument parser."""

import pytest
from rasa.__main__ import create_argument_parser

from bot.cli.serve import rasa_server_command


@pytest.mark.parametrize("token", ["-starts-with-a-dash-like-1-in-64-random-tokens", "plain"])
def test_the_api_token_reaches_rasa_whatever_its_first_character(
    token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RASA_API_TOKEN", token)
    command = rasa_server_command(port=5005, model="models/current.tar.gz")
    assert command[1:4] == ["-m", "rasa", "run"]
    parsed = create_argument_parser().parse_args(command[3:])
    assert parsed.auth_token == token
    assert parsed.enable_api and parsed.port == 5005
