from django.apps import AppConfig


class MessagesAppConfig(AppConfig):
    name = "messages_app"
    verbose_name = "시민 메시지"
    # What the classifier learns from staff (messages_app.training) and the first-time-right figure its
    # admin shows (selectors.first_time_right) are named in settings (SMC_CLASSIFIER_*): nothing is
    # handed to classification at start-up.

    def ready(self):
        from accounts.connectors import kakao

        from .services import kakao as chats
        from .services import org_lists

        # A KakaoTalk channel broadcast goes to the users who wrote to the channel: the inbox knows them.
        kakao.register_audience(chats.audience)
        # The staff queue's org-chart lists are kept in the cache until a division, account or member changes.
        org_lists.connect()
