from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from departments.models import CalendarOverride
from departments.workdays import Calendar, add_working_days, due_at, is_working_day

SEOUL = ZoneInfo("Asia/Seoul")
pytestmark = pytest.mark.django_db


def test_seollal_2026_is_three_days_off():
    # Mon 16 – Wed 18 February 2026
    for day in (16, 17, 18):
        assert not is_working_day(date(2026, 2, day))
    assert is_working_day(date(2026, 2, 13))  # Friday before
    assert is_working_day(date(2026, 2, 19))  # Thursday after


def test_working_days_across_seollal_2026():
    # Friday 13 Feb + 1 working day skips the weekend and Seollal → Thursday 19 Feb
    assert add_working_days(date(2026, 2, 13), 1) == date(2026, 2, 19)
    assert add_working_days(date(2026, 2, 13), 7) == date(2026, 2, 27)
    assert add_working_days(date(2026, 2, 19), -1) == date(2026, 2, 13)


def test_chuseok_2025_with_its_substitute_holiday():
    # 5 Oct (Sun) – 7 Oct, substitute holiday 8 Oct because the first day fell on a Sunday,
    # then Hangul Day 9 Oct: the office is closed from Fri 3 Oct to Sun 12 Oct except Fri 10.
    for day in (3, 6, 7, 8, 9):
        assert not is_working_day(date(2025, 10, day)), day
    assert is_working_day(date(2025, 10, 10))
    assert add_working_days(date(2025, 10, 2), 1) == date(2025, 10, 10)
    assert add_working_days(date(2025, 10, 2), 2) == date(2025, 10, 13)


def test_substitute_holiday_for_independence_day_2026():
    # 1 March 2026 is a Sunday: Monday 2 March is off.
    assert not is_working_day(date(2026, 3, 2))
    assert add_working_days(date(2026, 2, 27), 1) == date(2026, 3, 3)


def test_temporary_holiday_january_2025():
    assert not is_working_day(date(2025, 1, 27))  # 임시공휴일 before Seollal


def test_local_overrides_win_over_the_national_calendar():
    CalendarOverride.objects.create(date=date(2026, 2, 20), is_holiday=True, name="시 창립 기념 휴무")
    CalendarOverride.objects.create(date=date(2026, 2, 21), is_holiday=False, name="토요 근무")
    cal = Calendar()
    assert not cal.is_working_day(date(2026, 2, 20))
    assert cal.is_working_day(date(2026, 2, 21))  # a Saturday worked
    assert cal.add_working_days(date(2026, 2, 19), 1) == date(2026, 2, 21)


def test_due_at_is_closing_time_of_the_seventh_working_day():
    received = datetime(2026, 2, 12, 22, 30, tzinfo=SEOUL)  # Thursday night before Seollal
    due = due_at(received, 7)
    # Fri 13, Thu 19, Fri 20, Mon 23, Tue 24, Wed 25, Thu 26
    assert due == datetime(2026, 2, 26, 18, 0, tzinfo=SEOUL)


def test_working_time_skips_days_off():
    cal = Calendar(overrides={})
    start = datetime(2026, 2, 13, 12, 0, tzinfo=SEOUL)  # Friday noon
    end = datetime(2026, 2, 19, 12, 0, tzinfo=SEOUL)  # Thursday noon after Seollal
    assert cal.working_time(start, end).total_seconds() == 24 * 3600
    assert cal.add_working_time(start, cal.working_time(start, end)) == end


def test_office_hours_from_moves_night_and_holidays_to_the_next_opening():
    cal = Calendar(overrides={})
    assert cal.office_hours_from(datetime(2026, 2, 13, 20, 0, tzinfo=SEOUL)) == datetime(
        2026, 2, 19, 9, 0, tzinfo=SEOUL)  # Friday evening before Seollal → Thursday morning
    noon = datetime(2026, 2, 19, 12, 0, tzinfo=SEOUL)
    assert cal.office_hours_from(noon) == noon
