"""개인정보 수집·이용 동의 (PIPA Art. 15): the one place the consent text lives.

Each notice names its purpose, the items collected, how long they are kept and what refusing means.
Changing any wording means a new VERSION: every ConsentRecord keeps the version the citizen agreed
to, so what each citizen saw can always be shown again.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

VERSION = "2026-12-06"


@dataclass(frozen=True)
class Notice:
    key: str  # the form field and the stored name
    required: bool
    title: str
    purpose: str
    items: str
    retention: str
    refusal: str


SIGNUP = (
    Notice(
        key="signup_required", required=True,
        title=_("[필수] 회원 가입을 위한 개인정보 수집·이용 동의"),
        purpose=_("회원 식별, 로그인, 내 민원 조회, 답변 알림 발송"),
        items=_("이메일 주소, 비밀번호(암호화 저장), 별명"),
        retention=_("회원 탈퇴 시까지 (탈퇴하면 즉시 파기)"),
        refusal=_("동의를 거부할 수 있으며, 거부하면 가입할 수 없습니다. "
                  "가입하지 않아도 공개된 질문과 답변은 볼 수 있습니다."),
    ),
    Notice(
        key="signup_optional", required=False,
        title=_("[선택] 카카오 알림톡 답변 알림을 위한 개인정보 수집·이용 동의"),
        purpose=_("답변·이송·기한 초과를 카카오 알림톡으로 알림"),
        items=_("휴대전화 번호"),
        retention=_("회원 탈퇴 또는 동의 철회 시까지"),
        refusal=_("동의를 거부할 수 있으며, 거부해도 가입과 이메일 알림에는 아무 제한이 없습니다."),
    ),
)

ASK = (
    Notice(
        key="ask_required", required=True,
        title=_("[필수] 민원 처리를 위한 개인정보 수집·이용 동의"),
        purpose=_("질문 접수, 담당 부서 배정, 답변과 처리 경과 안내"),
        items=_("질문 내용과 그 안에 적은 개인정보, 회원 식별자, 접수 시각"),
        retention=_("민원 종결 후 3년 (이후 개인정보는 익명 처리)"),
        refusal=_("동의를 거부할 수 있으며, 거부하면 질문을 접수할 수 없습니다. "
                  "120 다산콜센터로도 문의할 수 있습니다."),
    ),
    Notice(
        key="ask_optional", required=False,
        title=_("[선택] 만족도 조사를 위한 개인정보 이용 동의"),
        purpose=_("답변 후 만족도 조사 안내"),
        items=_("이메일 주소"),
        retention=_("만족도 조사 종료 시까지 (최대 민원 종결 후 3년)"),
        refusal=_("동의를 거부할 수 있으며, 거부해도 질문 접수와 답변에는 아무 제한이 없습니다."),
    ),
)


def fields_for(notices) -> dict:
    """One unticked checkbox per notice (a BooleanField is never ticked by default)."""
    from django import forms

    fields = {}
    for n in notices:
        field = forms.BooleanField(label=n.title, required=n.required,
                                   error_messages={"required": _("필수 항목에 동의해야 진행할 수 있습니다.")})
        field.notice = n  # type: ignore[attr-defined]  # the template shows its purpose, items, …
        fields[n.key] = field
    return fields


def record(user, notices, cleaned: dict, *, message=None) -> None:
    """Store what was agreed, with this text's version and the time (ConsentRecord.created_at)."""
    from .models import ConsentRecord

    ConsentRecord.objects.bulk_create([
        ConsentRecord(user=user, message=message, key=n.key, required=n.required,
                      agreed=bool(cleaned.get(n.key)), version=VERSION)
        for n in notices
    ])
