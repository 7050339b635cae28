"""One base class for the domain errors: the staff screens (and the API) catch ApplicationError."""

import pytest

from core.errors import ApplicationError
from messages_app.services.intake import IntakeError
from messages_app.services.permissions import Forbidden
from messages_app.services.publishing import AnswerAlreadyExists, AnswerError
from messages_app.services.triage import TriageError
from messages_app.services.workflow import InvalidTransition


@pytest.mark.parametrize("error", [
    TriageError("답변을 입력해 주세요."), IntakeError("내용을 입력하세요"), Forbidden("권한 없음"),
    AnswerError("빈 답변"), AnswerAlreadyExists(), InvalidTransition("spam", "answered"),
])
def test_every_domain_error_is_an_application_error(error):
    assert isinstance(error, ApplicationError) and str(error) and error.code


def test_message_in_korean_then_english():
    error = ApplicationError("권한이 없습니다", "You may not do this", code="forbidden")
    assert str(error) == "권한이 없습니다 (You may not do this)"
    assert (error.message_ko, error.message_en, error.code) == ("권한이 없습니다", "You may not do this", "forbidden")


def test_subclasses_keep_their_old_bases_and_text():
    assert isinstance(TriageError("x"), ValueError) and isinstance(IntakeError("x"), ValueError)
    from django.core.exceptions import PermissionDenied

    assert isinstance(Forbidden("x"), PermissionDenied)
    assert str(InvalidTransition("spam", "answered")) == "'스팸' 상태에서 '답변 완료' 상태로 바꿀 수 없습니다"
