"""Link checks, browser steps, code tips, and how actions behave when an API is down."""

from __future__ import annotations

import dataclasses

import pytest

from bot.actions import calls
from bot.actions.password_reset import ActionRequestPasswordReset
from bot.actions.security import ActionCheckLink
from bot.actions.support import ActionCheckServiceStatus
from bot.actions.troubleshooting import ActionBrowserStep, ActionMfaCodeHelp
from bot.bootstrap import Container, build_container
from bot.services.password_reset import PasswordResetService
from bot.settings import load_settings
from tests.fakes import DownDirectory, DownStatus
from tests.unit.actions.test_actions import _user, make_tracker, run


def _with_entities(text: str, intent: str, **entities: str) -> dict:
    event = _user(text, intent)
    event["parse_data"]["entities"] = [{"entity": k, "value": v} for k, v in entities.items()]
    return event


@pytest.mark.parametrize(
    ("text", "response"),
    [
        ("is https://account.example.com/reset real?", "utter_link_official"),
        ("got mail from support@examp1e.com", "utter_link_suspicious"),
        ("this one: http://example.com.secure-check.net/login", "utter_link_suspicious"),
        ("what about www.google.com", "utter_link_not_official"),
    ],
)
def test_link_check_verdicts(container: Container, text: str, response: str) -> None:
    events, messages = run(ActionCheckLink(), make_tracker(events=[_user(text, "phishing_check")]))
    assert messages[0]["response"] == response
    assert messages[0]["details"]
    reported = [m["response"] for m in messages[1:]]
    assert reported == ([] if response == "utter_link_official" else ["utter_report_phishing"])
    assert events[-1]["name"] == "utter_anything_else"


def test_link_check_without_a_link_asks_for_one(container: Container) -> None:
    events, messages = run(
        ActionCheckLink(), make_tracker(events=[_user("is this email really from you", "x")])
    )
    assert [m["response"] for m in messages] == ["utter_phishing_advice", "utter_ask_link"]
    assert events == []


def test_browser_steps_go_one_at_a_time_until_a_person_is_offered(container: Container) -> None:
    first_events, first = run(
        ActionBrowserStep(),
        make_tracker(
            events=[
                _with_entities(
                    "too many redirects in firefox",
                    "browser_issue",
                    browser="firefox",
                    error="too many redirects",
                )
            ]
        ),
    )
    slots = {e["name"]: e["value"] for e in first_events if e["event"] == "slot"}
    assert slots == {"browser_error_kind": "too_many_redirects", "browser_steps_done": 1.0}
    assert first_events[-1]["name"] == "utter_browser_step_helped"
    seen = [first[-1]["text"]]
    for _ in range(10):
        events, messages = run(
            ActionBrowserStep(),
            make_tracker(events=[_user("no", "deny")], slots={"browser": "firefox", **slots}),
        )
        if events[-1]["name"] == "utter_offer_human":
            assert messages[-1]["response"] == "utter_browser_steps_exhausted"
            break
        slots = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
        seen.append(messages[-1]["text"])
    else:
        pytest.fail("the steps never ran out")
    assert len(seen) == len(set(seen)) >= 3


def test_outdated_browser_gets_version_advice(container: Container) -> None:
    _, messages = run(
        ActionBrowserStep(),
        make_tracker(
            events=[
                _with_entities(
                    "chrome 96 says unsupported browser", "browser_issue", browser="chrome"
                )
            ]
        ),
    )
    assert "140" in messages[0]["text"]


@pytest.mark.parametrize(
    ("method", "response"),
    [("sms", "utter_mfa_tips_sms"), ("totp", "utter_mfa_tips_totp"),
     ("email", "utter_mfa_tips_email"), ("push", "utter_mfa_tips_push")],
)  # fmt: skip
def test_code_tips_by_method(container: Container, method: str, response: str) -> None:
    events, messages = run(
        ActionMfaCodeHelp(),
        make_tracker(events=[_with_entities("no code", "mfa_code_missing", mfa_method=method)]),
    )
    assert messages[0]["response"] == response
    assert events[-1]["name"] == "utter_did_that_help"


