from django.apps import AppConfig


class MessagesAppConfig(AppConfig):
    name = "messages_app"
    verbose_name = "시민 메시지"

    def ready(self):
        from . import pagecache

        pagecache.connect()  # saved or deleted messages, answers, comments retire their cached pages
