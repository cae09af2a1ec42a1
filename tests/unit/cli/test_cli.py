"""The command line, run in-process against a temporary database."""

import json

import pytest

from bot.cli import main


def test_db_init_and_account_round_trip(cli_env: str, capsys: pytest.CaptureFixture) -> None:
    assert main(["db", "init"]) == 0
    assert main(["accounts", "add", "Jane@Example.com", "--name", "Jane"]) == 0
    assert main(["accounts", "add", "locked@example.com", "--locked"]) == 0
    capsys.readouterr()
    assert main(["accounts", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(a["email"], a["name"], a["status"]) for a in listed] == [
        ("jane@example.com", "Jane", "active"),
        ("locked@example.com", "", "locked"),
    ]
    assert main(["accounts", "show", "jane@example.com", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["email"] == "jane@example.com"


def test_lock_minutes_sets_an_unlock_time(cli_env: str, capsys: pytest.CaptureFixture) -> None:
    assert main(["accounts", "add", "t@example.com", "--lock-minutes", "15"]) == 0
    capsys.readouterr()
    main(["accounts", "show", "t@example.com", "--json"])
    shown = json.loads(capsys.readouterr().out)
    assert shown["status"] == "locked" and shown["locked_until"]


def test_duplicate_account_is_an_error(cli_env: str, capsys: pytest.CaptureFixture) -> None:
    main(["accounts", "add", "jane@example.com"])
    assert main(["accounts", "add", "JANE@example.com"]) == 1
    assert "already exists" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["accounts"],
        ["accounts", "add"],
        ["accounts", "add", "not-an-email"],
        ["accounts", "add", "a@example.com", "--lock-minutes", "soon"],
        ["outbox", "list", "--to", "nobody"],
        ["frobnicate"],
    ],
)
def test_misuse_prints_usage_and_exits_2(
    cli_env: str, capsys: pytest.CaptureFixture, argv: list[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == 2
    assert "usage:" in capsys.readouterr().err


def test_outbox_and_audit_lists(cli_env: str, capsys: pytest.CaptureFixture) -> None:
    from bot.bootstrap import build_container
    from bot.settings import get_settings

    container = build_container(get_settings())
    container.directory.add_account("jane@example.com")
    container.password_reset.request_reset("jane@example.com", "conv-7")
    assert main(["outbox", "list", "--json"]) == 0
    [email] = json.loads(capsys.readouterr().out)
    assert email["to"] == "jane@example.com" and "token=" in email["body"]
    assert main(["outbox", "list"]) == 0
    assert "to jane@example.com [password_reset]" in capsys.readouterr().out
    assert main(["audit", "list", "--json"]) == 0
    [entry] = json.loads(capsys.readouterr().out)
    assert (entry["event"], entry["outcome"], entry["conversation_id"]) == (
        "reset_requested",
        "email_sent",
        "conv-7",
    )


def test_empty_lists_say_so(cli_env: str, capsys: pytest.CaptureFixture) -> None:
    assert main(["outbox", "list"]) == 0
    assert main(["accounts", "list"]) == 0
    assert main(["audit", "list"]) == 0
    out = capsys.readouterr().out
    assert "outbox is empty" in out and "no accounts yet" in out and "audit log is empty" in out


def test_cases_list_show_and_retry(cli_env: str, capsys: pytest.CaptureFixture) -> None:
    from bot.bootstrap import build_container
    from bot.domain.conversation import read_conversation
    from bot.settings import get_settings

    container = build_container(get_settings())
    events = [
        {"event": "user", "text": "someone got in, my password was Hunter2024!", "timestamp": 1.0,
         "parse_data": {"intent": {"name": "account_compromised"}, "entities": []}},
    ]  # fmt: skip
    case = container.handoff.hand_off(read_conversation(events, "conv-x", "rest")).case
    assert main(["cases", "list", "--json"]) == 0
    [listed] = json.loads(capsys.readouterr().out)
    assert (listed["id"], listed["priority"], listed["reason"]) == (case.id, "high", "compromised")
    assert main(["cases", "show", str(case.id), "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert "Hunter2024!" not in json.dumps(shown) and "[redacted]" in json.dumps(shown)
    assert main(["cases", "show", str(case.id)]) == 0
    assert "Problem: Someone got into my account" in capsys.readouterr().out
    assert main(["cases", "show", "999"]) == 1
    assert main(["cases", "retry"]) == 0
    assert "0 pending" in capsys.readouterr().out
    assert main(["cases", "list", "--status", "resolved"]) == 0
    assert "no cases with status resolved" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv",
    [
        ["insights", "report"],
        ["insights", "report", "--since", "yesterday"],
        ["insights", "review", "--below", "2", "--out", "x.yml"],
        ["insights", "export", "--since", "2026-01-01", "--format", "xml"],
    ],
)
def test_insights_misuse_prints_usage(
    cli_env: str, capsys: pytest.CaptureFixture, argv: list[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == 2 and "usage:" in capsys.readouterr().err


def test_insights_without_a_tracker_store_is_a_clear_error(
    cli_env: str, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    monkeypatch.setenv("TRACKER_STORE_URL", f"sqlite:///{tmp_path / 'missing.db'}")
    assert main(["insights", "report", "--since", "2026-01-01", "--out", str(tmp_path)]) == 1
    assert "error:" in capsys.readouterr().err
