"""State changes of broadcasts: workflow.py (draft → submit → approve/reject, follow-ups) and
sending.py (one delivery per account, posted once)."""

from ..errors import BroadcastError as BroadcastError  # callers catch it here
