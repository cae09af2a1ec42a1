"""Settings files for servers started by tests: the project's settings.yml with support hours
that make the test independent of when it runs."""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.settings import PROJECT_ROOT


def settings_file(work: Path, always_open: bool) -> Path:
    """A copy of settings.yml whose team is always at work (`always_open`) or never."""
    data = yaml.safe_load((PROJECT_ROOT / "settings.yml").read_text(encoding="utf-8"))
    hours = data["vendor"].setdefault("support_hours", {})
    every_day = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    hours.update(timezone="UTC", open="00:00", close="23:59",
                 days=every_day if always_open else [])  # fmt: skip
    path = work / ("settings-open.yml" if always_open else "settings-closed.yml")
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path
