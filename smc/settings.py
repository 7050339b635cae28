"""SMC settings. Everything that differs between machines comes from the environment."""

from pathlib import Path
from urllib.parse import unquote

import environ
from celery.schedules import crontab

from . import logs

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env(
    DEBUG=(bool, False),
    ALLOWED_HOSTS=(list, ["127.0.0.1", "localhost"]),
    SMC_SIMULATE=(bool, False),
)
# Embedded servers (make run / make test) write their URLs here when DATABASE_URL/REDIS_URL are unset.
_embedded_env = BASE_DIR / "var" / "embedded.env"
if _embedded_env.exists():
    environ.Env.read_env(_embedded_env, overwrite=False)

SECRET_KEY = env("SECRET_KEY", default="dev-only-insecure-key-change-me")
DEBUG = env("DEBUG")
ALLOWED_HOSTS = env("ALLOWED_HOSTS")
CREDENTIALS_KEY = env("CREDENTIALS_KEY", default="dev-only-credentials-key")
SMC_SIMULATE = env("SMC_SIMULATE")
SMC_SIMULATOR_RATE = env.float("SMC_SIMULATOR_RATE", default=0.02)  # messages per minute per account
# Where the X connector sends its API calls. Only tests and benchmarks change it (bench/fakex.py).
SMC_X_API_BASE_URL = env("SMC_X_API_BASE_URL", default="https://api.twitter.com").rstrip("/")
# Automation at a known precision (issue 27): a message is routed without the desk only when the
# classifier's probability of the division the routing chose (the receiving account's own division
# at double odds) reaches this; below it, it waits in the SMC desk's "needs triage" queue. Chosen on
# the independent evaluation set (manage.py evaluate_classifier): the lowest threshold at which the
# automatically routed messages are >= 95% in the right division (72.7% of the set routed).
SMC_TRIAGE_THRESHOLD = env.float("SMC_TRIAGE_THRESHOLD", default=0.6806)
# Routing by content (departments/routing.py): the classifier's division is used from this
# confidence on a central account or channel; from the higher one it overrides the owning
# division of the receiving account. Chosen on the held-out set (manage.py train_classifier).
SMC_ROUTING_THRESHOLD = env.float("SMC_ROUTING_THRESHOLD", default=0.35)
SMC_ROUTING_OVERRIDE = env.float("SMC_ROUTING_OVERRIDE", default=0.5)
# A retrained classifier is used only if no held-out figure drops by more than this.
SMC_RETRAIN_TOLERANCE = env.float("SMC_RETRAIN_TOLERANCE", default=0.0)
# What the classifier learns from staff and the figure its admin shows are the inbox's; classification
# may not import messages_app, so their readers are named here (dotted paths; "" reads nothing).
SMC_CLASSIFIER_CORRECTIONS = "messages_app.training.label_corrections"
SMC_CLASSIFIER_TRANSFERS = "messages_app.training.division_transfers"
SMC_CLASSIFIER_ROUTING_FIGURE = "messages_app.selectors.first_time_right"
# The accounts the division corpus's raw lines were written to (manage.py build_division_corpus).
SMC_CLASSIFIER_CORPUS_ACCOUNTS = "accounts.seed.ACCOUNTS"

INSTALLED_APPS = [
    "smc.admin_site.StaffAdminConfig",  # django.contrib.admin with a lazy app list
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "corsheaders",
    "django_celery_beat",
    "users",
    "departments",
    "accounts",
    "outbound",
    "classification",
    "messages_app",
    "portal",
    "broadcast",
    "snsmap",
    "dashboard",
    "api",
    # Citizen login (portal): e-mail plus the social providers people in Korea use.
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.kakao",
    "allauth.socialaccount.providers.naver",
    "allauth.socialaccount.providers.google",
    "allauth.socialaccount.providers.twitter_oauth2",
    "allauth.socialaccount.providers.facebook",
    "django_ratelimit",
    "csp",
    # The top floor's own commands: manage.py backup / restore (smc/backup.py).
    "smc",
]

