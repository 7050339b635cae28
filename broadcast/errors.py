"""The broadcast workflow's refusals: one code per kind, one message each (Korean msgid, English in
locale/en). A refused attempt is recorded on the broadcast's steps in Korean (`message_ko`)."""

from enum import StrEnum

from core.errors import ApplicationError


class Code(StrEnum):
    INVALID = "invalid"                # bad input: an unknown district, CAP status or kind of follow-up
    REQUIRED = "required"              # bad input: a required field, the expiry or a reason is missing
    FORBIDDEN = "forbidden"            # the role may not draft, approve, reject or retry; not the drafter
    OWN_DRAFT = "own_draft"            # four eyes: nobody approves their own draft
    CONFIRMATION = "confirmation"      # the approver did not type the area's name
    INVALID_STATE = "invalid_state"    # a conflict: not a draft, not awaiting approval, not sent
    EXPIRED = "expired"                # a conflict: the expiry time has passed
    CANCELLED = "cancelled"            # a conflict: the chain was cancelled (or this is the Cancel)
    SUPERSEDED = "superseded"          # a conflict: a later Update went out


class BroadcastError(ApplicationError):
    """A refused step of the broadcast workflow, with a message for staff in the page's language."""
