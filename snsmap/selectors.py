"""What the SNS map reads: the registry's public accounts, and public questions per district.

snsmap reads accounts and messages and writes nothing. Public questions come only through the
portal's `public_messages()` (the one rule of what the public may see), so the map never shows what
the portal would not; .importlinter allows this one import across the top layer.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import groupby

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from accounts.models import Account, Field, Platform
from messages_app.models import Message
from portal import selectors as portal
from textkit.places import DISTRICTS

PERIODS = (7, 30, 90)  # days offered for the choropleth
DEFAULT_PERIOD = 30
SMALL_COUNT = portal.SMALL_COUNT  # below this a district's count is shown as "< 5" and not coloured apart
CLASSES = 4  # colour classes above the threshold
RECENT_QUESTIONS = 10
# Not social accounts: the phone and web-form channels of the regulation.
_NOT_ON_THE_MAP = [Platform.PHONE, Platform.WEB]


@dataclass(frozen=True)
class MapFilters:
    field: str = ""
    platform: str = ""
    district: str = ""
    q: str = ""

    @property
    def active(self) -> bool:
        return bool(self.field or self.platform or self.district or self.q)


def clean_filters(params: Mapping[str, str]) -> MapFilters:
    """Unknown values are ignored rather than refused: a stale link still shows the map."""
    field = params.get("field", "")
    platform = params.get("platform", "")
    district = params.get("district", "")
    return MapFilters(
        field=field if field in Field.values else "",
        platform=platform if platform in map_platforms() else "",
        district=district if district in DISTRICTS else "",
        q=" ".join(params.get("q", "").split())[:100],
    )


def clean_period(value: str | int | None) -> int:
    if value is None:
        return DEFAULT_PERIOD
    try:
        days = int(value)
    except ValueError:
        return DEFAULT_PERIOD
    return days if days in PERIODS else DEFAULT_PERIOD


def map_platforms() -> list[str]:
    return [p for p in Platform.values if p not in _NOT_ON_THE_MAP]


def public_accounts() -> QuerySet[Account]:
    return Account.objects.select_related("owner_division").exclude(platform__in=_NOT_ON_THE_MAP)


def accounts_by_field(filters: MapFilters = MapFilters()) -> list[tuple[str, str, list[Account]]]:
    """[(field value, field label, [accounts…]), …] in the order of the Field choices."""
    accounts = public_accounts()
    if filters.field:
        accounts = accounts.filter(field=filters.field)
    if filters.platform:
        accounts = accounts.filter(platform=filters.platform)
    if filters.district:
        accounts = accounts.filter(district=filters.district)
    if filters.q:
        accounts = accounts.filter(Q(display_name__icontains=filters.q) | Q(name_en__icontains=filters.q)
                                   | Q(handle__icontains=filters.q)
                                   | Q(operator__icontains=filters.q))
    order = {value: index for index, value in enumerate(Field.values)}
    ordered = sorted(accounts, key=lambda a: (order.get(a.field, 99), -a.follower_count, a.platform, a.handle))
    return [(field, Field(field).label, list(group)) for field, group in groupby(ordered, key=lambda a: a.field)]


def district_accounts(code: str) -> list[Account]:
    return list(public_accounts().filter(district=code).order_by("-is_polled", "-follower_count", "handle"))


def accounts_per_district() -> dict[str, int]:
    rows = public_accounts().exclude(district="").values("district").annotate(n=Count("id"))
    return {row["district"]: row["n"] for row in rows}


@dataclass(frozen=True)
class DistrictCount:
    code: str
    count: int

    @property
    def suppressed(self) -> bool:
        """A small count is not shown exactly, so a district's figure cannot point at one person
        (the portal's rule, which the API's statistics follow too)."""
        return portal.district_count(self.count) is None

    @property
    def shown(self) -> str:
        return f"< {SMALL_COUNT}" if self.suppressed else f"{self.count:,}"


def question_counts(days: int, now: datetime | None = None) -> dict[str, DistrictCount]:
    """Public questions per district posted in the last `days` days, every district present."""
    since = (now or timezone.now()) - timedelta(days=days)
    rows = (portal.public_messages().filter(posted_at__gte=since).exclude(district="")
            .order_by().values("district").annotate(n=Count("id")))
    counts = {row["district"]: row["n"] for row in rows}
    return {code: DistrictCount(code, counts.get(code, 0)) for code in DISTRICTS}


def colour_classes(counts: dict[str, DistrictCount]) -> tuple[dict[str, int], list[tuple[int, int, int]]]:
    """Class per district (0 = below the threshold, 1..CLASSES by equal steps up to the largest count)
    and the legend [(class, from, to), …]. A suppressed count always gets class 0, like zero."""
    shown = [c.count for c in counts.values() if not c.suppressed]
    if not shown:
        return {code: 0 for code in counts}, []
    top = max(shown)
    step = max(1, -(-(top - SMALL_COUNT + 1) // CLASSES))  # ceiling division
    classes = {code: 0 if c.suppressed else min(CLASSES, 1 + (c.count - SMALL_COUNT) // step)
               for code, c in counts.items()}
    legend = []
    for k in range(1, CLASSES + 1):
        low = SMALL_COUNT + (k - 1) * step
        if low > top:
            break
        legend.append((k, low, min(top, low + step - 1)))
    return classes, legend


def recent_questions(code: str, days: int, limit: int = RECENT_QUESTIONS,
                     now: datetime | None = None) -> tuple[int, list[Message]]:
    """(how many, the latest `limit`) of the district's public questions of the last `days` days, as
    the portal's feed loads them (masked in the template). The count and the list come from one
    queryset, so the page's "N건" is always what its list is taken from (the list once said 3 under
    a "< 5"). The page lists them anyway, so its count is exact: only the map keeps small counts vague."""
    since = (now or timezone.now()) - timedelta(days=days)
    qs = portal.public_messages().filter(district=code, posted_at__gte=since)
    return qs.count(), list(qs.order_by("-posted_at", "-id")[:limit])
