"""Working days in Seoul: Korea's public holidays (the `holidays` package: Seollal, Chuseok,
substitute and temporary holidays) plus the local overrides staff keep in CalendarOverride.

Deadlines end at the office's closing time on the Nth working day after the day of receipt
(counting starts the day after, as the regulation counts); reminders are placed on a working-time
clock where every working day counts 24 hours and days off count nothing.
"""

import functools
from datetime import date, datetime, time, timedelta

import holidays
from django.utils import timezone

from .models import CalendarOverride

OFFICE_OPEN = time(9, 0)
OFFICE_CLOSE = time(18, 0)
DAY = timedelta(days=1)


@functools.cache
def _korean_holidays() -> holidays.HolidayBase:
    """One table per process: building it costs milliseconds, and a year's holidays never change
    once computed (it grows by itself when a new year is looked up). Staff changes go to overrides."""
    return holidays.country_holidays("KR")


class Calendar:
    """Load once per batch: the holiday table and the overrides are read a single time."""

    def __init__(self, overrides: dict[date, bool] | None = None):
        self.kr = _korean_holidays()
        self.overrides = self.read_overrides() if overrides is None else overrides

    @staticmethod
    def read_overrides() -> dict[date, bool]:
        return dict(CalendarOverride.objects.values_list("date", "is_holiday"))

    def is_working_day(self, day: date) -> bool:
        if day in self.overrides:
            return not self.overrides[day]
        return day.weekday() < 5 and day not in self.kr

    def holiday_name(self, day: date) -> str:
        return self.kr.get(day) or ""

    def add_working_days(self, day: date, n: int) -> date:
        """The nth working day after `day` (n=0: `day` itself if it is a working day, else the next)."""
        if n == 0:
            while not self.is_working_day(day):
                day += DAY
            return day
        step = DAY if n > 0 else -DAY
        remaining = abs(n)
        while remaining:
            day += step
            if self.is_working_day(day):
                remaining -= 1
        return day

    def due_at(self, received_at: datetime, working_days: int) -> datetime:
        local = timezone.localtime(received_at)
        last_day = self.add_working_days(local.date(), working_days)
        return timezone.make_aware(datetime.combine(last_day, OFFICE_CLOSE))

    def working_time(self, start: datetime, end: datetime) -> timedelta:
        """Time between two moments that falls on working days."""
        if end <= start:
            return timedelta(0)
        start, end = timezone.localtime(start), timezone.localtime(end)
        total = timedelta(0)
        cursor = start
        while cursor < end:
            midnight = timezone.make_aware(datetime.combine(cursor.date() + DAY, time(0)))
            chunk_end = min(midnight, end)
            if self.is_working_day(cursor.date()):
                total += chunk_end - cursor
            cursor = chunk_end
        return total

    def add_working_time(self, start: datetime, amount: timedelta) -> datetime:
        """The moment when `amount` of working time has passed since `start`."""
        cursor = timezone.localtime(start)
        remaining = amount
        while True:
            midnight = timezone.make_aware(datetime.combine(cursor.date() + DAY, time(0)))
            if self.is_working_day(cursor.date()):
                room = midnight - cursor
                if remaining <= room:
                    return cursor + remaining
                remaining -= room
            cursor = midnight

    def office_hours_from(self, moment: datetime) -> datetime:
        """`moment` if the office is open then, else the next opening (no reminders at 2 a.m.)."""
        local = timezone.localtime(moment)
        if self.is_working_day(local.date()):
            if OFFICE_OPEN <= local.time() < OFFICE_CLOSE:
                return local
            if local.time() < OFFICE_OPEN:
                return timezone.make_aware(datetime.combine(local.date(), OFFICE_OPEN))
        day = self.add_working_days(local.date(), 1)
        return timezone.make_aware(datetime.combine(day, OFFICE_OPEN))

    def opening_before(self, moment: datetime, working_days: int) -> datetime:
        """Office opening on the working day `working_days` before the day of `moment`."""
        day = self.add_working_days(timezone.localtime(moment).date(), -working_days)
        return timezone.make_aware(datetime.combine(day, OFFICE_OPEN))


def is_working_day(day: date) -> bool:
    return Calendar().is_working_day(day)


def add_working_days(day: date, n: int) -> date:
    return Calendar().add_working_days(day, n)


def due_at(received_at: datetime, working_days: int) -> datetime:
    return Calendar().due_at(received_at, working_days)
