"""One base class for the domain errors: the staff screens (and the API) catch ApplicationError;
each carries a code from its app's enum and a message translated with the active language."""

import pytest
from django.utils import translation

from core.errors import ApplicationError
from messages_app.errors import AlreadyAnswered, Code, HandlingError
from messages_app.services.intake import IntakeError
from messages_app.services.permissions import Forbidden
from messages_app.services.workflow import InvalidTransition


@pytest.mark.parametrize("error", [
    HandlingError("답변을 입력해 주세요."), IntakeError("내용을 입력하세요"), Forbidden("권한 없음"),
    AlreadyAnswered(), InvalidTransition("spam", "answered"),
])
def test_every_domain_error_is_an_application_error(error):
    assert isinstance(error, ApplicationError) and str(error) and error.code


def test_codes_come_from_the_apps_enum():
    assert AlreadyAnswered().code == Code.ALREADY_ANSWERED == "already_answered"
    assert InvalidTransition("spam", "answered").code == Code.INVALID_TRANSITION
    assert Forbidden("x").code == Code.FORBIDDEN and HandlingError("x").code == "invalid"


def test_message_is_translated_with_the_active_language_never_both():
    error = AlreadyAnswered()
    with translation.override("ko"):
        korean = str(error)
    with translation.override("en"):
        english = str(error)
    assert korean == error.message_ko and english == error.message_en and korean != english
    assert "(" not in korean and not any("가" <= ch <= "힣" for ch in english)


def test_subclasses_keep_their_old_bases():
    assert isinstance(HandlingError("x"), ValueError) and isinstance(IntakeError("x"), ValueError)
    from django.core.exceptions import PermissionDenied

    assert isinstance(Forbidden("x"), PermissionDenied)
    with translation.override("ko"):
        assert str(InvalidTransition("spam", "answered")) == "'스팸' 상태에서 '답변 완료' 상태로 바꿀 수 없습니다"
