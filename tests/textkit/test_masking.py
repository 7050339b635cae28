import pytest

from textkit.masking import mask_name, mask_text


@pytest.mark.parametrize("raw, secret, expected", [
    ("연락처 010-1234-5678 입니다", "5678", "010-1234-****"),
    ("01098765432로 전화", "5432", "0109876****"),
    ("사무실 02-123-4567", "4567", "02-123-****"),
    ("주민번호 900101-1234567", "1234567", "******-*******"),
    ("주민번호 9001011234567", "9001011234567", "*************"),
    ("메일 hong.gildong@naver.com 로", "hong.gildong", "h***********@naver.com"),
    ("카드 1234-5678-9012-3456", "5678-9012-3456", "1234-****-****-****"),
    ("카드 1234 5678 9012 3456", "9012", "1234 **** **** ****"),
    ("계좌 110-123-456789 국민은행", "456789", "110-***-******"),
    ("12가3456 차량이 불법주차", "3456", "12가****"),
    ("서울 123나 4567 택시", "4567", "123나****"),
    ("마포구 합정동 123-45번지 앞", "123-45", "합정동 ***"),
    ("세종대로 110 앞 횡단보도", "110", "세종대로 ***"),
    ("래미안아파트 101동 1203호", "1203", "***동 ***호"),
])
def test_each_kind_of_personal_data_is_masked(raw, secret, expected):
    masked = mask_text(raw)
    assert secret not in masked
    assert expected in masked


@pytest.mark.parametrize("text", [
    "지하철 2호선 3번 출구가 막혔어요", "버스가 10분 늦어요", "2024-05-12에 신고했습니다", "활동 10회",
    "12월 2024년", "종로3가역 엘리베이터",
])
def test_ordinary_numbers_are_left_alone(text):
    assert mask_text(text) == text


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
        "김*용입니다. 김*용 010-1234-****"
