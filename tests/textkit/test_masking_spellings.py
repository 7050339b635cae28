"""Masking by what a text says, not by how it is typed (issue 22): numbers spoken in Korean or
written with look-alike digits, digit groups split by any separator or digit by digit, e-mail
addresses spelled out, names spaced syllable by syllable. One test per class of spelling; each
failed before normalisation came in front of the detectors. The digits that must not survive are
given as the citizen typed them AND as plain digits (a search for "5678" must find nothing)."""

import pytest

from textkit.masking import find_spans, mask_head, mask_text


def _leaks(text: str, secrets: list[str]) -> list[str]:
    masked = mask_text(text)
    return [s for s in secrets if s in masked]


def _check(text, secrets):
    masked = mask_text(text)
    assert "*" in masked, masked
    assert not _leaks(text, secrets), masked


SPOKEN = [  # Sino-Korean digits as people type a number they read aloud
    ("제 번호는 공일공 일이삼사 오육칠팔이에요", ["일이삼사", "오육칠팔"]),
    ("연락처 공일공-구팔칠육-오사삼이 입니다", ["구팔칠육", "오사삼이"]),
    ("폰번 공일공일이삼사오육칠팔로 문자주세요", ["일이삼사오육칠팔"]),
    ("집 전화 공이 삼사오 육칠팔구", ["삼사오", "육칠팔구"]),
    ("영일영 사오육칠 팔구공일 로 전화", ["사오육칠", "팔구공일"]),
    ("번호 공일공 이삼사오 육칠팔빵", ["이삼사오", "육칠팔빵"]),
    ("공일공 하나둘셋넷 다섯여섯일곱여덟 으로 연락", ["하나둘셋넷", "다섯여섯일곱여덟"]),
]

MIXED = [  # numerals and digits in one number
    ("010 일이삼사 5678로 연락주세요", ["일이삼사", "5678"]),
    ("공일공-1234-오륙칠팔 입니다", ["1234", "오륙칠팔"]),
    ("010-2345-육칠팔구 로 문자", ["2345", "육칠팔구"]),
    ("공1공 3456 7890", ["3456", "7890"]),
]

LOOK_ALIKE = [  # circled, hanja, the letter O / ㅇ for zero
    ("연락처 ⓪①⓪-②③④⑤-⑥⑦⑧⑨", ["②③④⑤", "⑥⑦⑧⑨"]),
    ("번호 〇一〇 二三四五 六七八九", ["二三四五", "六七八九"]),
    ("전화 O1O-2345-6789 주세요", ["2345", "6789"]),
    ("폰 o10 2345 6789", ["2345", "6789"]),
    ("번호 ㅇ1ㅇ-3456-7890", ["3456", "7890"]),
    ("❶❷❸❹ 카드 아니고 폰 ⓪①⓪ ③④⑤⑥ ⑦⑧⑨⓪", ["③④⑤⑥", "⑦⑧⑨⓪"]),
]

SEPARATORS = [  # digit groups apart by anything people put between them
    ("010~1234~5678 로 연락", ["1234", "5678"]),
    ("번호 010,2345,6789", ["2345", "6789"]),
    ("연락처\n010\n3456\n7890\n감사합니다", ["3456", "7890"]),
    ("전화 010\u30004567\u30008901", ["4567", "8901"]),
    ("전화 010\u00a05678\u00a09012", ["5678", "9012"]),
    ("번호 010 ~ 6789 ~ 0123", ["6789", "0123"]),
    ("010 / 1357 / 2468 로", ["1357", "2468"]),
    ("번호는 010-1234 5678", ["1234", "5678"]),
]

ONE_BY_ONE = [  # digits spelled one by one
    ("0 1 0 1 2 3 4 5 6 7 8 로 전화 주세요", ["5 6 7 8", "1 2 3 4"]),
    ("번호 0-1-0-9-8-7-6-5-4-3-2", ["6-5-4-3", "9-8-7-6"]),
    ("0.1.0.2.4.6.8.1.3.5.7", ["8.1.3.5", "2.4.6.8"]),
    ("공 일 공 이 삼 사 오 육 칠 팔 구", ["육 칠 팔 구", "이 삼 사 오"]),
]

COUNTRY_CODE = [  # +82 without the "+", in spaced groups
    ("해외에서 82 10 1234 5678 로 연락", ["1234", "5678"]),
    ("82-10-2345-6789 입니다", ["2345", "6789"]),
    ("0082 10 3456 7890", ["3456", "7890"]),
    ("82 2 2134 5678 사무실", ["2134", "5678"]),
]

