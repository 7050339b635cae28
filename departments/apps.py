from django.apps import AppConfig


class DepartmentsConfig(AppConfig):
    name = "departments"
    verbose_name = "조직도"

    def ready(self):
        from users import access

        from .models import Membership

        # A membership decides which messages a user may act on (messages_app.services.permissions).
        access.track(Membership)
