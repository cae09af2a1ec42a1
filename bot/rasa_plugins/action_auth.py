"""The action server trusts only Rasa: every call to it must carry a shared secret.

The actions change accounts on behalf of the conversation named in the call, so a call that
does not come from our Rasa server must change nothing. Rasa sends the secret in a header
(`endpoints.yml`: `action_endpoint.headers`), the action server compares it in constant
time and answers 401 to anything else. `/health` stays open for load balancers.

The secret comes from `ACTION_SERVER_TOKEN` (the launcher generates one per run when it is
not set). Without it the action server refuses to start, so a misconfigured deployment
fails loudly instead of running open.
"""

from __future__ import annotations

import hmac
import logging
import os
from collections.abc import Mapping

from sanic import Sanic, response
from sanic.request import Request

log = logging.getLogger(__name__)

TOKEN_ENV = "ACTION_SERVER_TOKEN"
HEADER = "Authorization"
SCHEME = "Bearer "
OPEN_PATHS = frozenset({"/health"})
MIN_TOKEN_LENGTH = 16


class MissingTokenError(RuntimeError):
    """The action server was started without a shared secret."""


def token_from(env: Mapping[str, str] | None = None) -> str:
    """The shared secret; raises MissingTokenError when unset or too short to be one."""
    token = (os.environ if env is None else env).get(TOKEN_ENV, "")
    if len(token) < MIN_TOKEN_LENGTH:
        raise MissingTokenError(
            f"{TOKEN_ENV} is not set (or shorter than {MIN_TOKEN_LENGTH} characters): the "
            "action server only answers calls that carry it. `make run` sets one; for "
            f"`rasa run actions`, export {TOKEN_ENV} in both the Rasa and the action server "
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
