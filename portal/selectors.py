"""What the public portal reads. Every public queryset starts from `public_messages()`."""

import json
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.contrib.postgres.search import SearchQuery
from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Count, Prefetch, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import get_language

from accounts.models import Account, Platform
from departments.models import Division
from departments.workdays import Calendar
from messages_app import selectors as inbox_selectors
from messages_app.models import Answer, Kind, Message, MessageType, Status, StatusChange
from textkit import korean
from users.models import User

from .models import Comment, Like

# Triaged and not withdrawn: what the public may see.
PUBLIC_STATUSES = [Status.ASSIGNED, Status.IN_PROGRESS, Status.ANSWERED, Status.CLOSED]
PENDING_STATUSES = [Status.ASSIGNED, Status.IN_PROGRESS]
# Direct messages are private by nature; a phone call was never meant for publication.
NEVER_PUBLIC_KINDS = [Kind.DIRECT, Kind.PHONE]
FEED_TYPES = [MessageType.COMPLAINT, MessageType.OPINION]


def _visible() -> QuerySet[Message]:
    return (
        Message.objects.filter(status__in=PUBLIC_STATUSES, is_private=False, hidden_by_author=False)
        .exclude(kind__in=NEVER_PUBLIC_KINDS)
        .select_related("account", "division", "answer", "answer__division")
        # Never load what the public pages do not show (the raw payload can be large).
        .defer("raw", "search_vector", "answer__search_vector", "reminders_sent", "routing_reason",
               "author_external_id", "author_handle", "url")
    )


# What a feed item (templates/portal/_item.html) shows: loading only this halves the page query's
# cost (fewer columns to parse, fewer fields to set on 100 model instances).
FEED_ITEM_FIELDS = [
    "id", "author_name", "text", "posted_at", "topic", "status", "type", "like_count", "comment_count",
    "is_simulated", "account__display_name", "account__name_en", "division__name_ko", "division__name_en",
    "answer__text", "answer__created_at", "answer__like_count", "answer__division__name_ko",
    "answer__division__name_en",
]


def public_messages() -> QuerySet[Message]:
    """Complaints and opinions to the city's accounts, once triaged."""
    return _visible().filter(type__in=FEED_TYPES).only(*FEED_ITEM_FIELDS)


def support_messages() -> QuerySet[Message]:
    """격려·응원: a separate stream."""
    return _visible().filter(type=MessageType.SUPPORT).only(*FEED_ITEM_FIELDS)


def any_public() -> QuerySet[Message]:
    """Both streams: what a message page, a like or a comment may target."""
    return _visible().filter(type__in=[*FEED_TYPES, MessageType.SUPPORT])


def search_public(filters: dict) -> QuerySet[Message]:
    """The one public search: every public stream (questions, opinions, support), narrowed by the
    filters (type = stream, status, district, …) and the words of `q`. The portal's search page and
    the API's `q=` both call this, so they find the same messages."""
    qs = filter_feed(any_public(), filters)
    query = (filters.get("q") or "").strip()
    return search(qs, query) if query else qs


def filter_feed(qs: QuerySet[Message], filters: dict) -> QuerySet[Message]:
    """`filters` is the cleaned data of FeedFilterForm; empty values mean "any"."""
    if filters.get("account"):
        qs = qs.filter(account_id=filters["account"])
    if filters.get("topic"):
        qs = qs.filter(topic=filters["topic"])
    if filters.get("division"):
        qs = qs.filter(division_id=filters["division"])
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    # The API's filters (the portal's form has none of these keys).
    if filters.get("type"):
        qs = qs.filter(type=filters["type"])
    if filters.get("since"):
        qs = qs.filter(posted_at__date__gte=filters["since"])
    if filters.get("until"):
        qs = qs.filter(posted_at__date__lte=filters["until"])
    if filters.get("district") and has_district():
        qs = qs.filter(**{DISTRICT: filters["district"]})
    if filters.get("answered") == "yes":
        qs = qs.filter(answer__isnull=False)
    elif filters.get("answered") == "no":
        qs = qs.filter(answer__isnull=True)
    return qs


# Message.district comes with the SNS map; until then the district filter and counts are empty.
DISTRICT = "district"


# A district's count below this is never published exactly, on the SNS map or in the API: a small
# figure for one district and a period can point at one person. The one rule: district_count().
SMALL_COUNT = 5


def district_count(count: int) -> int | None:
    """A district's count as the public may see it: None (shown as "< 5") when it is small."""
    return None if count < SMALL_COUNT else count


def has_district() -> bool:
    """Whether messages know their district (the SNS map adds Message.district)."""
    return any(f.name == DISTRICT for f in Message._meta.get_fields())