MIDDLEWARE = [
    "smc.middleware.RequestContext",
    "django.middleware.security.SecurityMiddleware",
    "smc.middleware.RefuseNulBytes",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # CORS for the public API's GETs only (CORS_URLS_REGEX, CORS_ALLOW_METHODS below).
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "smc.middleware.KoreanFirstLocaleMiddleware",
    "broadcast.middleware.AlertBannerMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "csp.middleware.CSPMiddleware",
]

ROOT_URLCONF = "smc.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]
WSGI_APPLICATION = "smc.wsgi.application"

DATABASES = {"default": env.db_url("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/smc")}
# A unix-socket host arrives percent-encoded in the URL (the embedded server uses one).
DATABASES["default"]["HOST"] = unquote(DATABASES["default"]["HOST"])
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/0")
CACHES = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": env("CACHE_KEY_PREFIX", default="smc"),
        "OPTIONS": {"CLIENT_CLASS": "django_redis.client.DefaultClient"},
    },
    # Fragments kept under a digest of everything they are drawn from (the staff queue's filter and
    # action bars): the same in every process, so each keeps its own and a page reads them without a
    # round trip to Redis.
    "fragments": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "fragments",
        "OPTIONS": {"MAX_ENTRIES": 1000},
    },
}

# Sessions are read from Redis on every logged-in request and written through to PostgreSQL, so a
# Redis restart logs nobody out.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

