"""Built-in stand-ins for external systems, chosen when none is configured.

- `SettingsStatusSource`: the service status written in settings.yml (Statuspage otherwise);
- `NullHelpdesk`: no external helpdesk; cases live in the built-in inbox only.
"""

from __future__ import annotations

from bot.domain.model import Case, ServiceStatus
from bot.settings import BuiltinStatus


class SettingsStatusSource:
    """Built-in status: what the settings file says."""

    def __init__(self, status: BuiltinStatus) -> None:
        self._status = status

    def current(self) -> ServiceStatus:
        return ServiceStatus(self._status.indicator, self._status.description)


class NullHelpdesk:
    """No external helpdesk: every case is already where agents read it (the inbox)."""

    is_external = False

    def deliver(self, case: Case) -> str:
        return ""
