"""Server time in Asia/Almaty: deadlines are compared on aware datetimes, shown in local time."""
from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

ALMATY = ZoneInfo("Asia/Almaty")

_clock_override: datetime | None = None


def now() -> datetime:
    """The current instant (UTC-aware). Tests may freeze it with ``freeze``."""
    if _clock_override is not None:
        return _clock_override
    return datetime.now(timezone.utc)


def now_local() -> datetime:
    return now().astimezone(ALMATY)


def freeze(instant: datetime | None) -> None:
    """Set (or clear with None) a fixed clock for tests and benchmarks."""
    global _clock_override
    if instant is not None and instant.tzinfo is None:
        raise ValueError("freeze needs an aware datetime")
    _clock_override = instant


def to_local(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(ALMATY)


def parse_iso(value: str) -> datetime:
    """Parse an ISO 8601 timestamp. One without an offset is read as Asia/Almaty local time."""
    parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=ALMATY)
    return parsed.astimezone(timezone.utc)
