"""Personal data masking (PIPA practice) for every text that leaves the staff side.

`mask_text` (and its preview form `mask_head`) and `mask_name` are the only functions the public
pages, the public search index, the API and exports use: citizens' messages, comments and the
staff answers shown on the portal all pass through them. The stored original stays untouched for
staff. Over-masking a number is preferred to leaking one.

How a text is masked, so that KINDS are recognised rather than spellings (people write a number
the way that gets it past a filter: 공일공 일이삼사, ⓪①⓪, O1O, 0 1 0 …, 010~1234~5678):
1. sanitise (no control, bidi or zero-width characters: they are not shown either);
2. normalise into a matching copy: every Unicode digit and full-width letter → ASCII, every dash
   (‐ – — ― − ﹣ － ㅡ …) → "-", every space → " ", middle dots → "."; an emoji's joiner and a
   keycap's marks are dropped (1️⃣ → 1); and look-alike digits become digits where they form a
   number: spoken Sino-Korean (공일공, 영, 빵), native and English number words (하나, 다섯, seven),
   hanja (〇一二), circled and other symbol digits (①, ⑴, ❶), O/ㅇ for 0 and l for 1 — in a run of
   at least eight digit tokens (six after a cue such as 번호 or 주민), so 이 일이 사실이면, 오일장
   and 삼일절 stay words; spoken block and unit numbers (백오동 팔백삼호) too. `_Normalised`
   maps every character of the copy back to the original characters it came from;
3. each detector finds the spans of one kind in the copy: patterns per kind, and digit groups read
   across any separator (spaces of any width, newlines, ~ , . / | * and dashes) or one digit at a
   time, each window of whole groups tried as a phone number (+82 or 82 or 0082 included), an
   RRN (a valid birth date), a card (a cue or the Luhn check) or an account (a bank named before
   or after); spelled-out e-mail (골뱅이, 앳, at, (at), 닷, 쩜, dot, 네이버 닷컴); overlaps are
   settled by the kinds' priority. Numbers only organisations get (15xx/16xx/18xx, 080, a
   landline next to the institution's name, a business registration number, help@…) and web
   addresses stay as written;
4. the masked text is built from the ORIGINAL characters: inside a span every letter and digit
   of the copy becomes "*" over the characters it came from (오 → *, 다섯 → **, ⑤ → *) except
   what the kind keeps (a phone's area code, an e-mail's first letter and domain, a plate's
   region and letter); separators stay, so the shape is still readable.

Names in the text are found from context ("홍길동 씨", "김철수님", "제 이름은 이영희",
"담당자 박민수", "박민수 주무관", "홍 길 동 씨", "아들 강 하 준", "My name is Kim Minjun") and checked
with Kiwi (a dictionary noun such as 시장, 고객 or 주민 is not a name); Kiwi's verdict on a word is
memoised, so rendering a page costs no analysis once the word has been seen.
"""

import bisect
import itertools
import re
import string
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from .textclean import sanitize_text

STAR = "*"


# --- normalisation ------------------------------------------------------------------------------

def _build_table() -> dict[int, str]:
    import unicodedata

    table: dict[int, str] = {}
    for cp in range(0x80, 0x20000):
        ch = chr(cp)
        digit = unicodedata.decimal(ch, None)
        if digit is not None:
            table[cp] = str(digit)
    for cp in range(0xFF01, 0xFF5F):  # full-width ASCII
        table[cp] = chr(cp - 0xFEE0)
    for ch in "\u2010\u2011\u2012\u2013\u2014\u2015\u2043\u2212\u2e3a\u2e3b\ufe58\ufe63\uff0d\u3161\u1173\u30fc":
        table[ord(ch)] = "-"
    for ch in "\u00a0\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000":
        table[ord(ch)] = " "
    for ch in "\u00b7\u2027\u30fb\u318d\u2219\u3002\uff61":
        table[ord(ch)] = "."
    table[ord("\ufe6b")] = "@"
    return table


_TABLE = _build_table()


def _char_class(codepoints) -> str:
    """A regex character class of these code points, as ranges (one per run: fast to match)."""
    runs: list[list[int]] = []
    for cp in sorted(codepoints):
        if runs and cp == runs[-1][1] + 1:
            runs[-1][1] = cp
        else:
            runs.append([cp, cp])
    return "[" + "".join(re.escape(chr(a)) + ("-" + re.escape(chr(b)) if b > a else "") for a, b in runs) + "]"


def _loose_class(codepoints) -> str:
    """A regex character class of these code points in the Basic Multilingual Plane, and of one range
    from the first of them outside it to the last (every emoji too). Looser, but one bitmap: fast to
    scan for, where a class with dozens of ranges outside the plane tries them all on every character."""
    codepoints = set(codepoints)
    astral = [cp for cp in codepoints if cp > 0xFFFF]
    bmp = _char_class(codepoints - set(astral))[:-1]
    return bmp + (f"{chr(min(astral))}-{chr(max(astral))}]" if astral else "]")


_NEEDS_TABLE = re.compile(_char_class(_TABLE))
# Where _NEEDS_TABLE may match: it then looks only at the rest of the text. (A text translated
# needlessly would only come out as it was.)
_MAYBE_NEEDS_TABLE = re.compile(_loose_class(_TABLE))
# Kept by the sanitiser inside emoji sequences, meaningless to matching: dropped from the copy
# (a keycap digit 1️⃣ is "1" + U+FE0F + U+20E3).
_IGNORABLE = re.compile("[\u200d\ufe0e\ufe0f\u20e3\U000e0020-\U000e007f]")


def _build_lookalikes() -> dict[str, str]:
    """Characters and words that stand for a digit when a number is written with them: spoken
    Sino-Korean (공일공), native Korean and English number words, hanja, circled and other
    symbol digits (①, ⑴, ❶, ²), and the letters O/ㅇ for zero and l for one."""
    import unicodedata

    table = dict(zip("공영빵일이삼사오육륙칠팔구", "0001234566789", strict=True))
    table.update(zip("〇零一二三四五六七八九", "00123456789", strict=True))
    table.update({"하나": "1", "둘": "2", "셋": "3", "넷": "4", "다섯": "5", "여섯": "6", "일곱": "7",
                  "여덟": "8", "아홉": "9", "제로": "0", "쓰리": "3", "파이브": "5", "식스": "6", "세븐": "7",
                  "에잇": "8", "나인": "9"})
    for cp in range(0x80, 0x1FBFA):
        ch = chr(cp)
        if unicodedata.decimal(ch, None) is None and unicodedata.digit(ch, None) is not None:
            table[ch] = str(unicodedata.digit(ch))
    return table


_LOOKALIKES = _build_lookalikes()
_ENGLISH_DIGITS = {w: str(i) for i, w in enumerate(
    "zero one two three four five six seven eight nine".split())}
_ZERO_LETTERS = "OoΟοОоㅇ"
_LATIN_GREEK_CYRILLIC = "A-Za-z\u0370-\u03ff\u0400-\u04ff"
_SINGLE = "".join(ch for ch in _LOOKALIKES if len(ch) == 1)
_WORDS = sorted((w for w in _LOOKALIKES if len(w) > 1), key=len, reverse=True)
_LOOK_TOKEN = (
    "(?:" + "|".join(_WORDS)
    + r"|(?<![A-Za-z])(?i:" + "|".join(_ENGLISH_DIGITS) + r")(?![A-Za-z])"
    + "|[0-9]|" + _char_class(map(ord, _SINGLE))
    + f"|(?<![{_LATIN_GREEK_CYRILLIC}])[{_ZERO_LETTERS[:-1]}](?![{_LATIN_GREEK_CYRILLIC}])"
    + "|(?<![ㄱ-ㅎ])ㅇ(?![ㄱ-ㅎ])|(?<![A-Za-z])l(?![A-Za-z]))"
)
# What people put between the digits (or digit groups) of one number.
_RUN_SEP = r"(?:[ \t\n]{0,3}(?:[-./_~,|*]|->)[ \t\n]{0,3}|[ \t\n]{1,3})"
_LOOK_RUN = re.compile(_LOOK_TOKEN + "(?:" + _RUN_SEP + "?" + _LOOK_TOKEN + "){5,}")
_LOOK_TOKENS = re.compile(_LOOK_TOKEN)
# Where a run may be, cheap to scan for: six or more characters that tokens and separators are
# made of, among them one that is not an ASCII digit (a run of ASCII digits needs no conversion).
_TOKEN_CHARS = set("".join(_LOOKALIKES) + "".join(_ENGLISH_DIGITS) + "".join(_ENGLISH_DIGITS).upper()
                   + "0123456789l" + _ZERO_LETTERS)
