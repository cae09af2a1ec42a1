"""The account pages that email links land on, in Chromium: a new password after a reset,
and confirming or stopping an email change."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from bot.bootstrap import Container
from bot.web.app import build_web_app
from tests.e2e.conftest import XSS, Tab, WebServers, skip_or_fail_without_browser
from tests.fakes import FakeClock
from tests.unit.services.test_verification import FACTS, pass_check

skip_or_fail_without_browser()

STRONG = "Correct-Horse-Battery-9"


@pytest.fixture
def site(web_server: WebServers, container: Container) -> Iterator[str]:
    account = container.directory.add_account("ann@example.com", devices=("Laptop",))
    for kind, value in FACTS.items():
        container.verification_store.set_fact(
            account.id, kind, container.verification.fact_hash(kind, value)
        )
    yield web_server.serve(lambda: build_web_app(container, "http://127.0.0.1:9"))


def _link(site: str, body: str, path: str) -> str:
    """The link in an email, pointed at the test server."""
    found = re.search(rf"https?://\S+{re.escape(path)}\?token=[\w-]+", body).group(0)
    parts = urlsplit(found)
    return f"{site}{parts.path}?{parts.query}"


def test_a_new_password_is_checked_then_set_once(tab: Tab, site: str, container: Container) -> None:
    container.password_reset.request_reset("ann@example.com", "conv")
    link = _link(site, container.outbox.list_messages()[-1].body, "/account/reset")
    page = tab.page
    page.goto(link)
    assert page.get_by_role("heading", name="Choose a new password").is_visible()
    page.get_by_label("New password").fill("password1234")
    page.get_by_label("The same password again").fill("password1234")
    page.get_by_role("button", name="Set new password").click()
    alert = page.get_by_role("alert")
    assert "too common" in alert.inner_text()
    page.get_by_label("New password").fill(STRONG)
    page.get_by_label("The same password again").fill(STRONG)
    page.get_by_role("button", name="Set new password").click()
    assert "Your password is changed" in page.get_by_role("status").inner_text()
    assert container.builtin_directory.password_hash("1").startswith("$argon2")
    page.goto(link)  # the same link again
    assert page.get_by_role("heading", name="Link not valid").is_visible()
    assert tab.dialogs == [] and tab.errors == []


def test_a_hostile_token_is_shown_as_text(tab: Tab, site: str) -> None:
    tab.page.goto(f"{site}/account/confirm-email?token={XSS}")
    tab.page.get_by_role("button", name="Confirm this address").click()
    assert tab.page.get_by_role("heading", name="Link not valid").is_visible()
    assert tab.dialogs == []


def test_an_email_change_is_confirmed_then_stopped_from_the_old_address(
    tab: Tab, site: str, container: Container, clock: FakeClock
) -> None:
    pass_check(container, "c", "email_change")
    container.recovery.start_email_change("c", "new@example.org")
    confirm_mail, notice = container.outbox.list_messages()[-2:]
    page = tab.page
    page.goto(_link(site, confirm_mail.body, "/account/confirm-email"))
    page.get_by_role("button", name="Confirm this address").click()
    status = page.get_by_role("status").inner_text()
    assert "takes effect on 05 March 2026 at 10:00 UTC" in status, status
    page.goto(_link(site, notice.body, "/account/cancel-email-change"))
    page.get_by_role("button", name="Stop the change").click()
    assert "The change is stopped" in page.get_by_role("status").inner_text()
    clock.advance(hours=73)
    assert container.account_links.apply_due_changes() == 0
    assert container.directory.find_by_email("ann@example.com") is not None
    assert tab.dialogs == [] and tab.errors == []
