"""Wall-clock time in UTC."""

from __future__ import annotations

from datetime import UTC, datetime


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        """The current time, timezone-aware in UTC."""
        return datetime.now(UTC)
