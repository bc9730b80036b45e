"""Settings shared by every environment. Deploy-time values come from the environment."""

from datetime import timedelta
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("SECRET_KEY", default="")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "portal.accounts",
    "portal.city",
    "portal",
    "portal.workflow",
    "portal.citizen",
    "portal.oa",
    "portal.archive",
    "portal.inbox",
    "portal.idempotency",
    "portal.directory",
    "portal.supervision",
    "portal.notices",
    "portal.approvals",
    "search",
    "wagtail.contrib.forms",
    "wagtail.contrib.settings",
    "wagtail.contrib.redirects",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "viewflow",
    "viewflow.workflow",
    "guardian",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "channels",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy and Permissions-Policy (docs/security.md, Hardening).
    "portal.middleware.SecurityHeadersMiddleware",
    "portal.middleware.BidiControlsMiddleware",
    "portal.middleware.RejectNullBytesMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Second factor and password expiry of staff sessions (MLPS level 3, docs/security.md).
    "portal.accounts.middleware.StaffSecurityMiddleware",
    "portal.themes.ThemeMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # Axes last: it turns a lockout raised by its backend into the lockout response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"
ASGI_APPLICATION = "portal.asgi.application"
WSGI_APPLICATION = None

# Themes (FixMyStreet-style): the theme of the request's Wagtail Site (its 主题 setting,
# else THEME) is searched first, then the base theme, then the apps (portal/themes.py).
THEME = env("PORTAL_THEME", default="jianye")
THEMES_DIR = BASE_DIR / "themes"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "OPTIONS": {
            "loaders": [
                (
                    "portal.themes.CachedLoader",
                    [
                        "portal.themes.ThemeLoader",
                        "django.template.loaders.app_directories.Loader",
                    ],
                )
            ],
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.portal",
            ],
        },
    },
]

# An empty DATABASE_URL counts as unset: the embedded SQLite file.
DATABASE_URL = env("DATABASE_URL", default="") or f"sqlite:///{VAR_DIR / 'db.sqlite3'}"
DATABASES = {"default": environ.Env.db_url_config(DATABASE_URL)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the worker write while the server reads; IMMEDIATE avoids
    # "database is locked" upgrades inside transactions.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=20000;"
            ),
        }
    )
else:
    # No persistent connections by default: under ASGI each request's sync code may run in
    # another thread, and per-thread persistent connections pile up until PostgreSQL refuses
    # clients (bench B1, 32 clients on 2 uvicorn workers: "too many clients already").
    # Put a pooler (PgBouncer) in front for connection reuse.
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=0)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "portal.cache.ResilientRedisCache",  # Redis down = an empty cache
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "portal",
        }
    }
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "prefix": env("CHANNEL_PREFIX", default="portal")},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

ELASTICSEARCH_URL = env("ELASTICSEARCH_URL", default="")

# Background work: django-tasks (the API Django 6 ships built in) on the database
# backend, drained by `manage.py db_worker`, which `make run` starts beside the server.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# How long a POST's Idempotency-Key replays its first answer (portal/idempotency).
IDEMPOTENCY_TTL = env.int("IDEMPOTENCY_TTL", default=24 * 3600)

# --- Security baseline -------------------------------------------------------------
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("username", "real_name", "email", "phone")},
    },
    {
        "NAME": "portal.accounts.passwords.LengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "portal.accounts.passwords.ComplexityValidator"},
    {"NAME": "portal.accounts.passwords.UsernameValidator"},
    {"NAME": "portal.accounts.passwords.HistoryValidator", "OPTIONS": {"keep": 5}},
]
# Staff passwords expire after this many days; the next request goes to the change page.
PASSWORD_MAX_AGE_DAYS = env.int("PASSWORD_MAX_AGE_DAYS", default=90)
# Second factor (TOTP, django-otp): who must use it is in portal/accounts/otp.py. Five
# wrong codes in a row lock the second step for 30 minutes (and end the session).
OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", default="建邺数字城管")
OTP_FAILURE_LIMIT = env.int("OTP_FAILURE_LIMIT", default=5)
OTP_LOCKOUT = timedelta(minutes=env.int("OTP_LOCKOUT_MINUTES", default=30))
# The audit log keeps every row at least this long (Cybersecurity Law art. 21: ≥ 6 months);
# `manage.py audit_purge` deletes only older rows and refuses a value under 180.
AUDIT_RETENTION_DAYS = env.int("AUDIT_RETENTION_DAYS", default=183)
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
# Sessions end after 30 idle minutes: the expiry is pushed forward on every request.
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_SECONDS", default=30 * 60)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "SAMEORIGIN"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Five failures for one username from one address lock it for 30 minutes.
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/lockout.html"
AXES_VERBOSE = False
AXES_IPWARE_PROXY_COUNT = env.int("PROXY_COUNT", default=0)

