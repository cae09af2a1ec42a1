"""The background queues: calls run off the caller's thread, in order, and a failing call
does not stop the ones behind it; emails are retried, then dropped."""

from __future__ import annotations

import threading

from bot.adapters.mail_queue import QueuedMailer
from bot.adapters.work_queue import RunNow, WorkQueue
from bot.domain.model import EmailMessage
from tests.fakes import FailingMailer


def test_calls_run_in_order_on_another_thread() -> None:
    work = WorkQueue("test-work")
    seen: list[tuple[int, str]] = []
    release = threading.Event()
    work.submit(release.wait, 5)
    for i in range(5):
        work.submit(lambda n: seen.append((n, threading.current_thread().name)), i)
    assert seen == []  # submit returned while the first call still waits
    release.set()
    assert work.flush(5)
    assert [n for n, _ in seen] == [0, 1, 2, 3, 4]
    assert {name for _, name in seen} == {"test-work"}


def test_a_failing_call_does_not_stop_the_queue() -> None:
    work = WorkQueue("test-work")
    seen: list[int] = []
    work.submit(lambda: 1 / 0)
    work.submit(seen.append, 7)
    assert work.flush(5)
    assert seen == [7]


def test_run_now_runs_before_returning_and_swallows_failures() -> None:
    seen: list[int] = []
    RunNow().submit(seen.append, 1)
    RunNow().submit(lambda: 1 / 0)
    assert seen == [1]


def test_queued_mail_is_retried_then_dropped() -> None:
    failing = FailingMailer()
    mailer = QueuedMailer(failing, backoff=(0.0,))
    mailer.send(
        EmailMessage(
            to="a@example.com", sender="n@example.com", subject="s", body="b", kind="reset"
        )
    )
    assert mailer.flush(5)
    assert len(failing.attempts) == 3


def test_a_call_waits_its_start_delay() -> None:
    import time

    work = WorkQueue("test-work", start_after=0.2)
    ran_at: list[float] = []
    submitted = time.monotonic()
    work.submit(lambda: ran_at.append(time.monotonic()))
    assert work.flush(5)
    assert ran_at[0] - submitted >= 0.2


def test_a_stopping_server_drains_what_was_queued_after_answers(settings) -> None:
    """The action server calls this before a worker stops (rasa_sdk_plugins): a reset
    answered just before still gets its link."""
    from bot import bootstrap

    container = bootstrap.build_container(settings, background=True)
    container.builtin_directory.add_account("late@example.com")
    bootstrap.set_container(container)
    try:
        container.password_reset.request_reset("late@example.com", "conv-late")
        assert container.outbox.list_messages("late@example.com") == []  # not yet: 0.2 s later
        assert bootstrap.drain_background(10)
        assert len(container.outbox.list_messages("late@example.com")) == 1
    finally:
        bootstrap.set_container(None)
        container.engine.dispose()
