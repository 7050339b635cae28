"""Templates and slot values for the demo simulator's Korean citizen messages."""

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class SimulatedMessage:
    text: str
    type: str
    topic: str
    template: int
    author_handle: str
    author_name: str


# (type, topic, template). Slots in {braces} are filled from SLOTS below.
TEMPLATES: list[tuple[str, str, str]] = [
    ("complaint", "transport", "{place} 버스 배차 간격이 너무 길어요 {time}에 {minutes}분 기다림 {emoji}"),
    ("support", "culture", "{event} 정말 좋았어요! 내년에도 꼭 해주세요 {emoji} #서울"),
    ("opinion", "environment", "{place} 쪽 자전거도로 좀 넓혔으면 좋겠네"),
]

SLOTS: dict[str, list[str]] = {
    "place": ["강남역", "신촌", "홍대입구", "종로3가", "잠실", "노원역", "구로디지털단지", "여의도"],
    "time": ["출근 시간", "아침 8시", "퇴근길", "밤 11시"],
    "minutes": ["20", "25", "30", "40"],
    "event": ["한강 불꽃축제", "서울 빛초롱축제", "서울야외도서관", "서울재즈페스티벌"],
    "emoji": ["😡", "😭", "👍", "🙏", "😊", "🥲", ""],
}

NICKS = [("minji_kim", "김민지"), ("seoul_dad", "서울아빠"), ("jh_park", "박지훈")]


def compose(rng: random.Random, account_handle: str) -> SimulatedMessage:
    index = rng.randrange(len(TEMPLATES))
    type_, topic, template = TEMPLATES[index]
    values = {key: rng.choice(options) for key, options in SLOTS.items()}
    text = f"@{account_handle} " + template.format(**values).strip()
    handle, name = rng.choice(NICKS)
    return SimulatedMessage(text, type_, topic, index, handle, name)
