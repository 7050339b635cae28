"""/api/v1/staff/: what a staff member does in the staff screens, with a personal token.

Reads go through messages_app's permissions (queue, require), writes through the staff
handling services (services/handling.py), which check permission again (a refusal is audited,
allowed=False) and audit every action."""

from django.utils import timezone
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import exceptions, generics, permissions
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.views import APIView

from messages_app import selectors as inbox
from messages_app.models import Message
from messages_app.services import handling
from messages_app.services import permissions as perms
from messages_app.services.workflow import OPEN_STATUSES

from .. import docs, serializers
from ..models import ApiToken
from ..schema import RequiredBody
from .public import MAX_ID, MessageCursor, _valid


class StaffToken(permissions.BasePermission):
    """A valid staff token: anything else is 401 (no token) or 403."""

    def has_permission(self, request, view):
        if not isinstance(request.auth, ApiToken):
            raise exceptions.NotAuthenticated()
        return bool(request.user.is_active and request.user.is_staff)


def message_for(user, pk: int, action: str) -> Message:
    """The staff screens' one door (permissions.message_for): the message when `user` may `action`
    it; 403 (audited) otherwise; 404 when there is none."""
    if pk > MAX_ID:
        raise exceptions.NotFound()
    return perms.message_for(user, pk, action)


def _detail(message: Message, user, status: int = 200) -> Response:
    message = Message.objects.select_related("account", "division").get(pk=message.pk)
    context = {"masked": not perms.sees_personal_data(user, message)}
    return Response(serializers.StaffMessageDetail(message, context=context).data, status=status)


class StaffView(APIView):
    permission_classes = [StaffToken]
    parser_classes = [JSONParser]  # typed input, as the schema says (no form fields, which are all text)


@extend_schema(tags=["staff"], parameters=[serializers.StaffQueueFilters],
               summary="내 처리 대기열 / my queue",
               description="부서 담당자는 자기 부서(이관으로 거쳐 간 메시지 포함)의 메시지, SMC 데스크·시장실은 전체.",
               responses={200: serializers.StaffMessage(many=True), **docs.STAFF_ERRORS})
class Queue(generics.ListAPIView):
    permission_classes = [StaffToken]
    serializer_class = serializers.StaffMessage
    pagination_class = MessageCursor

    def get_queryset(self):
        filters = _valid(serializers.StaffQueueFilters, self.request.query_params)
        qs = perms.queue(self.request.user, Message.objects.select_related("account", "division"))
        qs = qs.filter(status=filters["status"]) if filters.get("status") else qs.filter(status__in=OPEN_STATUSES)
        if filters.get("needs_triage") is not None:
            qs = qs.filter(needs_triage=filters["needs_triage"])
        if filters.get("overdue") is not None:  # messages_app's one definition of overdue, at this moment
            overdue = inbox.overdue_q(timezone.now())
            qs = qs.filter(overdue) if filters["overdue"] else qs.exclude(overdue)
        return qs


@extend_schema(tags=["staff"], summary="메시지 하나 / one message",
               responses={200: serializers.StaffMessageDetail, **docs.STAFF_ERRORS})
class StaffMessageView(StaffView):
    def get(self, request, pk: int):
        return _detail(message_for(request.user, pk, perms.READ), request.user)


@extend_schema(tags=["staff"], request=serializers.AnswerInput, summary="답변 / answer",
               description="공개 답변을 등록하고 받은 플랫폼에 게시합니다 (답변 완료 상태).",
               responses={201: serializers.StaffMessageDetail, **docs.STAFF_WRITE_ERRORS},
               examples=[OpenApiExample("답변", request_only=True,
                                        value={"text": "불편을 드려 죄송합니다. 배차 간격을 조정하겠습니다."})])
class AnswerView(StaffView):
    def post(self, request, pk: int):
        message = message_for(request.user, pk, perms.ANSWER)  # refused before the input is read
        data = _valid(serializers.AnswerInput, request.data)
        handling.answer(message, actor=request.user, text=data["text"])
        return _detail(message, request.user, status=201)


@extend_schema(tags=["staff"], request=serializers.TransferInput, summary="이관 / transfer",
               responses={200: serializers.StaffMessageDetail, **docs.STAFF_WRITE_ERRORS},
               examples=[OpenApiExample("이관", request_only=True,
                                        value={"division": 12, "reason": "도로 파손은 도로관리과 소관입니다."})])
class TransferView(StaffView):
    def post(self, request, pk: int):
        message = message_for(request.user, pk, perms.TRANSFER)  # refused before the input is read
        data = _valid(serializers.TransferInput, request.data)
        handling.transfer(message, data["division"], actor=request.user, reason=data["reason"])
        return _detail(message, request.user)


@extend_schema(tags=["staff"], request=serializers.LabelsInput, summary="분류 정정 / correct the labels",
               responses={200: serializers.StaffMessageDetail, **docs.STAFF_WRITE_ERRORS},
               examples=[OpenApiExample("정정", request_only=True, value={"type": "complaint", "topic": "housing"})])
class LabelsView(StaffView):
    schema = RequiredBody()
    def post(self, request, pk: int):
        message = message_for(request.user, pk, perms.RECLASSIFY)  # refused before the input is read
        data = _valid(serializers.LabelsInput, request.data)
        handling.reclassify(message, actor=request.user, type=data.get("type"), topic=data.get("topic"))
        return _detail(message, request.user)


@extend_schema(tags=["staff"], request=serializers.StatusInput, summary="상태 변경 / change the status",
               responses={200: serializers.StaffMessageDetail, **docs.STAFF_WRITE_ERRORS},
               examples=[OpenApiExample("처리 시작", request_only=True, value={"status": "in_progress", "note": ""})])
class StatusView(StaffView):
    def post(self, request, pk: int):
        message = message_for(request.user, pk, perms.STATUS)  # refused before the input is read
        data = _valid(serializers.StatusInput, request.data)
        handling.change_status(message, data["status"], actor=request.user, note=data.get("note", ""))
        return _detail(message, request.user)
