"""Settings, read from environment variables only (12-factor).

WMS_DATABASE_URL   database URL (default: SQLite file in WMS_DATA_DIR)
WMS_SECRET_KEY     required unless WMS_DEBUG is on or WMS_DATA_DIR/secret_key exists
WMS_DEBUG          "1"/"true" turns debug on; off by default
WMS_ALLOWED_HOSTS  comma-separated host names (default: localhost,127.0.0.1)
WMS_DATA_DIR       folder for the SQLite file, the generated secret key and static files
                   (default: data/ of the source checkout, else ./data)
WMS_TIME_ZONE      the installation's time zone (default: Asia/Shanghai)
WMS_AMQP_URL       RabbitMQ URL (amqp://user:pass@host:5672/vhost); when set, `wms-sales relay`
                   publishes the outbox there and `wms-sales consume` applies inbound events;
                   unset: events go to in-process handlers after commit (no broker needed)
WMS_AMQP_EXCHANGE  topic exchange for the sales events (default: wms.sales)
WMS_AMQP_INBOUND_EXCHANGE  topic exchange the warehouse publishes stock events on
                   (default: wms.inventory)
WMS_AMQP_QUEUE     the consumer's durable queue (default: wms-sales.inbound); its dead letters
                   go to <queue>.dead-letter
WMS_CONSUMER_MAX_ATTEMPTS  failed attempts before a message is dead-lettered (default: 5)
WMS_OUTBOX_RETENTION_HOURS  delivered outbox rows and processed message ids are pruned after
                   this many hours (default: 168)
WMS_REDIS_URL      Redis URL; when set, the report cache and the idempotency fast path use it
WMS_MAX_REQUEST_BYTES  the largest API request body (default: 2 MiB); larger ones get a 413
WMS_LOGIN_FAILURE_LIMIT, WMS_LOGIN_LOCKOUT_MINUTES  login throttling (default: 5 failures, 15 min)
WMS_LOGIN_THROTTLE     "0" turns login throttling off (default: on)
WMS_SEGREGATE_DUTIES   "0" lets a user approve an order they entered (default: refused)
WMS_HTTPS              "1" in production behind a TLS proxy: secure cookies, HTTPS redirect, HSTS
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
import django_stubs_ext
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

# Type annotations such as ModelAdmin[Product] must also work at run time.
django_stubs_ext.monkeypatch()

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
    "axes",
    "csp",
    "wms_sales.common",
    "wms_sales.accounts",
    "wms_sales.customers",
    "wms_sales.catalog",
    "wms_sales.inventory",
    "wms_sales.events",
    "wms_sales.lifecycle",
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
    "wms_sales.common.http.ApiErrorShapeMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it answers a locked-out login with our lockout page.
    "axes.middleware.AxesMiddleware",
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


def database_config() -> dj_database_url.DBConfig:
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
    elif engine.endswith("postgresql"):
        # Django's backend, with a health check that pings only a connection the server
        # may have dropped (common/backends/postgresql).
        config["ENGINE"] = "wms_sales.common.backends.postgresql"
    if engine.endswith("postgresql") and env_flag("WMS_DB_PREPARED_STATEMENTS", True):
        # Parameters bound by the server and statements prepared from their second run on:
        # PostgreSQL plans each statement shape once per connection instead of per query (a
        # join's planning costs more than running it), and the driver sends parameters
        # without quoting them into the text. Off (=0) behind PgBouncer's transaction
        # pooling before version 1.22, which cannot keep prepared statements.
        config.setdefault("OPTIONS", {}).update({"server_side_binding": True,
                                                 "prepare_threshold": 2})
    return config


DATABASES = {"default": database_config()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# MariaDB has no partial unique indexes ("one default address/warehouse"); there the services
# hold those rules under a row lock, so the warning is expected.
SILENCED_SYSTEM_CHECKS = ["models.W036"]

# Login throttling (django-axes): after WMS_LOGIN_FAILURE_LIMIT failed logins for one account,
# or from one address, further logins of it are refused for WMS_LOGIN_LOCKOUT_MINUTES. A
# success resets the count. Admins unlock in /admin/axes/ or `wms-sales axes_reset_username NAME`
# (`axes_reset_ip ADDRESS`, `axes_reset` for all).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "wms_sales.accounts.backends.RolePermissionBackend",
]
AXES_ENABLED = env_flag("WMS_LOGIN_THROTTLE", True)
AXES_FAILURE_LIMIT = int(os.environ.get("WMS_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("WMS_LOGIN_LOCKOUT_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # each on its own: account, or address
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "wms_sales.web.views.login_locked_out"
AXES_VERBOSE = False

# Segregation of duties: whoever entered an order cannot approve it ("0" turns it off).
WMS_SEGREGATE_DUTIES = env_flag("WMS_SEGREGATE_DUTIES", True)

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
# Production is served over HTTPS by a TLS-terminating proxy in front of gunicorn
# (WMS_HTTPS=1): secure cookies, HTTP redirected to HTTPS, HSTS, and the proxy's
# X-Forwarded-Proto trusted. `wms-sales check --deploy` is clean with it.
HTTPS = env_flag("WMS_HTTPS")
SESSION_COOKIE_SECURE = HTTPS or env_flag("WMS_SECURE_COOKIES")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = int(os.environ.get("WMS_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_flag("WMS_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_flag("WMS_HSTS_PRELOAD", True)
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

# The largest API request body (bytes); larger ones are answered 413 before they are read.
WMS_MAX_REQUEST_BYTES = int(os.environ.get("WMS_MAX_REQUEST_BYTES", str(2 * 1024 * 1024)))

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

# The most lines one order may have: a 1,000-line order is ordinary, a 300,000-line one is a
# mistake or an attack (it would hold its stock locks for minutes); answered with 422.
WMS_MAX_ORDER_LINES = int(os.environ.get("WMS_MAX_ORDER_LINES", "5000"))

# The installation's company name, printed at the head of delivery notes, order
# confirmations and invoices (none printed when it is not set).
WMS_COMPANY_NAME = os.environ.get("WMS_COMPANY_NAME", "").strip()
# The sign before amounts that stand alone (cards, KPIs, order totals): one currency per
# installation, renminbi by default.
WMS_CURRENCY_SYMBOL = os.environ.get("WMS_CURRENCY_SYMBOL", "¥")

# Report results are cached in Redis when WMS_REDIS_URL is set, shared by every process and
# invalidated when the aggregates change; without Redis nothing is cached (a per-process
# cache could serve one process's stale figures after another process's posting).
# Stored idempotent responses never change once committed, so their fast path is safe in a
# per-process cache too. Short socket timeouts: a Redis outage must cost milliseconds per
# request (the callers then read uncached), never hang it.
REDIS_URL = os.environ.get("WMS_REDIS_URL", "")
REDIS_OPTIONS = {"socket_connect_timeout": 0.25, "socket_timeout": 0.5}


def redis_cache(prefix: str, timeout: int) -> dict:
    return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL,
            "KEY_PREFIX": prefix, "TIMEOUT": timeout, "OPTIONS": REDIS_OPTIONS}


CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "reports": (redis_cache("wms-sales", 3600) if REDIS_URL
                else {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}),
    "idempotency": (redis_cache("wms-sales-idem", 86400) if REDIS_URL
                    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                          "LOCATION": "idempotency", "TIMEOUT": 86400,
                          "OPTIONS": {"MAX_ENTRIES": 10000}}),
}

# Events leave through the transactional outbox: `wms-sales relay` publishes it to RabbitMQ
# when WMS_AMQP_URL is set; without it, the in-process handlers get each event after commit.
AMQP_URL = os.environ.get("WMS_AMQP_URL", "")
AMQP_EXCHANGE = os.environ.get("WMS_AMQP_EXCHANGE", "wms.sales")
AMQP_INBOUND_EXCHANGE = os.environ.get("WMS_AMQP_INBOUND_EXCHANGE", "wms.inventory")
AMQP_QUEUE = os.environ.get("WMS_AMQP_QUEUE", "wms-sales.inbound")
CONSUMER_MAX_ATTEMPTS = int(os.environ.get("WMS_CONSUMER_MAX_ATTEMPTS", "5"))
OUTBOX_RETENTION_HOURS = float(os.environ.get("WMS_OUTBOX_RETENTION_HOURS", "168"))
