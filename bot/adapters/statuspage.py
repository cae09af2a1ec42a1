"""Service status from an Atlassian Statuspage page, through its public v2 API.

`StatuspageStatusSource` has the shape of `StatusSource`. It reads
`GET {base_url}/api/v2/status.json` and, when that reports a problem,
`GET {base_url}/api/v2/incidents/unresolved.json` for the newest incident's name and start.
No API key is needed: these are the page's public endpoints.

It never guesses: when the page cannot be read, or answers something it does not understand,
it raises `StatusUnavailableError` and the caller says it could not check. Failing open ("all
is well") would send a customer hunting for a fault on their side during our own outage;
failing to "incident" would blame an outage that is not there.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

import requests

from bot.adapters.http import Timeouts
from bot.adapters.json_api import JsonApiClient, parse_time
from bot.domain.model import ServiceStatus
from bot.domain.ports import StatusUnavailableError

log = logging.getLogger(__name__)

# Statuspage documents none|minor|major|critical; pages under maintenance also report this.
INDICATORS = frozenset({"none", "minor", "major", "critical", "maintenance"})


__all__ = ["StatusUnavailableError", "StatuspageStatusSource"]


class StatuspageStatusSource:
    """The current status as a Statuspage page publishes it.

    Args:
        session: A shared session (see `bot.adapters.http.make_session`).
        base_url: The page's URL, e.g. `https://status.example.com`.
        timeouts: Connect and read timeouts for every call.
    """

    def __init__(self, session: requests.Session, base_url: str, timeouts: Timeouts) -> None:
        self._api = JsonApiClient(session, base_url.rstrip("/"), timeouts, "statuspage",
                                  StatusUnavailableError)  # fmt: skip

    def current(self) -> ServiceStatus:
        """The status now.

        The description is the page's own ("All Systems Operational", "Partially Degraded
        Service") or, during an incident, the newest unresolved incident's name and start,
        e.g. "Sign-in errors for some customers (since 2026-03-02 09:12 UTC)".

        Raises:
            StatusUnavailableError: The page could not be read or made no sense.
        """
        body = self._get("/api/v2/status.json")
        try:
            indicator = body["status"]["indicator"]
            description = body["status"]["description"]
        except (KeyError, TypeError) as exc:
            raise _unexpected("status.json") from exc
        if indicator not in INDICATORS or not isinstance(description, str):
            raise _unexpected("status.json")
        if indicator == "none":
            return ServiceStatus(indicator, description)
        name, started = self._newest_incident()
        if not name:
            return ServiceStatus(indicator, description)
        shown = f"{name} (since {started:%Y-%m-%d %H:%M} UTC)" if started else name
        return ServiceStatus(indicator, shown, incident=name, started_at=started)

    def _newest_incident(self) -> tuple[str, datetime | None]:
        """Name and start of the newest unresolved incident ("" when there is none)."""
        body = self._get("/api/v2/incidents/unresolved.json")
        try:
            incidents = body["incidents"]
            if not incidents:
                return "", None
            first = incidents[0]
            name = first["name"]
            started = parse_time(first.get("started_at")) or parse_time(first.get("created_at"))
        except (AttributeError, IndexError, KeyError, TypeError) as exc:
            raise _unexpected("incidents/unresolved.json") from exc
        if not isinstance(name, str) or not name.strip():
            raise _unexpected("incidents/unresolved.json")
        return name.strip(), started

    def _get(self, path: str) -> Any:
        return self._api.get(path, path)


def _unexpected(what: str) -> StatusUnavailableError:
    log.warning("statuspage %s: unexpected response body", what)
    return StatusUnavailableError("statuspage: unexpected response")