WAGTAILADMIN_USER_LOGIN_FORM = "portal.accounts.forms.StaffLoginForm"
LOGIN_URL = "/admin/login/"
MAP_TILE_URL = env("MAP_TILE_URL", default="")
LOGIN_REDIRECT_URL = "/admin/"

# guardian: anonymous users never hold object permissions.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = True

# --- Internationalisation ----------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
WAGTAIL_I18N_ENABLED = False
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES

# --- Static and media ---------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
# Front-end packages come from npm (package-lock.json) and are served from node_modules:
# nothing hand-copied into the repository.
NODE_MODULES = BASE_DIR / "node_modules"
STATICFILES_DIRS = [
    THEMES_DIR / "base" / "static",
    ("vendor/leaflet", NODE_MODULES / "leaflet" / "dist"),
    ("vendor/echarts", NODE_MODULES / "echarts" / "dist"),
    ("vendor/htmx", NODE_MODULES / "htmx.org" / "dist"),
]
# Every theme's own static files, under static/themes/<name>/: sites with different themes
# are served by the same processes.
STATICFILES_DIRS += [
    (f"themes/{d.name}", d / "static")
    for d in sorted(THEMES_DIR.iterdir())
    if d.name != "base" and (d / "static").is_dir()
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "portal.storage.StaticStorage"},
}
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")
MEDIA_URL = "/media/"
# Originals of uploads (photos with their EXIF, videos): never served by URL.
PRIVATE_MEDIA_ROOT = env.path("PRIVATE_MEDIA_ROOT", default=VAR_DIR / "private")
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# --- Wagtail ------------------------------------------------------------------------
WAGTAIL_SITE_NAME = "建邺数字城管"
WAGTAILADMIN_BASE_URL = env("PORTAL_BASE_URL", default="http://127.0.0.1:8000")
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILDOCS_EXTENSIONS = ["pdf", "doc", "docx", "xls", "xlsx", "ofd", "txt", "zip"]

# --- The city -----------------------------------------------------------------------
# Working hours of the case clock; statutory holidays come from chinese-calendar and
# the admin-editable CalendarDay table (see portal/city/calendar.py).
CITY_DISTRICT_CODE = env("CITY_DISTRICT_CODE", default="320105")
WORKING_HOURS = env.list("WORKING_HOURS", default=["08:30-12:00", "13:30-17:30"])

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # One line per task is noise at INFO; failures still log at WARNING and above.
        "django_tasks": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        "elastic_transport": {"level": "WARNING"},
    },
}

# Time limits of the centre's own steps (the department's handling limit comes from the
# category). National defaults were not found in the standards we could read; these are
# typical local values and deploy-time configurable: "value unit", unit work_hour/work_day/hour.
CASE_STEP_LIMITS = {
    "accept": env("CASE_LIMIT_ACCEPT", default="1 work_hour"),
    "verify": env("CASE_LIMIT_VERIFY", default="2 work_hour"),
    "file": env("CASE_LIMIT_FILE", default="1 work_hour"),
    "dispatch": env("CASE_LIMIT_DISPATCH", default="1 work_hour"),
    "approve": env("CASE_LIMIT_APPROVE", default="4 work_hour"),
    "check": env("CASE_LIMIT_CHECK", default="4 work_hour"),
    "close": env("CASE_LIMIT_CLOSE", default="2 work_hour"),
}
# A step turns yellow when less than this share of its time limit is left.
CASE_WARN_SHARE = 0.2
NOTIFICATION_CHANNELS = env.list(
    "NOTIFICATION_CHANNELS", default=["portal.accounts.notifications.LogSmsChannel"]
)
# Elasticsearch: names of aliases start with this prefix (one cluster, several portals or
# test runs); replicas per index (0 on a single node).
SEARCH_INDEX_PREFIX = env("SEARCH_INDEX_PREFIX", default="portal-")
SEARCH_REPLICAS = env.int("SEARCH_REPLICAS", default=0)

