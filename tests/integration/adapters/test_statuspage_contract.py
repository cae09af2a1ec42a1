"""StatuspageStatusSource against a local fake of Atlassian Statuspage's public v2 API."""

from __future__ import annotations

import logging
import time
from datetime import datetime, timezone

import pytest

from bot.adapters.http import Timeouts
from bot.adapters.statuspage import StatuspageStatusSource
from bot.domain.model import ServiceStatus
from bot.domain.ports import StatusUnavailableError
from tests.http_fakes import FakeHTTPServer, Reply, local_session

STATUS_PATH = "/api/v2/status.json"
INCIDENTS_PATH = "/api/v2/incidents/unresolved.json"

PAGE = {
    "id": "kctbh9vrtdwd",
    "name": "Example Cloud",
    "url": "https://status.example.com",
    "time_zone": "Etc/UTC",
    "updated_at": "2026-03-02T09:40:12.511Z",
}


def status_body(indicator: str, description: str) -> dict:
    """GET /api/v2/status.json."""
    return {"page": PAGE, "status": {"indicator": indicator, "description": description}}


def incident(name: str, **times: str | None) -> dict:
    """One entry of GET /api/v2/incidents/unresolved.json."""
    return {
        "id": "p31zjtct2jer",
        "name": name,
        "status": "identified",
        "created_at": "2026-03-02T03:14:05.123-06:00",
        "updated_at": "2026-03-02T03:40:12.511-06:00",
        "monitoring_at": None,
        "resolved_at": None,
        "impact": "major",
        "shortlink": "https://stspg.io/p31zjtct2jer",
        "started_at": "2026-03-02T09:12:00.000Z",
        "page_id": PAGE["id"],
        "incident_updates": [
            {
                "id": "h2ftsgbw7kmk",
                "status": "identified",
                "body": "We found the cause and are rolling out a fix.",
                "incident_id": "p31zjtct2jer",
                "created_at": "2026-03-02T09:40:12.511Z",
                "updated_at": "2026-03-02T09:40:12.511Z",
                "display_at": "2026-03-02T09:40:12.511Z",
                "affected_components": None,
                "deliver_notifications": True,
            }
        ],
        "components": [{"id": "b13yz5g2cw10", "name": "Sign-in", "status": "major_outage"}],
        **times,
    }


def incidents_body(*incidents: dict) -> dict:
    return {"page": PAGE, "incidents": list(incidents)}


@pytest.fixture
def source(server: FakeHTTPServer) -> StatuspageStatusSource:
    return StatuspageStatusSource(local_session(), server.url + "/", Timeouts(1.0, 1.0))


def test_all_operational(server: FakeHTTPServer, source: StatuspageStatusSource) -> None:
    server.script("GET", STATUS_PATH, Reply(200, status_body("none", "All Systems Operational")))

    status = source.current()

    assert status == ServiceStatus("none", "All Systems Operational")
    assert status.operational
    assert server.requests_to("GET", INCIDENTS_PATH) == []  # nothing to describe


def test_an_incident_is_described_by_name_and_start(
    server: FakeHTTPServer, source: StatuspageStatusSource
) -> None:
    server.script("GET", STATUS_PATH, Reply(200, status_body("major", "Partial System Outage")))
    newest = incident("Sign-in errors for some customers")
    older = incident("Slow exports", started_at="2026-03-01T08:00:00.000Z")
    server.script("GET", INCIDENTS_PATH, Reply(200, incidents_body(newest, older)))

    status = source.current()

    assert status == ServiceStatus(
        "major",
        "Sign-in errors for some customers (since 2026-03-02 09:12 UTC)",
        incident="Sign-in errors for some customers",
        started_at=datetime(2026, 3, 2, 9, 12, tzinfo=timezone.utc),
    )
    assert not status.operational


def test_an_incident_without_started_at_uses_created_at_in_utc(
    server: FakeHTTPServer, source: StatuspageStatusSource
) -> None:
    server.script("GET", STATUS_PATH, Reply(200, status_body("minor", "Minor Service Outage")))
    older_api = incident("Delayed emails", started_at=None)
    server.script("GET", INCIDENTS_PATH, Reply(200, incidents_body(older_api)))

    assert source.current().description == "Delayed emails (since 2026-03-02 09:14 UTC)"


def test_a_degradation_without_incident_keeps_the_page_description(
    server: FakeHTTPServer, source: StatuspageStatusSource
) -> None:
    server.script(
        "GET", STATUS_PATH, Reply(200, status_body("minor", "Partially Degraded Service"))
    )
    server.script("GET", INCIDENTS_PATH, Reply(200, incidents_body()))

    assert source.current() == ServiceStatus("minor", "Partially Degraded Service")


def test_requests_ask_for_json_without_credentials(
    server: FakeHTTPServer, source: StatuspageStatusSource
) -> None:
    server.script("GET", STATUS_PATH, Reply(200, status_body("critical", "Major System Outage")))
    server.script("GET", INCIDENTS_PATH, Reply(200, incidents_body(incident("Outage"))))

    source.current()

    assert [r.raw_path for r in server.requests] == [STATUS_PATH, INCIDENTS_PATH]
    for request in server.requests:
        assert request.headers["accept"] == "application/json"
        assert "authorization" not in request.headers


def test_503_then_200_is_retried(server: FakeHTTPServer, source: StatuspageStatusSource) -> None:
    ok = Reply(200, status_body("none", "All Systems Operational"))
    server.script("GET", STATUS_PATH, Reply(503, "Service Unavailable"), ok)

    assert source.current().operational
    assert len(server.requests) == 2


@pytest.mark.parametrize(
    ("path", "reply"),
    [
        (STATUS_PATH, Reply(500, "Internal Server Error")),
        (STATUS_PATH, Reply(404, "Not Found")),
        (STATUS_PATH, Reply(200, "<html>status</html>")),
        (STATUS_PATH, Reply(200, {"page": PAGE})),
        (STATUS_PATH, Reply(200, status_body("purple", "Whatever"))),
        (INCIDENTS_PATH, Reply(502, "Bad Gateway")),
        (INCIDENTS_PATH, Reply(200, {"page": PAGE, "incidents": [{"id": "x"}]})),
    ],
)
def test_failures_raise_status_unavailable(
    server: FakeHTTPServer, path: str, reply: Reply, caplog: pytest.LogCaptureFixture
) -> None:
    source = StatuspageStatusSource(local_session(backoff=0.01), server.url, Timeouts(1.0, 1.0))
    server.script("GET", STATUS_PATH, Reply(200, status_body("major", "Partial System Outage")))
    server.script("GET", INCIDENTS_PATH, Reply(200, incidents_body(incident("Outage"))))
    server.script("GET", path, reply)

    with pytest.raises(StatusUnavailableError, match="statuspage"):
        source.current()
    assert any(r.levelno == logging.WARNING for r in caplog.records)


def test_read_timeout_fails_quickly(server: FakeHTTPServer) -> None:
    source = StatuspageStatusSource(local_session(), server.url, Timeouts(1.0, read=0.3))
    server.script("GET", STATUS_PATH, Reply(200, status_body("none", "OK"), delay=3.0))

    started = time.monotonic()
    with pytest.raises(StatusUnavailableError, match="ReadTimeout"):
        source.current()

    assert time.monotonic() - started < 1.0
    assert len(server.requests) == 1
