"""OktaDirectory against a local fake that speaks Okta's documented Users/Factors/Sessions API."""

from __future__ import annotations

import logging
import socket
import time
from datetime import datetime, timedelta, timezone

import pytest
import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from bot.adapters.http import Timeouts, post_once
from bot.adapters.okta import OktaDirectory
from bot.domain.model import Account
from bot.domain.ports import IdentityUnavailableError
from tests.http_fakes import FakeHTTPServer, Reply, local_session

TOKEN = "00TESTtokenXYZ-do-not-log-4f1c9a"
EMAIL = "isaac.brock@example.com"
USER_ID = "00ub0oNGTSWTBKOLGLNR"
USER_PATH = f"/api/v1/users/{USER_ID}"

# Shapes as in Okta's Users API reference (GET /api/v1/users/{id}).
USER = {
    "id": USER_ID,
    "status": "ACTIVE",
    "created": "2013-06-24T16:39:18.000Z",
    "activated": "2013-06-24T16:39:19.000Z",
    "statusChanged": "2013-06-24T16:39:19.000Z",
    "lastLogin": "2013-06-24T17:39:19.000Z",
    "lastUpdated": "2013-07-02T21:36:25.344Z",
    "passwordChanged": "2013-07-02T21:36:25.344Z",
    "type": {"id": "otyfnjfba4ye7pgjB0g4"},
    "profile": {
        "firstName": "Isaac",
        "lastName": "Brock",
        "email": "isaac.brock@example.com",
        "login": "Isaac.Brock@example.com",
        "mobilePhone": "555-415-1337",
    },
    "credentials": {
        "password": {},
        "recovery_question": {"question": "Who's a major player in the cowboy scene?"},
        "provider": {"type": "OKTA", "name": "OKTA"},
    },
    "_links": {
        "self": {"href": f"https://example.okta.com/api/v1/users/{USER_ID}"},
        "resetPassword": {
            "href": f"https://example.okta.com/api/v1/users/{USER_ID}/lifecycle/reset_password",
            "method": "POST",
        },
    },
}

# GET /api/v1/users/{id}/factors: enrolled factors, in Okta's order.
FACTORS = [
    {
        "id": "ufs2bysphxKODSZKWVCT",
        "factorType": "question",
        "provider": "OKTA",
        "vendorName": "OKTA",
        "status": "ACTIVE",
        "profile": {"question": "favorite_art_piece", "questionText": "Favourite piece of art?"},
    },
    {
        "id": "mbl1nz9JHJGHWRKMTLHP",
        "factorType": "sms",
        "provider": "OKTA",
        "vendorName": "OKTA",
        "status": "PENDING_ACTIVATION",
        "profile": {"phoneNumber": "+1-555-000-9999"},
    },
    {
        "id": "ostf2gsyictRQDSGTDZE",
        "factorType": "token:software:totp",
        "provider": "OKTA",
        "vendorName": "OKTA",
        "status": "ACTIVE",
        "profile": {"credentialId": "isaac.brock@example.com"},
    },
    {
        "id": "sms2gt8gzgEBPUWBIFHN",
        "factorType": "sms",
        "provider": "OKTA",
        "vendorName": "OKTA",
        "status": "ACTIVE",
        "created": "2014-06-27T20:27:26.000Z",
        "lastUpdated": "2014-06-27T20:27:26.000Z",
        "profile": {"phoneNumber": "+1-555-415-1337"},
    },
    {
        "id": "uftm3iHSGFQXHCUSDAND",
        "factorType": "token:software:totp",
        "provider": "GOOGLE",
        "vendorName": "GOOGLE",
        "status": "ACTIVE",
        "profile": {"credentialId": "isaac.brock@example.com"},
    },
    {
        "id": "opf3hkfocI4JTLAju0g4",
        "factorType": "push",
        "provider": "OKTA",
        "vendorName": "OKTA",
        "status": "ACTIVE",
        "profile": {
            "credentialId": "isaac.brock@example.com",
            "deviceType": "SmartPhone_IPhone",
            "name": "Gibson",
            "platform": "IOS",
            "version": "17.2",
        },
    },
    {
        "id": "emfnf3gSScB8xXoXK0g3",
        "factorType": "email",
        "provider": "OKTA",
        "vendorName": "OKTA",
        "status": "ACTIVE",
        "profile": {"email": "isaac.brock@example.com"},
    },
]