# --- Archive --------------------------------------------------------------------------
# 全宗号 (4 characters, assigned by the district archives bureau), the 机构代码 under which
# city-management cases are filed (the centre that forms the case file), the retention of a
# category without a rule in the 保管期限表, and the key signing each item's manifest (HMAC;
# SECRET_KEY when unset). ARCHIVE_AUTO_FILE files every case when it is closed.
ARCHIVE_FONDS = env("ARCHIVE_FONDS", default="J105")
ARCHIVE_CASE_ORGANISATION = env("ARCHIVE_CASE_ORGANISATION", default="ZHZX")
ARCHIVE_DEFAULT_RETENTION = env("ARCHIVE_DEFAULT_RETENTION", default="D30")
ARCHIVE_SIGNING_KEY = env("ARCHIVE_SIGNING_KEY", default="")
ARCHIVE_AUTO_FILE = env.bool("ARCHIVE_AUTO_FILE", default=True)
ARCHIVE_VIRUS_SCANNER = env(
    "ARCHIVE_VIRUS_SCANNER", default="portal.archive.checks.SignatureScanner"
)

# --- Citizen services ---------------------------------------------------------------
# When a reporter's rating reopens the case for review: which verdicts, within how many
# days of closing, and how many times at most per case.
CITIZEN_REOPEN = {
    "on": env.list("CITIZEN_REOPEN_ON", default=["unsatisfied"]),
    "within_days": env.int("CITIZEN_REOPEN_WITHIN_DAYS", default=15),
    "max_times": env.int("CITIZEN_REOPEN_MAX_TIMES", default=1),
}

# Notifications to reporters (portal/citizen/notify.py): e-mail through EMAIL_BACKEND (SMTP
# in production; the console in the embedded default) and the SMS gateway's stand-in.
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="建邺数字城管 <noreply@jianye.example>")
SERVER_EMAIL = env("SERVER_EMAIL", default=DEFAULT_FROM_EMAIL)
CITIZEN_NOTIFICATION_CHANNELS = env.list(
    "CITIZEN_NOTIFICATION_CHANNELS",
    default=["portal.citizen.notify.EmailChannel", "portal.citizen.notify.ConsoleSmsChannel"],
)
# Abuse protection of the public forms (portal/citizen/throttle.py): "count/seconds" per
# client address (per phone number for submit_phone), each overridable from the environment.
CITIZEN_RATE_LIMITS = {
    "submit": env("CITIZEN_LIMIT_SUBMIT", default="10/3600"),
    "submit_phone": env("CITIZEN_LIMIT_SUBMIT_PHONE", default="5/3600"),
    "lookup": env("CITIZEN_LIMIT_LOOKUP", default="30/600"),
    "lookup_failures": env("CITIZEN_LIMIT_LOOKUP_FAILURES", default="10/600"),
}
# After this many submissions from one address within the "submit" window, the report form
# asks an arithmetic question first.
CITIZEN_CHALLENGE_AFTER = env.int("CITIZEN_CHALLENGE_AFTER", default=3)

# Open311 GeoReport v2 (portal/citizen/open311): the one jurisdiction this endpoint serves;
# requests naming another get a 404.
OPEN311_JURISDICTION = env("OPEN311_JURISDICTION", default="jianye.nanjing.gov.cn")

# --- Personal data (portal/workflow/pii.py) --------------------------------------------
# Reporters' names, phones and e-mails are stored encrypted (AES-256-GCM). The current key
# and the keys still accepted for decryption are "<key id>:<urlsafe base64 of 32 bytes>";
# FIELD_INDEX_KEY keys the blind index used to find a reporter by phone (changing it means
# `manage.py pii_reencrypt`). dev and test settings carry fixed keys; production requires them.
FIELD_ENCRYPTION_KEY = env("FIELD_ENCRYPTION_KEY", default="")
FIELD_ENCRYPTION_OLD_KEYS = env.list("FIELD_ENCRYPTION_OLD_KEYS", default=[])
FIELD_INDEX_KEY = env("FIELD_INDEX_KEY", default="")
