"""`python -m bot bench reset-timing`: does any reply's timing reveal whether an account exists?

Runs the three use cases whose answer must not depend on the account, on the real adapters
(SQLite directory, throttles, audit) in a throw-away database, wired as the servers wire
them: mail goes through the background queue to a mail system that takes `--mail-delay-ms`
to accept each email (an SMTP server or an identity provider is rarely faster).

- password reset request;
- start of an ownership verification (a code to the registered address);
- sign-in code resend.

For each: N requests for addresses with an account and N without, interleaved; prints the
median and 95th percentile of each and the difference of the medians. Twice: once for a
message that has just arrived (the whole floor applies: `link_reply_ms` for the reset,
`min_reply_ms` for the others) and once for a message
that waited a second before the account work started (only `min_work_ms` applies to the
code and the resend; a reset gets no floor at all: the tightest case, where what is left of
the account work on the request path must cost the same for both).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bot.bootstrap import Container, build_container
from bot.domain.model import EmailMessage
from bot.settings import load_settings


class SlowMailer:
    """A mail system that takes `delay` seconds per email, then stores it in the outbox."""

    def __init__(self, inner: object, delay: float) -> None:
        self._inner = inner
        self._delay = delay

    def send(self, message: EmailMessage) -> None:
        time.sleep(self._delay)
        self._inner.send(message)  # type: ignore[attr-defined]


def _operations(
    container: Container, waited: float | None
) -> dict[str, Callable[[str, str], object]]:
    def at() -> float | None:
        return None if waited is None else time.time() - waited

    return {
        "password reset": lambda address, conv: container.password_reset.request_reset(
            address, conv, at()
        ),
        "verification start": lambda address, conv: container.verification.begin(
            conv, address, "unlock", at()
        ),
        "code resend": lambda address, conv: container.code_resend.resend(
            address, "sms", conv, at()
        ),
    }


# (label, seconds the message waited before the account work started; None: unknown)
CASES: tuple[tuple[str, float | None], ...] = (("", None), (" (waited)", 1.0))


def run_timing_benchmark(tries: int, max_diff_ms: float | None, mail_delay_ms: float = 200) -> int:
    """Time `tries` known and `tries` unknown requests of each kind; print the numbers."""
    results: dict[str, tuple[list[float], list[float]]] = {}
    with tempfile.TemporaryDirectory() as folder:
        settings = load_settings({"SIGNIN_DATABASE_URL": f"sqlite:///{Path(folder) / 'b.db'}"})
        base = build_container(settings)
        container = build_container(
            settings, engine=base.engine, background=True,
            mailer=SlowMailer(base.outbox, mail_delay_ms / 1000),
        )  # fmt: skip
        for i in range(tries):
            container.builtin_directory.add_account(
                f"known{i}@example.com", mfa=("sms",), phone_last4="1234"
            )
        for suffix, waited in CASES:
            for base_name, operation in _operations(container, waited).items():
                name = base_name + suffix
                known: list[float] = []
                unknown: list[float] = []
                for i in range(tries):
                    for address, sink in ((f"known{i}@example.com", known),
                                          (f"nobody{i}@example.com", unknown)):  # fmt: skip
                        started = time.perf_counter()
                        operation(address, f"bench-{name}-{address}")
                        sink.append((time.perf_counter() - started) * 1000)
                    print(f"\r  {name}: {i + 1}/{tries} pairs", end="", file=sys.stderr,
                          flush=True)  # fmt: skip
                print(file=sys.stderr)
                results[name] = (known, unknown)
        container.account_work.flush(60)
        container.mailer.flush(60)  # type: ignore[attr-defined]
        emails = len(base.outbox.list_messages())
        base.engine.dispose()
    print(f"reply timing, {tries} tries each with and without an account "
          f"(link_reply_ms = {settings.reset.link_reply_ms}, min_reply_ms = "
          f"{settings.reset.min_reply_ms}, min_work_ms = {settings.reset.min_work_ms}, "
          f"mail system takes "
          f"{mail_delay_ms:.0f} ms per email; {emails} emails sent)")  # fmt: skip
    print(f"  {'operation':<29} {'account':>16} {'no account':>16} {'p95 acc.':>9} "
          f"{'p95 none':>9} {'diff':>9}")  # fmt: skip
    failed = False
    for name, (known, unknown) in results.items():
        diff = statistics.median(known) - statistics.median(unknown)
        p95 = [sorted(v)[int(0.95 * (len(v) - 1))] for v in (known, unknown)]
        print(f"  {name:<29} {statistics.median(known):13.2f} ms {statistics.median(unknown):13.2f}"
              f" ms {p95[0]:6.1f} ms {p95[1]:6.1f} ms {diff:+6.2f} ms")  # fmt: skip
        if max_diff_ms is not None and abs(diff) > max_diff_ms:
            print(f"FAIL: {name}: medians differ by more than {max_diff_ms} ms", file=sys.stderr)
            failed = True
    return 1 if failed else 0