def okta_error(code: str, summary: str) -> dict:
    """Okta's error body."""
    return {
        "errorCode": code,
        "errorSummary": summary,
        "errorLink": code,
        "errorId": "oaeHfmOAx1iRLa0H10DeMz5fQ",
        "errorCauses": [],
    }


NOT_FOUND = okta_error("E0000007", f"Not found: Resource not found: {EMAIL} (User)")
INVALID_TOKEN = okta_error("E0000011", "Invalid token provided")
RATE_LIMITED = okta_error("E0000047", "API call exceeded rate limit due to too many requests.")
SERVER_ERROR = okta_error("E0000009", "Internal Server Error")
RATE_HEADERS = {"X-Rate-Limit-Limit": "600", "X-Rate-Limit-Remaining": "0"}


@pytest.fixture
def directory(server: FakeHTTPServer) -> OktaDirectory:
    """The adapter with the production retry settings, pointed at the fake."""
    return OktaDirectory(local_session(), server.url, TOKEN, Timeouts(connect=1.0, read=1.0))


def script_user(server: FakeHTTPServer, user: dict | None = None) -> None:
    server.script("GET", f"/api/v1/users/{EMAIL}", Reply(200, user or USER))
    server.script("GET", f"{USER_PATH}/factors", Reply(200, FACTORS))


# --- success paths --------------------------------------------------------------------


def test_find_by_email_maps_the_user_and_its_factors(
    server: FakeHTTPServer, directory: OktaDirectory
) -> None:
    script_user(server)

    account = directory.find_by_email("  Isaac.Brock@Example.com ")

    assert account == Account(
        id=USER_ID,
        email=EMAIL,
        name="Isaac Brock",
        status="active",
        lock_reason="",
        mfa_factors=("totp", "sms", "push", "email"),
        phone_last4="1337",
        created_at=datetime(2013, 6, 24, 16, 39, 18, tzinfo=timezone.utc),
    )
    lookup = server.requests_to("GET", f"/api/v1/users/{EMAIL}")
    assert [r.raw_path for r in lookup] == ["/api/v1/users/isaac.brock%40example.com"]
    assert len(server.requests_to("GET", f"{USER_PATH}/factors")) == 1


@pytest.mark.parametrize(
    ("okta_status", "status", "lock_reason"),
    [
        ("LOCKED_OUT", "locked", "failed_attempts"),
        ("SUSPENDED", "suspended", ""),
        ("PASSWORD_EXPIRED", "active", ""),
        ("RECOVERY", "active", ""),
    ],
)
def test_okta_status_maps_to_account_status(
    server: FakeHTTPServer,
    directory: OktaDirectory,
    okta_status: str,
    status: str,
    lock_reason: str,
) -> None:
    script_user(server, {**USER, "status": okta_status})

    account = directory.find_by_email(EMAIL)

    assert account is not None
    assert (account.status, account.lock_reason) == (status, lock_reason)
    assert account.is_locked(datetime.now(timezone.utc)) is (status == "locked")


def test_user_without_factors_or_last_name(
    server: FakeHTTPServer, directory: OktaDirectory
) -> None:
    user = {**USER, "profile": {"firstName": "Isaac", "lastName": None, "login": EMAIL}}
    server.script("GET", f"/api/v1/users/{EMAIL}", Reply(200, user))
    server.script("GET", f"{USER_PATH}/factors", Reply(200, []))

    account = directory.find_by_email(EMAIL)

    assert account is not None
    assert (account.name, account.mfa_factors, account.phone_last4) == ("Isaac", (), "")


