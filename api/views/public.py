"""/api/v1/: the public, read-only API. Parse the query, call the portal's selectors, serialize."""

from datetime import date, timedelta

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import exceptions, generics
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.selectors import accounts_by_field
from broadcast import selectors as alerts
from broadcast.models import Broadcast
from departments.selectors import divisions
from messages_app import selectors as inbox
from portal import limits, selectors

from .. import docs, serializers
from ..errors import InvalidCursor

MAX_ID = 2**63 - 1  # a larger id cannot exist (bigint): not found, not a database error
MAX_STATS_DAYS = 366


class MessageCursor(CursorPagination):
    ordering = ("-posted_at", "-id")
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100
    cursor_query_description = ("쪽 위치: 응답의 next/previous 주소에 든 값을 그대로 쓰세요. 알 수 없는 값은 "
                                "404(invalid_cursor)입니다. / the page position: copy it from next/previous; "
                                "an unknown one is a 404 (invalid_cursor), as in DRF's cursor pagination.")
    page_size_query_description = (f"한 쪽의 수 (기본 {page_size}, {max_page_size}보다 크면 {max_page_size}) / "
                                   f"results per page (default {page_size}; more than {max_page_size} gives "
                                   f"{max_page_size})")

    def get_schema_operation_parameters(self, view):
        # A cursor is opaque: any text may be sent, and one the server did not make is a 404, the
        # convention of DRF's CursorPagination (a position that does not exist), not a malformed request.
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.cursor_query_param:
                parameter["schema"] = {"type": "string", "maxLength": 200}
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1}
        return parameters

    def get_page_size(self, request):
        # Strict, unlike DRF (which silently falls back to the default): page_size=abc is a 400.
        value = request.query_params.get(self.page_size_query_param)
        if value is None:
            return self.page_size
        if not (value.isascii() and value.isdigit() and 0 < int(value[:6] or 0)):
            raise exceptions.ValidationError({self.page_size_query_param: [PAGE_SIZE_MESSAGE]})
        return min(int(value[:6]), self.max_page_size)

    def decode_cursor(self, request):
        try:
            cursor = super().decode_cursor(request)
        except exceptions.NotFound:
            raise InvalidCursor() from None
        # The position is a value of the first ordering field, a time for every cursor here; DRF passes
        # it to the query unchecked, where anything else was a database error (500).
        if cursor is not None and cursor.position is not None and not _is_time(cursor.position):
            raise InvalidCursor()
        return cursor


PAGE_SIZE_MESSAGE = _("1 이상의 정수를 넣으세요.")


def _days_before(day: date, days: int) -> date:
    return day - timedelta(days=days) if day - date.min > timedelta(days=days) else date.min


def _is_time(value: str) -> bool:
    try:
        return len(value) <= 40 and parse_datetime(value) is not None
    except ValueError:  # well-formed but impossible, e.g. month 13
        return False


class AlertCursor(MessageCursor):
    ordering = ("-approved_at", "-id")


class Public:
    """No authentication on the public side: every client is anonymous and throttled per address."""

    authentication_classes: list = []


