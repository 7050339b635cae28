from django.apps import AppConfig


class BroadcastConfig(AppConfig):
    name = "broadcast"
    verbose_name = "긴급메시지 발신"

    def seed(self):
        """Called by `manage.py seed`: the hazard templates and one past simulated exercise."""
        from .seed import seed

        seed()
