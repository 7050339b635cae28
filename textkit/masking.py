"""Personal data masking (PIPA practice) for every text that leaves the staff side.

`mask_text` and `mask_name` are the only two functions used by public pages, the API and exports.
The stored original stays untouched for staff. Over-masking a number is preferred to leaking one.
"""

import re

STAR = "*"

# Units after a number that mean "a quantity", not a house number: "활동 10회", "앞으로 3일".
_UNIT = r"(?!\s*(?:회|분|명|개|층|월|일|년|원|살|세|초|번째|번\s*출구|호선|km|m\b|미터|건|%|배|장|권|곳))"

# Resident registration number (주민등록번호) and foreigner number: 6 digits, [1-8], 6 digits.
_RRN = re.compile(r"(?<!\d)\d{6}\s*-?\s*[1-8]\d{6}(?!\d)")
# Card numbers: 4-4-4-4 (or 4-6-5 for AmEx), separators optional.
_CARD = re.compile(r"(?<!\d)(\d{4})[- ]?(\d{4})[- ]?(\d{4})[- ]?(\d{4})(?!\d)"
                   r"|(?<!\d)(\d{4})[- ](\d{6})[- ](\d{5})(?!\d)")
# Mobile and landline numbers: keep the area/carrier code and the middle group (010-1234-****).
_PHONE = re.compile(r"(?<!\d)(01[016789]|02|0[3-6][1-5]|070|050\d?)([-. )]?\s?)(\d{3,4})([-. ]?\s?)(\d{4})(?!\d)")
# Bank accounts: digit groups joined by hyphens with 10-16 digits in total, or a bare 10-16 digit run.
_ACCOUNT = re.compile(r"(?<![\d-])\d{2,6}(?:-\d{2,8}){1,3}(?![\d-])|(?<!\d)\d{10,16}(?!\d)")
_EMAIL = re.compile(r"(?<![A-Za-z0-9._%+-])([A-Za-z0-9._%+-])([A-Za-z0-9._%+-]{0,63})"
                    r"@([A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){1,8})")
# Car plates: 12가3456, 123나4567, 서울12가3456.
_PLATE_LETTERS = "가나다라마바사아자거너더러머버서어저고노도로모보소오조구누두루무부수우주배하허호"
_PLATE = re.compile(r"(?<!\d)(\d{2,3}\s?[" + _PLATE_LETTERS + r"])\s?(\d{4})(?!\d)")
# Apartment unit: 101동 1203호.
_UNIT_NO = re.compile(r"(?<![가-힣\d])\d{1,4}\s?동\s*\d{1,5}\s?호")
# Bounded repetitions everywhere: a 100 KB run of Hangul must not make a pattern quadratic.
# Below the dong: the lot number after 동/가 (합정동 123-45, 종로3가 12) ...
_LOT = re.compile(r"([가-힣]{1,20}\d{0,3}동|[가-힣]{1,20}\d{1,3}가)(\s*)"
                  r"(?:산\s?)?\d{1,5}(?:-\d{1,5})?(?:\s?번지)?(?!\d)" + _UNIT)
# ... and the building number after a road name (세종대로 110, 월드컵북로12길 34).
_ROAD = re.compile(r"([가-힣\d]{1,30}(?:로|길))(\s*)\d{1,5}(?:-\d{1,5})?(?:\s?번길)?(?![\d가길-])" + _UNIT)


def _stars(s: str) -> str:
    return re.sub(r"\d", STAR, s)


def _mask_account(m: re.Match) -> str:
    digits = sum(c.isdigit() for c in m.group(0))
    if not 10 <= digits <= 16:
        return m.group(0)
    first, _, rest = m.group(0).partition("-")
    return first + "-" + _stars(rest) if rest else m.group(0)[:3] + STAR * (len(m.group(0)) - 3)


def _mask_card(m: re.Match) -> str:
    text = m.group(0)
    return text[:4] + _stars(text[4:])


def _mask_email(m: re.Match) -> str:
    local = m.group(1) + m.group(2)
    return local[:1] + STAR * max(3, len(local) - 1) + "@" + m.group(3)


def mask_text(text, names=()) -> str:
    """The public form of a citizen's text. `names` (the author's name...) are masked wherever they
    appear in it. Order matters: the longest, most specific numbers first."""
    if not text:
        return ""
    text = str(text)
    for name in names:
        name = (name or "").strip()
        if len(name) >= 2:
            text = text.replace(name, mask_name(name))
    text = _EMAIL.sub(_mask_email, text)
    text = _RRN.sub(lambda m: re.sub(r"\d", STAR, m.group(0)), text)
    text = _CARD.sub(_mask_card, text)
    text = _PHONE.sub(lambda m: m.group(1) + m.group(2) + m.group(3) + m.group(4) + STAR * 4, text)
    text = _PLATE.sub(lambda m: m.group(1) + STAR * 4, text)
    text = _ACCOUNT.sub(_mask_account, text)
    text = _UNIT_NO.sub("***동 ***호", text)
    text = _LOT.sub(lambda m: m.group(1) + (m.group(2) or " ") + "***", text)
    text = _ROAD.sub(lambda m: m.group(1) + (m.group(2) or " ") + "***", text)
    return text


# Characters no pattern above (nor its look-arounds) can consume: a cut just before one splits no
# match, so masking the part before it gives exactly the start of the masked whole text.
_BARRIERS = re.compile(r"[,!?;:\"'<>/\\|\[\]{}~^&=#…。、！？]")


def mask_head(text, chars: int, names=()) -> str:
    """The first `chars` characters of `mask_text(text, names)`, for previews of long texts without
    running every pattern over all of a 100 KB message: the text is cut at a barrier character a
    little after `chars` (no personal data can straddle one), else masked whole."""
    if not text:
        return ""
    text = str(text)
    barrier = _BARRIERS.search(text, chars + 200, chars + 5000)
    if barrier and not any(_BARRIERS.search(name or "") for name in names):
        head = mask_text(text[:barrier.start()], names)
        if len(head) >= chars:
            return head[:chars]
    return mask_text(text, names)[:chars]


def mask_name(name) -> str:
    """김철용 → 김*용, 김철 → 김*, 남궁민수 → 남**수, John Smith → J********h, an e-mail → its masked form."""
    if not name:
        return ""
    name = str(name).strip()
    if "@" in name:
        name = name.split("@", 1)[0]
    if len(name) <= 1:
        return STAR
    if len(name) == 2:
        return name[0] + STAR
    return name[0] + STAR * (len(name) - 2) + name[-1]