def test_unknown_user_is_none_and_factors_are_not_asked(
    server: FakeHTTPServer, directory: OktaDirectory
) -> None:
    server.script("GET", "/api/v1/users/nobody@example.com", Reply(404, NOT_FOUND))

    assert directory.find_by_email("nobody@example.com") is None
    assert [r.path for r in server.requests] == ["/api/v1/users/nobody@example.com"]


def test_a_match_on_another_login_is_none(server: FakeHTTPServer, directory: OktaDirectory) -> None:
    # Okta also resolves unambiguous login shortnames; only an exact login counts.
    other = {**USER, "profile": {**USER["profile"], "login": "isaac.brock@example.org"}}
    server.script("GET", f"/api/v1/users/{EMAIL}", Reply(200, other))

    assert directory.find_by_email(EMAIL) is None
    assert server.requests_to("GET", f"{USER_PATH}/factors") == []


def test_start_password_reset_asks_okta_to_send_the_email(
    server: FakeHTTPServer, directory: OktaDirectory
) -> None:
    server.script("POST", f"{USER_PATH}/lifecycle/reset_password", Reply(200, {}))

    assert directory.start_password_reset(USER_ID, timedelta(minutes=30)) is None

    [request] = server.requests_to("POST", f"{USER_PATH}/lifecycle/reset_password")
    assert request.query == {"sendEmail": ["true"]}


@pytest.mark.parametrize(
    ("call", "method", "path", "reply", "query"),
    [
        ("unlock", "POST", "/lifecycle/unlock", Reply(200, {}), {}),
        ("reset_factors", "POST", "/lifecycle/reset_factors", Reply(200, None), {}),
        ("clear_sessions", "DELETE", "/sessions", Reply(204), {"oauthTokens": ["true"]}),
    ],
)
def test_lifecycle_calls(
    server: FakeHTTPServer,
    directory: OktaDirectory,
    call: str,
    method: str,
    path: str,
    reply: Reply,
    query: dict,
) -> None:
    server.script(method, USER_PATH + path, reply)

    assert getattr(directory, call)(USER_ID) is None

    [request] = server.requests
    assert (request.method, request.path, request.query) == (method, USER_PATH + path, query)


def test_every_call_sends_the_api_token_and_asks_for_json(
    server: FakeHTTPServer, directory: OktaDirectory
) -> None:
    script_user(server)
    for path in ("/lifecycle/reset_password", "/lifecycle/unlock", "/lifecycle/reset_factors"):
        server.script("POST", USER_PATH + path, Reply(200, {}))
    server.script("DELETE", f"{USER_PATH}/sessions", Reply(204))

    directory.find_by_email(EMAIL)
    directory.start_password_reset(USER_ID, timedelta(minutes=30))
    directory.unlock(USER_ID)
    directory.reset_factors(USER_ID)
    directory.clear_sessions(USER_ID)

    assert len(server.requests) == 6
    for request in server.requests:
        assert request.headers["authorization"] == f"SSWS {TOKEN}"
        assert request.headers["accept"] == "application/json"
        assert request.headers["user-agent"].startswith("signin-help-assistant/")


def test_user_ids_are_escaped_in_paths(server: FakeHTTPServer, directory: OktaDirectory) -> None:
    with pytest.raises(IdentityUnavailableError):
        directory.unlock("../../admin")

    [request] = server.requests
    assert request.raw_path == "/api/v1/users/..%2F..%2Fadmin/lifecycle/unlock"


# --- failures: fail closed ----------------------------------------------------------------


