"""Signals other apps may listen to (messages_app sends, never imports the listeners).

`message_overdue(sender=Message, message_ids=[...])`: sent after the commit that marked these
messages overdue (escalation). Status changes need no signal of their own: StatusChange rows are
created with save(), so post_save on StatusChange is the hook for those.
"""

from django.dispatch import Signal

message_overdue = Signal()
