"""The one base class of domain errors: what a person did that the rules refuse.

Each app names its refusals in a `Code` enum (its `errors` module); the message is a gettext msgid
in Korean, translated into the active language when shown (locale/en has the English), so the
staff screens show one language and the API can give both. Staff screens and the API catch
ApplicationError and show it; anything else is a bug and goes to the error log.
"""

from enum import StrEnum

from django.utils import translation
from django.utils.functional import Promise


class Code(StrEnum):
    """Codes of the ground floor, shared by every app."""

    INVALID = "invalid"
    NOT_FOUND = "not_found"
    FORBIDDEN = "forbidden"
    CONFLICT = "conflict"


class ApplicationError(Exception):
    """A refusal a person can act on. `str(error)` is its message in the active language.

    A subclass sets `code` and `message` (a lazy gettext msgid, with %(name)s placeholders filled
    from the keyword arguments); a raise site may also pass its own message and code.
    """

    code: str = Code.INVALID
    message: str | Promise = ""

    def __init__(self, message: str | Promise = "", *, code: str = "", **params: object):
        self.code = code or type(self).code
        self._message = message or self.message
        self.params = params
        super().__init__(self.code)

    def in_language(self, language: str | None) -> str:
        """The message in `language` (None: the active one)."""
        if language is None:
            return self._render()
        with translation.override(language):
            return self._render()

    def _render(self) -> str:
        text = str(self._message)
        return text % self.params if self.params else text

    @property
    def message_ko(self) -> str:
        return self.in_language("ko")

    @property
    def message_en(self) -> str:
        return self.in_language("en")

    def __str__(self) -> str:
        return self._render()