def test_rejected_token_is_unavailable_and_logged_without_the_token(
    server: FakeHTTPServer, directory: OktaDirectory, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    server.script("GET", f"/api/v1/users/{EMAIL}", Reply(401, INVALID_TOKEN))

    with pytest.raises(IdentityUnavailableError, match="credentials") as raised:
        directory.find_by_email(EMAIL)

    errors = [r for r in caplog.records if r.name == "bot.adapters.okta"]
    assert [r.levelno for r in errors] == [logging.ERROR]
    assert "E0000011" in errors[0].getMessage()
    assert TOKEN not in caplog.text
    assert TOKEN not in str(raised.value)
    assert len(server.requests) == 1  # a 401 is not retried


def test_forbidden_is_unavailable(server: FakeHTTPServer, directory: OktaDirectory) -> None:
    forbidden = okta_error("E0000006", "You do not have permission to perform the requested action")
    server.script("POST", f"{USER_PATH}/lifecycle/unlock", Reply(403, forbidden))

    with pytest.raises(IdentityUnavailableError, match="credentials"):
        directory.unlock(USER_ID)


def test_429_with_retry_after_on_a_get_is_retried_after_the_delay(
    server: FakeHTTPServer, directory: OktaDirectory
) -> None:
    limited = Reply(429, RATE_LIMITED, {"Retry-After": "1", **RATE_HEADERS})
    server.script("GET", f"/api/v1/users/{EMAIL}", limited, Reply(200, USER))
    server.script("GET", f"{USER_PATH}/factors", Reply(200, FACTORS))

    account = directory.find_by_email(EMAIL)

    assert account is not None and account.id == USER_ID
    first, second = server.requests_to("GET", f"/api/v1/users/{EMAIL}")
    assert 0.9 <= second.at - first.at < 1.8


def test_429_asking_for_a_longer_wait_than_the_budget_fails_at_once(
    server: FakeHTTPServer, directory: OktaDirectory
) -> None:
    limited = Reply(429, RATE_LIMITED, {"Retry-After": "30", **RATE_HEADERS})
    server.script("GET", f"/api/v1/users/{EMAIL}", limited, Reply(200, USER))

    started = time.monotonic()
    with pytest.raises(IdentityUnavailableError, match="rate limited"):
        directory.find_by_email(EMAIL)

    assert time.monotonic() - started < 0.5
    assert len(server.requests) == 1


@pytest.mark.parametrize("status", [429, 500, 503])
def test_a_failed_post_is_not_retried(
    server: FakeHTTPServer, directory: OktaDirectory, status: int
) -> None:
    body = RATE_LIMITED if status == 429 else SERVER_ERROR
    failed = Reply(status, body, {"Retry-After": "1"})
    server.script("POST", f"{USER_PATH}/lifecycle/reset_password", failed, Reply(200, {}))

    started = time.monotonic()
    with pytest.raises(IdentityUnavailableError):
        directory.start_password_reset(USER_ID, timedelta(minutes=30))

    assert time.monotonic() - started < 0.5
    assert len(server.requests) == 1


def test_500_then_200_on_a_get_is_retried(server: FakeHTTPServer, directory: OktaDirectory) -> None:
    server.script("GET", f"/api/v1/users/{EMAIL}", Reply(500, SERVER_ERROR), Reply(200, USER))
    server.script("GET", f"{USER_PATH}/factors", Reply(502, "Bad Gateway"), Reply(200, FACTORS))

    account = directory.find_by_email(EMAIL)

    assert account is not None and account.mfa_factors == ("totp", "sms", "push", "email")
    assert len(server.requests_to("GET", f"/api/v1/users/{EMAIL}")) == 2
    assert len(server.requests_to("GET", f"{USER_PATH}/factors")) == 2


def test_503_then_204_on_a_delete_is_retried(
    server: FakeHTTPServer, directory: OktaDirectory
) -> None:
    server.script("DELETE", f"{USER_PATH}/sessions", Reply(503, SERVER_ERROR), Reply(204))

    directory.clear_sessions(USER_ID)

    assert len(server.requests) == 2


def test_lasting_5xx_gives_up_within_the_wait_budget(server: FakeHTTPServer) -> None:
    # Production settings: sleeps of 0 s and 1 s; the next (2 s) would pass the 2 s budget.
    directory = OktaDirectory(local_session(), server.url, TOKEN, Timeouts(1.0, 1.0))
    server.script("GET", f"/api/v1/users/{EMAIL}", Reply(503, SERVER_ERROR))

    started = time.monotonic()
    with pytest.raises(IdentityUnavailableError, match="server error 503"):
        directory.find_by_email(EMAIL)

    assert time.monotonic() - started < 1.8
    assert len(server.requests) == 3


def test_lasting_5xx_uses_every_retry_when_backoff_is_small(server: FakeHTTPServer) -> None:
    session = local_session(retries=3, backoff=0.01)
    directory = OktaDirectory(session, server.url, TOKEN, Timeouts(1.0, 1.0))
    server.script("GET", f"/api/v1/users/{EMAIL}", Reply(500, SERVER_ERROR))

    with pytest.raises(IdentityUnavailableError, match="server error 500"):
        directory.find_by_email(EMAIL)

    assert len(server.requests) == 4


def test_read_timeout_fails_quickly_without_retry(server: FakeHTTPServer) -> None:
    directory = OktaDirectory(local_session(), server.url, TOKEN, Timeouts(1.0, read=0.3))
    server.script("GET", f"/api/v1/users/{EMAIL}", Reply(200, USER, delay=3.0))

    started = time.monotonic()
    with pytest.raises(IdentityUnavailableError, match="ReadTimeout"):
        directory.find_by_email(EMAIL)

    assert time.monotonic() - started < 1.0
    assert len(server.requests) == 1


def test_refused_connection_is_unavailable() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    session = local_session(backoff=0.01)
    directory = OktaDirectory(session, f"http://127.0.0.1:{port}", TOKEN, Timeouts(0.5, 0.5))

    started = time.monotonic()
    with pytest.raises(IdentityUnavailableError, match="ConnectionError"):
        directory.find_by_email(EMAIL)
    assert time.monotonic() - started < 1.0


@pytest.mark.parametrize("body", ["<html>maintenance</html>", {"unexpected": True}, [1, 2]])
def test_an_answer_that_is_not_a_user_is_unavailable(
    server: FakeHTTPServer, directory: OktaDirectory, body: object
) -> None:
    server.script("GET", f"/api/v1/users/{EMAIL}", Reply(200, body))

    with pytest.raises(IdentityUnavailableError, match="unexpected response"):
        directory.find_by_email(EMAIL)


def test_the_token_and_address_never_reach_the_logs(
    server: FakeHTTPServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    directory = OktaDirectory(local_session(backoff=0.01), server.url, TOKEN, Timeouts(1.0, 0.3))
    failures = [
        Reply(401, INVALID_TOKEN),
        Reply(403, okta_error("E0000006", "You do not have permission")),
        Reply(404, NOT_FOUND),
        Reply(429, RATE_LIMITED, {"Retry-After": "30"}),
        Reply(500, SERVER_ERROR),
        Reply(200, USER, delay=1.0),
        Reply(200, "not json"),
    ]
    raised: list[Exception] = []
    for reply in failures:
        server.script("GET", f"/api/v1/users/{EMAIL}", reply)
        server.script("POST", f"{USER_PATH}/lifecycle/unlock", reply)
        for call in (lambda: directory.find_by_email(EMAIL), lambda: directory.unlock(USER_ID)):
            try:
                call()
            except IdentityUnavailableError as exc:
                raised.append(exc)

    # All but two fail: a 404 on the lookup means "no such user", and unlock reads no body.
    assert len(raised) == 2 * len(failures) - 2
    assert caplog.records, "the failures should have been logged"
    assert TOKEN not in caplog.text
    assert TOKEN not in repr(directory)
    assert all(TOKEN not in str(exc) for exc in raised)
    ours = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("bot."))
    assert EMAIL not in ours


def test_post_once_refuses_a_session_that_retries_posts() -> None:
    session = requests.Session()
    session.mount("http://", HTTPAdapter(max_retries=Retry(total=3, allowed_methods=None)))

    with pytest.raises(ValueError, match="retries POST"):
        post_once(session, "http://127.0.0.1:9/x", Timeouts())
