import pytest

from bot.bootstrap import Container
from bot.domain.ports import AccountExistsError


def test_accounts_are_found_case_insensitively(container: Container) -> None:
    added = container.directory.add_account("Jane@Example.com", name="Jane")
    found = container.directory.find_by_email("  JANE@example.COM")
    assert found == added
    assert found.email == "jane@example.com"
    assert found.status == "active"


def test_duplicate_accounts_are_refused(container: Container) -> None:
    container.directory.add_account("jane@example.com")
    with pytest.raises(AccountExistsError):
        container.directory.add_account("JANE@example.com")


def test_locked_accounts_and_listing(container: Container) -> None:
    container.directory.add_account("a@example.com")
    container.directory.add_account("b@example.com", locked=True)
    assert [(a.email, a.status) for a in container.directory.list_accounts()] == [
        ("a@example.com", "active"),
        ("b@example.com", "locked"),
    ]


def test_unknown_token_is_refused(container: Container) -> None:
    assert container.directory.redeem_reset_token("made-up") is None