_RUN_CHARS = _char_class(set(map(ord, _TOKEN_CHARS | set(" \t\n-./_~,|*>"))))
_MAYBE_RUN = re.compile(_RUN_CHARS + "{6,}")
# The only tokens with ASCII letters other than O, o and l are the English number words, and a text
# seldom holds one (this test is looser: "oven" passes): without one, every run lies within six or more
# of the other characters, and a Latin word (@seoul, Please) starts no region. (A looser region, around
# an emoji, holds the same runs: each is a stretch of the exact characters.)
_MAYBE_ENGLISH_DIGIT = re.compile("[ZzOoTtFfSsEeNn](?:" + "|".join(
    "".join(f"[{ch.upper()}{ch}]" for ch in word[1:]) for word in _ENGLISH_DIGITS) + ")")
_LATIN_NOT_DIGITS = set(string.ascii_letters) - set("Ool")
_MAYBE_RUN_NO_WORDS = re.compile(
    _loose_class(set(map(ord, (_TOKEN_CHARS | set(" \t\n-./_~,|*>")) - _LATIN_NOT_DIGITS))) + "{6,}")
_NOT_ASCII_DIGIT = re.compile(_char_class(set(map(ord, _TOKEN_CHARS - set("0123456789")))))
# A letter glued to an ASCII digit is a digit whatever the run's length (O1O, 7O4호, 5l92).
_GLUED_LETTER = re.compile(
    f"(?<=[0-9])[{_ZERO_LETTERS}](?![{_LATIN_GREEK_CYRILLIC}])"
    f"|(?<![{_LATIN_GREEK_CYRILLIC}ㄱ-ㅎ])[{_ZERO_LETTERS}](?=[0-9])"
    "|(?<=[0-9])l(?=[0-9])"
)
# Before a short run (six or seven digits): the text says a number follows.
_NUMBER_CUE = re.compile("번호|전화|연락|폰|주민|계좌|카드|면허|여권|통장|입금|앞자리|뒷자리|자리")
_HANGUL_SYLLABLE = re.compile("[가-힣]")
_A_DIGIT = re.compile("[0-9]")
# A digit with a zero letter or l before or after it; written to start with the digit, which the
# regex engine then skips to (a start with "o" or "l" would be tried at every "o" of @seoul).
_LETTER_BY_DIGIT = re.compile(f"[0-9](?:(?<=[{_ZERO_LETTERS}l][0-9])|[{_ZERO_LETTERS}l])")


def _digit_of(token: str) -> str:
    if token in _LOOKALIKES:
        return _LOOKALIKES[token]
    if token.lower() in _ENGLISH_DIGITS:
        return _ENGLISH_DIGITS[token.lower()]
    if token in _ZERO_LETTERS:
        return "0"
    if token == "l":
        return "1"
    return token


_SINO = "[일이삼사오육칠팔구]"
_SPOKEN_NUMBER = f"(?:{_SINO}?천)?(?:{_SINO}?백)?(?:{_SINO}?십)?{_SINO}?"
# 백오동 팔백삼호, 일백일동 천이백삼호: block and unit read out with place values.
_SPOKEN_UNIT = re.compile(f"(?<![가-힣])(?P<block>{_SPOKEN_NUMBER})동[ \t]?(?P<unit>{_SPOKEN_NUMBER})호")


def _spoken_value(word: str) -> int:
    value, digit = 0, 0
    for ch in word:
        if ch in "천백십":
            value += (digit or 1) * {"천": 1000, "백": 100, "십": 10}[ch]
            digit = 0
        else:
            digit = int(_LOOKALIKES[ch])
    return value + digit


def _lookalike_edits(text: str) -> list[tuple[int, int, str]]:
    """(start, end, digit) for every look-alike digit that is part of a written number: a run of
    eight or more digit tokens (six after a cue such as 번호 or 주민) with at least one
    look-alike among them. Shorter runs are words: 이 일이 사실이면, 오일장, 삼일절."""
    edits = [(m.start(), m.end(), _digit_of(m.group())) for m in _GLUED_LETTER.finditer(text)] \
        if _LETTER_BY_DIGIT.search(text) else []
    if "동" in text and "호" in text:
        for m in _SPOKEN_UNIT.finditer(text):
            if all(any(p in m.group(g) for p in "천백") for g in ("block", "unit")):
                edits.extend((m.start(g), m.end(g), str(_spoken_value(m.group(g)))) for g in ("block", "unit"))
    regions = _MAYBE_RUN if _MAYBE_ENGLISH_DIGIT.search(text) else _MAYBE_RUN_NO_WORDS
    for region in regions.finditer(text):
        if _NOT_ASCII_DIGIT.search(text, region.start(), region.end()):
            edits.extend(_run_edits(text, region.start(), region.end()))
    return edits


def _run_edits(text: str, start: int, end: int) -> Iterator[tuple[int, int, str]]:
    # One character past the region: the look-aheads of its last token still see what follows.
    for run in _LOOK_RUN.finditer(text, start, end + 1):
        tokens = list(_LOOK_TOKENS.finditer(text, run.start(), run.end()))
        # A particle 이 glued to the word before (폰이 공일공…) or after (…오팔이에요) is not a digit.
        if tokens[0].group() == "이" and run.start() and _HANGUL_SYLLABLE.match(text[run.start() - 1]):
            tokens.pop(0)
        if tokens and tokens[-1].group() == "이" and _HANGUL_SYLLABLE.match(text[run.end():run.end() + 1]):
            tokens.pop()
        # One numeral syllable glued to a word (오토바이, 사거리) is that word's first syllable.
        if (len(tokens) > 1 and _HANGUL_SYLLABLE.match(tokens[-1].group())
                and _HANGUL_SYLLABLE.match(text[tokens[-1].end():tokens[-1].end() + 1])
                and tokens[-2].end() < tokens[-1].start()):
            tokens.pop()
        if (len(tokens) > 1 and _HANGUL_SYLLABLE.match(tokens[0].group()) and tokens[0].start()
                and _HANGUL_SYLLABLE.match(text[tokens[0].start() - 1]) and tokens[0].end() < tokens[1].start()):
            tokens.pop(0)
        if not tokens or all(t.group().isascii() and t.group().isdigit() for t in tokens):
            continue
        if len(tokens) < 8 and (len(tokens) < 6 or not _NUMBER_CUE.search(text, max(0, tokens[0].start() - 25),
                                                                           tokens[0].start())):
            continue
        yield from ((t.start(), t.end(), _digit_of(t.group())) for t in tokens
                    if not (t.group().isascii() and t.group().isdigit()))


@dataclass
class _Normalised:
    text: str
    # The original characters [starts[i], ends[i]) gave the copy's character i (None: the same i).
    starts: list[int] | None = None
    ends: list[int] | None = None

    def span(self, start: int, end: int) -> tuple[int, int]:
        if self.starts is None or self.ends is None:
            return start, end
        return self.starts[start], self.ends[end - 1]

    def edited(self, edits: list[tuple[int, int, str]]) -> "_Normalised":
        """The copy with [start, end) replaced by each edit's text (edits in any order, not
        overlapping: the first of two overlapping edits wins), positions still mapped back."""
        n = len(self.text)
        starts = self.starts if self.starts is not None else list(range(n))
        ends = self.ends if self.ends is not None else list(range(1, n + 1))
        out: list[str] = []
        new_starts: list[int] = []
        new_ends: list[int] = []
        pos = 0
        for start, end, replacement in sorted(edits):
            if start < pos:
                continue
            out.append(self.text[pos:start])
            new_starts.extend(starts[pos:start])
            new_ends.extend(ends[pos:start])
            out.append(replacement)
            new_starts.extend([starts[start]] * len(replacement))
            new_ends.extend([ends[end - 1]] * len(replacement))
            pos = end
        out.append(self.text[pos:])
        new_starts.extend(starts[pos:])
        new_ends.extend(ends[pos:])
        return _Normalised("".join(out), new_starts, new_ends)


def _normalise(text: str) -> _Normalised:
    maybe = _MAYBE_NEEDS_TABLE.search(text)
    if maybe and (maybe.group() <= "\uffff" or _NEEDS_TABLE.search(text, maybe.start())):
        text = text.translate(_TABLE)
    norm = _Normalised(text)
    if _IGNORABLE.search(norm.text):
        norm = norm.edited([(m.start(), m.end(), "") for m in _IGNORABLE.finditer(norm.text)])
    edits = _lookalike_edits(norm.text)
    return norm.edited(edits) if edits else norm


# --- spans --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Span:
    """[start, end) of one piece of personal data in the matching copy; `keep` are sub-ranges
    shown as written; `replacement` (names) replaces the whole span instead."""

    start: int
    end: int
    kind: str
    keep: tuple[tuple[int, int], ...] = ()
    replacement: str | None = None


