from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    """A citizen or a member of staff. What they may do comes from their groups (see roles.py)."""

    display_name = models.CharField("표시 이름", max_length=100, blank=True)

    class Meta:
        verbose_name = "사용자"
        verbose_name_plural = "사용자"

    def __str__(self):
        return self.display_name or self.get_full_name() or self.username

    def has_role(self, role: str) -> bool:
        return self.groups.filter(name=role).exists()
