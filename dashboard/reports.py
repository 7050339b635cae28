"""The scheduled reports: each month (and, for who asks, each week) the report of the period just
ended is e-mailed to the mayor's office and the division heads (their divisions' figures only): the
XLSX of every page and a short Korean summary in the body. Each reader can turn it off (a preference
and an unsubscribe link). Beat runs `send_due` daily; a period is sent to a reader at most once."""

import logging
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation

from users import roles
from users.models import User

from . import access, exports, selectors
from .filters import Filters
from .models import ReportPreference, ReportSent

log = logging.getLogger(__name__)
FREQUENCIES = ("monthly", "weekly")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def period(frequency: str, today: date) -> tuple[date, date]:
    """The last complete month or week (Monday to Sunday) before `today`."""
    if frequency == "monthly":
        last = today.replace(day=1) - timedelta(days=1)
        return last.replace(day=1), last
    last = today - timedelta(days=today.weekday() + 1)
    return last - timedelta(days=6), last


def recipients():
    """Active staff with an e-mail address who may see the dashboard: the mayor's office and the
    division heads."""
    return (User.objects.filter(is_active=True, is_staff=True).exclude(email="")
            .filter(Q(groups__name=roles.MAYORS_OFFICE) | Q(groups__name=roles.DIVISION_HEAD)
                    | Q(memberships__is_head=True)).distinct().order_by("pk"))


def preference(user) -> ReportPreference:
    return ReportPreference.objects.get_or_create(user=user)[0]


def _tables(f: Filters) -> list:
    tables = []
    for page in selectors.PAGES.values():
        tables += page(f)["tables"]
    return tables


def summary(tables: list, f: Filters, frequency: str) -> str:
    """The body: a few lines a reader takes in at a glance."""
    by_key = {t.key: t for t in tables}
    kind = "월간" if frequency == "monthly" else "주간"
    total = sum(row[1] for row in by_key["platform"].rows)
    days = (f.end - f.start).days + 1
    lines = [f"서울시 소셜미디어센터 {kind} 보고서: {f.start} ~ {f.end}", "",
             f"■ 유입: {total:,}건 (하루 평균 {total / days:,.1f}건; 2012년 시장 계정은 하루 "
             f"{selectors.BASELINE_2012_PER_DAY}건 이상)"]
    topics = sorted((r for r in by_key["topics"].rows if r[1]), key=lambda r: -r[1])[:3]
    lines.append("■ 많이 들어온 주제: " + (", ".join(f"{r[0]} {r[1]:,}건 ({r[2]}%)" for r in topics)
                                       if topics else "없음"))
    columns = [c.key for c in by_key["divisions"].columns]
    overdue = sorted((r for r in by_key["divisions"].rows if r[columns.index("overdue")]),
                     key=lambda r: -r[columns.index("overdue")])
    lines.append("■ 처리 기한을 넘긴 부서 (보낸 시각 기준): " + (
        ", ".join(f"{r[0]} {r[columns.index('overdue')]:,}건" for r in overdue[:10]) if overdue else "없음"))
    words = by_key["rising_words"].rows[:5]
    lines.append("■ 늘어난 낱말 (마지막 주): " + (", ".join(f"{r[0]} (+{r[3]:,})" for r in words) if words else "없음"))
    lines.append("■ " + _satisfaction_line(by_key["divisions"], f))
    lines += ["", "자세한 수치는 첨부한 XLSX 파일(화면의 표마다 시트 하나)에 있습니다."]
    return "\n".join(lines)


def _satisfaction_line(divisions, f: Filters) -> str:
    """Overall (exact, not an average of averages), then the divisions rated lowest."""
    total = selectors.satisfaction(f, "all").get(None)
    if total is None:
        return "만족도: 이 기간에 작성된 메시지에 대한 평가가 없습니다."
    average, satisfied, count = total
    keys = [c.key for c in divisions.columns]
    i_avg, i_count = keys.index("satisfaction"), keys.index("ratings")
    rated = sorted((r for r in divisions.rows if r[i_count]), key=lambda r: (r[i_avg], r[0]))
    low = ", ".join(f"{r[0]} {r[i_avg]:.2f}점({r[i_count]:,}건)" for r in rated[:3])
    return (f"만족도: 평균 {average:.2f}점 (5점 만점), 4·5점 {satisfied}%, 평가 {count:,}건"
            + (f"; 낮은 부서: {low}" if low else ""))


def _links(pref: ReportPreference) -> tuple[str, str]:
    return (f"{settings.SMC_SITE_URL}/dashboard/reports/unsubscribe/{pref.token}/",
            f"{settings.SMC_SITE_URL}/dashboard/reports/")


def send_report(user, frequency: str, first: date, last: date) -> bool:
    """Send one report, once: False when this reader already has it (or may no longer see it)."""
    who = access.scope(user)
    if who is None:
        return False
    f = Filters(start=first, end=last, period="custom", division_ids=() if who.all else who.division_ids)
    try:
        # The report is Korean whatever language the worker or the caller runs in.
        with translation.override("ko"), transaction.atomic():
            ReportSent.objects.create(user=user, frequency=frequency, period_start=first)
            tables = _tables(f)
            pref = preference(user)
            unsubscribe, settings_url = _links(pref)
            kind = "월간" if frequency == "monthly" else "주간"
            body = (summary(tables, f, frequency) + f"\n\n받지 않으려면: {unsubscribe}\n"
                    f"받을 보고서 고르기: {settings_url}\n")
            mail = EmailMessage(f"[SMC] {kind} 보고서 {first} ~ {last}", body, to=[user.email],
                                headers={"List-Unsubscribe": f"<{unsubscribe}>",
                                         "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"})
            mail.attach(f"smc-{frequency}-{first}.xlsx", exports.to_xlsx(tables, f"SMC {kind} {first}~{last}"), XLSX)
            # Sent inside the transaction: a failed send leaves no record, and the next run tries again.
            mail.send()
    except IntegrityError:
        return False
    return True


def send_due(now: datetime | None = None) -> dict[str, int]:
    """Send every reader the reports of the last complete period they want and do not have yet."""
    today = timezone.localdate(now or timezone.now())
    sent = {frequency: 0 for frequency in FREQUENCIES}
    for user in recipients():
        pref = preference(user)
        for frequency in FREQUENCIES:
            if not getattr(pref, frequency):
                continue
            first, last = period(frequency, today)
            try:
                sent[frequency] += send_report(user, frequency, first, last)
            except Exception:
                # One reader's failure (a bad address, the mail server) does not stop the others.
                log.exception("dashboard report to user %s failed", user.pk)
    return sent


def unsubscribe(token: str) -> ReportPreference | None:
    pref = ReportPreference.objects.filter(token=token).first()
    if pref is not None:
        pref.monthly = pref.weekly = False
        pref.save(update_fields=["monthly", "weekly"])
    return pref
