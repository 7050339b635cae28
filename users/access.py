"""What a user may do (their groups and their permissions, as Django's ModelBackend reads them), kept
by core.versioned: every staff page asks it several times and it read four queries a page. Any change
of a user (not a login), a group, a permission or the links between them replaces the version, so the
next request of every process reads them again; other apps connect what else decides a user's access
(departments: memberships) with track()."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser, Group, Permission
from django.db.models import Model
from django.db.models.signals import m2m_changed, post_delete, post_save

from core.versioned import VersionedCache

# users.models reads this module (its permission attributes): the model is looked up, not imported.

ACCESS = VersionedCache("staff:access", ttl=300)


def _names(perms) -> frozenset[str]:
    return frozenset(f"{app}.{codename}" for app, codename
                     in perms.values_list("content_type__app_label", "codename").order_by())


def _read(user: AbstractUser) -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    # ModelBackend._get_permissions' queries: a superuser holds every permission.
    groups = frozenset(Group.objects.filter(user=user.pk).values_list("name", flat=True))
    if user.is_superuser:
        every = _names(Permission.objects.all())
        return groups, every, every
    return (groups, _names(Permission.objects.filter(user=user.pk)),
            _names(Permission.objects.filter(group__user=user.pk)))


def access(user: AbstractUser) -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """(group names, own permissions, the groups' permissions) of a saved user."""
    if user.pk is None:
        return frozenset(), frozenset(), frozenset()
    return ACCESS.get(f"user:{user.pk}:{int(user.is_superuser)}", lambda: _read(user))


def cached(user: AbstractUser, item: str, read):
    """Another value of what `user` may do (departments' memberships), kept under the same version."""
    if user.pk is None:
        return read()
    return ACCESS.get(f"{item}:{user.pk}", read)


# The row of a member of staff, as the session's user on every request (users.backends): kept in this
# process only, never in the shared cache (it holds the password's hash), under a version that any change
# of any user replaces (their saves and deletes here; the few QuerySet.update() of users call
# row_updated()). Citizens' rows are not kept: their counters change without a save.
ROWS = VersionedCache("staff:users", ttl=300)


def session_user(pk: int):
    """The user `pk` as the database holds them now (a staff member's row from ROWS), or None."""
    user_model = get_user_model()
    names = [f.attname for f in user_model._meta.concrete_fields]
    staff_at = names.index("is_staff")

    def read():
        return user_model.objects.filter(pk=pk).values_list(*names).first()

    row = ROWS.get(f"user:{pk}", read, shared=False, keep=lambda row: row is not None and row[staff_at])
    return None if row is None else user_model.from_db("default", names, row)


def forget_rows(**kwargs: object) -> None:
    ROWS.forget()


def row_updated(user: AbstractUser) -> None:
    """Say so after a QuerySet.update() of `user`'s row (no signal tells): a staff member's kept row is dropped."""
    if user.is_staff:
        ROWS.forget()


def forget(sender: type | None = None, update_fields=None, **kwargs: object) -> None:
    if sender is get_user_model() and update_fields and set(update_fields) <= {"last_login"}:
        return  # a login changes no one's access
    if kwargs.get("action", "post_").startswith("pre_"):
        return  # m2m_changed: once the rows changed
    ACCESS.forget()


def track(*models: type[Model]) -> None:
    for model in models:
        post_save.connect(forget, sender=model, dispatch_uid=f"access-save-{model._meta.label}")
        post_delete.connect(forget, sender=model, dispatch_uid=f"access-delete-{model._meta.label}")


def connect() -> None:
    user = get_user_model()
    links = (user.groups.through, user.user_permissions.through, Group.permissions.through)
    track(user, Group, Permission, *links)
    post_save.connect(forget_rows, sender=user, dispatch_uid="access-rows-save")
    post_delete.connect(forget_rows, sender=user, dispatch_uid="access-rows-delete")
    for through in links:
        m2m_changed.connect(forget, sender=through, dispatch_uid=f"access-m2m-{through._meta.label}")
