"""Cheaper custom-action calls from the Rasa server (Rasa 3.6), installed at import time.

Rasa 3.6 pays, on every custom action call, for work that does not need repeating:

- `EndpointConfig.request` opens a new `aiohttp.ClientSession` (a new connection pool, a new
  TCP connection to the action server) and closes it after the one request;
- `RemoteAction._validate_action_result` calls `jsonschema.validate`, which checks the schema
  itself against the JSON-Schema meta-schema and builds a validator, every time (≈30 ms of
  CPU per call for Rasa's event schema).

`install()` replaces both, in this process only, with behaviour-preserving versions: one
keep-alive `ClientSession` per event loop (same headers, auth, timeouts, error handling,
connections reused; the request body, the whole tracker, serialised by ujson, the same JSON
document as `json.dumps` makes), and a validator for the same schema built once (every
action reply is still validated, with the same error message when it fails). The schema
says each event must match exactly one of 23 event shapes (`oneOf`), each fixed by a
different `event` name, so jsonschema tries all 23 for every event; the check first tries
only the shape the event names, which accepts exactly the same replies, and anything it
does not accept goes through the full schema for the error message.

It also gives the action endpoint the shared secret when the endpoints file sets no
`Authorization` header (plain `rasa run` with `endpoints.yml`; see `action_auth`): that part
is always installed.

`install()` is idempotent and is called when Rasa imports this project's plug-ins: the tracker store
(`bot.rasa_plugins.tracker_store`) and the lock store (`bot.rasa_plugins.lock_store`), which every
endpoints file of this project names. `SIGNIN_RASA_SPEEDUPS=0` turns it off (to compare).
Written against Rasa 3.6.21; tests/unit/rasa_plugins/test_action_client.py checks the hooks
still exist.
"""

from __future__ import annotations

import asyncio
import json
import logging
import ssl
from typing import Any

import aiohttp
import ujson

from bot.rasa_plugins.patching import patch_once

log = logging.getLogger(__name__)

_sessions: dict[int, aiohttp.ClientSession] = {}


def _shared_session() -> aiohttp.ClientSession:
    """The keep-alive session of the running event loop (created on first use)."""
    from rasa.utils.endpoints import DEFAULT_REQUEST_TIMEOUT

    loop = asyncio.get_running_loop()
    session = _sessions.get(id(loop))
    if session is None or session.closed:
        session = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
            connector=aiohttp.TCPConnector(limit=100, keepalive_timeout=30),
        )
        _sessions[id(loop)] = session
    return session


async def keep_alive_request(
    self: Any,
    method: str = "post",
    subpath: str | None = None,
    content_type: str | None = "application/json",
    compress: bool = False,
    **kwargs: Any,
) -> Any:
    """`EndpointConfig.request` (Rasa 3.6.21) on a shared keep-alive session."""
    from aiohttp.client_exceptions import ContentTypeError
    from rasa.utils.endpoints import ClientResponseError, concat_url

    headers = {}
    if content_type:
        headers["Content-Type"] = content_type
    if "headers" in kwargs:
        headers.update(kwargs.pop("headers"))
    if self.headers:
        headers.update(self.headers)
    auth = None
    if self.basic_auth:
        auth = aiohttp.BasicAuth(self.basic_auth["username"], self.basic_auth["password"])
    sslcontext = ssl.create_default_context(cafile=self.cafile) if self.cafile else None
    url = concat_url(self.url, subpath)
    if "json" in kwargs:
        kwargs["data"] = _dumps(kwargs.pop("json"))
    async with _shared_session().request(
        method,
        url,
        headers=headers,
        auth=auth,
        params=self.combine_parameters(kwargs),
        compress=compress,
        ssl=sslcontext,
        **kwargs,
    ) as response:
        if response.status >= 400:
            raise ClientResponseError(
                response.status, response.reason, await response.content.read()
            )
        try:
            return await response.json()
        except ContentTypeError:
            return None


def _dumps(body: Any) -> str:
    """`json.dumps(body)` as aiohttp would send it, about four times faster (ujson); what
    ujson refuses (NaN, objects it does not know) goes through `json.dumps` as before."""
    try:
        return ujson.dumps(body, escape_forward_slashes=False)
    except (TypeError, OverflowError, ValueError):
        return json.dumps(body)


def event_dispatching_check(schema: dict[str, Any], validator_class: Any) -> Any:
    """`is_valid(result)` for Rasa's action-reply schema that checks each event against the
    one `oneOf` shape its `event` names (the shapes' names are all different, so "exactly
    one shape matches" is "the named shape matches"); same answers as the full schema."""
    items = schema["properties"]["events"]["items"]
    shapes = {shape["properties"]["event"]["const"]: shape for shape in items["oneOf"]}
    if len(shapes) != len(items["oneOf"]):
        raise ValueError("event shapes are not told apart by their names")
    plain_items = {key: value for key, value in items.items() if key != "oneOf"}
    events = {**schema["properties"]["events"], "items": plain_items}
    outer = validator_class({**schema, "properties": {**schema["properties"], "events": events}})
    by_name = {name: validator_class(shape) for name, shape in shapes.items()}

    def is_valid(result: Any) -> bool:
        if not outer.is_valid(result):
            return False
        for event in result.get("events") or ():
            check = by_name.get(event["event"])
            if check is None or not check.is_valid(event):
                return False
        return True

    return is_valid


def _install_token_header() -> None:
    from rasa.core.actions.action import RemoteAction

    from bot.rasa_plugins.action_auth import ensure_authorised_endpoint

    if getattr(RemoteAction.__init__, "_signin_token", False):
        return
    original = RemoteAction.__init__

    def init_with_token(self: RemoteAction, name: str, action_endpoint: Any) -> None:
        original(self, name, action_endpoint)
        if action_endpoint is not None:
            ensure_authorised_endpoint(action_endpoint)

    init_with_token._signin_token = True  # type: ignore[attr-defined]
    RemoteAction.__init__ = init_with_token  # type: ignore[method-assign]


def install() -> bool:
    """Patch Rasa's action client in this process; returns whether the speed-ups are (now)
    installed (the shared-secret header always is)."""
    _install_token_header()
    return _install_speedups()


@patch_once
def _install_speedups() -> bool:
    from jsonschema.exceptions import best_match
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.constants import DOCS_BASE_URL
    from rasa.utils.endpoints import EndpointConfig

    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator = validator_class(schema)  # what jsonschema.validate builds each time
    quick_check = event_dispatching_check(schema, validator_class)

    def validate_once_built(self: RemoteAction, result: dict[str, Any]) -> bool:
        if quick_check(result):
            return True
        error = best_match(validator.iter_errors(result))  # as jsonschema.validate reports
        if error is None:
            return True
        error.message += (
            ". Failed to validate Action server response from API, make sure your "
            "response from the Action endpoint is valid. For more information about "
            f"the format visit {DOCS_BASE_URL}/custom-actions"
        )
        raise error

    RemoteAction._validate_action_result = validate_once_built  # type: ignore[method-assign]
    EndpointConfig.request = keep_alive_request  # type: ignore[method-assign]
    log.debug("keep-alive action calls and a once-built reply validator installed")
    return True
