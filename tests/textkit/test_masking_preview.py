"""The feed's preview masks only the start of a long text; it must equal the start of the whole
masked text, whatever personal data sits around the cut."""

import random

from textkit.masking import mask_head, mask_text

PIECES = [
    "010-1234-5678", "02 345 6789", "900101-1234567", "1234-5678-9012-3456", "110-123-456789",
    "kim.citizen@example.com", "12가3456", "서울12가3456", "합정동 123-45", "세종대로 110", "101동 1203호",
    "버스가 안 와요", "지하철역에서", "김철용", " ", "\n", ", ", "! ", "? ", "#서울시 ", "~", "…", "10회", "3일",
    "+82 10 1234 5678", "010ㅡ1234ㅡ5678", "900101 – 1234567", "M12345678", "홍길동 씨", "김철수님", "제 이름은 이영희",
    "담당자 박민수", "홍길동@회사.한국", "１２가３４５６", "02-2133-1234", "1588-1234", "11-22-333333-44",
    "/", "_", ".", "-", ":", "(", ")", "@", "👨\u200d👩", "\u202e", "\x7f",
    # written the ways that get past a filter (issue 22)
    "공일공 일이삼사 오육칠팔", "010~1234~5678", "010,2345,6789", "0 1 0 1 2 3 4 5 6 7 8", "⓪①⓪-②③④⑤-⑥⑦⑧⑨",
    "〇一〇 二三四五", "O1O-2345-6789", "hong123 골뱅이 naver 닷 com", "kim at gmail dot com", "홍 길 동 씨",
    "90 01 01 - 12 34 567", "110 123 456789 국민은행", "82 10 1234 5678", "|", "이", "오", "일이", " 사 ",
    "카드 1234~5678~9012~3456", "백오동 팔백삼호", "010-3317-96xx", "https://x.kr/a?b=0101234567",
]


def _text(rng: random.Random, length: int) -> str:
    parts, size = [], 0
    while size < length:
        piece = rng.choice(PIECES)
        parts.append(piece)
        size += len(piece)
    return "".join(parts)


def test_preview_equals_the_start_of_the_masked_whole():
    rng = random.Random(2026)
    for case in range(400):
        text = _text(rng, rng.choice([50, 400, 3000, 20000]))
        chars = rng.choice([20, 120, 301])
        names = ["김철용"] if case % 2 else []
        assert mask_head(text, chars, names) == mask_text(text, names)[:chars], (case, text[:200])


def test_preview_of_a_long_text_hides_a_phone_number_right_at_the_cut():
    text = "가" * 295 + "010-1234-5678" + ", 끝" + "나" * 10000
    preview = mask_head(text, 305)
    assert "5678" not in preview
    assert preview == mask_text(text)[:305]
    assert preview.endswith("010-****-*")
