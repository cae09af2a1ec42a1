"""A change of sign-in email, as the large identity providers do it (plain Python).

1. The new address gets a confirmation link; the old address gets a notice with a cancel
   link. Nothing changes yet.
2. Once the new address confirms, the change waits out a cooling-off period (setting,
   default 72 hours) during which the old address can still cancel it; "secure my
   account" cancels it too.
3. Only then is it applied. An unconfirmed change lapses when its confirmation link expires.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

CONFIRM_HOURS = 24  # the confirmation link to the new address works this long


class ChangeState(str, Enum):
    """Where an email change stands."""

    AWAITING_CONFIRMATION = "awaiting_confirmation"
    COOLING_OFF = "cooling_off"  # confirmed, waiting to take effect
    DUE = "due"  # confirmed and past the cooling-off period: apply it
    APPLIED = "applied"
    CANCELLED = "cancelled"
    LAPSED = "lapsed"  # never confirmed in time


@dataclass(frozen=True)
class EmailChange:
    """One requested change of sign-in email."""

    id: int
    account_id: str
    new_email: str
    created_at: datetime
    expires_at: datetime  # confirm before this
    effective_at: datetime  # applied no earlier than this
    confirmed_at: datetime | None = None
    cancelled_at: datetime | None = None
    applied_at: datetime | None = None

    def state(self, now: datetime) -> ChangeState:
        """The state at `now`."""
        if self.cancelled_at is not None:
            return ChangeState.CANCELLED
        if self.applied_at is not None:
            return ChangeState.APPLIED
        if self.confirmed_at is None:
            return (
                ChangeState.AWAITING_CONFIRMATION if now < self.expires_at else ChangeState.LAPSED
            )
        return ChangeState.DUE if now >= self.effective_at else ChangeState.COOLING_OFF

    @property
    def is_pending(self) -> bool:
        """Neither applied nor cancelled (lapsing is decided by time)."""
        return self.cancelled_at is None and self.applied_at is None

    def confirm(self, now: datetime) -> EmailChange:
        """The new address clicked its link."""
        if self.state(now) is not ChangeState.AWAITING_CONFIRMATION:
            raise ValueError("this change cannot be confirmed")
        return dataclasses.replace(self, confirmed_at=now)

    def cancel(self, now: datetime) -> EmailChange:
        """The old address (or "secure my account") stopped it."""
        if not self.is_pending:
            raise ValueError("this change is already finished")
        return dataclasses.replace(self, cancelled_at=now)
