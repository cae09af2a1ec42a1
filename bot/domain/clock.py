"""The clock: timezone-aware UTC now (the only clock used by default; tests pass a fake)."""

from __future__ import annotations

from datetime import datetime, timezone


def utcnow() -> datetime:
    """Timezone-aware now."""
    return datetime.now(timezone.utc)
