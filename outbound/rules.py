"""What a posting does on each connector error: one rule per error of accounts/connectors/base.py.

The connectors map their platforms' codes to those errors (each connector's one table); this table
maps every error to what happens to the posting. A new connector error without a rule here fails
tests/outbound/test_rules.py.
"""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.connectors.base import (
    AccountSuspended,
    AppProblem,
    AuthExpired,
    CannotLook,
    ConnectorError,
    ContentProblem,
    ManualPostNeeded,
    PermanentError,
    PermissionMissing,
    RateLimited,
    ReplyWindowClosed,
    TransientError,
)

from .models import Posting


@dataclass(frozen=True)
class Rule:
    state: str  # what the posting becomes
    failure: str = ""  # why it failed (Posting.Failure), when it did
    # "reset": retried after the platform's reset time; "backoff": after an exponential backoff.
    wait: str = ""
    # The platform refused the request: the attempt that raised it posted nothing (its outcome is
    # known). Otherwise a timeout or a garbled answer may have come after the post was taken.
    refused: bool = False
    marks_account: bool = False  # the account needs reauthorisation (staff see it in the registry)
    counts: bool = True  # counts towards giving up (a rate limit is not a failure)
    # Stored as the posting's last error, with the error's own message, in the active language.
    label: str | Promise = ""


RULES: dict[type[ConnectorError], Rule] = {
    RateLimited: Rule(Posting.State.RETRYING, wait="reset", refused=True, counts=False,
                      label=_("요청 한도 초과, 재설정 후 재시도")),
    TransientError: Rule(Posting.State.RETRYING, wait="backoff", label=_("일시적 오류, 재시도 예정")),
    AuthExpired: Rule(Posting.State.FAILED, Posting.Failure.REAUTH, refused=True, marks_account=True,
                      label=_("계정 재인증 필요")),
    # X answers "duplicate content" when the same text is there already, maybe from our own earlier
    # attempt: not a proof that nothing was posted, so a later retry looks first.
    PermanentError: Rule(Posting.State.FAILED, Posting.Failure.REFUSED, label=_("게시 실패")),
    CannotLook: Rule(Posting.State.UNKNOWN, Posting.Failure.CANNOT_LOOK,
                     label=_("이전 시도가 게시되었는지 플랫폼에서 확인할 수 없습니다. 담당자가 확인해야 합니다.")),
    # The platform's errors of issue 24: a missing permission is the account's to fix, like an
    # expired login; the app's and a suspended account's problems refuse the request outright.
    PermissionMissing: Rule(Posting.State.FAILED, Posting.Failure.REAUTH, refused=True, marks_account=True,
                            label=_("계정 권한 부족, 재인증 필요")),
    AppProblem: Rule(Posting.State.FAILED, Posting.Failure.REFUSED, refused=True,
                     label=_("플랫폼 앱 설정 문제")),
    AccountSuspended: Rule(Posting.State.FAILED, Posting.Failure.REFUSED, refused=True,
                           label=_("계정 정지")),
    # X's "duplicate content" is a content problem and may be our own earlier attempt: look first.
    ContentProblem: Rule(Posting.State.FAILED, Posting.Failure.REFUSED, label=_("게시 거부: 내용 문제")),
    # Checked before sending: the attempt posted nothing, and a retry would be refused the same way.
    ReplyWindowClosed: Rule(Posting.State.FAILED, Posting.Failure.REFUSED, refused=True,
                            label=_("답변 가능 기간이 지났습니다")),
    ConnectorError: Rule(Posting.State.FAILED, Posting.Failure.ERROR, label=_("게시 실패")),
    # Instagram without an image, a YouTube community post: the API cannot, nothing was sent; not a
    # failure of SMC's (no retry, no reauthorisation): a person posts the ready text by hand.
    ManualPostNeeded: Rule(Posting.State.MANUAL, refused=True, counts=False,
                           label=_("수동 게시 필요")),
}
# Anything else (a bug, an unexpected library error) fails the posting without a retry.
UNEXPECTED = Rule(Posting.State.FAILED, Posting.Failure.ERROR, label=_("게시 실패"))


def rule_for(error: BaseException) -> Rule:
    for cls in type(error).__mro__:
        if cls in RULES:
            return RULES[cls]
    return UNEXPECTED
