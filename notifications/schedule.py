"""Time rules of delivery: quiet hours, digest periods and retry backoff."""

from __future__ import annotations

import random
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from notifications.choices import DigestFrequency


def zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def quiet_until(now: datetime, time_zone: str | None, start: time | None, end: time | None) -> datetime | None:
    """The end of the quiet period ``now`` falls in (UTC), or None when it is not quiet.

    ``start``/``end`` are local wall-clock times in ``time_zone``; ``start > end`` wraps midnight
    (22:00-07:00). Equal or missing times mean no quiet hours.
    """
    if start is None or end is None or start == end:
        return None
    tz = zone(time_zone)
    local = now.astimezone(tz)
    current = local.time().replace(tzinfo=None)
    if start < end:
        if not (start <= current < end):
            return None
        end_day = local.date()
    else:
        if current >= start:
            end_day = local.date() + timedelta(days=1)
        elif current < end:
            end_day = local.date()
        else:
            return None
    return datetime.combine(end_day, end, tzinfo=tz).astimezone(UTC)


def digest_period(
    frequency: str, now: datetime, time_zone: str | None, digest_hour: int, digest_weekday: int
) -> str | None:
    """The digest period whose sending time has been reached at ``now`` in the person's zone, or None.

    Daily: "daily:YYYY-MM-DD" once the local hour reaches ``digest_hour``. Weekly:
    "weekly:YYYY-Www" (ISO week) once the local day and hour pass ``digest_weekday`` at
    ``digest_hour``. The (user, period) row makes each period send at most once.
    """
    local = now.astimezone(zone(time_zone))
    if frequency == DigestFrequency.DAILY:
        if local.hour < digest_hour:
            return None
        return f"daily:{local.date().isoformat()}"
    if frequency == DigestFrequency.WEEKLY:
        weekday = local.weekday()
        if weekday < digest_weekday or (weekday == digest_weekday and local.hour < digest_hour):
            return None
        year, week, _ = local.isocalendar()
        return f"weekly:{year}-W{week:02d}"
    return None


def backoff(attempt: int, *, base: float, cap: float, rng: random.Random | None = None) -> timedelta:
    """Delay before retry number ``attempt`` (1 = the first retry): exponential with "equal jitter".

    The delay is ``min(cap, base * 2 ** (attempt - 1))``, of which a random half is kept, so
    retries of many failed deliveries spread out instead of hitting the provider together.
    """
    rng = rng or random
    ceiling = min(cap, base * (2 ** max(0, attempt - 1)))
    return timedelta(seconds=ceiling / 2 + rng.uniform(0, ceiling / 2))
