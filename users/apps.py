from django.apps import AppConfig


class UsersConfig(AppConfig):
    name = "users"
    verbose_name = "사용자와 역할"

    def ready(self):
        from django.db.models.signals import post_migrate

        from . import access
        from .roles import ensure_roles

        post_migrate.connect(ensure_roles, dispatch_uid="users.ensure_roles")
        # A user's groups and permissions are kept in the cache until any of them changes.
        access.connect()
