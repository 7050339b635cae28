from django.apps import AppConfig


class SnsmapConfig(AppConfig):
    name = "snsmap"
    verbose_name = "SNS지도"
