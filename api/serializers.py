"""What the API says, field by field. Every citizen text and name on the public side goes through the
portal's public form (portal/public.py, which the portal's templates use too), so the API can
never show what the portal hides; staff serializers show the original, as the staff screens do."""

from django.core.validators import RegexValidator
from django.utils.translation import get_language, gettext
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import Account, Platform
from broadcast import areas, cap, texts
from broadcast import selectors as broadcast_selectors
from broadcast.models import CapStatus, MsgType
from departments.models import Division
from messages_app import selectors as inbox_selectors
from messages_app.models import Answer, MessageType, Status, Topic
from messages_app.selectors import OPEN_DEFINITION, OVERDUE_DEFINITION
from messages_app.services import handling
from portal import public, selectors

PUBLIC_STATUS_CHOICES = [(s.value, s.label) for s in selectors.PUBLIC_STATUSES]
CITIZEN = public.CITIZEN


class Label(serializers.CharField):
    """A choice's label in the request's language (Accept-Language: en gives English)."""

    def to_representation(self, value):
        return gettext(str(value))


class LocalName(serializers.CharField):
    """A division's or account's name in the request's language: its English name when asked for
    English and it has one (the portal's rule, portal.templatetags.portal.localname)."""

    def __init__(self, **kwargs):
        super().__init__(source="*", read_only=True,
                         help_text="요청 언어의 이름 (Accept-Language: en → 영문) / name in the request's language",
                         **kwargs)

    def to_representation(self, value):
        if hasattr(value, "name_in"):
            return value.name_in(get_language())
        return (get_language() == "en" and value.name_en) or value.name_ko


class DivisionRef(serializers.Serializer):
    id = serializers.IntegerField()
    name = LocalName()
    name_ko = serializers.CharField()
    name_en = serializers.CharField()


class AccountRef(serializers.Serializer):
    id = serializers.IntegerField()
    platform = serializers.ChoiceField(choices=Platform.choices)
    handle = serializers.CharField()
    name = LocalName()
    display_name = serializers.CharField()
    name_en = serializers.CharField()


class PublicAnswer(serializers.Serializer):
    text = serializers.SerializerMethodField(help_text="답변 (개인정보 가림) / the answer, masked")
    division = DivisionRef()
    created_at = serializers.DateTimeField()
    like_count = serializers.IntegerField()

    @extend_schema_field(serializers.CharField())
    def get_text(self, answer) -> str:
        return public.answer_text(answer)


class TimelineEntry(serializers.Serializer):
    status = serializers.ChoiceField(source="to_status", choices=Status.choices)
    status_label = Label(source="get_to_status_display")
    division = DivisionRef(allow_null=True)
    at = serializers.DateTimeField(source="created_at")


class PublicComment(serializers.Serializer):
    id = serializers.IntegerField()
    author = serializers.SerializerMethodField()
    text = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()

    @extend_schema_field(serializers.CharField())
    def get_author(self, comment) -> str:
        return public.commenter(comment.user)

    @extend_schema_field(serializers.CharField())
    def get_text(self, comment) -> str:
        return public.text(comment.text, self.context["author_name"])


class PublicMessage(serializers.Serializer):
    id = serializers.IntegerField()
    platform = serializers.ChoiceField(choices=Platform.choices)
    author = serializers.SerializerMethodField(help_text="작성자 (가림) / the author, masked")
    text = serializers.SerializerMethodField(help_text="내용 (개인정보 가림) / the text, masked")
    type = serializers.ChoiceField(choices=MessageType.choices)
    topic = serializers.ChoiceField(choices=Topic.choices, allow_blank=True)
    status = serializers.ChoiceField(choices=PUBLIC_STATUS_CHOICES)
    status_label = Label(source="get_status_display")
    account = AccountRef(allow_null=True)
    division = DivisionRef(allow_null=True)
    district = serializers.SerializerMethodField(help_text="자치구 코드 (KOSTAT), 모르면 null")
    posted_at = serializers.DateTimeField()
    like_count = serializers.IntegerField()
    comment_count = serializers.IntegerField()
    is_simulated = serializers.BooleanField(help_text="데모 시뮬레이터가 만든 가상의 메시지")
    answer = serializers.SerializerMethodField()

    @extend_schema_field(serializers.CharField())
    def get_author(self, message) -> str:
        return public.author(message) or CITIZEN

    @extend_schema_field(serializers.CharField())
    def get_text(self, message) -> str:
        return public.message_text(message)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_district(self, message) -> str | None:
        return getattr(message, "district", "") or None

    @extend_schema_field(PublicAnswer(allow_null=True))
    def get_answer(self, message) -> dict | None:
        answer = selectors.answer_of(message)
        if answer is None:
            return None
        answer.message = message
        return PublicAnswer(answer).data


