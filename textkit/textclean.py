"""One sanitiser for every text that enters the platform or is shown from it.

`sanitize_text` removes what changes how a text reads without being seen, and what cannot be
stored: C0/C1 control characters and DEL (tab and newline stay; CR and the Unicode line/paragraph
separators become a newline), bidirectional controls (U+202E "right-to-left override" makes
"gpj.exe" read "exe.jpg"), zero-width and other invisible format characters, non-characters, and
lone surrogates (which cannot be encoded as UTF-8, so become U+FFFD).

What stays: the zero-width joiner inside an emoji sequence (👨‍👩‍👧) and the tag characters of a
subdivision flag (🏴 England): they are part of one visible picture.

Plain Python without any framework import: ingest, forms, services and masking all use it.
"""

import re
import unicodedata

__all__ = ["sanitize_text"]

_ZWJ = "\u200d"

# Removed wherever they are.
_DROP_CLASS = (
    "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"  # C0 (not \t \n; \r is handled below), DEL, C1
    "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"  # bidirectional marks, embeddings, overrides, isolates
    "\u200b\u200c\u2060-\u2064\ufeff\u180e\u00ad\u034f"  # zero-width chars, word joiner, BOM, soft hyphen, CGJ
    "\u206a-\u206f\ufff9-\ufffb"  # deprecated format controls, interlinear annotations
    "\ufffe\uffff"  # non-characters
    "\U000e0000-\U000e007f"  # tag characters (kept only inside a flag's tag sequence)
)
# Anything the sanitiser may change: the common case (none of these) returns the text unchanged.
_SUSPECT = re.compile(f"[{_DROP_CLASS}\r\u2028\u2029{_ZWJ}\ud800-\udfff]")
_WORK = re.compile(
    "(?P<flag>\U0001f3f4[\U000e0020-\U000e007e]{1,30}\U000e007f)"
    f"|(?P<crlf>\r\n?|[\u2028\u2029])"
    f"|(?P<zwj>{_ZWJ})"
    "|(?P<surrogate>[\ud800-\udfff])"
    f"|[{_DROP_CLASS}]"
)


def _emoji_like(ch: str) -> bool:
    """A character a zero-width joiner may glue into one emoji (♀, 👩, a skin tone, U+FE0F)."""
    if not ch:
        return False
    if ch in "\ufe0f\u20e3" or ord(ch) >= 0x1F000:
        return True
    return unicodedata.category(ch) in ("So", "Sk")


def _replace(match: re.Match, text: str) -> str:
    kind = match.lastgroup
    if kind == "flag":
        return match.group(0)
    if kind == "crlf":
        return "\n"
    if kind == "surrogate":
        return "\ufffd"
    if kind == "zwj":
        i = match.start()
        before = text[i - 1] if i else ""
        after = text[i + 1] if i + 1 < len(text) else ""
        return _ZWJ if _emoji_like(before) and _emoji_like(after) else ""
    return ""


def sanitize_text(value) -> str:
    """The text without invisible or control characters (see the module docstring). None → ""."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    if not _SUSPECT.search(text):
        return text
    return _WORK.sub(lambda m: _replace(m, text), text)
