import csv
import random
from collections import Counter
from pathlib import Path

import pytest

from accounts.connectors.simulator_texts import compose
from textkit.masking import PRIORITY, find_spans, mask_name, mask_text

from .masking_samples import FALSE_POSITIVES, SAMPLES

CORPUS = Path(__file__).resolve().parents[2] / "classification" / "corpus" / "messages.tsv"


def _split(sample: str) -> tuple[str, str, str]:
    before, rest = sample.split("⟦")
    segment, after = rest.split("⟧")
    return before, segment, after


def test_the_table_is_large_and_covers_every_kind():
    kinds = Counter(kind for kind, _, _ in SAMPLES)
    assert len(SAMPLES) >= 150
    assert set(kinds) == {"phone", "rrn", "passport", "licence", "email", "card", "account", "plate", "road",
                          "lot", "unit", "name"}
    assert min(kinds.values()) >= 6, kinds


@pytest.mark.parametrize("kind, sample, secrets", SAMPLES, ids=[s for _, s, _ in SAMPLES])
def test_each_kind_is_masked_and_the_text_around_it_kept(kind, sample, secrets):
    before, segment, after = _split(sample)
    masked = mask_text(before + segment + after)
    assert masked.startswith(before) and masked.endswith(after), masked
    shown = masked[len(before):len(masked) - len(after)]
    assert shown != segment and "*" in shown, masked
    for secret in secrets:
        assert secret not in masked, (secret, masked)


@pytest.mark.parametrize("text", FALSE_POSITIVES)
def test_ordinary_numbers_names_and_places_are_left_alone(text):
    assert mask_text(text) == text


def _public_texts() -> list[str]:
    with CORPUS.open(encoding="utf-8") as f:
        corpus = [row["text"] for row in csv.DictReader(f, delimiter="\t")]
    rng = random.Random(8)
    simulated = [compose(rng, "seoulcity").text for _ in range(1500)]
    return corpus + simulated


def test_false_positive_rate_on_ordinary_public_text():
    """The classifier's training corpus and the simulator's messages hold no personal data: what
    masking changes in them is a false positive."""
    texts = _public_texts()
    changed = [t for t in texts if mask_text(t) != t]
    rate = len(changed) / len(texts)
    print(f"\nmasking false positives: {len(changed)} of {len(texts)} public texts changed ({rate:.2%})")
    for text in changed[:20]:
        print("  ", text, "→", mask_text(text))
    assert not changed


def test_masks_are_written_over_the_original_characters():
    # Matching sees ASCII; the page shows what the citizen typed, only the digits starred.
    assert mask_text("전화 ０１０－１２３４－５６７８") == "전화 ０１０－****－****"
    assert mask_text("010ㅡ1234ㅡ5678 ㅡㅡ") == "010ㅡ****ㅡ**** ㅡㅡ"
    assert mask_text("주민번호 900101 – 1234567") == "주민번호 ****** – *******"
    assert mask_text("메일 hong.gildong@naver.com 로") == "메일 h***.*******@naver.com 로"
    assert mask_text("래미안 101동 1203호") == "래미안 ***동 ****호"
    assert mask_text("서울12가3456") == "서울**가****"


def test_offsets_map_back_across_characters_matching_ignores():
    # An emoji's joiner survives sanitising but is not part of the matching copy: the spans found
    # after it must still land on the right characters of the original.
    family = "👨\u200d👩\u200d👧"
    assert mask_text(f"{family}{family} 010-1234-5678 끝") == f"{family}{family} 010-****-**** 끝"
    spans = find_spans(f"{family} 홍길동 씨 010-1234-5678")
    assert [s.kind for s in spans] == ["name", "phone"]
    text = f"{family} 홍길동 씨 010-1234-5678"
    assert text[spans[0].start:spans[0].end] == "홍길동"
    assert text[spans[1].start:spans[1].end] == "010-1234-5678"


def test_public_office_numbers_stay_but_a_citizens_do_not():
    text = "문의: 교통정책과 02-2133-2222, 다산콜센터 120 또는 02-120, 제 번호 02-2134-5678"
    assert mask_text(text) == "문의: 교통정책과 02-2133-2222, 다산콜센터 120 또는 02-120, 제 번호 02-****-****"


def test_a_staff_answer_is_masked_like_a_message():
    answer = ("김철수님, 담당 주무관 이수진(02-2133-1234)이 현장을 확인했습니다. "
              "말씀하신 합정동 123-45 앞 12가3456 차량은 단속했습니다.")
    masked = mask_text(answer)
    for secret in ("김철수", "이수진", "123-45", "3456"):
        assert secret not in masked
    assert "02-2133-1234" in masked and "주무관" in masked and "현장을 확인했습니다" in masked


def test_control_and_bidi_characters_are_not_shown():
    assert mask_text("정상\u202e요청 \x7f010-1234-5678\u200b") == "정상요청 010-****-****"


def test_kinds_have_a_priority():
    assert set(PRIORITY) >= {"email", "rrn", "phone", "account", "name"}
    # An RRN is not read as a phone number and an account, a card not as an account.
    assert [s.kind for s in find_spans("010203-3456789 카드 1234-5678-9012-3456")] == ["rrn", "card"]


def test_empty_and_none():
    assert mask_text("") == "" and mask_text(None) == ""
    assert mask_name("") == "" and mask_name(None) == ""


@pytest.mark.parametrize("name, expected", [
    ("김철용", "김*용"), ("김철", "김*"), ("남궁민수", "남**수"), ("이", "*"),
    ("John Smith", "J********h"), ("hong@naver.com", "h**g"),
])
def test_names(name, expected):
    assert mask_name(name) == expected


def test_author_name_inside_the_text():
    assert mask_text("김철용입니다. 김철용 010-1234-5678", names=["김철용", "", None]) == \
        "김*용입니다. 김*용 010-****-****"
