"""The KakaoTalk channel's skill (POST /kakao/skill/<account>/): the Open Builder's fallback block
calls it with each chat message; the answer is the skill response (version 2.0) the citizen reads.

Thin: the request is checked (size, the bot's secret in the X-SMC-Skill-Key header or the `key`
parameter, JSON, the payload's fields, the bot id) and handed to services.kakao. A refused request
gets its code as JSON with an HTTP error status, and a skill response the citizen can read where
Kakao shows one; nothing is stored from it. The Open Builder waits 5 s for an answer.
"""

import json
import logging

from django.http import JsonResponse
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from accounts.connectors import kakao
from accounts.models import Account, Platform
from accounts.models import Status as AccountStatus

from .errors import Code, SkillError
from .services import kakao as chats
from .webhooks import json_depth

logger = logging.getLogger(__name__)

# A skill payload is a few KB; an utterance of 100,000 characters still fits (and is refused by its
# length, in words the citizen reads).
MAX_BODY_BYTES = 1024 * 1024
MAX_JSON_DEPTH = 32
SECRET_HEADER = "X-SMC-Skill-Key"


def _refused(error: SkillError, status: int) -> JsonResponse:
    body = kakao.skill_response(str(error))
    body["error"] = {"code": str(error.code), "message": str(error)}
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})


STATUSES = {Code.FORBIDDEN: 403, Code.NOT_FOUND: 404, Code.TOO_LARGE: 413, Code.INVALID: 400}


@csrf_exempt
@require_POST
def skill(request, account_id: int):
    try:
        return JsonResponse(_answer(request, account_id), json_dumps_params={"ensure_ascii": False})
    except SkillError as error:
        if error.code == Code.FORBIDDEN:
            logger.warning("kakao skill: refused request for account %s from %s", account_id,
                           request.META.get("REMOTE_ADDR"))
        # A too long utterance is the citizen's to fix, and Kakao shows only a 200's response.
        status = 200 if isinstance(error, chats.UtteranceTooLong) else STATUSES.get(error.code, 400)
        return _refused(error, status)


def _answer(request, account_id: int) -> dict:
    account = Account.objects.filter(pk=account_id, platform=Platform.KAKAO).first()
    if account is None:
        raise SkillError(gettext_lazy("등록되지 않은 카카오톡 채널입니다."), code=Code.NOT_FOUND)
    chats.verify(account, request.headers.get(SECRET_HEADER) or request.GET.get("key"))
    raw = request.body
    if len(raw) > MAX_BODY_BYTES:
        raise SkillError(gettext_lazy("요청이 너무 큽니다."), code=Code.TOO_LARGE)
    if json_depth(raw, stop_at=MAX_JSON_DEPTH) > MAX_JSON_DEPTH:
        raise SkillError(gettext_lazy("스킬 요청 형식이 올바르지 않습니다: %(field)s"), field="JSON")
    try:
        payload = json.loads(raw)
        parsed = kakao.parse_skill(payload)
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        field = str(exc) if not isinstance(exc, json.JSONDecodeError | UnicodeDecodeError) else "JSON"
        raise SkillError(gettext_lazy("스킬 요청 형식이 올바르지 않습니다: %(field)s"), field=field) from None
    chats.verify(account, request.headers.get(SECRET_HEADER) or request.GET.get("key"), parsed)
    # A channel whose Event API key needs renewing still takes questions (answers wait for "답변 확인").
    if account.status not in (AccountStatus.ACTIVE, AccountStatus.NEEDS_REAUTH):
        return kakao.skill_response(gettext("지금은 이 채널에서 질문을 받지 않습니다. 서울시 누리집을 이용해 주세요."))
    return chats.handle(account, payload, parsed).as_skill_response()
