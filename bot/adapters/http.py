"""The HTTP session the external-API adapters share, with short timeouts and bounded retries.

Build one session at start-up with `make_session()` and hand it, a base URL and `Timeouts`
to each adapter. Actions wait on these calls while a customer waits for an answer, so every
wait is bounded:

- a call is attempted at most `retries + 1` times, and only GET, HEAD, PUT, DELETE and
  OPTIONS are retried after the request may have reached the server (429, 500, 502, 503,
  504 and dropped connections); POSTs are retried only when the connection could not even
  be opened (nothing was sent);
- read timeouts are never retried: the server may still be working on the first attempt,
  and a second wait of the same length would blow the customer's answer time;
- the sleeps between attempts (exponential backoff, or the server's `Retry-After`) add up
  to at most `max_wait` seconds per call; a server asking for a longer pause gets no retry
  and the call fails at once.

Worst cases with the defaults (3 retries, 0.5 s backoff, 2 s wait budget, 2 s connect and
5 s read timeouts): a refused connection or a 5xx answer fails after about 1 s of sleeping
(attempts at 0, 0 and 1 s; the next backoff, 2 s, would exceed the budget); a 429 with
`Retry-After: 1` is retried twice at most (2 s); a server that accepts the connection and
never answers fails after 5 s; a host that drops connection attempts silently (firewall)
is the slowest case, 3 × 2 s connect timeouts plus 1 s of backoff.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import InvalidHeader, MaxRetryError, ResponseError
from urllib3.util.retry import Retry

DEFAULT_USER_AGENT = "signin-help-assistant/0.1 python-requests"
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True)
class Timeouts:
    """Seconds to wait for a connection and then for each read of the answer.

    Attributes:
        connect: Time allowed to open the TCP (and TLS) connection.
        read: Time allowed between bytes of the answer once the request is sent.
    """

    connect: float = 2.0
    read: float = 5.0

    def as_tuple(self) -> tuple[float, float]:
        """The `(connect, read)` pair `requests` takes as `timeout=`."""
        return (self.connect, self.read)


class BudgetedRetry(Retry):
    """A urllib3 `Retry` whose sleeps between attempts add up to at most `max_wait` seconds.

    urllib3 caps each backoff (`backoff_max`) and each `Retry-After` (`retry_after_max`),
    but not their sum, and it shortens a long `Retry-After` instead of giving up. This
    subclass keeps a running total per call (every retry creates a new object, so the
    instance mounted on the adapter is never changed and is safe to share between threads)
    and gives up as soon as the next sleep would go over the budget. The last response is
    then returned as it is (with `raise_on_status=False`), e.g. the 429 itself.

    Args:
        max_wait: Total seconds one call may spend sleeping between attempts.
        waited: Seconds already slept in this call (set by urllib3 through `new()`).
        **kwargs: Passed to `urllib3.util.retry.Retry`.
    """

    def __init__(self, *, max_wait: float = 2.0, waited: float = 0.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.max_wait = max_wait
        self.waited = waited

    def new(self, **kw: Any) -> BudgetedRetry:
        kw.setdefault("max_wait", self.max_wait)
        kw.setdefault("waited", self.waited)
        return super().new(**kw)

    def increment(
        self,
        method: str | None = None,
        url: str | None = None,
        response: Any = None,
        error: Exception | None = None,
        _pool: Any = None,
        _stacktrace: Any = None,
    ) -> BudgetedRetry:
        new_retry = super().increment(method, url, response, error, _pool, _stacktrace)
        try:
            retry_after = (
                new_retry.get_retry_after(response)
                if response is not None and self.respect_retry_after_header
                else None
            )
        except InvalidHeader:
            retry_after = float("inf")  # an unreadable Retry-After: do not guess, give up
        # urllib3 sleeps for Retry-After when it is positive, otherwise for the backoff.
        pause = retry_after if retry_after else new_retry.get_backoff_time()
        if self.waited + pause > self.max_wait:
            reason = error or ResponseError(
                f"retry would wait {pause:.1f}s, over the {self.max_wait:.1f}s budget"
            )
            raise MaxRetryError(_pool, url, reason) from reason
        new_retry.waited = self.waited + pause
        return new_retry


def make_session(
    retries: int = 3,
    backoff: float = 0.5,
    user_agent: str = DEFAULT_USER_AGENT,
    max_wait: float = 2.0,
) -> requests.Session:
    """A `requests.Session` with bounded, idempotent-only retries for the API adapters.

    Create it once at start-up and share it (it pools connections). Pass `Timeouts` on
    every call: the session has no default timeout.

    Args:
        retries: Retries after the first attempt (0 turns retrying off).
        backoff: Exponential backoff factor: sleeps of 0, 2×, 4× ... this many seconds
            between consecutive failures, unless the server sends `Retry-After`.
        user_agent: The `User-Agent` header sent with every request.
        max_wait: The most seconds one call may sleep between its attempts, in total.

    Returns:
        A session with the retrying adapter mounted for `http://` and `https://`.
    """
    retry = BudgetedRetry(
        max_wait=max_wait,
        total=retries,
        connect=retries,  # the connection was never opened: safe for every method
        read=False,  # read timeouts and dropped answers: raise at once (see module doc)
        status=retries,
        other=0,
        redirect=0,
        allowed_methods=IDEMPOTENT_METHODS,
        status_forcelist=RETRY_STATUSES,
        backoff_factor=backoff,
        backoff_max=max_wait,
        respect_retry_after_header=True,
        raise_on_status=False,  # hand back the final 429/5xx so adapters can say why
        raise_on_redirect=False,
    )
    adapter = HTTPAdapter(max_retries=retry)
    session = requests.Session()
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    session.headers["User-Agent"] = user_agent
    return session


def _retried_methods(session: requests.Session, url: str) -> Collection[str] | None:
    retry = getattr(session.get_adapter(url), "max_retries", None)
    if not isinstance(retry, Retry) or not (retry.total or retry.status or retry.read):
        return frozenset()
    return retry.allowed_methods


def post_once(
    session: requests.Session, url: str, timeouts: Timeouts, **kwargs: Any
) -> requests.Response:
    """POST that the server receives at most once: no automatic retry, no redirect.

    For calls with effects (send a reset email, unlock, reset factors): after a timeout
    or a 5xx nobody knows whether the first attempt took effect, so the caller decides.
    Only a connection that could not be opened at all is retried (nothing was sent).

    Args:
        session: A session from `make_session()` (or any session that does not retry POST).
        url: The full URL.
        timeouts: Connect and read timeouts.
        **kwargs: Passed to `requests.Session.post` (`headers`, `params`, `json`, ...).

    Returns:
        The response, whatever its status code.

    Raises:
        ValueError: The session's adapter for `url` would retry a POST.
        requests.RequestException: The request failed (connection, timeout, ...).
    """
    methods = _retried_methods(session, url)
    if methods is None or "POST" in methods:
        raise ValueError("this session retries POST requests; use make_session()")
    return session.post(url, timeout=timeouts.as_tuple(), allow_redirects=False, **kwargs)