class PublicMessageDetail(PublicMessage):
    timeline = TimelineEntry(many=True)
    comments = serializers.SerializerMethodField()

    @extend_schema_field(PublicComment(many=True))
    def get_comments(self, message) -> list:
        return PublicComment(message.visible_comments, many=True,
                             context={"author_name": message.author_name}).data


class Bureau(serializers.Serializer):
    code = serializers.CharField()
    name_ko = serializers.CharField()
    name_en = serializers.CharField()


class DivisionSerializer(serializers.ModelSerializer):
    bureau = Bureau()
    name = LocalName()

    class Meta:
        model = Division
        fields = ["id", "code", "name", "name_ko", "name_en", "bureau", "email", "phone", "is_smc_desk"]


class AccountSerializer(serializers.ModelSerializer):
    profile_url = serializers.CharField(source="profile_link", help_text="웹 주소가 아니면 빈 문자열")
    field_label = Label(source="get_field_display")
    name = LocalName()
    owner_division = DivisionRef()

    class Meta:
        model = Account
        fields = ["id", "platform", "handle", "name", "display_name", "name_en", "profile_url", "field", "field_label",
                  "district", "is_mayor", "follower_count", "status", "owner_division"]


class CountByDay(serializers.Serializer):
    date = serializers.DateField()
    count = serializers.IntegerField()
    answered = serializers.IntegerField()


class CountByType(serializers.Serializer):
    type = serializers.CharField()
    count = serializers.IntegerField()


class CountByTopic(serializers.Serializer):
    topic = serializers.CharField()
    count = serializers.IntegerField()


class CountByDistrict(serializers.Serializer):
    district = serializers.CharField()
    count = serializers.IntegerField(allow_null=True, help_text="5 미만이면 null (suppressed): 지도와 같은 규칙")
    suppressed = serializers.BooleanField(help_text="true: 5건 미만이라 정확한 수를 공개하지 않음 (fewer than 5)")


_OPEN_HELP = (f"{OPEN_DEFINITION} 비공개 메시지도 셉니다(수만). / Messages being handled now (received, assigned, "
              "in progress) at the response's time (its Date header), private ones included (counts only); not "
              "limited by since/until; the same figure as the staff queues and the dashboard.")
_OVERDUE_HELP = (f"{OVERDUE_DEFINITION} / Of those, the ones whose deadline has passed at the response's time "
                 "(marked by the deadline check or not yet); the same figure as the staff queues and the dashboard.")


class BacklogByDivision(serializers.Serializer):
    division = serializers.IntegerField(allow_null=True,
                                        help_text="부서 id (/api/v1/divisions/); null: 아직 부서가 정해지지 않음 "
                                                  "(not routed yet)")
    open = serializers.IntegerField(help_text=_OPEN_HELP)
    overdue = serializers.IntegerField(help_text=_OVERDUE_HELP)


class Statistics(serializers.Serializer):
    since = serializers.DateField()
    until = serializers.DateField()
    total = serializers.IntegerField()
    by_day = CountByDay(many=True)
    by_type = CountByType(many=True)
    by_topic = CountByTopic(many=True)
    by_district = CountByDistrict(many=True, help_text="메시지에 자치구 정보가 없으면 빈 목록")
    open = serializers.IntegerField(help_text=_OPEN_HELP)
    overdue = serializers.IntegerField(help_text=_OVERDUE_HELP)
    by_division = BacklogByDivision(many=True, help_text="부서별 open·overdue (0인 부서는 빠짐) / per division, "
                                                         "divisions with neither left out")


