"""One client for the JSON-over-HTTP APIs of external systems, mapping failures the same
way for every vendor.

Every failure becomes the adapter's own subclass of `ExternalSystemUnavailable`, with a short
reason ("credentials refused", "rate limited", "server error 503", "unexpected response"):
the caller fails closed and the customer hears an apology, never a stack trace. Logs name the
vendor, the operation and the status, never a URL (they can hold email addresses) or a body.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import requests

from bot.adapters.http import Timeouts, post_once
from bot.domain.ports import ExternalSystemUnavailable

log = logging.getLogger(__name__)


@dataclass
class JsonApiClient:
    """Calls one vendor's API on a shared session (see `bot.adapters.http.make_session`).

    Args:
        session: the shared session (retries idempotent calls, never a POST).
        base_url: the API's base URL, without a trailing slash.
        timeouts: connect and read timeouts for every call.
        vendor: the name used in errors and logs ("twilio", "statuspage", ...).
        error: the ExternalSystemUnavailable subclass this vendor's failures become.
        headers: sent with every call (authorisation, Accept).
        auth: a `requests` auth object or (user, password), if the API uses one.
    """

    session: requests.Session
    base_url: str
    timeouts: Timeouts
    vendor: str
    error: type[ExternalSystemUnavailable]
    headers: dict[str, str] = field(default_factory=lambda: {"Accept": "application/json"})
    auth: Any = None

    def get(self, path: str, what: str, missing_ok: bool = False, **kwargs: Any) -> Any:
        """GET and decode; None for a 404 when `missing_ok`."""
        return self.call("GET", path, what, missing_ok=missing_ok, **kwargs)

    def call(self, method: str, path: str, what: str, missing_ok: bool = False,
             **kwargs: Any) -> Any:  # fmt: skip
        """Send one call; the decoded JSON body (None when empty, or a 404 if `missing_ok`).

        POSTs go through `post_once` (never retried: they have effects).
        """
        url = self.base_url.rstrip("/") + path
        try:
            if method == "POST":
                response = post_once(self.session, url, self.timeouts, headers=self.headers,
                                     auth=self.auth, **kwargs)  # fmt: skip
            else:
                response = self.session.request(method, url, headers=self.headers,
                                                auth=self.auth, timeout=self.timeouts.as_tuple(),
                                                **kwargs)  # fmt: skip
        except requests.RequestException as exc:
            raise transport_failure(self.vendor, self.error, what, exc) from exc
        status = response.status_code
        if status == 404 and missing_ok:
            return None
        if not 200 <= status < 300:
            raise self._failure(what, status)
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError as exc:
            raise self.unexpected(what) from exc

    def unexpected(self, what: str) -> ExternalSystemUnavailable:
        """The error for a body that does not have the documented shape."""
        log.warning("%s %s: unexpected response body", self.vendor, what)
        return self.error(f"{self.vendor}: unexpected response")

    def _failure(self, what: str, status: int) -> ExternalSystemUnavailable:
        return http_failure(self.vendor, self.error, what, status)


def transport_failure(
    vendor: str,
    error: type[ExternalSystemUnavailable],
    what: str,
    exc: Exception,
    logger: logging.Logger = log,
) -> ExternalSystemUnavailable:
    """The error for a call that got no answer (the exception text holds the URL: only its
    type is logged, on the adapter's logger)."""
    logger.warning("%s %s failed: %s", vendor, what, type(exc).__name__)
    return error(f"{vendor}: {type(exc).__name__}")


def http_failure(
    vendor: str,
    error: type[ExternalSystemUnavailable],
    what: str,
    status: int,
    detail: str = "",
    logger: logging.Logger = log,
) -> ExternalSystemUnavailable:
    """The error for a non-2xx answer, the same for every vendor: credentials refused,
    rate limited, server error N, or unexpected HTTP N. `detail` (a vendor's error code) is
    logged, never a body or URL."""
    if status in (401, 403):
        logger.error("%s refused the %s call (HTTP %s %s): check the credentials", vendor, what,
                  status, detail)  # fmt: skip
        return error(f"{vendor}: credentials refused")
    if status == 429:
        logger.warning("%s %s: rate limited (HTTP 429 %s)", vendor, what, detail)
        return error(f"{vendor}: rate limited")
    logger.warning("%s %s: HTTP %s %s", vendor, what, status, detail)
    if status >= 500:
        return error(f"{vendor}: server error {status}")
    return error(f"{vendor}: unexpected HTTP {status}")


def parse_time(value: Any) -> datetime | None:
    """An ISO 8601 timestamp from an API ("2026-03-02T09:12:31.123Z", "+02:00") in UTC, or
    None when missing or unreadable."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)
