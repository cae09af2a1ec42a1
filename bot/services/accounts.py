"""Use case: an operator registers an account in the built-in directory, with the facts
ownership verification asks about (kept only as keyed hashes)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain.model import Account
from bot.domain.ports import AccountRegistry, FactWriter


@dataclass(frozen=True)
class NewAccount:
    """What an operator gives for a new account."""

    email: str
    name: str = ""
    locked: bool = False
    lock_minutes: int = 0  # a temporary lock after failed sign-ins
    mfa: tuple[str, ...] = ()
    phone_last4: str = ""
    device: str = ""
    license_key: str = ""
    purchase: str = ""  # YYYY-MM
    postcode: str = ""


class AccountAdminService:
    """Registers accounts and their verification facts."""

    def __init__(
        self,
        registry: AccountRegistry,
        facts: FactWriter,
        fact_hash: Callable[[str, str], str],
        clock: Callable[[], datetime],
    ) -> None:
        self._registry = registry
        self._facts = facts
        self._fact_hash = fact_hash
        self._clock = clock

    def register(self, new: NewAccount) -> tuple[Account, list[str]]:
        """Add the account; returns it and the kinds of facts stored.

        Raises AccountExistsError when the address is taken.
        """
        locked_until = (
            self._clock() + timedelta(minutes=new.lock_minutes) if new.lock_minutes else None
        )
        account = self._registry.add_account(
            new.email,
            name=new.name,
            locked=new.locked or bool(new.lock_minutes),
            locked_until=locked_until,
            lock_reason="failed_attempts" if new.lock_minutes else ("admin" if new.locked else ""),
            mfa=new.mfa,
            phone_last4=new.phone_last4,
            devices=(new.device,) if new.device else (),
        )
        facts = {
            "license_last4": new.license_key,
            "purchase_month": new.purchase,
            "device_name": new.device,
            "postcode": new.postcode,
        }
        stored = [kind for kind, value in facts.items() if value]
        for kind in stored:
            self._facts.set_fact(account.id, kind, self._fact_hash(kind, facts[kind]))
        return account, stored