def public_statistics(since: date, until: date) -> dict[str, list[dict[str, Any]]]:
    """Counts of the public messages posted between two days (inclusive, Seoul time): per day (with
    how many are answered), per type, per topic and, when messages know it, per district."""
    qs = any_public().filter(posted_at__date__gte=since, posted_at__date__lte=until).order_by()
    by_day = (qs.annotate(day=TruncDate("posted_at")).values("day")
              .annotate(count=Count("id"), answered=Count("answer")).order_by("day"))
    stats: dict[str, list[dict[str, Any]]] = {
        "by_day": [{"date": row["day"], "count": row["count"], "answered": row["answered"]} for row in by_day],
        "by_type": [dict(row) for row in qs.values("type").annotate(count=Count("id")).order_by("-count", "type")],
        "by_topic": [dict(row) for row in
                     qs.values("topic").annotate(count=Count("id")).order_by("-count", "topic")],
        "by_district": [],
    }
    if has_district():
        rows = qs.exclude(**{DISTRICT: ""}).values(DISTRICT).annotate(n=Count("id")).order_by("-n", DISTRICT)
        stats["by_district"] = [{"district": row[DISTRICT], "count": district_count(row["n"]),
                                 "suppressed": district_count(row["n"]) is None} for row in rows]
    return stats


def search(qs: QuerySet[Message], q: str) -> QuerySet[Message]:
    """Messages whose text or answer contains every content morpheme of `q` ("지하철" finds "지하철역에서").

    Two GIN-indexed conditions joined by OR through a subquery, so both indexes are used.
    """
    raw = korean.search_query(q)
    if not raw:
        return qs.none()
    query = SearchQuery(raw, search_type="raw", config="simple")
    answered = Answer.objects.filter(search_vector=query).values("message_id")
    return qs.filter(Q(search_vector=query) | Q(pk__in=answered))


def filter_choices() -> dict:
    """The options of the feed's filters and a fingerprint of what the registry section shows, in
    one small query (the registry's rendered copy is cached under that fingerprint)."""
    accounts, divisions = Account._meta.db_table, Division._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT coalesce(json_agg(json_build_array(id, display_name, platform, name_en)"
            f"                                 ORDER BY display_name, id), '[]')"
            f"        FROM {accounts} WHERE platform NOT IN (%s, %s)),"
            f" (SELECT coalesce(json_agg(json_build_array(id, name_ko, name_en) ORDER BY name_ko, id), '[]')"
            f"        FROM {divisions}),"
            f" (SELECT md5(coalesce(string_agg(concat_ws('|', id, platform, handle, status, field,"
            f"                                           display_name, name_en),"
            f"                                 ',' ORDER BY id), '')) FROM {accounts})",
            [Platform.PHONE, Platform.WEB],
        )
        account_rows, division_rows, registry_version = cursor.fetchone()
    english = get_language() == "en"  # the English names in English mode, when they have one
    division_choices = [(pk, (english and name_en) or name_ko) for pk, name_ko, name_en in _rows(division_rows)]
    account_choices = [(pk, (english and name_en) or name, platform)
                       for pk, name, platform, name_en in _rows(account_rows)]
    return {"accounts": account_choices, "divisions": division_choices,
            "registry_version": registry_version}


def _rows(value: Any) -> list[tuple]:
    rows = json.loads(value) if isinstance(value, str) else value
    return [tuple(row) for row in rows]


# Below this many results counting is cheap and exact; above, the count may lag a few seconds.
COUNT_CACHE_FROM = 1000
COUNT_CACHE_SECONDS = 10


class FeedPaginator(Paginator):
    """Paginator for the public lists.

    - `count` of a large result is kept COUNT_CACHE_SECONDS in Redis under `count_key` (the view's
      name, language-free filters and query): counting 10k+ rows on every page view is the single
      biggest query of the feed, and a page count a few seconds old harms nobody.
    - A page is fetched by a deferred join: the page's ids come from the (index-only) ordered scan
      and only those 20 rows are joined to account, division and answer, whatever the offset.
    """

    def __init__(self, object_list: QuerySet[Message], per_page: int, count_key: str | None = None):
        super().__init__(object_list, per_page)
        self.count_key = count_key
        self.queryset = object_list

    @cached_property
    def count(self) -> int:
        if self.count_key:
            n = cache.get(self.count_key)
            if n is not None:
                return n
        n = self.queryset.count()
        if self.count_key and n >= COUNT_CACHE_FROM:
            cache.set(self.count_key, n, COUNT_CACHE_SECONDS)
        return n

    def page(self, number: int | str) -> Page:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        # The ids as values, not as a subquery: `id IN (SELECT … LIMIT 20)` let the planner, with
        # statistics a few thousand inserts old (a surge), run the subquery once per feed row (15 ms
        # for 2,000 rows instead of 1 ms); a list of 20 ids is looked up by primary key whatever they say.
        ids = list(self.queryset.values_list("pk", flat=True)[bottom:top])
        return self._get_page(self.queryset.filter(pk__in=ids), number, self)  # type: ignore[attr-defined]


def message_detail(pk: int) -> Message:
    """One public message with its public timeline and visible comments, in a fixed number of queries."""
    visible_comments = Comment.objects.filter(is_deleted=False, is_hidden=False).select_related("user")
    timeline = StatusChange.objects.filter(is_public=True).select_related("division")
    return (
        _visible()
        .prefetch_related(Prefetch("comments", queryset=visible_comments, to_attr="visible_comments"),
                          Prefetch("history", queryset=timeline, to_attr="timeline"))
        .get(pk=pk)
    )


def liked_ids(user: User | AnonymousUser, messages: list[Message]) -> tuple[set[int], set[int]]:
    """(message ids, answer ids) the user has liked among `messages`: one query."""
    return liked_among(user, [m.pk for m in messages], [m.answer.pk for m in messages if _answer(m)])


def liked_among(user: User | AnonymousUser, message_ids: Iterable[int],
                answer_ids: Iterable[int]) -> tuple[set[int], set[int]]:
    """(message ids, answer ids) among these that the user has liked: one query."""
    message_ids, answer_ids = list(message_ids), list(answer_ids)
    if not user.is_authenticated or not (message_ids or answer_ids):
        return set(), set()
    # Plain SQL: this runs on every page a logged-in citizen opens, and building the ORM query cost
    # more than running it.
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT message_id, answer_id FROM {Like._meta.db_table} "  # noqa: S608 - a model's table
                       "WHERE user_id = %s AND (message_id = ANY(%s) OR answer_id = ANY(%s))",
                       [user.pk, message_ids, answer_ids])
        rows = cursor.fetchall()
    return {m for m, _ in rows if m}, {a for _, a in rows if a}


