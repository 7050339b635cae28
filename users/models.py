from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.functional import cached_property


class User(AbstractUser):
    """A citizen or a member of staff. What they may do comes from their groups (see roles.py)."""

    display_name = models.CharField("표시 이름", max_length=100, blank=True)
    # What other citizens see beside a comment (never the e-mail); chosen at sign-up.
    nickname = models.CharField("별명", max_length=20, unique=True, null=True, blank=True)
    notify_by_email = models.BooleanField("답변 알림 이메일", default=True, db_default=True)
    # default too: an unsaved user (allauth keeps one in the session during a social sign-up) must hold
    # a plain value, not the DatabaseDefault placeholder, which cannot be serialised.
    phone = models.CharField("휴대전화(알림톡)", max_length=20, blank=True, default="", db_default="")
    # The portal header's counter, read with the user (no query per page); portal.notify keeps it.
    unread_notices = models.PositiveIntegerField("읽지 않은 알림", default=0, db_default=0)

    class Meta:
        verbose_name = "사용자"
        verbose_name_plural = "사용자"

    def __str__(self):
        return self.display_name or self.get_full_name() or self.username

    def has_role(self, role: str) -> bool:
        return self.groups.filter(name=role).exists()

    @cached_property
    def access_rights(self) -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
        """(group names, own permissions, the groups' permissions), read once per instance from
        users.access (kept across requests, replaced on any change of the user, their groups or
        permissions)."""
        from .access import access
        return access(self)

    # Django's ModelBackend keeps a user's permissions in these attributes and reads the database only
    # when they are missing: here they come from access_rights, not four queries on every staff page.
    @cached_property
    def _user_perm_cache(self) -> set[str]:
        return set(self.access_rights[1])

    @cached_property
    def _group_perm_cache(self) -> set[str]:
        return set(self.access_rights[2])

    @cached_property
    def _perm_cache(self) -> set[str]:
        return {*self._user_perm_cache, *self._group_perm_cache}
