"""Where handed-off cases go besides the built-in inbox.

The built-in inbox (the `cases` table and the agent web pages) always holds every case.
An external helpdesk (Zendesk) additionally receives each case; when it is down the case
stays `pending` and `python -m bot cases retry` (also run at start-up) delivers it later.
"""

from __future__ import annotations

from typing import Protocol

from bot.models import Case


class HelpdeskUnavailableError(RuntimeError):
    """The helpdesk did not take the case (down, slow, refused our credentials)."""


class Helpdesk(Protocol):
    """An external helpdesk."""

    def deliver(self, case: Case) -> str:
        """Create a ticket for `case`, or add to it when `case.helpdesk_id` is set.

        Returns the helpdesk's ticket id; raises HelpdeskUnavailableError.
        """
