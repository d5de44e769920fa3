"""Days, weeks and months in a store's time zone: every analytics figure is counted in them."""

from __future__ import annotations

from calendar import monthrange
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import Enum
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from core.errors import InvalidInput

MAX_PERIOD_DAYS = 366


class Unit(str, Enum):
    DAY = "DAY"
    WEEK = "WEEK"  # Monday to Sunday
    MONTH = "MONTH"


@cache
def zone_of(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("Asia/Seoul")


def local(at: datetime, zone: ZoneInfo) -> datetime:
    return at.astimezone(zone)


def day_start(day: date, zone: ZoneInfo) -> datetime:
    """The UTC instant at which ``day`` begins in ``zone``."""
    return datetime.combine(day, time(), zone).astimezone(UTC)


def unit_start(day: date, unit: Unit) -> date:
    if unit == Unit.DAY:
        return day
    if unit == Unit.WEEK:
        return day - timedelta(days=day.weekday())
    return day.replace(day=1)


@dataclass(frozen=True)
class Period:
    """Local dates, both included."""

    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def utc_bounds(self, zone: ZoneInfo) -> tuple[datetime, datetime]:
        """[start, end) in UTC."""
        return day_start(self.start, zone), day_start(self.end + timedelta(days=1), zone)

    def each_day(self) -> list[date]:
        return [self.start + timedelta(days=k) for k in range(self.days)]

    @property
    def unit(self) -> Unit | None:
        """The calendar unit this period is (a part to date of), if any."""
        if self.days == 1:
            return Unit.DAY
        if self.start.weekday() == 0 and self.days <= 7:
            return Unit.WEEK
        if self.start.day == 1 and (self.end.year, self.end.month) == (
            self.start.year,
            self.start.month,
        ):
            return Unit.MONTH
        return None

    def previous(self) -> Period:
        """The period before: the day, the week (same weekdays) or the month before.

        A whole month compares with the whole month before; a month to date with the same
        days of the month before (cut at its end); any other period with as many days before it.
        """
        unit = self.unit
        if unit == Unit.MONTH:
            first = (self.start - timedelta(days=1)).replace(day=1)
            length = monthrange(first.year, first.month)[1]
            whole = self.days == monthrange(self.start.year, self.start.month)[1]
            return Period(first, first.replace(day=length if whole else min(self.days, length)))
        shift = timedelta(days=7 if unit == Unit.WEEK else self.days)
        return Period(self.start - shift, self.end - shift)


def period(start: date, end: date, *, field: str = "period") -> Period:
    if end < start:
        raise InvalidInput("The period ends before it starts.", field=f"{field}.to")
    found = Period(start, end)
    if found.days > MAX_PERIOD_DAYS:
        raise InvalidInput(f"A period is at most {MAX_PERIOD_DAYS} days long.", field=f"{field}.to")
    return found


def calendar_period(start: date, end: date, *, field: str = "period") -> Period:
    """A period the revisit rate can be counted for: a day, a week or a month, whole or to date."""
    found = period(start, end, field=field)
    if found.unit is None:
        raise InvalidInput(
            "Revisit rates are counted per calendar day, week (from Monday) or month "
            "(from the 1st): give one of them, whole or to date.",
            field=f"{field}.from",
        )
    return found


def today(zone: ZoneInfo, now: datetime | None = None) -> date:
    return local(now or datetime.now(UTC), zone).date()
