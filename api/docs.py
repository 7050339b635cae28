"""The documented errors of every endpoint (OpenAPI), with examples of the JSON error body."""

from drf_spectacular.utils import OpenApiExample, OpenApiResponse
from rest_framework import serializers

from .errors import body


class ErrorDetail(serializers.Serializer):
    code = serializers.CharField(help_text="변하지 않는 오류 코드 / stable error code")
    status = serializers.IntegerField()
    message_ko = serializers.CharField()
    message_en = serializers.CharField()
    fields = serializers.DictField(required=False, help_text="입력 오류가 난 항목별 설명 (400)")
    retry_after = serializers.IntegerField(required=False, help_text="다시 시도할 수 있을 때까지 초 (429)")


class Error(serializers.Serializer):
    error = ErrorDetail()


def _response(code: str, description: str, **extra) -> OpenApiResponse:
    example = body(code, **extra)
    return OpenApiResponse(Error, description=description,
                           examples=[OpenApiExample(code, value=example, response_only=True,
                                                    status_codes=[str(example["error"]["status"])])])


BAD_REQUEST = _response("invalid", "입력 오류 / invalid input",
                        fields={"topic": ['"x" is not a valid choice.']})
UNAUTHORIZED = _response("not_authenticated", "토큰 없음 또는 잘못된 토큰 / missing or invalid token")
FORBIDDEN = _response("forbidden", "다른 부서의 메시지 등 권한 없음 (감사 기록됨) / forbidden, audited",
                      message_ko="이 메시지를 답변할 권한이 없습니다. 다른 부서의 메시지입니다.",
                      message_en="You may not answer this message: it belongs to another division.")
NOT_FOUND = _response("not_found", "없음, 또는 목록의 알 수 없는 커서(invalid_cursor) / "
                      "not found, or an unknown cursor of a list (invalid_cursor)")
CONFLICT = _response("already_answered", "메시지의 지금 상태와 맞지 않음: 이미 답변됨(already_answered), 바꿀 수 없는 "
                     "상태(invalid_transition), 답변해야 종결(answer_required), 이미 그 부서의 메시지(already_there) / "
                     "conflicts with the "
                     "message's current state: reload and decide again")
THROTTLED = _response("throttled", "요청 한도 초과 / rate limited", retry_after=42)

PUBLIC_ERRORS = {400: BAD_REQUEST, 404: NOT_FOUND, 429: THROTTLED}
STAFF_ERRORS = {400: BAD_REQUEST, 401: UNAUTHORIZED, 403: FORBIDDEN, 404: NOT_FOUND, 429: THROTTLED}
STAFF_WRITE_ERRORS = {**STAFF_ERRORS, 409: CONFLICT}
