import re

from django.views.debug import SafeExceptionReporterFilter


class SecretsFilter(SafeExceptionReporterFilter):
    """Error pages and reports hide every setting that can carry a secret: Django's list plus the
    connection URLs (a password can sit in DATABASE_URL, REDIS_URL, the broker URL)."""

    hidden_settings = re.compile(r"API|TOKEN|KEY|SECRET|PASS|SIGNATURE|HTTP_COOKIE|URL|BROKER|CACHES|DATABASES",
                                 flags=re.IGNORECASE)
