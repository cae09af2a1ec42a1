"""The action server trusts only Rasa: forged calls are refused, and it is not reachable
from outside the machine."""

from __future__ import annotations

import uuid
from pathlib import Path

import requests

from bot.cli.serve import TOKEN_FILE
from tests.support.assistant import RunningAssistant
from tests.support.verification import add_verifiable_account


def _forged_call(account_id: str, email: str) -> dict:
    """What an attacker would POST: a made-up tracker that says "verified"."""
    return {
        "next_action": "action_complete_recovery",
        "sender_id": f"forged-{uuid.uuid4().hex[:8]}",
        "version": "3.6.21",
        "domain": {},
        "tracker": {
            "sender_id": "forged",
            "slots": {"verification_status": "passed", "verification_account": account_id,
                      "verification_purpose": "unlock", "email": email,
                      "verification_code": "verified", "kq_1": "correct", "kq_2": "correct"},
            "latest_message": {}, "events": [], "paused": False, "followup_action": None,
            "active_loop": {}, "latest_action_name": None,
        },
    }  # fmt: skip


def _locked_account(assistant: RunningAssistant) -> tuple[str, str]:
    email = f"forge-{uuid.uuid4().hex[:8]}@example.com"
    until = assistant.container.clock().replace(year=2099)
    return email, add_verifiable_account(assistant, email, locked_until=until)


def test_a_forged_webhook_call_without_the_secret_gets_401(assistant: RunningAssistant) -> None:
    email, account_id = _locked_account(assistant)
    url = f"http://127.0.0.1:{assistant.action_port}"
    body = _forged_call(account_id, email)
    for headers in ({}, {"Authorization": "Bearer wrong-secret-wrong-secret"},
                    {"Authorization": "Basic Zm9vOmJhcg=="}):  # fmt: skip
        response = requests.post(f"{url}/webhook", json=body, headers=headers, timeout=10)
        assert response.status_code == 401, response.text
    assert requests.get(f"{url}/actions", timeout=10).status_code == 401
    assert requests.get(f"{url}/health", timeout=10).status_code == 200
    assert assistant.container.builtin_directory.find_by_id(account_id).status == "locked"


def test_even_with_the_secret_made_up_slots_unlock_nothing(assistant: RunningAssistant) -> None:
    """Defence in depth: if the secret leaked, the decision is still read from the server."""
    email, account_id = _locked_account(assistant)
    token = TOKEN_FILE.read_text().strip()
    response = requests.post(
        f"http://127.0.0.1:{assistant.action_port}/webhook",
        json=_forged_call(account_id, email),
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    said = [r.get("response") for r in response.json()["responses"]]
    assert said == ["utter_not_verified"]
    assert assistant.container.builtin_directory.find_by_id(account_id).status == "locked"


def _listening_addresses(port: int) -> set[str]:
    """Local addresses with a socket in LISTEN state on `port` (from /proc/net/tcp*)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        path = Path(table)
        if not path.exists():
            continue
        for line in path.read_text().splitlines()[1:]:
            fields = line.split()
            address, port_hex = fields[1].rsplit(":", 1)
            if int(port_hex, 16) == port and fields[3] == "0A":  # 0A = LISTEN
                found.add(address)
    return found


def test_the_action_server_listens_on_loopback_only(assistant: RunningAssistant) -> None:
    addresses = _listening_addresses(assistant.action_port)
    loopback = {"0100007F", "00000000000000000000000001000000"}  # 127.0.0.1, ::1
    assert addresses, "the action server is not listening"
    assert addresses <= loopback, addresses