# Kinds, most specific first: a span overlapping one of an earlier kind is dropped.
PRIORITY = ["url", "email", "rrn", "licence", "card", "public", "phone", "passport", "plate", "account", "unit",
            "lot", "road", "author", "name"]
_RANK = {kind: i for i, kind in enumerate(PRIORITY)}

_S = r"(?:[ \t]{0,3}[-./_][ \t]{0,3}|[ \t]{1,3})"  # one separator between digit groups
_SO = _S + "?"
# After a number: units that make it a quantity ("10회", "3번 출구", "143번 버스", "15,000원"), not
# a house number (번 only as 번지/번길).
_NOT_QTY = ("(?![ \\t]*(?:" + "|".join([
    "회", "분", "명", "개", "층", "월", "일(?!대|반)", "년", "원", "살", "세", "초", "시(?!청|민|장|내)",
    "주(?!민|차|변|택|소)", "번(?!지|길|가)", "호선", "km",
    "m(?![A-Za-z])", "미터", "킬로", "건(?!물|너|설|축)", "%", "배(?!달|송|차|정|치|너|포)", "장(?!소|애|마)", "권",
    "곳", "정거장", "개월", "만", "천", "억", "대(?!로|교|학|문|표|형)", "차례", "가지", "kg", "cm", "mm", "℃",
]) + "))")

# Seoul's own published numbers stay readable (city hall 02-2133-xxxx; 120, 02-120, 1330, 112,
# 119 and 182 are too short to look like a phone number at all), and so do the numbers only
# companies and institutions get: nationwide lines (1588-xxxx, 1544-, 1600-, 1899-…) and free calls
# (080-); a landline is public too when the text names the institution it belongs to.
PUBLIC_OFFICE_PREFIXES = ("022133", "080")

_PHONE = re.compile(
    r"(?<![0-9A-Za-z+])"
    r"(?P<keep>(?:\+|00)[ \t]*82[ \t]*(?:[-.][ \t]*)?(?:\(0\)[ \t]*)?0?(?:1[016789]|2|[3-6][1-5]|70)"
    r"|\(?0(?:1[016789]|2|[3-6][1-5]|70|50[0-9]?|80)\)?)"
    r"(?:[ \t]*\)?" + _SO + r")"
    r"[0-9]{3,4}" + _SO + r"[0-9]{4}(?![0-9])"
    r"|(?<![0-9A-Za-z+\-])(?P<biz>1[568][0-9]{2})" + _S + r"[0-9]{4}(?![0-9]|[-.][0-9])" + _NOT_QTY
)
_RRN = re.compile(r"(?<![0-9])[0-9]{6}" + _SO + r"[1-8][0-9]{6}(?![0-9])")
_REGIONS = "서울|부산|대구|인천|광주|대전|울산|세종|경기|강원|충북|충남|전북|전남|경북|경남|제주"
_LICENCE = re.compile(r"(?<![0-9])(?:(?P<region>" + _REGIONS + r")[ \t]?|[0-9]{2}" + _S + r")"
                      r"[0-9]{2}" + _S + r"[0-9]{6}" + _S + r"[0-9]{2}(?![0-9])")
_CARD = re.compile(r"(?<![0-9])(?P<keep>[0-9]{4})" + _SO + r"[0-9]{4}" + _SO + r"[0-9]{4}" + _SO
                   + r"[0-9]{4}(?![0-9])"
                   r"|(?<![0-9])(?P<amex>[0-9]{4})" + _S + r"[0-9]{6}" + _S + r"[0-9]{5}(?![0-9])")
_PASSPORT = re.compile(
    r"(?<![A-Za-z0-9])(?P<a>[MSRODGmsrodg])(?:[0-9]{8}|[0-9]{3}[A-Za-z][0-9]{4})(?![0-9])"
    r"|(?:여권|[Pp]assport)(?:[ \t]*(?:번호|[Nn]o\.?|[Nn]umber))?[^0-9A-Za-z\n]{0,10}"
    r"(?P<b>[A-Za-z]{1,2})[0-9]{7,8}(?![0-9])"
)
_EMAIL = re.compile(
    r"(?:(?<![A-Za-z0-9._%+\-])(?P<local>[A-Za-z0-9][A-Za-z0-9._%+\-]{0,63})"
    r"|(?<![가-힣A-Za-z0-9._\-])(?P<klocal>[가-힣0-9][가-힣0-9._\-]{0,30}))"
    r"(?P<at>@|[ \t]+@[ \t]+|[ \t]*[(\[{][Aa][Tt][)\]}][ \t]*)"
    r"(?P<domain>(?:[A-Za-z0-9가-힣](?:[A-Za-z0-9가-힣\-]{0,61}[A-Za-z0-9가-힣])?\.){1,8}"
    r"(?:[A-Za-z]{2,24}(?![A-Za-z])|한국))"
)
_PLATE_LETTERS = "가나다라마거너더러머버서어저고노도로모보소오조구누두루무부수우주아바사자배하허호"
_PLATE = re.compile(r"(?P<region>(?:" + _REGIONS + r")[ \t]?)?(?<![0-9])[0-9]{2,3}[ \t]?"
                    r"(?P<letter>[" + _PLATE_LETTERS + r"])[ \t]?[0-9]{4}(?![0-9])" + _NOT_QTY)
_ACCOUNT = re.compile(r"(?<![0-9\-])(?P<keep>[0-9]{2,6})(?:-[0-9]{2,8}){1,4}(?![0-9\-])"
                      r"|(?<![0-9])(?P<bare>[0-9]{3})[0-9]{7,13}(?![0-9])")
_ACCOUNT_SPACED = re.compile(
    r"(?:계좌|은행|입금|송금|예금주|통장|뱅크|농협|신협|우체국|새마을금고)[^\n0-9]{0,15}"
    r"(?<![0-9])(?P<num>(?P<keep>[0-9]{2,6})(?:[ .][0-9]{2,8}){1,4})(?![0-9])"
    # …or the bank after the number (110 123 456789 국민은행으로)
    r"|(?<![0-9])(?P<num2>(?P<keep2>[0-9]{2,6})(?:[ .\-][0-9]{1,8}){1,4})(?![0-9])[ \t]{0,3}(?:\([^)\n!?;]{0,10}\))?"
    r"[ \t]{0,3}(?:[가-힣]{0,4}(?:은행|뱅크|농협|신협|우체국|새마을금고|수협)|계좌|통장)"
)
# 101동 1203호, B동 302호; a unit alone (1203호), not a line (2호선), a document (제123호) or a shop.
_UNIT = re.compile(
    r"(?<![0-9A-Za-z])(?:제[ \t]?)?(?:[0-9]{1,4}|[A-Za-z])[ \t]?동[ \t,]*"
    r"(?:제[ \t]?)?[A-Za-z]?[0-9]{1,5}[ \t]?호(?![선기차점])"
    r"|(?<![0-9A-Za-z제\-])[A-Za-z]?[0-9]{3,4}[ \t]?호(?![선기차점])"
)
# 헬리오빌 105-803: block and unit after a building's name.
_APARTMENT_UNIT = re.compile(r"(?:아파트|빌라|빌|맨션|하이츠|타운|캐슬|자이|래미안|푸르지오|힐스테이트|아이파크|"
                             r"오피스텔|주공|[Aa]pt|APT)[ \t]*(?P<num>[0-9]{2,4}-[0-9]{3,4})(?![0-9\-])")
# Below the dong: the lot number after a dong or a 가 (합정동 123-45, 종로3가 12, 123번지).
_LOT = re.compile(
    r"(?P<place>(?<![가-힣])[가-힣]{1,12}(?:[0-9]{1,2}동|동|[0-9]{1,3}가))[ \t]*"
    r"(?P<num>(?:산[ \t]?)?[0-9]{1,5}(?:-[0-9]{1,5})?(?:[ \t]?번지)?)(?![0-9\-])" + _NOT_QTY
    + r"|(?<![0-9\-])(?P<lot>[0-9]{1,5}(?:-[0-9]{1,5})?[ \t]?번지)"
)
# Words ending in 동 that are not neighbourhoods.
_NOT_DONG = ("활동", "이동", "행동", "운동", "노동", "감동", "자동", "공동", "변동", "출동", "작동", "가동", "아동",
             "연동", "충동", "진동", "소동", "난동", "기동", "발동", "구동", "수동", "능동", "협동", "합동", "유동",
             "부동", "파동", "폭동", "선동", "생동", "율동", "태동", "약동", "격동", "준동", "동동", "재가동",
             "각동", "전동", "연구동", "병동", "별동", "신관동", "학생동")
# The building number after a road name (세종대로 110, 월드컵북로12길 34, 북촌로 5길 3-2).
_ROAD = re.compile(
    r"(?P<road>(?<![가-힣A-Za-z0-9])[가-힣A-Za-z0-9]{1,20}?(?:대로|로|길)"
    r"(?:[ \t]?[0-9]{1,3}(?:번|번가|가)?길)?)[ \t]*"
    r"(?P<num>[0-9]{1,5}(?:-[0-9]{1,5})?)(?![0-9\-]|[ \t]*(?:가|길|번길|번가길))" + _NOT_QTY
)


