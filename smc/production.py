"""Production settings: `DJANGO_SETTINGS_MODULE=smc.production`. Secrets must come from the environment,
and weak ones are refused at start-up (the message never repeats the key)."""

import base64
import binascii
import ipaddress
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

from . import logs
from .settings import *  # noqa: F401,F403
from .settings import LOG_LEVEL, LOG_LEVEL_POLLS, env


def strong_secret_key(value: str) -> str:
    # Django's own test (check --deploy, security.W009), made an error instead of a warning.
    if len(value) < 50 or len(set(value)) < 5 or value.startswith("django-insecure"):
        raise ImproperlyConfigured(
            "SECRET_KEY가 약합니다: 50자 이상, 서로 다른 문자 5개 이상의 무작위 값이어야 하며 "
            "'django-insecure'로 시작하면 안 됩니다. 만들기: "
            "python -c \"import secrets; print(secrets.token_urlsafe(50))\" "
            "(SECRET_KEY is weak: it must be random, at least 50 characters with at least 5 distinct ones, "
            "and not start with 'django-insecure'.)")
    return value


def fernet_key(value: str) -> str:
    """A key as Fernet.generate_key() makes it: 32 random bytes, URL-safe base64."""
    try:
        raw = base64.urlsafe_b64decode(value.encode("ascii"))
    except (UnicodeEncodeError, binascii.Error, ValueError):
        raw = b""
    # 32 random bytes nearly always hold 25+ distinct values; fewer than 16 is a made-up key (e.g. "AAAA…").
    if len(value) != 44 or len(raw) != 32 or len(set(raw)) < 16:
        raise ImproperlyConfigured(
            "CREDENTIALS_KEY는 무작위로 만든 Fernet 키여야 합니다 (32바이트, URL-safe base64, 44자). 만들기: "
            "python -c \"from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())\" "
            "(CREDENTIALS_KEY must be a random Fernet key.) 키를 바꾸면 저장된 플랫폼 자격 증명을 다시 입력해야 "
            "합니다 (changing it means entering the platforms' credentials again).")
    return value


def public_site_url(value: str) -> str:
    """The portal's address as citizens reach it: https, and a public host. Broadcasts post links with
    it and CAP documents carry it in <web>: a loopback or private address there sends every reader of
    an emergency alert nowhere. The host is not looked up (start-up must not depend on DNS)."""
    try:
        parts = urlsplit(value.strip())
        host = (parts.hostname or "").rstrip(".").lower()
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        parts, host = None, ""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        internal = not host or host == "localhost" or host.endswith(".localhost") or "." not in host
    else:
        internal = not address.is_global
    if parts is None or parts.scheme != "https" or internal:
        raise ImproperlyConfigured(
            "SMC_SITE_URL에 시민이 접속하는 포털의 공개 https 주소를 넣으세요 (예: https://smc.seoul.go.kr). "
            "긴급메시지의 링크와 CAP 문서의 <web>이 이 주소를 씁니다; 비어 있거나, https가 아니거나, "
            "loopback·사설 주소이면 시작하지 않습니다. (SMC_SITE_URL must be the portal's public https address; "
            f"got {value[:100]!r}.)")
    return value.strip().rstrip("/")


DEBUG = False
SECRET_KEY = strong_secret_key(env("SECRET_KEY"))
CREDENTIALS_KEY = fernet_key(env("CREDENTIALS_KEY"))
SMC_SITE_URL = public_site_url(env("SMC_SITE_URL", default=""))
SMC_SIMULATE = False
# Citizens must prove their address. With it, allauth answers a signup with an address that is
# already registered exactly as a new one (and mails the owner instead): signup reveals nothing.
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_PREVENT_ENUMERATION = True
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
LANGUAGE_COOKIE_SECURE = True  # the language switcher's cookie (django.views.i18n.set_language)
X_FRAME_OPTIONS = "DENY"
# One JSON object per line (smc/logs.py), unless LOG_FORMAT says otherwise.
LOG_FORMAT = env("LOG_FORMAT", default="json")
LOGGING = logs.config(LOG_LEVEL, LOG_FORMAT, LOG_LEVEL_POLLS)
