"""The action server trusts only Rasa: every call to it must carry a shared secret.

The actions change accounts on behalf of the conversation named in the call, so a call that
does not come from our Rasa server must change nothing. Rasa sends the secret in a header
(`endpoints.yml`: `action_endpoint.headers`), the action server compares it in constant
time and answers 401 to anything else. `/health` stays open for load balancers.

The secret comes from `ACTION_SERVER_TOKEN`. When it is unset, both sides use this
machine's local secret, `var/action-server.token` (created owner-only on first use), so
`make run` and the plain verbs (`rasa run`, `rasa shell`, `rasa run actions`) work together
on one machine without configuration. An action server that listens beyond loopback
(`SANIC_HOST`) without `ACTION_SERVER_TOKEN` refuses to start, so a misconfigured
deployment fails loudly instead of running open.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
from collections.abc import Mapping
from pathlib import Path

from sanic import Sanic, response
from sanic.request import Request

from bot.settings import local_secret

log = logging.getLogger(__name__)

TOKEN_ENV = "ACTION_SERVER_TOKEN"
HEADER = "Authorization"
SCHEME = "Bearer "
OPEN_PATHS = frozenset({"/health"})
MIN_TOKEN_LENGTH = 16


class MissingTokenError(RuntimeError):
    """The action server was started without a shared secret."""


TOKEN_FILE = Path(__file__).resolve().parents[2] / "var" / "action-server.token"


def local_token(path: Path = TOKEN_FILE) -> str:
    """This machine's shared secret for local runs (see `bot.settings.local_secret`)."""
    return local_secret(path)


def _is_loopback(host: str) -> bool:
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def token_from(env: Mapping[str, str] | None = None) -> str:
    """The shared secret: ACTION_SERVER_TOKEN, or this machine's local secret when the
    action server listens on loopback only. Raises MissingTokenError otherwise, or when the
    token is too short to be one."""
    env = os.environ if env is None else env
    token = env.get(TOKEN_ENV, "")
    if not token and _is_loopback(env.get("SANIC_HOST", "0.0.0.0")):
        return local_token()
    if len(token) < MIN_TOKEN_LENGTH:
        raise MissingTokenError(
            f"{TOKEN_ENV} is not set (or shorter than {MIN_TOKEN_LENGTH} characters): the "
            "action server only answers calls that carry it. Without it only an action "
            "server on loopback (SANIC_HOST=127.0.0.1) runs, with this machine's local "
            f"secret; elsewhere export {TOKEN_ENV} in both the Rasa and the action server "
            "environments."
        )
    return token


def is_authorised(headers: Mapping[str, str], token: str) -> bool:
    """Whether a request's headers carry the shared secret (`Authorization: Bearer ...`)."""
    sent = headers.get(HEADER, "")
    if not sent.startswith(SCHEME):
        return False
    return hmac.compare_digest(sent[len(SCHEME) :].encode(), token.encode())


def require_token(app: Sanic, token: str) -> None:
    """Install the check on every route of the action server but `/health`."""

    @app.middleware("request")
    async def check_token(request: Request):  # type: ignore[no-untyped-def]
        if request.path in OPEN_PATHS or is_authorised(request.headers, token):
            return None
        log.warning("refused an action server call without the shared secret")
        return response.json({"error": "unauthorised"}, status=401)


def ensure_authorised_endpoint(endpoint: object, env: Mapping[str, str] | None = None) -> None:
    """Rasa side: give the action endpoint the shared secret when its endpoints file sets
    no `Authorization` header (plain `rasa run`/`rasa shell` with `endpoints.yml`)."""
    headers = getattr(endpoint, "headers", None)
    if headers is None or any(key.lower() == HEADER.lower() for key in headers):
        return
    env = os.environ if env is None else env
    token = env.get(TOKEN_ENV) or local_token()
    endpoint.headers = {**headers, HEADER: f"{SCHEME}{token}"}  # type: ignore[attr-defined]