def _answer(message: Message) -> Answer | None:
    try:
        return message.answer
    except Answer.DoesNotExist:
        return None


def answer_of(message: Message) -> Answer | None:
    return _answer(message)


# --- working days -----------------------------------------------------------------------------

def annotate_workdays(messages: list[Message]) -> None:
    """Set `answered_in_workdays` (int, 0 = same day) on answered messages: one calendar per page."""
    answered = [m for m in messages if _answer(m)]
    if not answered:
        return
    calendar = Calendar()
    for m in answered:
        start = timezone.localtime(m.posted_at).date()
        end = timezone.localtime(m.answer.created_at).date()
        m.answered_in_workdays = _count(calendar, start, end)  # type: ignore[attr-defined]


def _count(calendar: Calendar, start: date, end: date) -> int:
    """Working days after `start` up to and including `end` (the regulation counts from the next day)."""
    if end <= start:
        return 0
    n = 0
    day = start
    while day < end:
        day = date.fromordinal(day.toordinal() + 1)
        if calendar.is_working_day(day):
            n += 1
    return n


# --- the citizen's own questions (내 민원) ------------------------------------------------------

# A social login's provider → the platform whose author ids it proves. The one rule of "this
# platform's message is this citizen's", for 내 민원, the notices and the author's own actions.
# Kakao: a channel message's author id is the user's Kakao account id only when the channel is
# linked to our Kakao Login app (Open Builder's appUserId); a channel-scoped botUserKey never matches.
PROVIDER_PLATFORM = {"twitter_oauth2": "x", "facebook": "facebook", "kakao": "kakao"}


def _platform_identities(user: User) -> Q:
    """Messages written by one of the user's social logins (matches nothing without one)."""
    from allauth.socialaccount.models import SocialAccount

    theirs = Q(pk__in=[])
    for provider, uid in SocialAccount.objects.filter(user=user).values_list("provider", "uid"):
        platform = PROVIDER_PLATFORM.get(provider)
        if platform and uid:
            theirs |= Q(platform=platform, author_external_id=uid)
    return theirs


def owners(message: Message) -> list[User]:
    """The active citizens a message belongs to: its portal asker, and whoever logged in with the
    social account that wrote it. The notices go to them; 내 민원 (my_messages) lists it for them."""
    from allauth.socialaccount.models import SocialAccount

    providers = [p for p, platform in PROVIDER_PLATFORM.items() if platform == message.platform]
    linked = (SocialAccount.objects.filter(provider__in=providers, uid=message.author_external_id)
              .values("user_id") if providers and message.author_external_id else [])
    return list(User.objects.filter(Q(pk=message.citizen_id) | Q(pk__in=linked), is_active=True).order_by("pk"))


def my_messages(user: User) -> QuerySet[Message]:
    """Every question the citizen sent: from the portal, and from a social account whose platform
    identity matches one of their social logins. Any status: it is their own."""
    mine = Q(citizen_id=user.pk) | _platform_identities(user)
    return (Message.objects.filter(mine).exclude(status__in=[Status.SPAM])
            .select_related("division", "account").order_by("-posted_at", "-pk"))


def my_message(user: User, pk: int) -> Message:
    """One of the citizen's own questions with its public timeline (Message.DoesNotExist otherwise)."""
    timeline = StatusChange.objects.filter(is_public=True).select_related("division")
    return (my_messages(user).select_related("answer")
            .prefetch_related(Prefetch("history", queryset=timeline, to_attr="timeline")).get(pk=pk))


def unread_count(user: User | AnonymousUser) -> int:
    """The header's counter: a column of the user, so no page pays a query for it."""
    return user.unread_notices if isinstance(user, User) else 0


def satisfaction(group_by: str = "division", *, since: datetime | None = None,
                 until: datetime | None = None) -> list[dict]:
    """만족도 per division or per account: messages_app's selector, the one the dashboard reads too."""
    return inbox_selectors.satisfaction(group_by, since=since, until=until)
