"""Service status: the interface and the built-in status from settings.

The Atlassian Statuspage implementation lives in `statuspage.py`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.settings import BuiltinStatus


@dataclass(frozen=True)
class ServiceStatus:
    """What the status source says: indicator 'none' means all is well."""

    indicator: str
    description: str
    incident: str = ""
    started_at: datetime | None = None

    @property
    def operational(self) -> bool:
        """True when there is no ongoing incident."""
        return self.indicator == "none"


class StatusUnavailableError(RuntimeError):
    """The status source could not be read; the customer hears that we could not check."""


class StatusSource(Protocol):
    """Anything that can tell the current service status (raises StatusUnavailableError)."""

    def current(self) -> ServiceStatus:
        """The status now."""


class SettingsStatusSource:
    """Built-in status: what the settings file says."""

    def __init__(self, status: BuiltinStatus) -> None:
        self._status = status

    def current(self) -> ServiceStatus:
        return ServiceStatus(self._status.indicator, self._status.description)