def _digits(s: str) -> str:
    return "".join(ch for ch in s if ch.isdigit())


# 010-3317-96xx: a number partly hidden by its writer is still most of a number.
_PARTIAL_PHONE = re.compile(r"(?<![0-9A-Za-z])(?P<keep>01[016789])[-. ]?[0-9]{3,4}[-. ]?(?=[0-9xX*]{4}(?![0-9A-Za-z]))"
                            r"[0-9]{0,3}[xX*]{1,4}")


def _phone(norm: str):
    for m in _PARTIAL_PHONE.finditer(norm):
        yield Span(m.start(), m.end(), "phone", (m.span("keep"),))
    for m in _PHONE.finditer(norm):
        digits = _digits(m.group(0))
        if m.group(0).lstrip(" (").startswith(("+", "00")):  # +82 10… / 0082 2… → 010…, 02…
            digits = "0" + digits.removeprefix("00").removeprefix("82").lstrip("0")
        if (m.group("biz") or digits.startswith(PUBLIC_OFFICE_PREFIXES)
                or (not digits.startswith("01") and _institution(norm, m.start(), m.end()))):
            # Shown as written, and no other kind (an account) may claim it.
            yield Span(m.start(), m.end(), "public", ((m.start(), m.end()),))
            continue
        keep = m.span("keep")
        yield Span(m.start(), m.end(), "phone", (keep,))


def _simple(pattern: re.Pattern, kind: str, keep_group: str | None = None):
    def find(norm: str):
        for m in pattern.finditer(norm):
            keep = ()
            if keep_group:
                keep = tuple(m.span(g) for g in keep_group.split() if m.group(g))
            yield Span(m.start(), m.end(), kind, keep)

    return find


def _passport(norm: str):
    for m in _PASSPORT.finditer(norm):
        group = "a" if m.group("a") else "b"
        start = m.start(group)
        yield Span(start, m.end(), "passport", ((start, start + 1),))


# What every _EMAIL match holds: its "at" and, after it, the first label of the domain and its dot.
# Cheap to look for: an @mention alone (nearly every post on X) is not scanned with _EMAIL.
_EMAIL_AT = re.compile(r"(?:@|[(\[{][Aa][Tt][)\]}])[ \t]*[A-Za-z0-9가-힣][A-Za-z0-9가-힣\-]{0,62}\.")


def _email(norm: str):
    if not _EMAIL_AT.search(norm):
        return
    for m in _EMAIL.finditer(norm):
        local = "local" if m.group("local") else "klocal"
        first = m.start(local)
        if m.group(local).lower() in _ROLE_MAILBOXES:
            yield Span(m.start(), m.end(), "public", ((m.start(), m.end()),))
            continue
        yield Span(m.start(), m.end(), "email", ((first, first + 1), (m.start("at"), m.end())))


# An organisation's mailbox (help@seoul.go.kr, minwon@…) is no person's address.
_ROLE_MAILBOXES = set("help info minwon webmaster admin contact support press master news desk service cs qna "
                      "noreply no-reply privacy office mail 민원 안내".split())
# A web address is shown as written: its digits are ids (…/223456789012), not phone numbers.
_URL = re.compile(r"(?:https?://|www\.)[^\s<>\"']+"
                  r"|(?<![A-Za-z0-9@._\-])(?:[A-Za-z0-9\-]+\.)+(?:com|net|org|kr|io|co)/[^\s<>\"'!?;]*")


def _urls(norm: str) -> Iterator[Span]:
    for m in _URL.finditer(norm):
        yield Span(m.start(), m.end(), "url", ((m.start(), m.end()),))


# 2024-03-15-2024-04-15 is a period, not an account.
_DATES = re.compile(r"(?:(?:19|20)[0-9]{2}-[01]?[0-9]-[0-3]?[0-9]-?)+")
# 20261206143000: a time stamp or a receipt number that starts with its date, not an account.
_STAMP = re.compile(r"(?:19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])[0-9]*")
# 214-86-12345 after 사업자(등록)번호: a business's registration number is public.
_BUSINESS_NUMBER = re.compile(r"사업자[^0-9\n]{0,12}$")


def _account(norm: str):
    for m in _ACCOUNT.finditer(norm):
        if 10 <= len(_digits(m.group(0))) <= 16 and not _DATES.fullmatch(m.group(0)):
            if m.group("bare") and _STAMP.fullmatch(m.group(0)):
                continue
            if _BUSINESS_NUMBER.search(norm, max(0, m.start() - 20), m.start()):
                yield Span(m.start(), m.end(), "public", ((m.start(), m.end()),))
                continue
            keep = m.span("keep") if m.group("keep") else m.span("bare")
            yield Span(m.start(), m.end(), "account", (keep,))
    for m in _ACCOUNT_SPACED.finditer(norm):
        number, shown = ("num", "keep") if m.group("num") else ("num2", "keep2")
        if 10 <= len(_digits(m.group(number))) <= 16:
            yield Span(m.start(number), m.end(number), "account", (m.span(shown),))


def _apartment_units(norm: str) -> Iterator[Span]:
    for m in _APARTMENT_UNIT.finditer(norm):
        yield Span(m.start("num"), m.end("num"), "unit")


def _lot(norm: str):
    for m in _LOT.finditer(norm):
        if m.group("lot"):
            yield Span(m.start("lot"), m.end("lot"), "lot")
            continue
        place = m.group("place")
        if place.endswith("동") and not place[-2:-1].isdigit() and place.endswith(_NOT_DONG):
            continue
        yield Span(m.start("num"), m.end("num"), "lot")


# Names that end in a road and a number: places, not addresses.
_NOT_ROADS = {"서울로7017"}
_PARTICLE_RO = re.compile(r"(?:으로|에로|와로|과로)$")


def _road(norm: str):
    # "버스로 15분" is "by bus": the unit after the number says so (_NOT_QTY), and "…으로" is
    # never a road. Kiwi is no help here: it reads the road 동일로 as 동일 + the particle 로.
    for m in _ROAD.finditer(norm):
        if _PARTICLE_RO.search(m.group("road")) or m.group("road") + m.group("num") in _NOT_ROADS:
            continue
        if m.group("num").startswith("0"):  # 종로09, 강남01: a village bus, never a building number
            continue
        yield Span(m.start("num"), m.end("num"), "road")


# --- numbers across any separator ---------------------------------------------------------------

# Digit groups apart by anything people put between them (spaces of any width, newlines, ~ , . /
# | * and every dash), or one digit at a time; each window of whole groups is read as one number.
_DIGIT_RUN = re.compile(r"(?<![0-9A-Za-z+])(?P<plus>\+[ \t]?)?[0-9]+(?:" + _RUN_SEP + r"[0-9]+)+(?![0-9])")
_GROUP = re.compile("[0-9]+")
_AREA = re.compile(r"0(?:1[016789]|2|[3-6][1-5]|70|50[2-8])")
_INTL_PREFIX = re.compile(r"(?:00[1-9]?|)82")
_BANK_CUE = re.compile(
    "계좌|은행|입금|송금|예금주|통장|뱅크|농협|신협|우체국|새마을금고|수협|국민|신한|우리|하나|기업|카뱅|토스|"
    "케이뱅크|제일|씨티|산업|[Bb]ank|[Aa]ccount|IBK|KB|NH")
_CARD_CUE = re.compile("카드|[Cc]ard|신용|체크|결제|VISA|Visa|비자|마스터|아멕스")


def _after(norm: str, end: int, chars: int) -> str:
    """Up to `chars` characters after `end`, not past a barrier (see mask_head)."""
    tail = norm[end:end + chars]
    barrier = _BARRIERS.search(tail)
    return tail[:barrier.start()] if barrier else tail


def _luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def _valid_birth_date(digits: str) -> bool:
    month, day = int(digits[2:4]), int(digits[4:6])
    return 1 <= month <= 12 and 1 <= day <= 31


class _Cues:
    """What the text says around a window of digits (a card, a bank, an institution), looked up
    once per position: a run of thousands of digit groups has thousands of windows."""

    def __init__(self, norm: str):
        self.norm = norm
        self._memo: dict[tuple[str, int, int], bool] = {}

    def _get(self, key: tuple[str, int, int], look) -> bool:
        found = self._memo.get(key)
        if found is None:
            found = self._memo[key] = bool(look())
        return found

    def card(self, start: int) -> bool:
        return self._get(("card", start, 0), lambda: _CARD_CUE.search(self.norm, max(0, start - 20), start))

    def bank(self, start: int, end: int) -> bool:
        return (self._get(("bank", start, 0), lambda: _BANK_CUE.search(self.norm, max(0, start - 20), start))
                or self._get(("bank after", 0, end), lambda: _BANK_CUE.search(_after(self.norm, end, 12))))

    def institution(self, start: int, end: int) -> bool:
        return self._get(("institution", start, end), lambda: _institution(self.norm, start, end))


