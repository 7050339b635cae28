"""me2day (미투데이): closed by Naver on 30 June 2014. Its accounts stay retired and are never polled."""

from .base import Batch, PermanentError

CLOSED_REASON = (
    "미투데이는 2014년 6월 30일 서비스를 종료하여 수집·게시할 수 없습니다 "
    "(me2day closed on 30 June 2014)."
)


class Me2dayConnector:
    def fetch(self, account, cursor: str) -> Batch:
        raise PermanentError(CLOSED_REASON)

    def reply(self, account, to_external_id: str, text: str) -> str:
        raise PermanentError(CLOSED_REASON)

    def post(self, account, text: str) -> str:
        raise PermanentError(CLOSED_REASON)

    def find_reply(self, account, to_external_id: str, text: str) -> str | None:
        raise PermanentError(CLOSED_REASON)

    def find_post(self, account, marker: str) -> str | None:
        raise PermanentError(CLOSED_REASON)
