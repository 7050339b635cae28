"""The one base class of domain errors: what a person did that the rules refuse, said in Korean
first (English second). Staff screens (and the API later) catch ApplicationError and show it;
anything else is a bug and goes to the error log."""


class ApplicationError(Exception):
    """A refusal a person can act on. `str(error)` is what the screens show."""

    default_code = "invalid"

    def __init__(self, message_ko: str, message_en: str = "", code: str = ""):
        self.message_ko, self.message_en = message_ko, message_en
        self.code = code or self.default_code
        super().__init__(f"{message_ko} ({message_en})" if message_en else message_ko)
