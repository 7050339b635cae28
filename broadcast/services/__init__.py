"""State changes of broadcasts: workflow.py (draft → submit → approve/reject, follow-ups) and
sending.py (one delivery per account, posted once)."""


from core.errors import ApplicationError


class BroadcastError(ApplicationError):
    """A refused step, with a message for staff (Korean first, English in parentheses)."""
