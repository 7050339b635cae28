"""The filters every dashboard page takes: period, platform, account, division, type, topic."""

from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from django.utils import timezone

from accounts.models import Platform
from departments.models import MessageType, Topic

PERIODS = {"7": 7, "30": 30, "90": 90, "365": 365}
DEFAULT_DAYS = 30


MAX_ACCOUNTS = 50


class BadFilter(ValueError):
    """A filter value the page cannot use, with a message to show."""


@dataclass(frozen=True)
class Filters:
    start: date
    end: date  # inclusive
    platform: str = ""
    account_ids: tuple[int, ...] = ()
    division_ids: tuple[int, ...] = ()
    type: str = ""
    topic: str = ""
    period: str = str(DEFAULT_DAYS)
    extra: dict = field(default_factory=dict, compare=False)

    def with_accounts(self, ids) -> "Filters":
        """Scoped to these accounts, links and exports included (the mayor page's: its accounts)."""
        ids = tuple(ids)
        return replace(self, account_ids=ids, extra={**self.extra, "account": ",".join(map(str, ids))})

    def query(self) -> dict[str, str]:
        """The filters as GET parameters (for links and exports)."""
        out = {"period": self.period}
        if self.period == "custom":
            out.update(start=self.start.isoformat(), end=self.end.isoformat())
        for name in ("platform", "type", "topic"):
            if getattr(self, name):
                out[name] = getattr(self, name)
        if self.extra.get("account"):
            out["account"] = self.extra["account"]
        if self.extra.get("division"):
            out["division"] = self.extra["division"]
        return out


def _int(value, what):
    try:
        return int(value)
    except (TypeError, ValueError):
        raise BadFilter(f"{what} 값이 올바르지 않습니다: {str(value)[:40]!r}") from None


def _date(value, what):
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise BadFilter(f"{what} 날짜 형식이 올바르지 않습니다 (YYYY-MM-DD): {str(value)[:40]!r}") from None


def parse(params, today: date | None = None) -> Filters:
    today = today or timezone.localdate()
    period = params.get("period") or str(DEFAULT_DAYS)
    if period == "custom":
        start, end = _date(params.get("start"), "시작"), _date(params.get("end"), "끝")
        if start > end:
            raise BadFilter("시작 날짜가 끝 날짜보다 늦습니다.")
        if (end - start).days > 3700:
            raise BadFilter("기간은 10년을 넘을 수 없습니다.")
    elif period in PERIODS:
        end, start = today, today - timedelta(days=PERIODS[period] - 1)
    else:
        raise BadFilter(f"알 수 없는 기간입니다: {period[:20]!r}")
    platform, type_, topic = params.get("platform", ""), params.get("type", ""), params.get("topic", "")
    if platform and platform not in Platform.values:
        raise BadFilter(f"알 수 없는 플랫폼입니다: {platform[:20]!r}")
    if type_ and type_ not in MessageType.values:
        raise BadFilter(f"알 수 없는 유형입니다: {type_[:20]!r}")
    if topic and topic not in Topic.values:
        raise BadFilter(f"알 수 없는 주제입니다: {topic[:20]!r}")
    account = params.get("account") or ""
    division = params.get("division") or ""
    # One account from the form; a few from a scoped page's links (the mayor's accounts).
    account_ids = tuple(_int(a, "계정") for a in account.split(",")[:MAX_ACCOUNTS + 1] if a)
    if len(account_ids) > MAX_ACCOUNTS:
        raise BadFilter(f"계정은 {MAX_ACCOUNTS}개까지 고를 수 있습니다.")
    return Filters(
        start=start, end=end, period=period, platform=platform, type=type_, topic=topic,
        account_ids=account_ids,
        division_ids=(_int(division, "부서"),) if division else (),
        extra={"account": account, "division": division},
    )
