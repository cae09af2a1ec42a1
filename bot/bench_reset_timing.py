"""`python -m bot bench reset-timing`: does the reset answer's timing reveal an account?

Runs the real reset use case (SQLite directory, outbox, throttle, audit) in a throw-away
database: N requests for addresses with an account and N for addresses without one,
interleaved, and prints the median and 95th percentile of each and their difference.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

from bot.bootstrap import build_container
from bot.settings import load_settings


def run_timing_benchmark(tries: int, max_diff_ms: float | None) -> int:
    """Time `tries` known and `tries` unknown reset requests; print the numbers."""
    with tempfile.TemporaryDirectory() as folder:
        settings = load_settings({"SIGNIN_DATABASE_URL": f"sqlite:///{Path(folder) / 'b.db'}"})
        container = build_container(settings)
        for i in range(tries):
            container.builtin_directory.add_account(f"known{i}@example.com")
        known: list[float] = []
        unknown: list[float] = []
        for i in range(tries):
            for address, sink in ((f"known{i}@example.com", known),
                                  (f"nobody{i}@example.com", unknown)):  # fmt: skip
                started = time.perf_counter()
                container.password_reset.request_reset(address, f"bench-{address}")
                sink.append((time.perf_counter() - started) * 1000)
            print(f"\r  {i + 1}/{tries} pairs", end="", file=sys.stderr, flush=True)
        print(file=sys.stderr)
        emails = len(container.outbox.list_messages())
        container.engine.dispose()
    diff = statistics.median(known) - statistics.median(unknown)
    print(f"reset reply timing over {tries} tries each (min_reply_ms = "
          f"{settings.reset.min_reply_ms}); {emails} emails sent")  # fmt: skip
    for label, values in (("account exists", known), ("no account", unknown)):
        p95 = sorted(values)[int(0.95 * (len(values) - 1))]
        print(f"  {label:<15} median {statistics.median(values):7.2f} ms   p95 {p95:7.2f} ms")
    print(f"  difference of medians: {diff:+.2f} ms")
    if max_diff_ms is not None and abs(diff) > max_diff_ms:
        print(f"FAIL: medians differ by more than {max_diff_ms} ms", file=sys.stderr)
        return 1
    return 0
