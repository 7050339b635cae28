from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "시민 포털"

    def ready(self):
        from . import pagecache

        pagecache.connect()  # saved or deleted messages, answers, comments retire their cached pages
