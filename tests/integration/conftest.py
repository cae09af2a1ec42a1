"""Fixtures of the integration tests (the running `assistant` is in tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.http_fakes import FakeHTTPServer
from tests.support.assistant import (  # noqa: F401 (names the test modules import from here)
    MODEL,
    RunningAssistant,
    free_port,
    start_assistant,
    stop_assistant,
)


@pytest.fixture
def server() -> Iterator[FakeHTTPServer]:
    """A local HTTP server speaking scripted replies (contract tests of HTTP adapters)."""
    with FakeHTTPServer() as fake:
        yield fake
