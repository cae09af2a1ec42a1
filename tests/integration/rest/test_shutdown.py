"""Ctrl-C stops both servers cleanly.

It stops the session's shared assistant, so it is marked to run after every other test
(tests/conftest.py orders the marked tests last).
"""

import signal

import pytest

from tests.integration.conftest import RunningAssistant


@pytest.mark.stops_shared_assistant
def test_ctrl_c_stops_both_servers_cleanly(assistant: RunningAssistant) -> None:
    assistant.process.send_signal(signal.SIGINT)
    assert assistant.process.wait(timeout=30) == 0
    log = assistant.log.read_text(errors="replace")
    assert "Traceback" not in log
    assert "stopping ..." in log
