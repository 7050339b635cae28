"""Every API error is JSON of one shape, with a stable code and a Korean and an English message:

    {"error": {"code": "forbidden", "status": 403, "message_ko": "...", "message_en": "...",
               "fields": {...}, "retry_after": 30}}

`fields` (validation errors) and `retry_after` (429) appear only when they apply. The project's
domain errors (core.errors.ApplicationError) keep their own code and message.
"""

import math

from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response

from broadcast.errors import Code as BroadcastCode
from core.errors import ApplicationError
from core.errors import Code as CoreCode
from messages_app.errors import Code
from messages_app.services.permissions import Forbidden
from portal.errors import Code as PortalCode

# code → (status, Korean, English): the messages of DRF's own errors.
MESSAGES = {
    "invalid": (400, "입력값이 올바르지 않습니다.", "The input is not valid."),
    "parse_error": (400, "요청 본문을 읽을 수 없습니다.", "The request body could not be parsed."),
    "not_authenticated": (401, "인증 토큰이 필요합니다. Authorization: Token <토큰> 헤더를 보내세요.",
                          "A token is required: send the header Authorization: Token <token>."),
    "authentication_failed": (401, "토큰이 올바르지 않거나 폐기되었습니다.", "The token is invalid or revoked."),
    "forbidden": (403, "이 작업을 할 권한이 없습니다.", "You may not do this."),
    "not_found": (404, "찾는 항목이 없습니다.", "Not found."),
    "invalid_cursor": (404, "알 수 없는 쪽 위치(cursor)입니다. 응답의 next/previous 주소를 그대로 쓰세요.",
                       "Unknown page position (cursor): follow the next/previous address of a response as it is."),
    "already_answered": (409, "이미 다른 담당자가 답변을 등록했습니다. 화면을 새로 고쳐 확인하세요.",
                         "Another staff member has already answered this message. Reload the page to see it."),
    "method_not_allowed": (405, "허용되지 않는 HTTP 메서드입니다.", "This HTTP method is not allowed here."),
    "not_acceptable": (406, "요청한 형식으로 응답할 수 없습니다.", "Cannot answer in the requested format."),
    "unsupported_media_type": (415, "지원하지 않는 본문 형식입니다. JSON으로 보내세요.",
                               "Unsupported body format: send JSON."),
    "locked": (429, "잘못된 토큰이 너무 많아 이 주소를 잠시 잠갔습니다.",
               "Too many invalid tokens from this address: locked for a while."),
    "throttled": (429, "요청이 너무 많습니다. 잠시 후 다시 시도하세요.", "Too many requests: try again later."),
}


class InvalidCursor(exceptions.NotFound):
    """A cursor the server did not make: DRF's 'Invalid cursor' 404, with a code of its own."""

    default_code = "invalid_cursor"


DRF_CODES = {
    InvalidCursor: "invalid_cursor",
    exceptions.ParseError: "parse_error",
    exceptions.AuthenticationFailed: "authentication_failed",
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.PermissionDenied: "forbidden",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.Throttled: "throttled",
    exceptions.ValidationError: "invalid",
}


def body(code: str, *, status_code: int | None = None, message_ko: str = "", message_en: str = "",
         **extra) -> dict:
    default_status, default_ko, default_en = MESSAGES.get(code, MESSAGES["invalid"])
    error = {"code": code, "status": status_code or default_status,
             "message_ko": message_ko or default_ko, "message_en": message_en or default_en}
    error.update({k: v for k, v in extra.items() if v is not None})
    return {"error": error}


# A domain error's HTTP status by its code (the apps' Code enums); any other code is bad input (400:
# invalid, required, too_long, in_future, not_member, ...).
STATUS_BY_CODE = {
    CoreCode.FORBIDDEN: 403,
    CoreCode.NOT_FOUND: 404,
    CoreCode.CONFLICT: 409,
    # The request was fine but the message's state refuses it (reload and decide again): 409.
    Code.ALREADY_ANSWERED: 409,
    Code.INVALID_TRANSITION: 409,
    Code.ANSWER_REQUIRED: 409,
    Code.ALREADY_THERE: 409,
    Code.ALREADY_ASSIGNED: 409,
    Code.MOVED: 409,
    Code.REPLY_WINDOW_CLOSED: 409,  # the platform's window for a private answer has closed meanwhile
    # The portal's and the broadcasts' (for any client of their services): the same rules.
    PortalCode.LOGIN_REQUIRED: 401,
    PortalCode.NOT_ANSWERED: 409,
    PortalCode.RATING_CLOSED: 409,
    BroadcastCode.OWN_DRAFT: 403,
    BroadcastCode.INVALID_STATE: 409,
    BroadcastCode.EXPIRED: 409,
    BroadcastCode.CANCELLED: 409,
    BroadcastCode.SUPERSEDED: 409,
}


def _application_error(exc: ApplicationError) -> Response:
    forbidden = isinstance(exc, Forbidden | DjangoPermissionDenied)
    code = CoreCode.FORBIDDEN if forbidden else exc.code
    status_code = STATUS_BY_CODE.get(code, 400)
    return Response(body(str(code), status_code=status_code, message_ko=exc.message_ko,
                         message_en=exc.message_en), status=status_code)


def exception_handler(exc, context):
    """DRF's EXCEPTION_HANDLER: everything a view may raise on bad input becomes a JSON error."""
    if isinstance(exc, ApplicationError):
        return _application_error(exc)
    if isinstance(exc, Http404 | ObjectDoesNotExist):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    if not isinstance(exc, exceptions.APIException):
        return None  # a bug: Django's 500 handling and the error log
    code = next((c for cls, c in DRF_CODES.items() if isinstance(exc, cls)), "invalid")
    extra = {}
    if isinstance(exc, exceptions.ValidationError):
        extra["fields"] = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
    if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
        extra["retry_after"] = max(1, math.ceil(exc.wait))
    if getattr(exc, "lockout_message", ""):
        code = "locked"
        extra["message_ko"] = exc.lockout_message
    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if extra.get("retry_after"):
        headers["Retry-After"] = str(extra["retry_after"])
    status_code = exc.status_code if code != "invalid" else status.HTTP_400_BAD_REQUEST
    return Response(body(code, status_code=status_code, **extra), status=status_code, headers=headers)


@csrf_exempt  # a POST to no endpoint is a 404 too, not a CSRF page
def not_found(request, *args, **kwargs):
    """Any /api/ path that matches no endpoint: the same JSON 404 as the endpoints'."""
    return JsonResponse(body("not_found"), status=404, json_dumps_params={"ensure_ascii": False})
