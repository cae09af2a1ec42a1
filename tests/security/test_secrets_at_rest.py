"""Secrets typed in the wrong place are never stored: a password typed where the assistant
asks for an email address appears in no database file, log, case or export."""

from __future__ import annotations

import subprocess
import sys
import uuid

from bot.settings import PROJECT_ROOT
from tests.support.assistant import RunningAssistant
from tests.support.verification import joined

PASSWORDS = ["purplemonkeydishwasher", "Autumn-leaves-2026", "hunter22"]


def test_a_password_typed_at_the_email_prompt_is_stored_nowhere(
    assistant: RunningAssistant, tmp_path
) -> None:
    sender = f"oops-{uuid.uuid4().hex[:8]}"
    assistant.say(sender, "/forgot_password")
    for password in PASSWORDS:
        reply = joined(assistant.say(sender, password))
        assert "doesn't look like a complete email address" in reply, reply
    assistant.say(sender, "my password is: " + PASSWORDS[0])
    assistant.say(sender, "/request_human")
    export = tmp_path / "export.jsonl"
    done = subprocess.run(
        [sys.executable, "-m", "bot", "insights", "export", "--since", "2000-01-01",
         "--out", str(export)],
        env={"PATH": "/usr/bin:/bin", "TRACKER_STORE_URL": f"sqlite:///{assistant.tracker_db}",
             "SIGNIN_DATABASE_URL": str(assistant.container.engine.url)},
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    places = [*assistant.tracker_db.parent.iterdir(), export]
    places += [p for p in (PROJECT_ROOT / "var").glob("*") if p.is_file()]
    cases = [c for c in assistant.container.cases.list() if c.conversation_id == sender]
    assert cases, "the handoff should have made a case"
    case_text = " ".join([cases[0].summary, *(line.text for line in cases[0].transcript)])
    for password in PASSWORDS:
        assert password not in case_text
        for place in places:
            if place.is_file():
                assert password.encode() not in place.read_bytes(), f"{password} in {place}"
