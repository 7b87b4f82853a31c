"""Business days: a restaurant's day does not end at midnight.

Orders placed at 01:30 after a late dinner service belong to the day before, so the business day
rolls over at a configured hour (04:00 by default), in the store's own time zone.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

DAY_STARTS_AT_HOUR = 4


def local_time(now_ms: int, tz: str) -> datetime:
    return datetime.fromtimestamp(now_ms / 1000, UTC).astimezone(ZoneInfo(tz))


def business_date(now_ms: int, tz: str, day_starts_at_hour: int = DAY_STARTS_AT_HOUR) -> str:
    local = local_time(now_ms, tz) - timedelta(hours=day_starts_at_hour)
    return local.date().isoformat()


def minute_of_day(now_ms: int, tz: str) -> int:
    local = local_time(now_ms, tz)
    return local.hour * 60 + local.minute