class PublicAlert(serializers.Serializer):
    """An emergency alert as the alert pages show it (official text, nothing personal in it)."""

    identifier = serializers.CharField(help_text="CAP identifier")
    status = serializers.ChoiceField(source="cap_status", choices=CapStatus.choices,
                                     help_text="Actual 실제, Exercise 훈련, Test 시험")
    msg_type = serializers.ChoiceField(choices=MsgType.choices, help_text="Alert 최초, Update 정정, Cancel 취소")
    is_exercise = serializers.BooleanField(help_text="훈련·시험 (실제 재난 아님)")
    in_effect = serializers.BooleanField(source="is_in_effect",
                                         help_text="지금 유효함: 만료 전, 취소·정정되지 않음 (배너에 보이는 경보)")
    category = serializers.CharField()
    urgency = serializers.CharField()
    severity = serializers.CharField()
    certainty = serializers.CharField()
    event_ko = serializers.CharField()
    event_en = serializers.CharField()
    headline_ko = serializers.CharField()
    headline_en = serializers.CharField()
    description_ko = serializers.CharField()
    description_en = serializers.CharField()
    instruction_ko = serializers.CharField()
    instruction_en = serializers.CharField()
    districts = serializers.ListField(child=serializers.CharField(),
                                      help_text="대상 자치구 코드 (KOSTAT); 빈 목록은 서울 전역")
    area_ko = serializers.SerializerMethodField()
    area_en = serializers.SerializerMethodField()
    onset = serializers.DateTimeField(allow_null=True)
    expires = serializers.DateTimeField()
    sent = serializers.DateTimeField(source="approved_at", help_text="승인·발신 시각")
    references = serializers.CharField(source="references.identifier", allow_null=True, default=None,
                                       help_text="정정·취소 대상 경보의 identifier")
    cap_url = serializers.SerializerMethodField(help_text="CAP 1.2 XML 문서")
    url = serializers.SerializerMethodField(help_text="경보 페이지")

    @extend_schema_field(serializers.CharField())
    def get_area_ko(self, alert) -> str:
        return areas.describe(alert.districts, "ko")

    @extend_schema_field(serializers.CharField())
    def get_area_en(self, alert) -> str:
        return areas.describe(alert.districts, "en")

    @extend_schema_field(serializers.URLField())
    def get_cap_url(self, alert) -> str:
        return cap.cap_url(alert)

    @extend_schema_field(serializers.URLField())
    def get_url(self, alert) -> str:
        return texts.public_url(alert)


class PublicAlertDetail(PublicAlert):
    chain = serializers.SerializerMethodField(help_text="이 경보가 정정·취소하는 경보들, 오래된 순")
    followups = serializers.SerializerMethodField(help_text="이 경보를 정정·취소한 경보들, 오래된 순")

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_chain(self, alert) -> list[str]:
        return [a.identifier for a in broadcast_selectors.references_chain(alert)]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_followups(self, alert) -> list[str]:
        return [a.identifier for a in broadcast_selectors.followups(alert)]


# --- input --------------------------------------------------------------------------------------

# --- typed input: the schema's types, no coercion of 12 into "12" or "12" into 12 (staff input is JSON) --

# At least one character that stays after textkit.sanitize_text: not blank, control or invisible only.
VISIBLE = (r"[^\s\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u00ad\u034f\u061c\u180e\u200b-\u200f"
           r"\u2028-\u202e\u2060-\u2069\u206a-\u206f\ufeff\ufff9-\ufffb\ufffe\uffff]")


class StrictCharField(serializers.CharField):
    """Text only: a number or a boolean is refused (DRF's CharField turns 0 into "0")."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


@extend_schema_field({"type": "string", "pattern": VISIBLE})
class VisibleTextField(StrictCharField):
    """Required text: blank or invisible-only text is refused, by the schema's pattern too."""

    def __init__(self, **kwargs):
        super().__init__(trim_whitespace=False, **kwargs)
        self.validators.append(RegexValidator(VISIBLE, message=self.error_messages["blank"], code="blank"))