_CARD_GROUPS = ((4, 4, 4, 4), (4, 6, 5))
_PHONE_START = re.compile(r"0[1-7]|82|00[1-9]?82")


def _window_kind(digits: str, lengths: tuple[int, ...], cues: _Cues, start: int, end: int, plus: bool,
                 whole: bool, phone: bool, edge: bool) -> tuple[str, int]:
    """The kind of the number `digits` (written in groups of `lengths` digits) and how many of its
    leading digits stay shown ("" when it is no personal number). The area code must end where a
    group ends (03 11 17 24 35 is no 031 number) unless the run is exactly one mobile number
    (0104 4821 903). A card needs a cue before it, or a card's grouping and the Luhn check."""
    n = len(digits)
    if plus:
        return ("phone", 0) if 8 <= n <= 15 else ("", 0)
    cuts = set(itertools.accumulate(lengths))
    prefix = _INTL_PREFIX.match(digits)
    national = digits
    if prefix and (prefix.end() in cuts or digits[prefix.end():prefix.end() + 1] in "123456789"):
        national = "0" + digits[prefix.end():].removeprefix("0")
    area = _AREA.match(national) if phone else None
    if area:
        shown = area.end() + (len(digits) - len(national))
        rest = national[area.end():]
        mobile = national.startswith("01")
        aligned = shown in cuts or (whole and national == digits and national.startswith("010"))
        if (7 <= len(rest) <= 8 and rest[0] != "0" and aligned
                and not (national.startswith("010") and len(rest) != 8)):
            if national.startswith(PUBLIC_OFFICE_PREFIXES) or (not mobile and cues.institution(start, end)):
                return "public", n
            return "phone", shown
    # An RRN splits after its birth date, or is written one digit or two at a time.
    if (n == 13 and digits[6] in "12345678" and _valid_birth_date(digits)
            and (6 in cuts or max(lengths) <= 2)):
        return "rrn", 0
    if n in (15, 16) and ((edge and cues.card(start)) or (lengths in _CARD_GROUPS and _luhn(digits))):
        return "card", 0
    if 10 <= n <= 16 and edge and cues.bank(start, end):
        return "account", 0
    return "", 0


def _digit_runs(norm: str) -> Iterator[Span]:
    cues = _Cues(norm)
    for run in _DIGIT_RUN.finditer(norm):
        groups = [(g.start(), g.end(), g.group()) for g in _GROUP.finditer(norm, run.start(), run.end())]
        if sum(len(text) for _, _, text in groups) < 8:
            continue
        plus = bool(run.group("plus"))
        i = 0
        while i < len(groups):
            found = None
            digits = ""
            lengths: tuple[int, ...] = ()
            phone = None
            first = groups[i][0]
            for j in range(i, len(groups)):
                digits += groups[j][2]
                lengths += (len(groups[j][2]),)
                n = len(digits)
                if n > 16:
                    break
                if n < 8:
                    continue
                # Cheap tests first: a run of thousands of groups has thousands of windows. A cue
                # (카드, 은행) can only stand before or after the run, not inside it.
                if phone is None:
                    phone = plus and i == 0 or bool(_PHONE_START.match(digits))
                edge = first - run.start() <= 20 or run.end() - groups[j][1] <= 12
                if not (phone or n in (13, 15, 16) or (n >= 10 and edge)):
                    continue
                kind, shown = _window_kind(digits, lengths, cues, first, groups[j][1], plus and i == 0,
                                           whole=i == 0 and j == len(groups) - 1, phone=phone, edge=edge)
                if kind:
                    found = (j, kind, shown)
            if not found:
                i += 1
                continue
            j, kind, shown = found
            start = run.start() if plus and i == 0 else first
            keep_end = start
            if shown:  # the position just after the shown digits
                count = 0
                for g_start, _, text in groups[i:j + 1]:
                    if count + len(text) >= shown:
                        keep_end = g_start + (shown - count)
                        break
                    count += len(text)
            if plus and i == 0 and kind == "phone":
                keep_end = groups[0][1]
            yield Span(start, groups[j][1], kind, ((start, keep_end),) if keep_end > start else ())
            i = j + 1


# A city, district or company line is public: the text names the institution next to the number.
_INSTITUTION = re.compile(
    "대표번호|대표 번호|대표전화|고객센터|콜센터|상담센터|상담실|구청|시청|군청|주민센터|동사무소|행정복지센터|"
    "경찰서|지구대|소방서|보건소|민원실|공단|공사|사무소|사업소|센터|병원|은행|학교|도서관|관리사무소|수신거부")
_PERSONAL = re.compile("제|저|저희|우리|내|집|자택|본인|개인|핸드폰|휴대폰|폰|연락처|어머니|아버지|할머니|할아버지|"
                       "엄마|아빠")


def _institution(norm: str, start: int, end: int) -> bool:
    before = norm[max(0, start - 20):start]
    cues = [m.end() for m in _INSTITUTION.finditer(before)]
    personal = [m.end() for m in _PERSONAL.finditer(before)]
    if cues and (not personal or cues[-1] > personal[-1]):
        return True
    return not personal and bool(_INSTITUTION.search(_after(norm, end, 10)))


# --- e-mail addresses spelled out ---------------------------------------------------------------

_AT_WORD = (r"(?:[ \t\n]*(?:@|[(\[{][ \t]*(?:at|AT|At|골뱅이|골뱅|앳)[ \t]*[)\]}]|골뱅이|골뱅|앳)[ \t\n]*"
            r"|[ \t]+(?:at|AT)[ \t]+)")
_DOT_WORD = (r"(?:[ \t]*(?:\.|[(\[{][ \t]*(?:dot|DOT|닷|쩜|점|\.)[ \t]*[)\]}]|닷|쩜)[ \t]*"
             r"|[ \t]+(?:dot|DOT|점)[ \t]+)")
_PROVIDERS = ("네이버", "지메일", "한메일넷", "한메일", "다음", "카카오", "네이트", "구글", "핫메일", "아웃룩", "야후",
              "naver", "gmail", "hanmail", "daum", "kakao", "nate", "hotmail", "outlook", "yahoo", "icloud")
_TLDS = {"com", "net", "org", "kr", "co", "go", "ac", "re", "ne", "or", "edu", "gov", "info", "biz", "io", "me",
         "us", "jp", "cn", "uk", "de", "컴", "넷", "한국"}
_LABEL = (r"(?:[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?(?:[ ][A-Za-z0-9](?![A-Za-z0-9]))*|"
          + "|".join(p for p in _PROVIDERS if not p.isascii()) + "|컴|넷|한국)")
_SPELLED_EMAIL = re.compile(
    r"(?P<local>(?<![A-Za-z0-9._%+\-])(?:[A-Za-z0-9](?:[ ][A-Za-z0-9._\-](?![A-Za-z0-9])){3,40}"
    r"|[A-Za-z0-9][A-Za-z0-9._%+\-]{0,63}(?:[ ][0-9](?![0-9A-Za-z]))*)|(?<=[가-힣 ]))"
    r"(?P<at>" + _AT_WORD + r")(?P<domain>" + _LABEL + r"(?:" + _DOT_WORD + _LABEL + r"){0,6})"
)
_LABELS = re.compile(_LABEL)
# English words before "at" that make it a preposition (look at, meet at), not an address.
_NOT_LOCAL = set("look looking looked meet meeting stay staying arrive arrived live lives lived work works worked "
                 "is are was were be been me us him her them it this that here there open opens closed held "
                 "located available see seen call email mail me contact please visit visiting visited go went "
                 "find found check checked apply applied posted online sign signed log logged order ordered buy "
                 "bought reach reached register registered book booked stop stopped".split())
_LOCAL_WORD = re.compile(r"[가-힣A-Za-z0-9._\-]{1,8}")
_LOCAL_STOP = re.compile(r"(?:메일|이메일|주소|아이디|계정|[은는이가:]|이에요|예요|입니다)$|^(?:제|내|저의|my|My|is)$")


