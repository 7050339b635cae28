"""Settings of the test suite (pytest.ini): the project's settings, with what only tests want.

Users get real passwords in the factories; MD5 hashes them in microseconds instead of PBKDF2's
third of a second (never use it outside tests). E-mail stays in memory (django.core.mail.outbox).
Celery workers started by tests inherit DJANGO_SETTINGS_MODULE from the test process.
"""

from .settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
