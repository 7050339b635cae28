"""Splitting an answer into the parts a platform will accept, numbered "(1/3) ...".

X counts text by its weighted length (twitter-text: Hangul and other CJK count 2, a URL 23,
280 at most); comments take up to 8,000 characters on Facebook, 2,200 on Instagram, 10,000 on
YouTube. Splits fall on whitespace, and only inside a word when one word alone is too long (never
inside an emoji ZWJ sequence).
"""

import re
from collections.abc import Callable
from functools import lru_cache

from twitter_text import parse_tweet

X_MAX_WEIGHT = 280
FACEBOOK_MAX_CHARS = 8000
# Characters a comment takes: Instagram 2,200 (a caption's limit, comments the same); YouTube 10,000.
CHAR_LIMITS = {"facebook": FACEBOOK_MAX_CHARS, "instagram": 2200, "youtube": 10_000}
QUICK_CHECK_CHARS = 10_000

# Characters the X parser rejects (BOM, non-characters, bidi-overrides it treats as invalid).
_X_INVALID = re.compile("[\ufffe\ufeff\uffff\u202a-\u202e]")
# Never break right before these: they belong to the preceding character.
_JOINS_PREVIOUS = re.compile(
    "[\u200d\ufe00-\ufe0f\u0300-\u036f\u20d0-\u20ff\U0001f3fb-\U0001f3ff\U000e0020-\U000e007f"
    "\u1160-\u11ff]"
)
_WHITESPACE = re.compile(r"(\s+)")


def x_fits(text: str) -> bool:
    result = parse_tweet(text)
    return result.valid and result.weightedLength <= X_MAX_WEIGHT


@lru_cache(maxsize=4096)
def _x_weight(token: str) -> int:
    return parse_tweet(token).weightedLength


def _prefix(index: int, total: int) -> str:
    return f"({index}/{total}) "


def _clusters(word: str) -> list[str]:
    """A character plus whatever must stay attached to it (ZWJ partners, modifiers, marks)."""
    out, i = [], 0
    while i < len(word):
        j = i + 1
        while j < len(word) and (word[j - 1] == "\u200d" or _JOINS_PREVIOUS.match(word[j])):
            j += 1
        out.append(word[i:j])
        i = j
    return out


def _pack(text: str, weigh: Callable[[str], int], budget: int) -> list[str]:
    """Greedy packing on whitespace; token weights add up (a URL never spans whitespace)."""
    parts: list[str] = []
    current, weight = "", 0
    separator = ""
    for token in _WHITESPACE.split(text):
        if not token:
            continue
        if token.isspace():
            separator = "\n" if "\n" in token else " "
            continue
        w = weigh(token)
        if current and weight + 1 + w <= budget:
            current, weight = current + separator + token, weight + 1 + w
            continue
        if current:
            parts.append(current)
        if w <= budget:
            current, weight = token, w
            continue
        # One word longer than a whole part: cut it between clusters.
        current, weight = "", 0
        for cluster in _clusters(token):
            cw = weigh(cluster)
            if current and weight + cw > budget:
                parts.append(current)
                current, weight = "", 0
            current, weight = current + cluster, weight + cw
    if current:
        parts.append(current)
    return parts


def split_text(text: str, weigh: Callable[[str], int], limit: int, fits: Callable[[str], bool]) -> list[str]:
    text = text.strip()
    if not text:
        return []
    # The parser is slow on huge texts; anything this long cannot fit one part anyway.
    if len(text) <= QUICK_CHECK_CHARS and fits(text):
        return [text]
    digits, slack = 1, 0
    while True:
        # Budget for the widest prefix of this many digits, so the real prefix always fits.
        budget = limit - len(_prefix(10**digits - 1, 10**digits - 1)) - slack
        parts = _pack(text, weigh, budget)
        if len(str(len(parts))) > digits:
            digits = len(str(len(parts)))
            continue
        if len(parts) == 1:
            return parts
        numbered = [_prefix(i, len(parts)) + part for i, part in enumerate(parts, start=1)]
        # The parser is the judge: weights can differ slightly once tokens are joined.
        if all(fits(p) for p in numbered) or budget <= 20:
            return numbered
        slack += 10


def split_reply(platform: str, text: str) -> list[str]:
    """The parts a reply of `text` will be posted as on `platform` (one part when it fits)."""
    if platform == "x":
        return split_text(_X_INVALID.sub("", text), _x_weight, X_MAX_WEIGHT, x_fits)
    if platform in CHAR_LIMITS:
        limit = CHAR_LIMITS[platform]
        return split_text(text, len, limit, lambda part: 0 < len(part) <= limit)
    text = text.strip()
    return [text] if text else []
