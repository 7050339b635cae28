from django.conf import settings
from django.test import RequestFactory, override_settings
from django.views.debug import ExceptionReporter


def test_error_reports_hide_connection_urls_and_keys():
    secrets = ("redis-pass-123", "credentials-key-456", "db-pass-789")
    redis_url = f"redis://:{secrets[0]}@cache.internal:6379/0"
    databases = {**settings.DATABASES, "default": {**settings.DATABASES["default"], "PASSWORD": secrets[2]}}
    with override_settings(REDIS_URL=redis_url, CELERY_BROKER_URL=redis_url, CREDENTIALS_KEY=secrets[1],
                           DATABASES=databases):
        html = error_page()
    assert "boom" in html and "REDIS_URL" in html
    assert not [secret for secret in secrets if secret in html]


# Kept apart from the literals above: an error page also shows the source lines around the raise.


def error_page() -> str:
    try:
        raise RuntimeError("boom")
    except RuntimeError as exc:
        return ExceptionReporter(RequestFactory().get("/"), type(exc), exc, exc.__traceback__).get_traceback_html()