def _valid(serializer_class, data):
    # A plain dict, not the QueryDict: DRF skips an empty optional form value ("until=") as if it
    # were absent, so a client's typo would silently widen the result instead of being a 400.
    serializer = serializer_class(data=data.dict() if hasattr(data, "dict") else data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


@extend_schema(tags=["public"], parameters=[serializers.MessageFilters],
               summary="공개 메시지 목록 / public messages",
               description="시민의 질문과 답변 (개인정보 가림). 커서 페이지: `next`, `previous` 주소를 따라가세요. "
                           "ETag를 보내므로 If-None-Match로 304를 받을 수 있습니다.",
               responses={200: serializers.PublicMessage(many=True), **docs.PUBLIC_ERRORS})
class MessageList(Public, generics.ListAPIView):
    serializer_class = serializers.PublicMessage
    pagination_class = MessageCursor

    def get_queryset(self):
        filters = _valid(serializers.MessageFilters, self.request.query_params)
        wait = limits.search_wait(self.request, filters.get("q", ""))
        if wait:  # the portal's search limit, on the same counter
            raise exceptions.Throttled(wait=wait)
        return selectors.search_public(filters)  # the portal's search page calls the same


@extend_schema(tags=["public"], summary="공개 메시지 하나 / one public message",
               description="답변, 처리 과정, 댓글과 함께 (모두 개인정보 가림).",
               responses={200: serializers.PublicMessageDetail, **docs.PUBLIC_ERRORS})
class MessageDetail(Public, APIView):
    def get(self, request, pk: int):
        if pk > MAX_ID:
            raise exceptions.NotFound()
        message = selectors.message_detail(pk)  # Message.DoesNotExist: 404
        return Response(serializers.PublicMessageDetail(message).data)


@extend_schema(tags=["public"], summary="서울시 SNS 계정 목록 / the account registry",
               responses={200: serializers.AccountSerializer(many=True), 429: docs.THROTTLED})
class AccountList(Public, APIView):
    def get(self, request):
        accounts = [a for _, group in accounts_by_field() for a in group]
        return Response(serializers.AccountSerializer(accounts, many=True).data)


@extend_schema(tags=["public"], summary="부서 목록 / divisions",
               responses={200: serializers.DivisionSerializer(many=True), 429: docs.THROTTLED})
class DivisionList(Public, APIView):
    def get(self, request):
        return Response(serializers.DivisionSerializer(divisions(), many=True).data)


@extend_schema(tags=["public"], parameters=[serializers.Period],
               summary="공개 통계 / public statistics",
               description=f"기간 안의 공개 메시지 수: 날짜별(답변 수 포함), 유형별, 주제별, 자치구별 "
                           "(5건 미만인 자치구는 수를 가림: SNS 지도와 같은 규칙). 기간은 until로 끝나는 최대 "
                           f"{MAX_STATS_DAYS}일이며 (더 긴 기간은 그만큼으로 줄임), "
                           "응답의 since·until이 센 기간입니다. "
                           "since가 until보다 늦으면 빈 기간입니다. "
                           "그리고 지금(응답 시각) 처리 중(open)·기한 초과(overdue)인 메시지 수, 전체와 부서별: "
                           "업무 화면의 대기열과 대시보드와 같은 정의(기간과 무관). / Counts of public messages in "
                           f"the period: at most {MAX_STATS_DAYS} days ending at `until` (a longer one is "
                           "shortened; the answer's since and until say what was counted); `since` after `until` "
                           "is an empty period. Also the messages open and overdue now, overall and per division, "
                           "counted as the staff queues and the dashboard count them.",
               responses={200: serializers.Statistics, **docs.PUBLIC_ERRORS},
               examples=[OpenApiExample("통계", response_only=True, value={
                   "since": "2026-01-01", "until": "2026-01-02", "total": 3,
                   "by_day": [{"date": "2026-01-01", "count": 2, "answered": 1},
                              {"date": "2026-01-02", "count": 1, "answered": 0}],
                   "by_type": [{"type": "complaint", "count": 3}],
                   "by_topic": [{"topic": "transport", "count": 2}, {"topic": "housing", "count": 1}],
                   "by_district": [{"district": "11140", "count": None, "suppressed": True}],
                   "open": 12, "overdue": 2,
                   "by_division": [{"division": 3, "open": 10, "overdue": 2},
                                   {"division": None, "open": 2, "overdue": 0}]})])
class Statistics(Public, APIView):
    def get(self, request):
        period = _valid(serializers.Period, request.query_params)
        until = period.get("until") or timezone.localdate()
        # At most MAX_STATS_DAYS, ending at `until` (the answer names the period it counted); a
        # `since` after `until` is an empty period: zero messages.
        earliest = _days_before(until, MAX_STATS_DAYS - 1)
        since = max(period.get("since") or _days_before(until, 30), earliest)
        stats = selectors.public_statistics(since, until)
        total = sum(row["count"] for row in stats["by_day"])
        # Counted now (the response's Date header), whatever the period: no timestamp in the body, so
        # the ETag stays while the figures do.
        backlog = inbox.open_counts_by_division(now=timezone.now())
        by_division = [{"division": pk, "open": o, "overdue": d}
                       for pk, (o, d) in sorted(backlog.items(), key=lambda kv: (kv[0] is None, kv[0] or 0))]
        return Response(serializers.Statistics({
            "since": since, "until": until, "total": total, **stats,
            "open": sum(o for o, _d in backlog.values()), "overdue": sum(d for _o, d in backlog.values()),
            "by_division": by_division}).data)


@extend_schema(tags=["public"], parameters=[serializers.AlertFilters],
               summary="긴급 경보 목록 / emergency alerts",
               description="발신된 긴급메시지(실제·훈련·시험), 최근 순. `in_effect=true`는 지금 포털 배너에 "
                           "보이는 경보입니다. 각 경보의 CAP 1.2 문서는 `cap_url`에 있습니다.",
               responses={200: serializers.PublicAlert(many=True), **docs.PUBLIC_ERRORS})
class AlertList(Public, generics.ListAPIView):
    serializer_class = serializers.PublicAlert
    pagination_class = AlertCursor

    def get_queryset(self):
        filters = _valid(serializers.AlertFilters, self.request.query_params)
        return alerts.public_alerts_matching(
            in_effect=filters["in_effect"], cap_status=filters.get("status") or "",
            msg_type=filters.get("msg_type") or "", district=filters.get("district") or "",
            since=filters.get("since"), until=filters.get("until"))


@extend_schema(tags=["public"], summary="긴급 경보 하나 / one alert",
               description="정정·취소의 연결(chain, followups)과 함께. 초안·승인 대기 경보는 404입니다.",
               responses={200: serializers.PublicAlertDetail, **docs.PUBLIC_ERRORS})
class AlertDetail(Public, APIView):
    def get(self, request, identifier: str):
        try:
            alert = alerts.with_in_effect(alerts.public_alerts()).get(identifier=identifier)
        except Broadcast.DoesNotExist:
            raise exceptions.NotFound() from None
        return Response(serializers.PublicAlertDetail(alert).data)
