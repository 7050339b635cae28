from django.apps import AppConfig


class UsersConfig(AppConfig):
    name = "users"
    verbose_name = "사용자와 역할"

    def ready(self):
        from django.db.models.signals import post_migrate

        from .roles import ensure_roles

        post_migrate.connect(ensure_roles, dispatch_uid="users.ensure_roles")
