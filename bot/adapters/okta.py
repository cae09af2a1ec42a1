"""Okta as the identity directory, through Okta's Users, Factors and Sessions APIs.

`OktaDirectory` has the shape of `IdentityDirectory`. It receives its HTTP session, the
org's base URL (`https://example.okta.com`), an API token and timeouts from outside and
never reads the environment itself. Okta sends the reset email, so `start_password_reset`
returns None.

It fails closed: any network error, timeout, refused token, rate limit, 5xx or answer we
cannot read raises `IdentityUnavailableError`, never a guess. Guessing "no such account"
would tell a real customer that no email is coming while Okta may be fine a minute later;
guessing "done" would promise a reset email, an unlock or a sign-out that did not happen.
The service turns the error into an apology and an offer of a person.

Nothing here logs the API token, the email address or a URL containing it.
"""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from typing import Any
from urllib.parse import quote

import requests

from bot.adapters.http import Timeouts, post_once
from bot.adapters.json_api import http_failure, parse_time, transport_failure
from bot.domain.model import Account
from bot.domain.ports import IdentityUnavailableError

log = logging.getLogger(__name__)

# Okta factorType -> our MFA method name; other types (question, webauthn, ...) are left out.
FACTOR_METHODS = {
    "sms": "sms",
    "email": "email",
    "token:software:totp": "totp",
    "push": "push",
}


class OktaDirectory:
    """The identity directory kept in an Okta org.

    Args:
        session: A shared session (see `bot.adapters.http.make_session`).
        base_url: The org URL, e.g. `https://example.okta.com`.
        api_token: An Okta API token (sent as `Authorization: SSWS <token>`).
        timeouts: Connect and read timeouts for every call.
    """

    def __init__(
        self, session: requests.Session, base_url: str, api_token: str, timeouts: Timeouts
    ) -> None:
        self._session = session
        self._base_url = base_url.rstrip("/")
        self._headers = {"Authorization": f"SSWS {api_token}", "Accept": "application/json"}
        self._timeouts = timeouts

    def __repr__(self) -> str:
        return f"OktaDirectory({self._base_url!r})"  # never the token

    def find_by_email(self, email: str) -> Account | None:
        """The Okta user whose login is `email` (case-insensitive), or None.

        Raises:
            IdentityUnavailableError: Okta could not be asked or did not answer properly.
        """
        login = email.strip().lower()
        if not login:
            return None
        response = self._call("GET", f"/api/v1/users/{quote(login, safe='')}", "find user")
        if response is None:
            return None
        user = _json(response, "find user")
        try:
            found_login = str(user["profile"]["login"]).lower()
            user_id = str(user["id"])
        except (KeyError, TypeError) as exc:
            raise _unexpected("find user") from exc
        if found_login != login:
            # Okta also matches an unambiguous login *shortname*; we only want exact logins.
            return None
        factors = self._call("GET", f"{_user_path(user_id)}/factors", "list factors")
        return _account(user, _json(factors, "list factors"))

    def find_by_id(self, account_id: str) -> Account | None:
        """The Okta user with this id, or None."""
        response = self._call("GET", _user_path(account_id), "get user")
        if response is None:
            return None
        user = _json(response, "get user")
        factors = self._call("GET", f"{_user_path(account_id)}/factors", "list factors")
        return _account(user, _json(factors, "list factors"))

    def change_email(self, account_id: str, new_email: str) -> None:
        """Make `new_email` the user's login and primary email (a partial profile update)."""
        address = new_email.strip().lower()
        self._call(
            "POST",
            _user_path(account_id),
            "change email",
            json={"profile": {"login": address, "email": address}},
        )

    def start_password_reset(self, account_id: str, ttl: timedelta) -> str | None:
        """Ask Okta to email the user a reset link (earlier links stop working).

        `ttl` is not used: the link's lifetime is set in the org's password policy.

        Returns:
            None: Okta sends the email itself.
        """
        self._call(
            "POST",
            f"{_user_path(account_id)}/lifecycle/reset_password",
            "reset password",
            params={"sendEmail": "true"},
        )
        return None

    def unlock(self, account_id: str) -> None:
        """Unlock a user locked out after failed sign-ins."""
        self._call("POST", f"{_user_path(account_id)}/lifecycle/unlock", "unlock")

    def reset_factors(self, account_id: str) -> None:
        """Reset every MFA factor; the user enrols again at the next sign-in."""
        self._call("POST", f"{_user_path(account_id)}/lifecycle/reset_factors", "reset factors")

    def clear_sessions(self, account_id: str) -> None:
        """End every Okta session of the user and revoke their OAuth/OIDC tokens."""
        self._call(
            "DELETE",
            f"{_user_path(account_id)}/sessions",
            "clear sessions",
            params={"oauthTokens": "true"},
        )

    def _call(
        self,
        method: str,
        path: str,
        what: str,
        params: dict[str, str] | None = None,
        json: dict[str, Any] | None = None,
    ) -> requests.Response | None:
        """Send one API call; the response when it succeeded, None for a 404 on a GET.

        POSTs go through `post_once` (never retried: they send emails or change the user);
        GETs and DELETEs may be retried by the session.
        """
        url = self._base_url + path
        try:
            if method == "POST":
                response = post_once(
                    self._session, url, self._timeouts, headers=self._headers, params=params,
                    json=json,
                )  # fmt: skip
            else:
                response = self._session.request(
                    method,
                    url,
                    headers=self._headers,
                    params=params,
                    timeout=self._timeouts.as_tuple(),
                )
        except requests.RequestException as exc:
            # The exception text holds the URL, which may hold an email address.
            raise transport_failure("okta", IdentityUnavailableError, what, exc, log) from exc
        status = response.status_code
        if 200 <= status < 300:
            return response
        if status == 404 and method == "GET":
            return None
        raise http_failure(
            "okta", IdentityUnavailableError, what, status, _error_code(response), log
        )


