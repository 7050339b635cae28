from django.apps import AppConfig


class MessagesAppConfig(AppConfig):
    name = "messages_app"
    verbose_name = "시민 메시지"
    # What the classifier learns from staff (messages_app.training) and the first-time-right figure its
    # admin shows (selectors.first_time_right) are named in settings (SMC_CLASSIFIER_*): nothing is
    # handed to classification at start-up.
