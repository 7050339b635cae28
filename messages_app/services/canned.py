"""Canned answers: their variables ({민원인}, {부서}, {처리기한}) and the set every division starts with."""

from django.db import transaction
from django.utils import timezone

from departments.models import Division

from ..models import CannedAnswer, Message

VARIABLES = ("{민원인}", "{부서}", "{처리기한}")


def fill(text: str, message: Message) -> str:
    """The canned text for this message: who wrote, which division answers, by when."""
    citizen = message.author_name or (f"@{message.author_handle}" if message.author_handle else "민원인")
    due = timezone.localtime(message.due_at) if message.due_at else None
    deadline = f"{due.month}월 {due.day}일" if due else "처리 기한 안에"
    division = message.division.name_ko if message.division else "담당 부서"
    return text.replace("{민원인}", citizen).replace("{부서}", division).replace("{처리기한}", deadline)


# Every division: received, done, need more detail.
COMMON = [
    ("접수 안내", "{민원인} 님, 말씀해 주신 내용은 {부서}에서 접수했습니다. 현장과 관련 자료를 확인한 뒤 "
                "{처리기한}까지 처리 결과를 이 글에 답변으로 알려 드리겠습니다."),
    ("처리 완료", "{민원인} 님, 알려 주셔서 고맙습니다. {부서}에서 확인하고 조치를 마쳤습니다. 같은 불편이 "
                "다시 생기면 언제든 이 계정으로 알려 주세요."),
    ("추가 정보 요청", "{민원인} 님, 정확히 확인하려면 정보가 조금 더 필요합니다. 위치(가까운 건물·정류장 이름이나 "
                    "주소)와 발생한 날짜·시간을 알려 주시면 {부서}에서 바로 살펴보겠습니다. 개인정보는 "
                    "공개 답글에 쓰지 말아 주세요."),
]

# One more per bureau, in the words of its field.
BY_BUREAU = {
    "transport": ("현장 점검 예정", "{민원인} 님, 불편을 드려 죄송합니다. {부서}에서 해당 노선과 시설을 운영 "
                                  "기관과 함께 점검하고, {처리기한}까지 조치 계획을 알려 드리겠습니다."),
    "safety": ("긴급 조치 안내", "{민원인} 님, 안전과 관련된 내용이라 {부서}에서 우선 현장에 출동하도록 "
                                "조치했습니다. 위험이 급하면 119 또는 120다산콜재단으로도 바로 알려 주세요."),
    "fire": ("긴급 조치 안내", "{민원인} 님, 알려 주셔서 고맙습니다. {부서}에서 관할 소방서에 전달했습니다. "
                              "지금 위험한 상황이면 바로 119로 신고해 주세요."),
    "housing": ("제도 안내", "{민원인} 님, 문의하신 내용은 {부서}의 지원 제도에 해당하는지 확인하고 있습니다. "
                            "신청 자격과 필요한 서류를 {처리기한}까지 정리해 안내해 드리겠습니다."),
    "culture": ("행사 안내", "{민원인} 님, 관심 가져 주셔서 고맙습니다. 일정과 장소는 {부서}에서 확정되는 대로 "
                            "서울시 누리집과 이 계정에 안내하겠습니다."),
    "tourism": ("시설 이용 안내", "{민원인} 님, 말씀하신 시설의 운영 시간과 이용 방법을 {부서}에서 확인해 "
                                 "{처리기한}까지 안내해 드리겠습니다."),
    "welfare": ("상담 연결", "{민원인} 님, 말씀해 주신 어려움에 맞는 지원을 찾도록 {부서}에서 가까운 동 "
                            "주민센터 복지 상담과 연결해 드리겠습니다. 연락처는 공개 답글 대신 쪽지로 알려 주세요."),
    "environment": ("현장 확인 예정", "{민원인} 님, {부서}에서 해당 지역을 현장 확인하고 필요한 조치를 한 뒤 "
                                     "{처리기한}까지 결과를 알려 드리겠습니다."),
    "parks": ("시설 보수 예정", "{민원인} 님, 알려 주신 공원 시설은 {부서}에서 확인해 보수 일정을 잡겠습니다. "
                               "{처리기한}까지 진행 상황을 알려 드리겠습니다."),
    "water": ("현장 확인 예정", "{민원인} 님, 하천과 물길 관련 내용은 {부서}에서 현장을 확인하고 "
                               "{처리기한}까지 조치 결과를 알려 드리겠습니다."),
    "economy": ("지원 사업 안내", "{민원인} 님, 문의하신 지원 사업의 대상과 신청 기간을 {부서}에서 확인해 "
                                 "{처리기한}까지 안내해 드리겠습니다."),
}
DEFAULT_EXTRA = ("검토 중 안내", "{민원인} 님, 의견 고맙습니다. {부서}에서 관련 부서와 함께 검토하고 있으며, "
                                "{처리기한}까지 검토 결과를 알려 드리겠습니다.")


@transaction.atomic
def seed_canned_answers() -> int:
    """At least four canned answers per division (three common, one of its field). Idempotent: an
    answer a division already has under the same title is left as staff edited it."""
    created = 0
    for division in Division.objects.select_related("bureau"):
        extra = BY_BUREAU.get(division.bureau.code, DEFAULT_EXTRA)
        for title, text in [*COMMON, extra]:
            _, made = CannedAnswer.objects.get_or_create(division=division, title=title,
                                                         defaults={"text": text})
            created += made
    return created
