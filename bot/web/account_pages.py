"""The pages that the links in account emails land on (built-in identity directory).

- `GET/POST /account/reset?token=…`: choose a new password (rules from settings: length,
  not a common password, not containing the address); the token works once and expires;
- `GET/POST /account/confirm-email?token=…`: the new address confirms an email change,
  which then waits out its cooling-off period;
- `GET/POST /account/cancel-email-change?token=…`: the old address stops an email change.

A GET never spends anything (mail scanners open links): each page shows a button, and only
the POST acts. The token travels in the form, never in a Referer (no-referrer policy), and
every value on a page is HTML-escaped. The pages carry the inbox app's security headers.
"""

from __future__ import annotations

import asyncio
import html
from collections.abc import Callable
from datetime import datetime, timezone

from aiohttp import web

from bot.domain.links import CANCEL_EMAIL_CHANGE_PATH, CONFIRM_EMAIL_PATH, RESET_PATH
from bot.services.account_links import AccountLinkService, LinkOutcome, LinkResult

ROUTE_NAMES = frozenset({"account_reset", "account_confirm", "account_cancel"})
INVALID = (
    "This link doesn't work any more: it was already used, it expired, or a newer one "
    "replaced it. You can ask the sign-in assistant for a new one."
)
_STYLE = """
*{box-sizing:border-box}body{margin:0;font:16px/1.5 system-ui,sans-serif;color:#1a1a1a}
header{background:#12355b;color:#fff;padding:.75rem 1rem;font-weight:600}
main{max-width:36rem;margin:0 auto;padding:1rem}
label{display:block;font-weight:600;margin:.75rem 0 .25rem}
input[type=password]{width:100%;font:inherit;padding:.4rem;border:2px solid #1a1a1a;
border-radius:3px}
button{font:inherit;font-weight:600;padding:.5rem 1rem;margin-top:1rem;border-radius:3px;
border:2px solid #12355b;background:#12355b;color:#fff;cursor:pointer}
:focus-visible{outline:3px solid #b35900;outline-offset:2px}
.error{color:#a4140b;font-weight:600;border-left:4px solid #a4140b;padding-left:.5rem}
.ok{border-left:4px solid #1a7f37;padding-left:.5rem}
"""


def _e(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _page(vendor: str, title: str, body: str, status: int = 200) -> web.Response:
    text = (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)} – {_e(vendor)}</title><style>{_STYLE}</style></head><body>"
        f'<header>{_e(vendor)} account</header><main id="main"><h1>{_e(title)}</h1>{body}'
        "</main></body></html>\n"
    )
    return web.Response(text=text, content_type="text/html", status=status)


def _token_field(token: str) -> str:
    return f'<input type="hidden" name="token" value="{_e(token)}">'


def _when(at: datetime | None) -> str:
    if at is None:
        return ""
    return at.astimezone(timezone.utc).strftime("%d %B %Y at %H:%M UTC")


