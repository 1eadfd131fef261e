"""The shape of the month, week and agenda pages: which days, which window, where to go next.

Days are days of the viewer's time zone (the page is shown in it); an all-day event sits on its
own date(s) whatever the viewer's zone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from calendar_app.recurrence import Occurrence

MONTH, WEEK, AGENDA = "month", "week", "agenda"
VIEWS = (MONTH, WEEK, AGENDA)
AGENDA_DAYS = 30


@dataclass
class Day:
    date: date
    in_period: bool
    is_today: bool
    occurrences: list[Occurrence] = field(default_factory=list)


@dataclass
class Period:
    view: str
    anchor: date
    first: date  # first day shown
    last: date  # last day shown (inclusive)
    title: str
    previous: date
    next: date

    def window(self, zone: ZoneInfo) -> tuple[datetime, datetime]:
        start = datetime.combine(self.first, time.min, tzinfo=zone)
        end = datetime.combine(self.last + timedelta(days=1), time.min, tzinfo=zone)
        return start, end

    @property
    def days(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def period(view: str, anchor: date) -> Period:
    if view == MONTH:
        first_of_month = anchor.replace(day=1)
        next_month = _add_months(first_of_month, 1)
        first = first_of_month - timedelta(days=first_of_month.weekday())
        last_of_month = next_month - timedelta(days=1)
        last = last_of_month + timedelta(days=6 - last_of_month.weekday())
        return Period(
            view,
            first_of_month,
            first,
            last,
            first_of_month.strftime("%B %Y"),
            _add_months(first_of_month, -1),
            next_month,
        )
    if view == WEEK:
        monday = anchor - timedelta(days=anchor.weekday())
        sunday = monday + timedelta(days=6)
        title = f"Week of {monday:%d %b %Y}"
        return Period(view, monday, monday, sunday, title, monday - timedelta(days=7), monday + timedelta(days=7))
    last = anchor + timedelta(days=AGENDA_DAYS - 1)
    title = f"{anchor:%d %b %Y} to {last:%d %b %Y}"
    return Period(
        AGENDA, anchor, anchor, last, title, anchor - timedelta(days=AGENDA_DAYS), anchor + timedelta(days=AGENDA_DAYS)
    )


def lay_out(p: Period, occurrences: list[Occurrence], zone: ZoneInfo, today: date) -> list[Day]:
    """One Day per day shown, each with the occurrences that touch it (in start order)."""
    days = {d: Day(d, p.view != MONTH or d.month == p.anchor.month, d == today) for d in p.days}
    for occ in occurrences:
        for d in occ.days(zone):
            if d in days:
                days[d].occurrences.append(occ)
    return list(days.values())


def weeks(days: list[Day]) -> list[list[Day]]:
    return [days[i : i + 7] for i in range(0, len(days), 7)]