EMAIL = [  # e-mail addresses with the @ and the dot spelled out
    ("메일 hong123 골뱅이 naver 닷 com 으로 주세요", ["hong123", "ong123"]),
    ("kimcs at gmail dot com", ["kimcs", "imcs"]),
    ("메일은 lee.sh(at)daum(dot)net 입니다", ["lee.sh", "ee.sh"]),
    ("park99[at]hanmail[dot]net 로", ["park99", "ark99"]),
    ("이메일 choi_j 골뱅이 네이버 닷컴", ["choi_j", "hoi_j"]),
    ("jung2024골뱅이gmail.com", ["jung2024", "ung2024"]),
    ("메일 yoon 앳 naver 점 com", ["yoon"]),
    ("seoul.citizen {at} kakao {dot} com", ["seoul.citizen", "eoul.citizen"]),
    ("아이디 kang77 골뱅이 네이버", ["kang77", "ang77"]),
    ("hong at naver.com 으로 회신", ["hong at", "ong at"]),
]

RRN = [  # resident registration numbers split other ways
    ("주민번호 90 01 01 - 12 34 567", ["34 567", "90 01 01"]),
    ("주민번호 900101-12 34 567", ["34 567", "900101"]),
    ("주민번호 구공공일공일 일이삼사오육칠", ["구공공일공일", "일이삼사오육칠"]),
    ("주민등록번호 900101~1234567", ["1234567", "900101"]),
    ("주민번호는\n900101\n1234567", ["1234567", "900101"]),
]

ACCOUNT = [  # the bank after the number, or spaced/odd groups
    ("110 123 456789 국민은행으로 보내주세요", ["456789", "123 456789"]),
    ("환불은 3333 01 2345678 카카오뱅크", ["2345678"]),
    ("1002.456.789012 우리은행 예금주 본인", ["789012"]),
    ("계좌 1 1 0 1 2 3 4 5 6 7 8 9 신한", ["5 6 7 8 9"]),
    ("신한 110-123-456 789 입니다", ["456 789"]),
]

CARD = [
    ("카드번호 1234 5678 9012 3456 분실", ["5678", "9012", "3456"]),
    ("카드 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6", ["9 0 1 2", "5 6 7 8"]),
    ("카드 1234~5678~9012~3456", ["5678", "9012", "3456"]),
]

SPACED_NAME = [  # a name spaced syllable by syllable before 씨 / 님
    ("홍 길 동 씨가 도와주셨어요", ["길"]),
    ("김 철 수 님 감사합니다", ["철"]),
    ("박 서 준씨 덕분에 해결", ["서"]),
]


@pytest.mark.parametrize("text, secrets", SPOKEN)
def test_spoken_korean_digits_are_masked(text, secrets):
    _check(text, secrets)


@pytest.mark.parametrize("text, secrets", MIXED)
def test_numbers_mixing_numerals_and_digits_are_masked(text, secrets):
    _check(text, secrets)


@pytest.mark.parametrize("text, secrets", LOOK_ALIKE)
def test_circled_hanja_and_letter_o_digits_are_masked(text, secrets):
    _check(text, secrets)


@pytest.mark.parametrize("text, secrets", SEPARATORS)
def test_any_separator_between_digit_groups(text, secrets):
    _check(text, secrets)


@pytest.mark.parametrize("text, secrets", ONE_BY_ONE)
def test_digits_spelled_one_by_one(text, secrets):
    _check(text, secrets)


@pytest.mark.parametrize("text, secrets", COUNTRY_CODE)
def test_country_code_without_plus(text, secrets):
    _check(text, secrets)


@pytest.mark.parametrize("text, secrets", EMAIL)
def test_spelled_out_email_addresses(text, secrets):
    _check(text, secrets)


@pytest.mark.parametrize("text, secrets", RRN)
def test_rrn_in_other_groupings(text, secrets):
    _check(text, secrets)


@pytest.mark.parametrize("text, secrets", ACCOUNT)
def test_account_numbers_with_the_bank_after_or_odd_groups(text, secrets):
    _check(text, secrets)


@pytest.mark.parametrize("text, secrets", CARD)
def test_card_numbers_in_any_grouping(text, secrets):
    _check(text, secrets)


@pytest.mark.parametrize("text, secrets", SPACED_NAME)
def test_names_spaced_syllable_by_syllable(text, secrets):
    _check(text, secrets)