def _spelled_emails(norm: str) -> Iterator[Span]:
    for m in _SPELLED_EMAIL.finditer(norm):
        labels = [x.group().replace(" ", "").lower() for x in _LABELS.finditer(m.group("domain"))]
        at = m.group("at").strip(" \t\n()[]{}")
        if not (labels[-1] in _TLDS and len(labels) > 1 or labels[0] in _PROVIDERS) or labels[0] == "www":
            continue
        if at in ("at", "AT") and m.group("local").lower() in _NOT_LOCAL:
            continue
        if m.group("local").lower() in _ROLE_MAILBOXES:
            yield Span(m.start(), m.end(), "public", ((m.start(), m.end()),))
            continue
        start = m.start("local")
        if not m.group("local"):
            if at in ("at", "AT"):
                continue
            # Spelled in Hangul letters before 골뱅이 (에스 오 엠 아이 칠칠 골뱅이 …): the words up
            # to the one that introduces it (이메일은, 주소:).
            head = norm[:m.start()].rstrip(" \t")
            taken = 0
            for word in reversed(head[-60:].split(" ")[-6:]):
                if not _LOCAL_WORD.fullmatch(word) or _LOCAL_STOP.search(word):
                    break
                taken += len(word) + 1
            if not taken:
                continue
            start = len(head) - taken + 1
        yield Span(start, m.end(), "email", ((start, start + 1), (m.start("at"), m.end())))


# --- cues that say what a number is ----------------------------------------------------------------

_FILLER = r"(?:[^0-9\n]|[67][ \t]?자리)"  # 주민번호 앞 6자리 … 뒤 7자리 …
_RRN_CUE = re.compile(r"(?:주민|외국인[ \t]?등록)" + _FILLER + r"{0,25}?(?<![0-9])(?P<a>[0-9]{6})(?![0-9])"
                      + _FILLER + r"{1,12}?(?<![0-9])(?P<b>[1-8][0-9]{6})(?![0-9])")
_CVC = re.compile(r"(?:CVC|CVV|cvc|cvv|보안[ \t]?코드)[ \t:]*(?P<num>[0-9]{3,4})(?![0-9])")
_PASSPORT_CUE = re.compile(
    r"(?:여권|[Pp]assport|PASSPORT|护照|護照|旅券|パスポート)[^\n]{0,20}?(?<![A-Za-z0-9])"
    r"(?P<num>[A-Za-z0-9](?:-?[A-Za-z0-9]){6,11}|(?:[A-Za-z][ \t])?[0-9]+(?:[ \t][0-9]+){1,9})(?![A-Za-z0-9])")


def _cued_numbers(norm: str) -> Iterator[Span]:
    for m in _RRN_CUE.finditer(norm):
        if _valid_birth_date(m.group("a")):
            yield Span(m.start("a"), m.end("a"), "rrn")
            yield Span(m.start("b"), m.end("b"), "rrn")
    for m in _CVC.finditer(norm):
        yield Span(m.start("num"), m.end("num"), "card")
    for m in _PASSPORT_CUE.finditer(norm):
        digits = _digits(m.group("num"))
        if len(digits) >= (7 if " " in m.group("num") else 5) and not _STAMP.fullmatch(digits):
            yield Span(m.start("num"), m.end("num"), "passport", ((m.start("num"), m.start("num") + 1),))


# --- names --------------------------------------------------------------------------------------

_SURNAMES = ("김이박최정강조윤장임한오서신권황안송전홍유고문양손배백허남심노하곽성차주우구민류나진지엄채원천방"
             "공현함변염여추도소석선설마길연위표명기반왕금옥육인맹제모탁국")
_COMPOUND_SURNAMES = ("남궁", "황보", "제갈", "선우", "독고", "사공", "서문", "동방")
# Context that says the next word is a person's name.
_NAME_BEFORE = re.compile(
    r"(?:제[ \t]?이름은|이름은|이름이|이름[ \t]*:|성함은|성함[ \t]*:|성명[ \t]*:?|작성자[ \t]*:?|신고자[ \t]*:?"
    r"|민원인[ \t]*:?|담당자[ \t]*:?|담당[ \t]*(?:주무관|직원)|담당[ \t]*:?|주무관|예금주[ \t]*:?"
    r"|받는[ \t]?분[ \t]*:?)"
    r"[ \t]*(?P<run>[가-힣]{2,8})"
)
# "저는 홍길동입니다": the copula is the cue.
_NAME_SELF = re.compile(r"(?:저는|전|나는|난|저)[ \t]+(?P<run>[가-힣]{2,4})"
                        r"(?=입니다|이에요|예요|이고요|이라고|라고|이요|인데요|인데)")
# "박민준 이라는 사람", "조현우 라고 했어요": a name someone was called by.
_NAME_QUOTED = re.compile(r"(?<![가-힣])(?P<run>[가-힣]{2,4})[ \t]?(?:이라는|라는|이라고|라고)[ \t]?"
                          r"(?:사람|분|이름|했|하더|하는|합니다|해요|불러)")
# Context after the name: how people are called or addressed.
_NAME_AFTER = re.compile(
    r"(?<![가-힣])(?P<run>[가-힣]{2,4})(?P<cue>[ \t]?(?:씨|님|선생님|주무관|팀장|과장|계장|주임|대리|기사님|여사)"
    r"|[ \t](?:군|양))(?P<rest>[가-힣]{0,3})"
)
_PARTICLES = ("", *(
    "이 가 은 는 을 를 의 께 께서 에게 한테 와 과 도 만 랑 이랑 요 이요 입니다 이에요 "
    "예요 이고 이며 이라고 라고 이라는 라는 이다 들 께서는 에게서 이십니다 이세요 세요 네 께도 "
    "이신 인 "
).split())
# Person words that follow a surname syllable but are not names (Kiwi knows most; these it may not).
_NOT_NAMES = set((
    "중위 담당자 요원 아내 도지사 답변 배우 작가 시민 구의원 어르신 주임 작성자 구의회 군수 "
    "학생 주사 소방관 우리 전화 조치 하루 관리인 총리 장애인 후배 고객님 손님 문의 선배 집주인 "
    "부장 어린이 이제 총무 배정 전달 사원 누님 사장 조금 장관 전도사 안내원 하사 점장 형님 "
    "점주 사모 구청장 주무관 팀장 과장 검사 장로 아이 동료 확인 대통령 시장 회원 대리 공사 "
    "부인 노인 공무원 하나 형사 부시장 전문가 윗집 언니 이웃 박사 세무사 경비원 실장 선생 "
    "관리자 사장님 경사 학부모 차관 아랫집 연락 노무사 상담원 동장 조카 공익 소장 관계자 권사 "
    "선생님 이사 오늘 이모 임산부 강사 부모 이장 택배 유아 기사님 심사 국민 국장 구청 경찰관 "
    "판사 오빠 반장 배달 마음 여자 직원 신고자 의원 목사 회장 승무원 가수 중사 소위 병장 거기 "
    "봉사자 장모 여기 정말 동생 아버 단장 기사 고모 집사 경위 친구 소령 기자 도민 담당 대령 "
    "어머 옆집 신부 순경 국회의원 지금 주인 상담사 고객 역무원 상병 안내 지정 처리 미화원 "
    "본부장 기장 주무 차장 전무 여사 이번 위원장 감독 장인 구민 남자 주민 소방대원 운영자 한번 "
    "시청 경비 계장 저기 부처 외국인 정도 변경 남편 상사 장군 간호사 시의원 구급대원 민원인 "
    "변호사 원장 대위 조합장 하느 민원 신고 배달원 교육감 "
).split())
# A place and its administrative suffix (강남구, 한남동, 서울시, 강남구청): not a person.
_PLACE_SUFFIX = ("구청", "시청", "군청", "센터", "공원", "병원", "학교", "구민", "시민", "주민", "동민", "도민", "군민",
                 "역", "구", "시", "동", "군", "읍", "면", "청")


def _surname_split(word: str) -> int:
    """Length of the surname at the start of `word` (0: none)."""
    if word[:2] in _COMPOUND_SURNAMES and len(word) >= 3:
        return 2
    return 1 if word[:1] in _SURNAMES else 0


@lru_cache(maxsize=50_000)
def _word_shape(word: str) -> tuple[tuple[str, str, bool], ...]:
    from . import korean

    return korean.word_shape(word)


def _looks_like_name(word: str, strong: bool) -> bool:
    """`word` (a surname and one to three syllables) read as a person's name in its context.
    `strong`: the context names a person for sure (씨, 제 이름은, 성함, 담당자…); else (님, a job
    title after it) Kiwi must see a proper noun or a word it does not know."""
    surname = _surname_split(word)
    if not surname or not 2 <= len(word) <= 4 or len(word) - surname > 3 or word in _NOT_NAMES:
        return False
    if _is_place(word):
        return False
    shape = _word_shape(word)
    if not shape or any(tag[:1] in "JEV" or tag.startswith("XS") for _, tag, _ in shape):
        return False  # a particle, an ending, a verb or a suffix inside: 김철에게, 한국인
    form, tag, oov = shape[0]
    if len(shape) == 1:
        if oov:
            return True  # a word Kiwi does not know: 윤서연, 남궁민수
        return tag.startswith("NNP")  # not one dictionary word: 고객, 정말, 연락처
    # Kiwi split it: a name splits into its surname (or surname and a syllable) and single
    # syllables (박+서+준, 김민+구, 황보+영+수); 서울+시민 is a place and a noun.
    rest_single = all(len(f) == 1 and t.startswith("NN") for f, t, _ in shape[1:])
    if not rest_single or _is_place(form):
        return False
    return tag.startswith("NNP") or (strong and tag.startswith("NN"))


