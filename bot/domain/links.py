"""Where the links in account emails point: the built-in account pages."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

RESET_PATH = "/account/reset"
CONFIRM_EMAIL_PATH = "/account/confirm-email"
CANCEL_EMAIL_CHANGE_PATH = "/account/cancel-email-change"


@dataclass(frozen=True)
class AccountLinks:
    """Builds the single-use links that account emails carry."""

    base_url: str  # the public URL of the web app, e.g. https://support.example.com

    def _link(self, path: str, token: str) -> str:
        return f"{self.base_url.rstrip('/')}{path}?{urlencode({'token': token})}"

    def reset(self, token: str) -> str:
        """Choose a new password."""
        return self._link(RESET_PATH, token)

    def confirm_email(self, token: str) -> str:
        """The new address confirms an email change."""
        return self._link(CONFIRM_EMAIL_PATH, token)

    def cancel_email_change(self, token: str) -> str:
        """The old address stops an email change."""
        return self._link(CANCEL_EMAIL_CHANGE_PATH, token)
