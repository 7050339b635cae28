from django.apps import AppConfig


class ClassificationConfig(AppConfig):
    name = "classification"
    verbose_name = "메시지 분류 모델"