def _is_place(word: str) -> bool:
    """강남구, 한남동, 강남구청, 강남구민, 서울: a place, or a place Kiwi knows plus a suffix.
    After a one-syllable suffix the whole must be one proper noun too: 김민구 is 김민 + 구."""
    if word in _PLACES:
        return True
    for suffix in _PLACE_SUFFIX:
        if word.endswith(suffix) and len(word) - len(suffix) >= 2:
            inner = _word_shape(word[:-len(suffix)])
            if not (len(inner) == 1 and inner[0][1].startswith("NNP") and not inner[0][2]):
                continue
            if len(suffix) > 1:
                return True
            whole = _word_shape(word)
            if len(whole) == 1 and whole[0][1].startswith("NNP") and not whole[0][2]:
                return True
    return False


# Places Kiwi tags as proper nouns like any name; a name never equals one of these.
_PLACES = set((
    "성북 중랑 한강 남양주 남산 송파 성동 이태원 하남 구로 의정부 종로 여의도 구리 신촌 서초 "
    "시흥 동작 인천 용산 명동 관악 강북 도봉 잠실 고덕 수원 광명 목동 부천 대구 제주 고양 "
    "정릉 용인 김포 과천 강남역 양천 마포 광주 한남 강서 영등포 안양 강동 대전 성수 노원 세종 "
    "신림 문정 광진 강남 울산 부산 서울역 은평 상암 성남 금천 홍대 서울 "
).split())


def _name_spans(norm: str, run_start: int, run: str, strong: bool, rest_ok=None):
    """The name at the start of `run` (a run of Hangul after a cue): the longest reading first
    whose remainder is a particle or copula ("박민수에게" → 박민수)."""
    for length in (3, 4, 2):
        if length > len(run):
            continue
        word, rest = run[:length], run[length:]
        if rest not in _PARTICLES and not (rest_ok and rest_ok(rest)):
            continue
        if _looks_like_name(word, strong):
            return Span(run_start, run_start + length, "name", replacement=mask_name(word))
    return None


def _names(norm: str):
    for m in _OTHER_SCRIPT_NAME.finditer(norm) if _OTHER_SCRIPT_CUES.search(norm) else ():
        group = "run" if m.group("run") else "hanja"
        yield Span(m.start(group), m.end(group), "name", replacement=mask_name(m.group(group)))
    if not _HANGUL.search(norm):
        return
    for m in _NAME_BEFORE.finditer(norm):
        span = _name_spans(norm, m.start("run"), m.group("run"), True,
                           rest_ok=lambda rest: rest.startswith(("씨", "님", "주무관", "입니다", "이고", "이에요")))
        if span:
            yield span
    for m in _NAME_SELF.finditer(norm):
        if _looks_like_name(m.group("run"), True):
            yield Span(m.start("run"), m.end("run"), "name", replacement=mask_name(m.group("run")))
    if _NAME_AFTER_CUES.search(norm):
        yield from _names_after(norm)
    for m in _NAME_QUOTED.finditer(norm) if "라" in norm else ():
        if _looks_like_name(m.group("run"), True):
            yield Span(m.start("run"), m.end("run"), "name", replacement=mask_name(m.group("run")))
    for m in _SPACED_NAME.finditer(norm) if "씨" in norm or "님" in norm else ():
        rest = m.group("rest") or ""
        if rest not in _PARTICLES and not rest.startswith(("이시", "이신", "께", "랑", "이랑", "하고")):
            continue
        run = m.group("run")
        if _looks_like_name(run.replace(" ", "").replace(".", ""), strong=m.group("cue") == "씨"):
            yield Span(m.start("run"), m.end("run"), "name", replacement=_mask_spaced(run))
    for m in _SPACED_NAME_BEFORE.finditer(norm) if _SPACED_BEFORE_CUES.search(norm) else ():
        runs = [m.group("run")]
        if runs[0][-2:-1] in (" ", ".") and runs[0][-1] in "이가은는을를도":  # 강 하 준 이: a particle?
            runs.append(runs[0][:-2])
        for run in runs:
            # After a kin word (아들 강 하 준) Kiwi must not know the word (딸 이 번 주 is 이번 주).
            if _looks_like_name(run.replace(" ", "").replace(".", ""), strong=not m.group("kin")):
                yield Span(m.start("run"), m.start("run") + len(run), "name", replacement=_mask_spaced(run))
                break


def _names_after(norm: str):
    pos = 0
    while after := _NAME_AFTER.search(norm, pos):
        # Not finditer: "세입자 양은비 씨" first reads 세입자 + 양 (a girl's title), which fails, and
        # the name after it must still be looked at.
        pos = after.start() + 1
        rest = after.group("rest")
        if rest not in _PARTICLES and not (rest.startswith("님") and rest[1:] in _PARTICLES):
            continue
        cue = after.group("cue").strip()
        word = after.group("run")
        if _looks_like_name(word, strong=cue in ("씨", "군", "양", "여사")):
            yield Span(after.start("run"), after.end("run"), "name", replacement=mask_name(word))
            pos = after.end("run")


# A name written syllable by syllable (홍 길 동 씨, 한.순.자 님, 예금주 정 다 은).
_SPACED_NAME = re.compile(r"(?<![가-힣])(?P<run>[가-힣](?:[ \t.][가-힣]){1,3})[ \t]?(?P<cue>씨|님)"
                          r"(?P<rest>[가-힣]{0,3})")
_SPACED_NAME_BEFORE = re.compile(
    r"(?:이름은|이름[ \t]*:|성함은|성함[ \t]*:|성명[ \t]*:?|작성자[ \t]*:?|신고자[ \t]*:?|민원인[ \t]*:?|예금주[ \t]*:?"
    r"|받는[ \t]?분[ \t]*:?|(?P<kin>아들|딸|친구|동생|남편|아내|엄마|아빠|어머니|아버지|할머니|할아버지|손자|손녀|조카"
    r"|누나|언니|오빠|형))[ \t]*"
    r"(?P<run>(?:" + "|".join(_COMPOUND_SURNAMES) + r"|[가-힣])(?:[ \t.][가-힣]){1,3})(?![가-힣])")
# What the texts that _OTHER_SCRIPT_NAME, _SPACED_NAME_BEFORE or _NAME_AFTER match must contain (one
# of their cue words, or a part of one): most texts hold none, and are not scanned with the patterns.
# One search for any of the words (a regex of literals) costs a fraction of a test per word.
_OTHER_SCRIPT_CUES = re.compile("y name is|I'm|I am|ame:|저는|이름|성명|성함")
_SPACED_BEFORE_CUES = re.compile("이름|성함|성명|작성자|신고자|민원인|예금주|받는|아들|딸|친구|동생|"
                                 "남편|아내|엄마|아빠|어머니|아버지|할머니|손자|손녀|조카|누나|언니|오빠|형")
_NAME_AFTER_CUES = re.compile("씨|님|주무관|팀장|과장|계장|주임|대리|여사|군|양")  # 선생님, 기사님: 님


# A name in Latin letters or hanja after what introduces it (My name is Kim Minjun, 성명: 金哲洙).
_OTHER_SCRIPT_NAME = re.compile(
    r"(?:[Mm]y name is|I'm|I am|[Nn]ame:|저는|제 이름은|이름은)[ \t]+"
    r"(?P<run>[A-Z][a-z]+(?:[ \t][A-Z][a-z]+|-[A-Za-z][a-z]+){1,2})(?![A-Za-z])"
    r"|(?:성명|이름|성함)[ \t]*:?[ \t]*(?P<hanja>[\u4e00-\u9fff]{2,4})(?![\u4e00-\u9fff])")


def _mask_spaced(run: str) -> str:
    """홍 길 동 → 홍 * 동: the syllables as mask_name masks them, the spaces kept."""
    positions = [i for i, ch in enumerate(run) if "가" <= ch <= "힣"]
    hidden = positions[1:-1] if len(positions) > 2 else positions[1:]
    return "".join(STAR if i in hidden else ch for i, ch in enumerate(run))


_HANGUL = re.compile("[가-힣]")


def _authors(norm: str, names) -> list[Span]:
    spans = []
    for name in names:
        name = sanitize_text(name or "").strip()
        if len(name) < 2:
            continue
        start = norm.find(name)
        while start != -1:
            spans.append(Span(start, start + len(name), "author", replacement=mask_name(name)))
            start = norm.find(name, start + len(name))
    return spans