def _user_path(account_id: str) -> str:
    return f"/api/v1/users/{quote(account_id, safe='')}"


def _unexpected(what: str) -> IdentityUnavailableError:
    log.warning("Okta %s: unexpected response body", what)
    return IdentityUnavailableError("okta: unexpected response")


def _json(response: requests.Response | None, what: str) -> Any:
    if response is None:  # a 404 on a follow-up call: the user vanished in between
        raise _unexpected(what)
    try:
        return response.json()
    except ValueError as exc:
        raise _unexpected(what) from exc


def _error_code(response: requests.Response) -> str:
    """Okta's `errorCode` (e.g. E0000011), never `errorSummary`: that may name the user."""
    try:
        body = response.json()
    except ValueError:
        return ""
    return str(body.get("errorCode", "")) if isinstance(body, dict) else ""


def _account(user: dict[str, Any], factors: Any) -> Account:
    """Map an Okta user and its factor list to an `Account`."""
    try:
        profile = user["profile"]
        okta_status = user.get("status")
        methods: list[str] = []
        phone_last4 = phone_number = ""
        for factor in factors:
            method = FACTOR_METHODS.get(factor.get("factorType"))
            if method is None or factor.get("status") != "ACTIVE":
                continue  # pending enrolments cannot be used to sign in yet
            if method not in methods:
                methods.append(method)
            if method == "sms" and not phone_last4:
                phone = (factor.get("profile") or {}).get("phoneNumber") or ""
                phone_last4 = re.sub(r"\D", "", phone)[-4:]
                phone_number = phone if re.fullmatch(r"\+\d{7,15}", phone) else ""
        name = " ".join(
            part.strip() for part in (profile.get("firstName"), profile.get("lastName")) if part
        )
        return Account(
            id=str(user["id"]),
            email=str(profile["login"]).lower(),
            name=name,
            status={"LOCKED_OUT": "locked", "SUSPENDED": "suspended"}.get(okta_status, "active"),
            lock_reason="failed_attempts" if okta_status == "LOCKED_OUT" else "",
            mfa_factors=tuple(methods),
            phone_last4=phone_last4,
            phone_number=phone_number,
            created_at=parse_time(user.get("created")),
        )
    except (AttributeError, KeyError, TypeError) as exc:
        raise _unexpected("find user") from exc
