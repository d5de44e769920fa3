"""Months in a store's time zone, and the dates a statement of one of them keeps."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

PROCESSING_DAY = 5  # of the month after the period
PAYOUT_DAY = 10
DISPUTE_DAYS = 7  # the day of issue is the first


@dataclass(frozen=True)
class Period:
    """A calendar month of one time zone: [starts_at, ends_at) in UTC."""

    start: date
    end: date  # the last day, inclusive
    starts_at: datetime
    ends_at: datetime
    time_zone: str

    @property
    def following(self) -> Period:
        """The next month, in the same time zone."""
        return month_of(_next_month(self.start), self.time_zone)

    @property
    def processing_date(self) -> date:
        return _next_month(self.start).replace(day=PROCESSING_DAY)

    @property
    def payout_date(self) -> date:
        return _next_month(self.start).replace(day=PAYOUT_DAY)


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), tzinfo=zone).astimezone(UTC)


def day_starts_at(day: date, time_zone: str) -> datetime:
    """The UTC instant at which ``day`` begins in ``time_zone``."""
    return _midnight(day, ZoneInfo(time_zone))


def month_of(day: date, time_zone: str) -> Period:
    zone = ZoneInfo(time_zone)
    start = day.replace(day=1)
    following = _next_month(start)
    return Period(
        start=start,
        end=following - timedelta(days=1),
        starts_at=_midnight(start, zone),
        ends_at=_midnight(following, zone),
        time_zone=time_zone,
    )


def current_month(now: datetime, time_zone: str) -> Period:
    return month_of(now.astimezone(ZoneInfo(time_zone)).date(), time_zone)


def previous_month(now: datetime, time_zone: str) -> Period:
    this_month = current_month(now, time_zone)
    return month_of(this_month.start - timedelta(days=1), time_zone)


def dispute_closes_at(issued_at: datetime, time_zone: str) -> datetime:
    """The end of the 7th day counted from the day of issue (day 1), in the store's time zone."""
    zone = ZoneInfo(time_zone)
    issued_on = issued_at.astimezone(zone).date()
    return _midnight(issued_on + timedelta(days=DISPUTE_DAYS), zone)