class StrictIntegerField(serializers.IntegerField):
    """A JSON integer only: "12", 12.0 and true are refused (DRF's IntegerField takes them)."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class MessageFilters(serializers.Serializer):
    """Query parameters of the public message list (unknown ids simply find nothing)."""

    q = VisibleTextField(required=False, max_length=200, help_text="검색어 (형태소 검색, 가린 본문 기준)")
    since = serializers.DateField(required=False, help_text="이 날짜부터 (YYYY-MM-DD, 서울 시각)")
    until = serializers.DateField(required=False, help_text="이 날짜까지 (YYYY-MM-DD)")
    type = serializers.ChoiceField(required=False, choices=MessageType.choices)
    topic = serializers.ChoiceField(required=False, choices=Topic.choices)
    status = serializers.ChoiceField(required=False, choices=PUBLIC_STATUS_CHOICES)
    answered = serializers.ChoiceField(required=False, choices=[("yes", "답변 완료"), ("no", "답변 대기")])
    account = serializers.IntegerField(required=False, min_value=1, max_value=2**31 - 1)
    division = serializers.IntegerField(required=False, min_value=1, max_value=2**31 - 1)
    district = serializers.RegexField(r"^\d{5}$", required=False, help_text="자치구 코드 (KOSTAT 5자리)")


class Period(serializers.Serializer):
    since = serializers.DateField(required=False, help_text="기본: 30일 전")
    until = serializers.DateField(required=False, help_text="기본: 오늘")


class AlertFilters(serializers.Serializer):
    in_effect = serializers.BooleanField(required=False, allow_null=True, default=None,
                                         help_text="true: 지금 유효한 경보만, false: 지난 경보만")
    status = serializers.ChoiceField(required=False, choices=CapStatus.choices)
    msg_type = serializers.ChoiceField(required=False, choices=MsgType.choices)
    district = serializers.RegexField(r"^\d{5}$", required=False,
                                      help_text="이 자치구(KOSTAT 5자리)에 해당하는 경보 (서울 전역 경보 포함)")
    since = serializers.DateField(required=False, help_text="이 날짜부터 발신된 경보 (YYYY-MM-DD, 서울 시각)")
    until = serializers.DateField(required=False, help_text="이 날짜까지")


class StaffQueueFilters(serializers.Serializer):
    status = serializers.ChoiceField(required=False, choices=Status.choices,
                                     help_text="기본: 처리 중인 메시지 (접수·배정·처리 중)")
    needs_triage = serializers.BooleanField(required=False, allow_null=True, default=None)
    overdue = serializers.BooleanField(required=False, allow_null=True, default=None)


class AnswerInput(serializers.Serializer):
    text = VisibleTextField(max_length=handling.ANSWER_MAX_CHARS, help_text="공개 답변 / the public answer")


class TransferInput(serializers.Serializer):
    division = StrictIntegerField(min_value=1, max_value=2**31 - 1, help_text="받을 부서 id")
    reason = VisibleTextField(max_length=handling.REASON_MAX_CHARS)


class LabelsInput(serializers.Serializer):
    type = serializers.ChoiceField(required=False, choices=MessageType.choices)
    topic = serializers.ChoiceField(required=False, choices=Topic.choices)


class StatusInput(serializers.Serializer):
    status = serializers.ChoiceField(choices=Status.choices)
    note = StrictCharField(required=False, allow_blank=True, max_length=handling.REASON_MAX_CHARS,
                           trim_whitespace=False)


# --- staff output -------------------------------------------------------------------------------

class StaffHistoryEntry(serializers.Serializer):
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    division = DivisionRef(allow_null=True)
    note = serializers.CharField()
    is_public = serializers.BooleanField()
    at = serializers.DateTimeField(source="created_at")


class StaffAnswer(serializers.ModelSerializer):
    division = DivisionRef()

    class Meta:
        model = Answer
        fields = ["id", "text", "division", "created_at"]


class StaffMessage(serializers.Serializer):
    """A message as the staff screens show it: the original text, for the user who may read it. With
    `masked` in the context (a public message of another division: permissions.sees_personal_data)
    as the public reads it: text and name masked, no handle, no link to the post."""

    id = serializers.IntegerField()
    platform = serializers.ChoiceField(choices=Platform.choices)
    kind = serializers.CharField()
    author_name = serializers.CharField()
    author_handle = serializers.CharField()
    text = serializers.CharField()
    url = serializers.CharField()
    type = serializers.CharField()
    topic = serializers.CharField()
    confidence = serializers.FloatField(allow_null=True)
    needs_triage = serializers.BooleanField()
    status = serializers.ChoiceField(choices=Status.choices)
    division = DivisionRef(allow_null=True)
    routing_reason = serializers.CharField()
    account = AccountRef(allow_null=True)
    posted_at = serializers.DateTimeField()
    received_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField(allow_null=True)
    is_overdue = serializers.SerializerMethodField(help_text=_OVERDUE_HELP)
    is_private = serializers.BooleanField()

    def get_is_overdue(self, message) -> bool:
        return inbox_selectors.is_overdue(message)

    def to_representation(self, message):
        data = super().to_representation(message)
        if self.context.get("masked"):
            data.update(author_name=public.author(message), author_handle="", url="",
                        text=public.message_text(message))
        return data


class StaffMessageDetail(StaffMessage):
    history = StaffHistoryEntry(many=True, source="history.all")
    answer = serializers.SerializerMethodField()

    @extend_schema_field(StaffAnswer(allow_null=True))
    def get_answer(self, message) -> dict | None:
        answer = selectors.answer_of(message)
        if not answer:
            return None
        data = StaffAnswer(answer).data
        if self.context.get("masked"):
            data["text"] = public.answer_text(answer, message)
        return data

    def to_representation(self, message):
        data = super().to_representation(message)
        if self.context.get("masked"):  # transfer reasons and notes may quote the citizen
            for entry in data["history"]:
                entry["note"] = public.text(entry["note"], message.author_name)
        return data
