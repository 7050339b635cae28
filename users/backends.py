"""The session's user without a query on every staff page (users.access.session_user)."""

from django.contrib.auth.backends import ModelBackend

from .access import session_user


class StaffCachingModelBackend(ModelBackend):
    """Django's ModelBackend, whose get_user (run on every request that has a session) reads a member
    of staff's row from this process's copy while no user changed: one query a page less."""

    def get_user(self, user_id):
        try:
            pk = int(user_id)
        except (TypeError, ValueError):
            return None
        user = session_user(pk)
        return user if user is not None and self.user_can_authenticate(user) else None
