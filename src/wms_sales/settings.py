"""Settings, read from environment variables only (12-factor).

WMS_DATABASE_URL   database URL (default: SQLite file in WMS_DATA_DIR)
WMS_SECRET_KEY     required unless WMS_DEBUG is on or WMS_DATA_DIR/secret_key exists
WMS_DEBUG          "1"/"true" turns debug on; off by default
WMS_ALLOWED_HOSTS  comma-separated host names (default: localhost,127.0.0.1)
WMS_DATA_DIR       folder for the SQLite file, the generated secret key and static files
                   (default: data/ of the source checkout, else ./data)
WMS_TIME_ZONE      the installation's time zone (default: Asia/Shanghai)
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent


def env_flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def default_data_dir() -> Path:
    """``data/`` of the source checkout this package runs from (what ``scripts/serve`` uses),
    so every ``wms-sales`` command finds the same installation from any folder; else ./data."""
    checkout = BASE_DIR.parent.parent
    if (checkout / "pyproject.toml").is_file() and (checkout / "scripts" / "serve").is_file():
        return checkout / "data"
    return Path.cwd() / "data"


def installation_secret_key(data_dir: Path) -> str:
    """The key ``scripts/serve`` generated into the data directory, if there is one."""
    try:
        return (data_dir / "secret_key").read_text(encoding="utf-8").strip()
    except OSError:
        return ""


DEBUG = env_flag("WMS_DEBUG")
DATA_DIR = Path(os.environ.get("WMS_DATA_DIR") or default_data_dir()).resolve()

SECRET_KEY = os.environ.get("WMS_SECRET_KEY", "") or installation_secret_key(DATA_DIR)
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            f"WMS_SECRET_KEY is not set and {DATA_DIR / 'secret_key'} does not exist. "
            "Set it to a long random string "
            "(e.g. `python -c 'import secrets; print(secrets.token_urlsafe(50))'`), "
            "or set WMS_DEBUG=1 for a development run."
        )
    SECRET_KEY = "insecure-development-key-do-not-use-in-production"

ALLOWED_HOSTS = env_list("WMS_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("WMS_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "ninja",
    "csp",
    "wms_sales.common",
    "wms_sales.accounts",
    "wms_sales.customers",
    "wms_sales.catalog",
    "wms_sales.inventory",
    "wms_sales.events",
    "wms_sales.finance",
    "wms_sales.orders",
    "wms_sales.outbound",
    "wms_sales.returns",
    "wms_sales.reports",
    "wms_sales.demo",
    "wms_sales.onboarding",
    "wms_sales.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
]

# Content-Security-Policy (django-csp): scripts and styles only from our own static files
# (htmx and Chart.js are vendored); the printable documents' inline <style>/<script> carry
# the request's nonce. No eval (htmx runs with allowEval off), no inline handlers.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

ROOT_URLCONF = "wms_sales.urls"
WSGI_APPLICATION = "wms_sales.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]


def database_config() -> dict:
    url = os.environ.get("WMS_DATABASE_URL")
    if not url:
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{DATA_DIR / 'wms-sales.sqlite3'}"
    # Server databases keep connections for a minute (checked before reuse): opening one per
    # request costs more than many queries. SQLite files are opened per request.
    default_age = "0" if url.startswith("sqlite") else "60"
    max_age = int(os.environ.get("WMS_DB_CONN_MAX_AGE", default_age))
    config = dj_database_url.parse(url, conn_max_age=max_age, conn_health_checks=max_age > 0)
    engine = config["ENGINE"]
    if engine.endswith("sqlite3"):
        # WAL lets readers work while one writer commits; IMMEDIATE takes the write lock at
        # BEGIN so two writers queue on busy_timeout instead of failing mid-transaction.
        config.setdefault("OPTIONS", {}).update(
            {
                "timeout": 30,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            }
        )
    elif engine.endswith("mysql"):
        config.setdefault("OPTIONS", {}).update(
            {
                "charset": "utf8mb4",
                "isolation_level": "read committed",
                "init_command": "SET sql_mode='STRICT_TRANS_TABLES'",
            }
        )
        config["TEST"] = {"CHARSET": "utf8mb4", "COLLATION": "utf8mb4_unicode_ci"}
    return config


DATABASES = {"default": database_config()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# MariaDB has no partial unique indexes ("one default address/warehouse"); there the services
# hold those rules under a row lock, so the warning is expected.
SILENCED_SYSTEM_CHECKS = ["models.W036"]

AUTHENTICATION_BACKENDS = ["wms_sales.accounts.backends.RolePermissionBackend"]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Amounts grouped by thousands in Chinese too (wms_sales/formats/zh_Hans).
FORMAT_MODULE_PATH = ["wms_sales.formats"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = os.environ.get("WMS_TIME_ZONE", "Asia/Shanghai")

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = True

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_flag("WMS_SECURE_COOKIES")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

# Uploaded import files are parsed in memory up to this size.
DATA_UPLOAD_MAX_MEMORY_SIZE = 50 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 50 * 1024 * 1024

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("WMS_LOG_LEVEL", "WARNING")},
}

# Every list answers ?limit=&offset= with {"items": [...], "count": total}.
NINJA_PAGINATION_PER_PAGE = 50
NINJA_PAGINATION_MAX_LIMIT = 500

# The installation's company name, printed at the head of delivery notes, order
# confirmations and invoices (none printed when it is not set).
WMS_COMPANY_NAME = os.environ.get("WMS_COMPANY_NAME", "").strip()
# The sign before amounts that stand alone (cards, KPIs, order totals): one currency per
# installation, renminbi by default.
WMS_CURRENCY_SYMBOL = os.environ.get("WMS_CURRENCY_SYMBOL", "¥")

# Report results are cached in Redis when WMS_REDIS_URL is set, shared by every process and
# invalidated when the aggregates change; without Redis nothing is cached (a per-process
# cache could serve one process's stale figures after another process's posting).
REDIS_URL = os.environ.get("WMS_REDIS_URL", "")
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "reports": ({"BACKEND": "django.core.cache.backends.redis.RedisCache",
                 "LOCATION": REDIS_URL, "KEY_PREFIX": "wms-sales", "TIMEOUT": 3600}
                if REDIS_URL else {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}),
}