class _AccountPages:
    def __init__(self, service: AccountLinkService, vendor: str, policy_text: str) -> None:
        self.service = service
        self.vendor = vendor
        self.policy_text = policy_text

    def _reset_form(self, token: str, problems: tuple[str, ...] = ()) -> web.Response:
        errors = ""
        if problems:
            items = "".join(f"<li>{_e(p)}</li>" for p in problems)
            errors = f'<div class="error" role="alert" id="problems"><ul>{items}</ul></div>'
        described = (
            ' aria-describedby="rules problems"' if problems else ' aria-describedby="rules"'
        )
        body = (
            f'{errors}<p id="rules">Choose a password you don\'t use anywhere else: '
            f"{_e(self.policy_text)}. Long passphrases are good.</p>"
            f'<form method="post" action="{RESET_PATH}">{_token_field(token)}'
            '<label for="password">New password</label>'
            f'<input id="password" name="password" type="password" autocomplete="new-password"'
            f" required{described}>"
            '<label for="repeat">The same password again</label>'
            '<input id="repeat" name="repeat" type="password" autocomplete="new-password" required>'
            '<button type="submit">Set new password</button></form>'
        )
        return _page(self.vendor, "Choose a new password", body, 400 if problems else 200)

    async def reset_form(self, request: web.Request) -> web.Response:
        token = request.query.get("token", "")
        if not await asyncio.to_thread(self.service.reset_link_is_valid, token):
            return _page(self.vendor, "Link not valid", f'<p class="error">{_e(INVALID)}</p>', 410)
        return self._reset_form(token)

    async def reset(self, request: web.Request) -> web.Response:
        form = await request.post()
        token = str(form.get("token", ""))
        result = await asyncio.to_thread(
            self.service.set_password,
            token,
            str(form.get("password", "")),
            str(form.get("repeat", "")),
        )
        if result.outcome is LinkOutcome.REJECTED:
            return self._reset_form(token, result.problems)
        if result.outcome is LinkOutcome.INVALID:
            return _page(self.vendor, "Link not valid", f'<p class="error">{_e(INVALID)}</p>', 410)
        return _page(
            self.vendor,
            "Password changed",
            '<p class="ok" role="status">Your password is changed and every device was signed '
            "out. You can sign in with the new password now.</p>",
        )

    def _confirm_page(
        self, path: str, token: str, title: str, text: str, button: str
    ) -> web.Response:
        body = (
            f"<p>{_e(text)}</p>"
            f'<form method="post" action="{path}">{_token_field(token)}'
            f'<button type="submit">{_e(button)}</button></form>'
        )
        return _page(self.vendor, title, body)

    async def confirm_form(self, request: web.Request) -> web.Response:
        return self._confirm_page(
            CONFIRM_EMAIL_PATH, request.query.get("token", ""), "Confirm your new sign-in email",
            "Confirm that you want to sign in with this email address from now on.",
            "Confirm this address",
        )  # fmt: skip

    async def _follow(
        self, request: web.Request, use_link: Callable[[str], LinkResult]
    ) -> LinkResult | web.Response:
        """Spend the posted token; the "link not valid" page when that fails."""
        form = await request.post()
        result = await asyncio.to_thread(use_link, str(form.get("token", "")))
        if result.outcome is not LinkOutcome.DONE:
            return _page(self.vendor, "Link not valid", f'<p class="error">{_e(INVALID)}</p>', 410)
        return result

    async def confirm(self, request: web.Request) -> web.Response:
        result = await self._follow(request, self.service.confirm_email_change)
        if isinstance(result, web.Response):
            return result
        return _page(
            self.vendor,
            "Address confirmed",
            '<p class="ok" role="status">Thanks, the new address is confirmed. For your '
            f"protection the change takes effect on {_e(_when(result.effective_at))}. Until "
            "then you keep signing in with your current address, and its owner can still "
            "cancel the change.</p>",
        )

    async def cancel_form(self, request: web.Request) -> web.Response:
        return self._confirm_page(
            CANCEL_EMAIL_CHANGE_PATH, request.query.get("token", ""),
            "Stop the email change", "Stop the requested change of your sign-in email. Your "
            "account keeps signing in with this address.", "Stop the change",
        )  # fmt: skip

    async def cancel(self, request: web.Request) -> web.Response:
        result = await self._follow(request, self.service.cancel_email_change)
        if isinstance(result, web.Response):
            return result
        return _page(
            self.vendor,
            "Change stopped",
            '<p class="ok" role="status">The change is stopped: your account keeps this '
            "address. If you didn't ask for it, someone may know your password: please reset "
            "it now.</p>",
        )


def add_account_routes(
    app: web.Application, service: AccountLinkService, vendor: str, policy_text: str
) -> None:
    """Add the three account pages to an aiohttp application."""
    pages = _AccountPages(service, vendor, policy_text)
    app.router.add_get(RESET_PATH, pages.reset_form, name="account_reset")
    app.router.add_post(RESET_PATH, pages.reset)
    app.router.add_get(CONFIRM_EMAIL_PATH, pages.confirm_form, name="account_confirm")
    app.router.add_post(CONFIRM_EMAIL_PATH, pages.confirm)
    app.router.add_get(CANCEL_EMAIL_CHANGE_PATH, pages.cancel_form, name="account_cancel")
    app.router.add_post(CANCEL_EMAIL_CHANGE_PATH, pages.cancel)
