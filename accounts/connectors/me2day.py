"""me2day (미투데이): closed by Naver on 30 June 2014. Its accounts stay retired and are never polled."""

from django.utils.translation import gettext_lazy as _

from .base import Batch, Code, PermanentError

CLOSED_REASON = _("미투데이는 2014년 6월 30일 서비스를 종료하여 수집·게시할 수 없습니다.")


class Me2dayConnector:
    def fetch(self, account, cursor: str) -> Batch:
        raise PermanentError(CLOSED_REASON, code=Code.PLATFORM_CLOSED)

    def reply(self, account, to_external_id: str, text: str) -> str:
        raise PermanentError(CLOSED_REASON, code=Code.PLATFORM_CLOSED)

    def post(self, account, text: str) -> str:
        raise PermanentError(CLOSED_REASON, code=Code.PLATFORM_CLOSED)

    def find_reply(self, account, to_external_id: str, text: str) -> str | None:
        raise PermanentError(CLOSED_REASON, code=Code.PLATFORM_CLOSED)

    def find_post(self, account, marker: str) -> str | None:
        raise PermanentError(CLOSED_REASON, code=Code.PLATFORM_CLOSED)