# (detector, the fewest ASCII digits any span it finds holds, what the text must contain besides: a
# match of this pattern, one search for all of its words; None = nothing). The detectors see the normalised
# copy, where spoken and look-alike digits are already digits. The counts come from the patterns (an
# RRN is 6 + 7 digits, a plate 2 + 4, a partly hidden 010-123x-… phone 3 + 3) or from the detector's
# own test (an account holds 10 to 16, a run 8 or more): most texts hold a few digits or none, and are
# not scanned for numbers they cannot hold.
_DETECTORS = [
    (_urls, 0, re.compile(r"http|www\.|/")),
    (_email, 0, re.compile(r"@|at\]|at\)|AT\]|AT\)|at\}")),
    # Every alternative starts with one character (the engine skips to those): an "@" after a letter or
    # digit and spaces is found from its first space, tab or newline (looking one character back).
    (_spelled_emails, 0, re.compile(r" at | AT |\( ?(?:at|AT)|\[ ?(?:at|AT)|\{ ?(?:at|AT)|골뱅|앳|@[ \t\n가-힣]"
                                    r"|@(?:naver|gmail|hanmail|daum|kakao|nate|hotmail|outlook|yahoo|icloud)"
                                    r"| (?<=[A-Za-z0-9] )[ \t\n]*@|\t(?<=[A-Za-z0-9]\t)[ \t\n]*@"
                                    r"|\n(?<=[A-Za-z0-9]\n)[ \t\n]*@")),
    (_simple(_RRN, "rrn"), 13, None),
    (_simple(_LICENCE, "licence", "region"), 10, None),
    (_simple(_CARD, "card", "keep amex"), 15, None),
    (_phone, 6, None),
    (_passport, 7, None),
    (_simple(_PLATE, "plate", "region letter"), 6, None),
    (_account, 10, None),
    (_digit_runs, 8, None),
    # A CVC is 3 digits; each of its patterns starts with its cue word.
    (_cued_numbers, 3, re.compile("주민|외국인|CVC|CVV|cvc|cvv|보안|"
                                  "여권|[Pp]assport|PASSPORT|护照|護照|旅券|パスポート")),
    (_simple(_UNIT, "unit"), 1, re.compile(r"[0-9][ \t]?호")),  # every unit's number ends so
    (_apartment_units, 5, re.compile("-")),
    # What every match has where its place or road ends and its number starts (or 번지 after it).
    (_lot, 1, re.compile(r"[동가][ \t]*(?:산[ \t]?)?[0-9]|번지")),
    (_road, 1, re.compile(r"[로길][ \t]*[0-9]")),
]


def _find(text: str, names=()) -> tuple[_Normalised, list[Span]]:
    """The normalised copy of `text` and the chosen spans in the copy's coordinates."""
    norm = _normalise(text)
    found: list[Span] = list(_authors(norm.text, names))
    found.extend(_names(norm.text))
    digits = sum(map(norm.text.count, "0123456789")) if _A_DIGIT.search(norm.text) else 0
    for detect, min_digits, needs in _DETECTORS:
        if digits >= min_digits and (needs is None or needs.search(norm.text)):
            found.extend(detect(norm.text))
    found = [s for s in found if not _placeholder(norm.text, s)]
    found.sort(key=lambda s: (_RANK[s.kind], s.start))
    chosen: list[Span] = []  # sorted by start, never overlapping
    starts: list[int] = []
    for span in found:
        i = bisect.bisect_left(starts, span.start)
        if (i and chosen[i - 1].end > span.start) or (i < len(chosen) and chosen[i].start < span.end):
            continue  # overlaps a span of an earlier kind
        chosen.insert(i, span)
        starts.insert(i, span.start)
    return norm, chosen


def _placeholder(norm: str, span: Span) -> bool:
    """000000-0000000, 010-0000-0000: a form's example, not anyone's number."""
    if span.replacement is not None or span.kind in ("url", "public"):
        return False
    if len(set(_digits(norm[span.start:span.end]))) > 2:  # most numbers: at once
        return False
    hidden = {norm[i] for i in range(span.start, span.end)
              if norm[i].isdigit() and not any(a <= i < b for a, b in span.keep)}
    return len(hidden) == 1 and sum(norm[i].isdigit() for i in range(span.start, span.end)) >= 6


def find_spans(text: str, names=()) -> list[Span]:
    """The personal data in `text` (already sanitised): non-overlapping spans, in order, in the
    coordinates of `text` itself."""
    norm, chosen = _find(text, names)
    if norm.starts is None:
        return chosen
    return [Span(*norm.span(s.start, s.end), s.kind, tuple(norm.span(a, b) for a, b in s.keep if b > a),
                 s.replacement) for s in chosen]


# Kinds whose letters may be Hangul (a Korean e-mail address); elsewhere Hangul in a span is
# context that stays (101동 1203호, 12가3456, 서울 12-…).
_STAR_HANGUL = {"email"}


_ASCII_ALNUM = re.compile("[A-Za-z0-9]")
_ANY_ALNUM = re.compile(r"[^\W_]")


def _star(chars: list[str], norm: _Normalised, span: Span) -> None:
    """Star, in the original characters, every letter or digit of the span the kind does not keep.
    Decided on the copy ("ㅡ" is a dash, "오" a digit), written over what the citizen typed: a
    spoken digit (오), a word (다섯) or a circled one (⑤) becomes one star per character."""
    hidden = _ANY_ALNUM if span.kind in _STAR_HANGUL else _ASCII_ALNUM
    for m in hidden.finditer(norm.text, span.start, span.end):
        i = m.start()
        if any(a <= i < b for a, b in span.keep):
            continue
        start, end = norm.span(i, i + 1)
        chars[start:end] = [STAR] * (end - start)


def mask_text(text, names=()) -> str:
    """The public form of a citizen's (or a staff answer's) text. `names` (the author's name…)
    are masked wherever they appear in it."""
    if not text:
        return ""
    text = sanitize_text(str(text))
    norm, spans = _find(text, names)
    if not spans:
        return text
    chars = list(text)
    replaced = []
    for span in spans:
        if span.replacement is None:
            _star(chars, norm, span)
        else:
            replaced.append((*norm.span(span.start, span.end), span.replacement))
    out, pos = [], 0
    for start, end, replacement in replaced:
        out.extend(chars[pos:start])
        out.append(replacement)
        pos = end
    out.extend(chars[pos:])
    return "".join(out)


# Characters no span contains and every look-around treats like the end of the text: a cut just
# before one splits no match, so masking the part before it gives exactly the start of the masked
# whole text. ("/", "_", ".", ",", "~", "|", "*", "-", "(", ")", "[", "]", "{", "}", ":" and "@" may sit
# inside a span: people write numbers and addresses with them.) What a detector reads after a number
# (a bank's name, an institution) is read only up to the next barrier, for the same reason.
_BARRIERS = re.compile(r"[!?;\"'<>\\^&=#…、！？]")


# Characters a span may contain (people write numbers with them), but whose effect on the masking
# of the text before them is bounded: no span, no digit run that decides one and no context read
# after a number reaches SOFT_MARGIN characters back across one (a phone or card window is at most
# 16 digits with their separators, a run of look-alike digits is decided by its first eight).
_SOFT_CUTS = re.compile("[,~|\n]")
SOFT_MARGIN = 400


def mask_head(text, chars: int, names=()) -> str:
    """The first `chars` characters of `mask_text(text, names)`, for previews of long texts without
    running every pattern over all of a 100 KB message: the text is cut at a barrier character a
    little after `chars` (no personal data can straddle one), or else at a comma, tilde, bar or
    newline SOFT_MARGIN characters after it (what straddles one changes nothing that far back),
    else masked whole."""
    if not text:
        return ""
    text = sanitize_text(str(text))
    if not any(_BARRIERS.search(name or "") or _SOFT_CUTS.search(name or "") for name in names):
        cut = _BARRIERS.search(text, chars + 200, chars + 5000) or _SOFT_CUTS.search(text, chars + SOFT_MARGIN,
                                                                                   chars + 5000)
        if cut:
            head = mask_text(text[:cut.start()], names)
            if len(head) >= chars:
                return head[:chars]
    return mask_text(text, names)[:chars]


def mask_name(name) -> str:
    """김철용 → 김*용, 김철 → 김*, 남궁민수 → 남**수, John Smith → J********h, an e-mail → its masked form."""
    name = sanitize_text(name).strip() if name else ""
    if not name:
        return ""
    if "@" in name:
        name = name.split("@", 1)[0]
    if len(name) <= 1:
        return STAR
    if len(name) == 2:
        return name[0] + STAR
    return name[0] + STAR * (len(name) - 2) + name[-1]