AUTH_USER_MODEL = "users.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Citizens log in through allauth (mounted at /auth/); staff keep the admin's own login page.
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"
AUTHENTICATION_BACKENDS = [
    # ModelBackend, with the session's staff user kept per process (users.backends).
    "users.backends.StaffCachingModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
# A nickname and the PIPA Art. 15 consents (portal.consent) at sign-up.
ACCOUNT_SIGNUP_FORM_CLASS = "portal.forms.CitizenSignupForm"
ACCOUNT_EMAIL_VERIFICATION = env("ACCOUNT_EMAIL_VERIFICATION", default="optional")
ACCOUNT_LOGOUT_REDIRECT_URL = "/"
# One lockout for the citizen and the staff logins (users/lockout.py): this many failed passwords within
# the window lock the address until the window has passed; a name is never locked, its tries are
# delayed (1 s, doubling, at most a minute) from the limit on.
SMC_LOGIN_FAILURE_LIMIT = env.int("SMC_LOGIN_FAILURE_LIMIT", default=10)
SMC_LOGIN_LOCKOUT_SECONDS = env.int("SMC_LOGIN_LOCKOUT_SECONDS", default=300)
_login_failed = f"{SMC_LOGIN_FAILURE_LIMIT}/{SMC_LOGIN_LOCKOUT_SECONDS}s"
ACCOUNT_RATE_LIMITS = {"login_failed": f"{_login_failed}/ip"}  # the name's delay: users.adapter
ACCOUNT_ADAPTER = "users.adapter.AccountAdapter"
SOCIALACCOUNT_LOGIN_ON_GET = False  # a POST (with CSRF) starts a social login
# A first social login never makes an account by itself: the citizen lands on the social sign-up form,
# which is allauth's SignupForm built on ACCOUNT_SIGNUP_FORM_CLASS (the nickname and the PIPA consents).
SOCIALACCOUNT_AUTO_SIGNUP = False
# A provider is offered only when its client id and secret are in the environment.
SOCIALACCOUNT_PROVIDERS = {
    provider: {"APPS": [{"client_id": env(f"{prefix}_CLIENT_ID"), "secret": env(f"{prefix}_SECRET")}],
               **extra}
    for provider, prefix, extra in [
        ("kakao", "KAKAO", {}),
        ("naver", "NAVER", {}),
        ("google", "GOOGLE", {"SCOPE": ["profile", "email"]}),
        ("twitter_oauth2", "X", {}),
        ("facebook", "FACEBOOK", {"METHOD": "oauth2", "SCOPE": ["email", "public_profile"]}),
    ]
    if env(f"{prefix}_CLIENT_ID", default="") and env(f"{prefix}_SECRET", default="")
}

# Content-Security-Policy (django-csp 4): no inline script, nothing from other origins but images.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "https:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# Portal: rate limits (django-ratelimit on the Redis cache) and comment moderation.
RATELIMIT_USE_CACHE = "default"
SMC_RATE_LIKE = env("SMC_RATE_LIKE", default="30/m")
SMC_RATE_COMMENT = env("SMC_RATE_COMMENT", default="5/m")
SMC_RATE_REPORT = env("SMC_RATE_REPORT", default="10/m")
SMC_RATE_QUESTION = env("SMC_RATE_QUESTION", default="5/h")
SMC_RATE_SEARCH = env("SMC_RATE_SEARCH", default="30/m")  # per IP (per account when logged in)
# Behind a proxy REMOTE_ADDR is the proxy. SMC_TRUSTED_PROXY_COUNT says how many proxies (each
# appending to X-Forwarded-For) stand in front of the web process; one rule (users.lockout.client_ip)
# then finds the visitor's address for rate limits, login lockouts, API and Open311 throttles and
# allauth's own limits. Leave it 0 when clients reach the web process directly: X-Forwarded-For is
# then the client's to forge and is ignored.
SMC_TRUSTED_PROXY_COUNT = env.int("SMC_TRUSTED_PROXY_COUNT", default=0)
for _replaced in ("RATELIMIT_IP_META_KEY", "SMC_API_NUM_PROXIES"):
    if env(_replaced, default=""):
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(f"{_replaced}는 SMC_TRUSTED_PROXY_COUNT로 바뀌었습니다 "
                                   f"({_replaced} was replaced by SMC_TRUSTED_PROXY_COUNT: the number of proxies).")
RATELIMIT_IP_META_KEY = "users.lockout.client_ip"  # allauth's limits: users.adapter.get_client_ip
# /metrics (smc/metrics.py): readable with `Authorization: Bearer <SMC_METRICS_TOKEN>` or from these
# addresses/networks (the visitor's address by the rule above); in development also from 127.0.0.1.
SMC_METRICS_TOKEN = env("SMC_METRICS_TOKEN", default="")
SMC_METRICS_ALLOW = env.list("SMC_METRICS_ALLOW", default=[])
SMC_COMMENT_REPORT_LIMIT = env.int("SMC_COMMENT_REPORT_LIMIT", default=3)
SMC_PORTAL_CACHE_SECONDS = env.int("SMC_PORTAL_CACHE_SECONDS", default=30)
SMC_BENCH = env.bool("SMC_BENCH", default=False)
# The portal's public address: emergency broadcasts link to their alert page with it.
SMC_SITE_URL = env("SMC_SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

# Citizen notices (portal.notify): providers tried in order; "kakao" (카카오 알림톡) falls back to e-mail.
SMC_NOTIFY_PROVIDERS = env.list("SMC_NOTIFY_PROVIDERS", default=["email"])
# NHN Cloud KakaoTalk Bizmessage (portal.notify.KakaoAlimtalkProvider): the API's address (its domain,
# e.g. https://api-alimtalk.cloud.toast.com), the app key and secret key of the NHN project, the
# channel's sender key, and a registered sender number for the LMS resend when KakaoTalk cannot deliver
# (empty: no resend by NHN; the notice still falls back to e-mail when the send is refused).
SMC_KAKAO_ALIMTALK_URL = env("SMC_KAKAO_ALIMTALK_URL", default="")
SMC_KAKAO_APPKEY = env("SMC_KAKAO_APPKEY", default="")
SMC_KAKAO_SECRET_KEY = env("SMC_KAKAO_SECRET_KEY", default="")
SMC_KAKAO_SENDER_KEY = env("SMC_KAKAO_SENDER_KEY", default="")
SMC_KAKAO_RESEND_SEND_NO = env("SMC_KAKAO_RESEND_SEND_NO", default="")
# Template codes registered with Kakao, one per event; their texts: portal.notify.ALIMTALK_TEMPLATES.
SMC_KAKAO_TEMPLATES = {
    "answered": env("SMC_KAKAO_TEMPLATE_ANSWERED", default="SMC_ANSWERED"),
    "transferred": env("SMC_KAKAO_TEMPLATE_TRANSFERRED", default="SMC_TRANSFERRED"),
    "overdue": env("SMC_KAKAO_TEMPLATE_OVERDUE", default="SMC_OVERDUE"),
}
# KakaoTalk channel broadcasts go to the users who wrote to the channel within this many days (the
# Event API reaches the channel's friends; Kakao documents no period, so the city sets one).
SMC_KAKAO_AUDIENCE_DAYS = env.int("SMC_KAKAO_AUDIENCE_DAYS", default=365)
# YouTube Data API units a Google project may spend a day (10,000 unless Google granted more).
SMC_YOUTUBE_DAILY_QUOTA = env.int("SMC_YOUTUBE_DAILY_QUOTA", default=10_000)
# X: a new batch compliance job for an account at most this often; the day of the month the usage cap
# resets, used only when GET /2/usage/tweets cannot say.
SMC_COMPLIANCE_INTERVAL_SECONDS = env.int("SMC_COMPLIANCE_INTERVAL_SECONDS", default=86_400)
SMC_X_USAGE_CAP_RESET_DAY = env.int("SMC_X_USAGE_CAP_RESET_DAY", default=1)
# How often an account's recent public posts are looked up again for deletions and edits, and how long
# a platform stays paused after an app problem (a person must fix the app's settings).
SMC_SYNC_INTERVAL_SECONDS = env.int("SMC_SYNC_INTERVAL_SECONDS", default=15 * 60)
SMC_APP_PROBLEM_PAUSE_SECONDS = env.int("SMC_APP_PROBLEM_PAUSE_SECONDS", default=3600)
# Personal data of closed questions is anonymised this many years after closing (portal.retention).
SMC_RETENTION_YEARS = env.int("SMC_RETENTION_YEARS", default=3)

# API (api/): DRF with its errors as JSON, anonymous throttles on the Redis cache, OpenAPI 3 schema.
SMC_RATE_API_ANON = env("SMC_RATE_API_ANON", default="120/m")
SMC_RATE_API_TOKEN = env("SMC_RATE_API_TOKEN", default="600/m")
SMC_RATE_OPEN311_POST = env("SMC_RATE_OPEN311_POST", default="30/m")  # per Open311 api_key
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["api.auth.TokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser",
                               "rest_framework.parsers.FormParser"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttles.AnonThrottle", "api.throttles.TokenThrottle"],
    "DEFAULT_THROTTLE_RATES": {"api_anon": SMC_RATE_API_ANON, "api_token": SMC_RATE_API_TOKEN},
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # The throttles find the address by users.lockout.client_ip (api.throttles); this is for DRF's own use.
    "NUM_PROXIES": SMC_TRUSTED_PROXY_COUNT,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "SMC API — 서울시 소셜미디어센터",
    "DESCRIPTION": ("시민의 질문과 서울시의 답변(개인정보 가림), 계정·부서 목록, 공개 통계, 그리고 부서 담당자용 "
                    "처리 API. Public, read-only data (personal data masked) and the staff API (token)."),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "ENUM_NAME_OVERRIDES": {"PublicStatusEnum": "api.serializers.PUBLIC_STATUS_CHOICES",
                            "StatusEnum": "messages_app.models.Status",
                            "CapStatusEnum": "broadcast.models.CapStatus"},
}
# Open311 GeoReport v2 (/open311/v2/): the jurisdiction this endpoint serves, who to ask for a key.
SMC_OPEN311_JURISDICTION = env("SMC_OPEN311_JURISDICTION", default="seoul.go.kr")
SMC_OPEN311_CONTACT = env("SMC_OPEN311_CONTACT", default="서울시 소셜미디어센터 smc@seoul.example")
CORS_URLS_REGEX = r"^/(api/v1|open311/v2)/.*$"
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_METHODS = ["GET", "HEAD", "OPTIONS"]
CORS_ALLOW_CREDENTIALS = False
CORS_EXPOSE_HEADERS = ["ETag"]

LANGUAGE_CODE = "ko"
LANGUAGES = [("ko", "한국어"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Seoul"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # whitenoise's, each URL worked out once (core.staticfiles).
    "staticfiles": {"BACKEND": "core.staticfiles.StaticFilesStorage"},
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
FORMS_URLFIELD_ASSUME_HTTPS = True
DEFAULT_EXCEPTION_REPORTER_FILTER = "core.reporting.SecretsFilter"

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="smc@seoul.example")

# Celery: late acks + prefetch 1 so a killed worker's task is redelivered, not lost.
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_QUEUE", default="smc")
# A task unacked this long (its worker vanished: a host lost) is delivered again to another worker;
# Redis looks for such tasks every 5 s, so a lost task runs again within CELERY_VISIBILITY_TIMEOUT + 5 s.
# It can be short because no task outlives it: the hard time limit below kills a stuck task first, and
# no task waits in a worker (ETA/countdown) longer than SMC_MAX_TASK_WAIT; longer waits (a platform's
# rate limit) go back to beat (dispatch_polls, outbound's sweep). Every task is idempotent, so a redelivery
# never doubles a message, an answer or a broadcast.
CELERY_VISIBILITY_TIMEOUT = env.int("CELERY_VISIBILITY_TIMEOUT", default=120)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_VISIBILITY_TIMEOUT,
    "unacked_restore_interval": 5,
    "unacked_restore_throttle": 1,  # kombu's default sweeps only every 10th interval (100 s)
}
CELERY_TASK_TIME_LIMIT = max(30, CELERY_VISIBILITY_TIMEOUT - 30)  # 90 s: polls, answers, sweeps
# Long tasks get their own hard limit here, by task name (it applies whichever module defines the task).
# A task that may run past CELERY_VISIBILITY_TIMEOUT must not be acked late: Redis would deliver it a
# second time to another worker while the first run is still going. Both below are beat tasks whose next
# run does whatever a run lost with its host left undone, so they are acked on receipt (acks_late=False):
# - messages_app.escalate_deadlines (every 15 min): after an outage, every open message's reminders and
#   an e-mail per batch; safe twice (rows locked with skip_locked, reminders recorded before mailing),
#   but a mid-run copy would only double the work on a worker needed for polls.
# - classification.retrain (nightly, routing branch): minutes of training; a copy delivered mid-run
#   would train in parallel and race the first for activation.
# A new long task (e.g. a dashboard rebuild) belongs in this table, with both questions answered.
CELERY_TASK_ANNOTATIONS = {
    "messages_app.escalate_deadlines": {"time_limit": 10 * 60, "acks_late": False},
    "classification.retrain": {"time_limit": 60 * 60, "acks_late": False},
}
SMC_MAX_TASK_WAIT = max(1, min(60, CELERY_VISIBILITY_TIMEOUT // 2))
# Each pool process loads Kiwi and the classifier before its first task (smc/celery.py): allow for it.
CELERY_WORKER_PROC_ALIVE_TIMEOUT = 60
# Workers run at this CPU niceness (0-19; smc/celery.py sets it as a worker starts, before the pool
# and Kiwi's threads exist, so all of them inherit it): on a machine shared with the web, a backlog
# being drained takes only the CPU the portal leaves, and the feed stays fast in a surge. The workers
# still get every idle cycle. 0 keeps the priority of the shell that started them.
SMC_WORKER_NICE = env.int("SMC_WORKER_NICE", default=10)
# Postings of broadcasts go to "<CELERY_QUEUE>.broadcast" (outbound.services.queue), consumed by a
# worker with a thread pool (Procfile).
CELERY_TIMEZONE = TIME_ZONE
# Polling: beat queues the due polls every SMC_POLL_DISPATCH_SECONDS. An account whose last poll brought
# new messages is polled every SMC_BUSY_POLL_SECONDS (if its own interval is longer) for the next
# SMC_BUSY_POLL_WINDOW seconds (every account, once SMC_SURGE_ACCOUNTS are busy): in a surge, what
# citizens send reaches a queue within seconds, while quiet accounts keep their interval (and the
# platform's rate limit). Each account's polls keep their own phase in the interval (next_poll_at).
SMC_POLL_DISPATCH_SECONDS = env.float("SMC_POLL_DISPATCH_SECONDS", default=5.0)
SMC_BUSY_POLL_SECONDS = env.int("SMC_BUSY_POLL_SECONDS", default=10)
SMC_BUSY_POLL_WINDOW = env.int("SMC_BUSY_POLL_WINDOW", default=300)
# When this many accounts are busy at once, every account is polled as a busy one (a city-wide surge).
SMC_SURGE_ACCOUNTS = env.int("SMC_SURGE_ACCOUNTS", default=3)
# Outbound (answers, broadcast deliveries): a posting not settled SMC_SWEEP_AFTER_SECONDS after it was
# queued or last tried (its task lost with Redis, or out of retries while PostgreSQL was away) is queued
# again by the sweeper, which beat runs every SMC_SWEEP_SECONDS. The drills (tests/smc/test_*_outage.py)
# shorten both; in production a lost posting comes back within 5 to 6 minutes.
SMC_SWEEP_AFTER_SECONDS = env.int("SMC_SWEEP_AFTER_SECONDS", default=300)
SMC_SWEEP_SECONDS = env.float("SMC_SWEEP_SECONDS", default=60.0)
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BEAT_SCHEDULE = {
    # Processing regulation: reminders and overdue marks.
    "escalate-deadlines": {"task": "messages_app.escalate_deadlines", "schedule": 15 * 60},
    # Inbox: poll the accounts whose interval has passed.
    "dispatch-polls": {"task": "messages_app.tasks.dispatch_polls", "schedule": SMC_POLL_DISPATCH_SECONDS},
    # Demo only (SMC_SIMULATE): simulated KakaoTalk chats through the skill's handling (push only, never polled).
    "simulate-kakao-chats": {"task": "messages_app.tasks.simulate_kakao_chats", "schedule": 60.0},
    # Answers and broadcasts: queue the postings whose retry time has come (a rate limit's reset, a
    # backoff) or whose task was lost.
    "sweep-postings": {"task": "outbound.tasks.sweep", "schedule": SMC_SWEEP_SECONDS},
    # Classifier: learn from the week's transfers and corrections, nightly; used only if not worse.
    "retrain-classifier": {"task": "classification.retrain", "schedule": crontab(hour=3, minute=30)},
    # Personal data of questions closed SMC_RETENTION_YEARS ago is anonymised, nightly.
    "apply-retention": {"task": "portal.apply_retention", "schedule": crontab(hour=4, minute=10)},
    # Dashboard: the monthly (and weekly) reports by e-mail, each period once per reader; daily, so a
    # day the workers were down only delays them.
    "dashboard-reports": {"task": "dashboard.send_scheduled_reports", "schedule": crontab(hour=7, minute=0)},
}

# Facebook webhook (/webhooks/facebook/): the app secret signs deliveries, the verify token the handshake.
FACEBOOK_APP_SECRET = env("FACEBOOK_APP_SECRET", default="")
FACEBOOK_VERIFY_TOKEN = env("FACEBOOK_VERIFY_TOKEN", default="")

# The log (smc/logs.py): LOG_FORMAT "text" (readable, development) or "json" (one object per line,
# production's default). Each poll's line is DEBUG (LOG_LEVEL_POLLS=DEBUG shows them); one summary a
# minute per worker process is INFO.
LOG_LEVEL = env("LOG_LEVEL", default="INFO")
LOG_FORMAT = env("LOG_FORMAT", default="text")
LOG_LEVEL_POLLS = env("LOG_LEVEL_POLLS", default="INFO")
LOGGING = logs.config(LOG_LEVEL, LOG_FORMAT, LOG_LEVEL_POLLS)
# Celery's workers keep this configuration instead of installing their own handlers.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
