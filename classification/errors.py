"""The classifier's refusals: one code per kind, one message each (Korean msgid, English in locale/en)."""

from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from core.errors import ApplicationError


class Code(StrEnum):
    NOTHING_TO_ROLL_BACK = "nothing_to_roll_back"  # a conflict: no earlier version was ever in use


class NothingToRollBack(ApplicationError, ValueError):
    code = Code.NOTHING_TO_ROLL_BACK
    message = _("되돌릴 이전 버전이 없습니다.")
