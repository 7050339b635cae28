from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "시민 포털"

    def ready(self):
        from . import generations

        generations.connect()  # saved or deleted messages, answers, comments retire their cached pages
        from . import hooks

        hooks.connect()  # a citizen is told when their question is answered, transferred or overdue