def test_the_original_spelling_is_hidden_not_a_normalised_copy():
    # Every spoken digit becomes one star per character; separators and context stay as written.
    assert mask_text("제 번호는 공일공 일이삼사 오육칠팔이에요") == "제 번호는 공일공 **** ****이에요"
    assert mask_text("공일공 하나둘셋넷 다섯여섯일곱여덟 으로") == "공일공 ***** ******** 으로"
    assert mask_text("연락처 ⓪①⓪-②③④⑤-⑥⑦⑧⑨") == "연락처 ⓪①⓪-****-****"
    assert mask_text("전화 O1O-2345-6789 주세요") == "전화 O1O-****-**** 주세요"
    assert mask_text("010~1234~5678 로 연락") == "010~****~**** 로 연락"
    assert mask_text("메일 hong123 골뱅이 naver 닷 com 으로") == "메일 h****** 골뱅이 naver 닷 com 으로"
    assert mask_text("홍 길 동 씨가 왔어요") == "홍 * 동 씨가 왔어요"
    spans = find_spans("번호 〇一〇 二三四五 六七八九 끝")
    assert [(s.kind, "번호 〇一〇 二三四五 六七八九 끝"[s.start:s.end]) for s in spans] == [
        ("phone", "〇一〇 二三四五 六七八九")]


def test_a_preview_cut_does_not_split_a_number_across_new_separators():
    text = "가" * 400 + " 010~1234~5678, 010,2345,6789 " + "나" * 6000 + "!"
    assert mask_head(text, 500) == mask_text(text)[:500]


MUST_STAY = [
    # numerals that are words, numbers that are not personal
    "이 일이 사실이라면 오늘 안에 처리해 주세요", "사이사이 공사 구간이 있어요", "일이삼 초등학교 앞",
    "구구단 외우는 아이들", "오일장 열리는 날", "삼일절 행사", "이 사람 저 사람 다 모였어요",
    "공원 일대 정비", "영일만 친구", "육교 철거", "칠월 팔일", "구로구 구일역",
    # dates, times, amounts, ranges, counts with the new separators
    "2024.01.01~2024.12.31 운영", "09:00~18:00 운영", "1,250원에서 1,400원으로 인상", "3~5분 간격",
    "12,345,678원 예산", "2024년 3월 15일 ~ 4월 15일", "1, 2, 3번 출구", "1호선~9호선",
    "버스 143, 401, 7016번", "03 11 17 24 35 41 로또 번호는 상관없고요", "제 1조 2항 3호",
    "2024\n03\n15 방문", "오전 9시 30분", "10 20 30 40 50대 모두", "1 2 3 4 5 6 7 8 9 10 순서대로",
    # public numbers
    "다산콜센터 120", "02-120", "시청 02-2133-1234", "1330 관광안내", "국번없이 120",
    # at / dot / 점 as words
    "look at this", "meet at seoul station", "서울역 점심 시간", "at 3 pm", "편의점 앞",
    "홈페이지 seoul.go.kr 참고", "dot com 버블", "강남점 직원 친절",
    # syllables before 씨 / 님 that are not names
    "고 추 씨 심었어요", "이 분 님 께", "마 음 씨", "딸 이 번 주 방학", "친구 한 명이랑 왔어요",
    "아들 한 번 데려갈게요", "조카 오 명", "엄마 손 잡고 건넜어요",
    # "at" as a word, "dot" and "점" as words, web addresses
    "I arrived at 10 and left at 11", "visit at www.seoul.go.kr", "found it at naver.com",
    # counting, spelled numbers that are no one's
    "하나 둘 셋 넷 다섯 여섯 일곱 여덟 체조", "일 이 삼 사 오 육 칠 팔 구 십 세기", "사사오입",
    "좌표 37.5665, 126.9780",
]


@pytest.mark.parametrize("text", MUST_STAY)
def test_words_and_numbers_that_only_look_like_pii_stay(text):
    assert mask_text(text) == text


def test_a_100_kb_run_of_spoken_digits_is_masked_whole_and_loses_nothing():
    # One run of 50,000 look-alike digits: every window is tried, the number at its end is found,
    # the rest (no one's number) is shown as written.
    text = "이 " * 50_000 + "공일공 일이삼사 오육칠팔 끝"
    masked = mask_text(text)
    assert masked == "이 " * 50_000 + "공일공 **** **** 끝"
    assert mask_head(text, 300) == masked[:300]
