"""Patches of Rasa applied once per process, and only with the speed-ups switched on."""

from __future__ import annotations

import pytest

from bot.rasa_plugins.patching import ENV_SWITCH, enabled, patch_once


def test_switch_reads_the_environment() -> None:
    assert enabled({})
    assert enabled({ENV_SWITCH: "1"})
    for off in ("0", "false", "No", " off "):
        assert not enabled({ENV_SWITCH: off})


def test_a_patch_is_applied_once() -> None:
    calls: list[int] = []

    @patch_once
    def install() -> bool:
        calls.append(1)
        return True

    assert install() and install() and install()
    assert calls == [1]


def test_a_declined_patch_is_tried_again() -> None:
    answers = [False, True]
    calls: list[int] = []

    @patch_once
    def install() -> bool:
        calls.append(1)
        return answers.pop(0)

    assert not install()
    assert install()
    assert install()
    assert len(calls) == 2


def test_nothing_is_patched_with_the_switch_off(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []

    @patch_once
    def install() -> bool:
        calls.append(1)
        return True

    monkeypatch.setenv(ENV_SWITCH, "0")
    assert not install()
    monkeypatch.setenv(ENV_SWITCH, "1")
    assert install()
    assert calls == [1]