def test_code_tips_ask_for_the_method_first(container: Container) -> None:
    events, messages = run(ActionMfaCodeHelp(), make_tracker(events=[_user("no code", "x")]))
    assert messages == [] and events[-1]["name"] == "utter_ask_mfa_method"


# --- outages -----------------------------------------------------------------------------


@pytest.fixture
def down_container(container: Container) -> Container:
    down = DownDirectory()
    service = PasswordResetService(
        directory=down, mailer=container.mailer, requests_log=container.password_reset._requests,
        audit=container.audit, vendor=container.settings.vendor, rules=container.settings.reset,
        secret_key="k", clock=container.clock,
    )  # fmt: skip
    broken = dataclasses.replace(container, directory=down, password_reset=service,
                                 status=DownStatus())  # fmt: skip
    from bot import bootstrap

    bootstrap.set_container(broken)
    return broken


def test_reset_with_the_identity_api_down_apologises_and_offers_a_person(
    down_container: Container,
) -> None:
    """The lookup runs after the answer (its cost differs for registered addresses), so the
    first request during an outage gets the usual words; from the failure on, everyone gets
    the apology until the provider answers again."""
    tracker = make_tracker(slots={"email": "a@example.com"})
    _events, first = run(ActionRequestPasswordReset(), tracker)
    assert [m["response"] for m in first] == ["utter_reset_link_sent"]
    events, messages = run(ActionRequestPasswordReset(), tracker)
    assert [m["response"] for m in messages] == ["utter_identity_unavailable"]
    assert events[-1]["name"] == "utter_offer_human"
    _events, other = run(ActionRequestPasswordReset(), make_tracker(slots={"email": "b@x.org"}))
    assert [m["response"] for m in other] == ["utter_identity_unavailable"]


def test_status_page_down_says_it_could_not_check(down_container: Container) -> None:
    _, messages = run(ActionCheckServiceStatus(), make_tracker())
    assert [m["response"] for m in messages] == ["utter_status_unknown"]


def test_a_hanging_api_still_gets_an_answer_before_the_deadline(
    container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    slow = DownDirectory(delay=1.0)
    service = PasswordResetService(
        directory=slow, mailer=container.mailer, requests_log=container.password_reset._requests,
        audit=container.audit, vendor=container.settings.vendor, rules=container.settings.reset,
        secret_key="k", clock=container.clock,
    )  # fmt: skip
    from bot import bootstrap

    bootstrap.set_container(dataclasses.replace(container, password_reset=service))
    monkeypatch.setattr(calls, "ANSWER_WITHIN_SECONDS", 0.2)
    _events, messages = run(
        ActionRequestPasswordReset(), make_tracker(slots={"email": "a@example.com"})
    )
    assert [m["response"] for m in messages] == ["utter_identity_unavailable"]


def test_settings_pick_the_okta_and_statuspage_adapters(db_url: str) -> None:
    from bot.adapters.okta import OktaDirectory
    from bot.adapters.statuspage import StatuspageStatusSource

    settings = load_settings({
        "SIGNIN_DATABASE_URL": db_url, "SIGNIN_IDENTITY_BACKEND": "okta",
        "SIGNIN_OKTA_URL": "https://tenant.okta.example", "SIGNIN_OKTA_API_TOKEN": "t0k",
        "SIGNIN_STATUS_PAGE_URL": "https://status.example.com",
    })  # fmt: skip
    container = build_container(settings)
    assert isinstance(container.directory, OktaDirectory)
    assert isinstance(container.status, StatuspageStatusSource)
    assert container.password_reset._directory is container.directory


def test_okta_without_credentials_is_a_settings_error(db_url: str) -> None:
    from bot.settings import SettingsError

    with pytest.raises(SettingsError, match="SIGNIN_OKTA_URL"):
        load_settings({"SIGNIN_IDENTITY_BACKEND": "okta"})
