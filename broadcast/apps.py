from django.apps import AppConfig


class BroadcastConfig(AppConfig):
    name = "broadcast"
    verbose_name = "긴급메시지 발신"

    def ready(self):
        # A broadcast is sent once none of its deliveries is open: sending listens for settled postings.
        from .services import sending  # noqa: F401

    def seed(self):
        """Called by `manage.py seed`: the hazard templates and one past simulated exercise."""
        from .seed import seed

        seed()
