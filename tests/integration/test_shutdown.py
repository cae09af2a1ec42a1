"""Ctrl-C stops both servers cleanly.

It stops the session's shared assistant, so it lives in the file pytest collects after every
other test that uses it (files run in name order).
"""

import signal

from tests.integration.conftest import RunningAssistant


def test_ctrl_c_stops_both_servers_cleanly(assistant: RunningAssistant) -> None:
    assistant.process.send_signal(signal.SIGINT)
    assert assistant.process.wait(timeout=30) == 0
    log = assistant.log.read_text(errors="replace")
    assert "Traceback" not in log
    assert "stopping ..." in log
