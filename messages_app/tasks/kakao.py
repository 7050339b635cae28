"""KakaoTalk channel: the demo simulator's beat task (a thin wrapper around services.kakao)."""

from celery import shared_task

from ..services import kakao as chats


@shared_task(name="messages_app.tasks.simulate_kakao_chats")
def simulate_kakao_chats() -> int:
    """DEMO ONLY: simulated chats on channels without credentials, when SMC_SIMULATE is on."""
    return chats.simulate_all()
