"""Settings, read from the environment (12-factor) through django-environ.

The embedded default (no variables set) is a SQLite file beside manage.py and eager Celery, so the app runs
on a fresh machine without any server. Production sets DATABASE_URL (PostgreSQL), CELERY_BROKER_URL (Redis),
SECRET_KEY and ALLOWED_HOSTS; with DEBUG off the secure settings are on unless overridden.
"""

import datetime
import os
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from kombu import Queue

BASE_DIR = Path(__file__).resolve().parent.parent

# python-docx (the bulletin's Word document) brings lxml, and openpyxl would then write workbooks through lxml,
# which leaves a carriage return in a cell raw (Excel reads it back as a line feed). Workbooks keep openpyxl's
# own writer, as they were made before.
os.environ.setdefault("OPENPYXL_LXML", "False")

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off", ""}


def env_bool(name: str, *, default: bool) -> bool:
    """A boolean from the environment; anything but a clear yes or no stops the app (django-environ would
    silently read "perhaps" as False)."""
    raw = env.str(name, default=None)
    if raw is None:
        return default
    if raw.strip().lower() in _TRUE:
        return True
    if raw.strip().lower() in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false, yes/no, on/off), not {raw!r}.")


DEBUG = env_bool("DEBUG", default=False)

if DEBUG:
    # A development server may run without a key; sessions then last until the process restarts.
    from django.core.management.utils import get_random_secret_key

    SECRET_KEY = os.environ.get("SECRET_KEY") or get_random_secret_key()
else:
    # Read raw: django-environ would treat a key that starts with "$" as a reference to another variable.
    SECRET_KEY = os.environ.get("SECRET_KEY", "")
    if not SECRET_KEY:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "chengjiang_enroll.apps.CampaignAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "bootstrap",
    "django_filters",
    "django_tables2",
    "import_export",
    "simple_history",
    "chengjiang_enroll.apps.LoginLockoutConfig",
    "csp",
    "campaigns",
    "audit",
    "targets",
    "enrolment",
    "reporting",
    "dashboard",
    "bulletins",
    "home",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "audit.services.AuditContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "chengjiang_enroll.middleware.MethodNotAllowedPageMiddleware",
    "chengjiang_enroll.middleware.SessionTimeoutMiddleware",
    "campaigns.params.ParamErrorMiddleware",
    "chengjiang_enroll.middleware.PasswordChangeRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "chengjiang_enroll.middleware.SecurityHeadersMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes requires.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "chengjiang_enroll.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "home.context_processors.navigation",
            ],
        },
    },
]

WSGI_APPLICATION = "chengjiang_enroll.wsgi.application"

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
    # A covering index's INCLUDE columns serve PostgreSQL's index-only scans; SQLite builds the index on its keys
    # alone, which is all the embedded default needs, so its warning would only be noise on every command.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "campaigns.User"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "campaigns.passwords.LettersAndDigitsValidator"},
]
# Days a password may be used before its owner must change it; 0 (the default) switches expiry off.
PASSWORD_EXPIRY_DAYS = env.int("PASSWORD_EXPIRY_DAYS", default=0)

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# django-axes: five failed logins lock the account for 30 minutes whatever address they come from, and lock an
# address that tries many accounts (a password spray). Failures are not reset by a later success (a success from
# the attacker's own account would otherwise clear the address's count); they lapse after the cool-off period.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = False
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
# Our own catalogue first (makemessages writes there), then Chinese for third-party apps that ship none.
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale_third_party"]
FIXTURE_DIRS = [BASE_DIR / "fixtures"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Uploaded lists, rejected-row workbooks and report attachments hold personal data: they live outside
# STATIC and are only ever served through views that check access, never from a public MEDIA_URL.
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "var" / "media")))
# A URL that nothing serves: FileField.url needs one, but files are only ever streamed by access-checked views.
MEDIA_URL = "/protected/"
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Uploaded and generated files are readable by the application's account only; so are temporary files, which
# live in MEDIA_ROOT/tmp (also for every library that asks Python's tempfile) and never in the shared /tmp.
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
PRIVATE_TMP = MEDIA_ROOT / "tmp"
FILE_UPLOAD_TEMP_DIR = str(PRIVATE_TMP)
# What an uploaded spreadsheet may be, checked before anything parses it (enrolment.spreadsheet_guard): the reader
# holds a sheet's used range in memory at about 100 bytes a cell, so cells and inflated XML bound the memory of a
# read; CSV is streamed, and only its rows are bounded.
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", default=50 * 1024 * 1024)
UPLOAD_MAX_ROWS = env.int("UPLOAD_MAX_ROWS", default=1_100_000)
UPLOAD_MAX_COLUMNS = env.int("UPLOAD_MAX_COLUMNS", default=256)
UPLOAD_MAX_CELLS = env.int("UPLOAD_MAX_CELLS", default=3_000_000)
UPLOAD_MAX_XML_BYTES = env.int("UPLOAD_MAX_XML_BYTES", default=200 * 1024 * 1024)
UPLOAD_MAX_CELL_CHARS = env.int("UPLOAD_MAX_CELL_CHARS", default=32_767)
UPLOAD_MAX_COMPRESSION_RATIO = env.int("UPLOAD_MAX_COMPRESSION_RATIO", default=200)
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 20000

CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}

EMAIL_CONFIG = env.email("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="kuomian@localhost")

# --- Celery -----------------------------------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
# Without a broker, tasks run in-process at once: the embedded default needs no server.
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
# Even eager, Celery takes a producer from a connection: an in-memory one, so kombu does not warn about a missing
# host ("No hostname was supplied") in the output of every command that changes data.
CELERY_BROKER_WRITE_URL = "memory://localhost/" if CELERY_TASK_ALWAYS_EAGER else None
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=CELERY_BROKER_URL or None) or None
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A progress recompute claimed longer ago than this belongs to a worker that died: another run may take it.
PROGRESS_STALE_CLAIM_MINUTES = env.int("PROGRESS_STALE_CLAIM_MINUTES", default=30)
# One queue per kind of work, so each can have its own workers (and machines): a long import never holds up a
# reminder, and recomputes can be given more processes. A worker started without -Q consumes them all.
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_QUEUES = [Queue(name) for name in ("default", "imports", "recompute", "matching", "notifications")]
CELERY_TASK_ROUTES = {
    "enrolment.batch_import_task": {"queue": "imports"},
    "enrolment.region_batch_import_task": {"queue": "imports"},
    "enrolment.data_import_run_task": {"queue": "imports"},
    "enrolment.reference_import_task": {"queue": "imports"},
    "enrolment.previews_prune_task": {"queue": "imports"},
    "enrolment.matching_*": {"queue": "matching"},
    "targets.progress_*": {"queue": "recompute"},
    "reporting.*": {"queue": "notifications"},
    "bulletins.*": {"queue": "notifications"},
}
# Beat runs exactly once however many beat processes are started: they share a lock in Redis (see the module).
CELERY_BEAT_SCHEDULER = "chengjiang_enroll.beat:SingleBeatScheduler"
CELERY_BEAT_MAX_LOOP_INTERVAL = 15
CELERY_BEAT_SCHEDULE = {
    "recompute-progress-nightly": {
        "task": "targets.progress_recompute_request_running_task",
        "schedule": crontab(hour=1, minute=30),
    },
    "report-reminders": {
        "task": "reporting.reminders_send_task",
        "schedule": crontab(hour=9, minute=0),
    },
    "previews-prune": {
        "task": "enrolment.previews_prune_task",
        "schedule": crontab(hour=3, minute=30),
    },
    "audit-prune": {
        "task": "audit.audit_prune_task",
        "schedule": crontab(hour=3, minute=15),
    },
}

# --- Security ---------------------------------------------------------------------------------------
# On by default in production; each can be turned off for a deployment behind a TLS-terminating proxy.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=not DEBUG)
# Load balancers probe over plain HTTP inside the intranet.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
if env_bool("USE_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_HTTPONLY = True
# A session ends after SESSION_IDLE_MINUTES without a request and SESSION_ABSOLUTE_HOURS after the login, whatever
# happens (chengjiang_enroll.middleware.SessionTimeoutMiddleware); and when the browser closes.
SESSION_IDLE_MINUTES = env.int("SESSION_IDLE_MINUTES", default=30)
SESSION_ABSOLUTE_HOURS = env.int("SESSION_ABSOLUTE_HOURS", default=12)
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_HOURS * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Nothing from another origin, no inline script (scripts are static files), no inline styles; data: images only
# for Bootstrap's own icons inside its stylesheet.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}
# The browser features the product never uses are switched off (chengjiang_enroll.middleware).
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), display-capture=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), midi=(), payment=(), usb=(), interest-cohort=()"
)

# --- Audit ------------------------------------------------------------------------------------------
# The access log is kept at least six months (网络安全法 第二十一条); a shorter period stops the app.
AUDIT_RETENTION_MIN_DAYS = 180
AUDIT_RETENTION_DAYS = env.int("AUDIT_RETENTION_DAYS", default=365)
if AUDIT_RETENTION_DAYS < AUDIT_RETENTION_MIN_DAYS:
    raise ImproperlyConfigured(
        f"AUDIT_RETENTION_DAYS must be at least {AUDIT_RETENTION_MIN_DAYS} (days), not {AUDIT_RETENTION_DAYS}."
    )

# --- Tables -----------------------------------------------------------------------------------------
DJANGO_TABLES2_TEMPLATE = "django_tables2/bootstrap5.html"
IMPORT_EXPORT_SKIP_ADMIN_LOG = True
# A historical version is never restored through the admin: changes go through the services that check them.
SIMPLE_HISTORY_REVERT_DISABLED = True

# --- Logging: operational facts only; never names, ID numbers or phones. -----------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"one_line_refusals": {"()": "chengjiang_enroll.log.OneLineRefusals"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["one_line_refusals"]}},
    # Embedded (tasks run inside the command or the request), the tasks' INFO lines would mix into a command's
    # output: warnings only there, unless LOG_LEVEL says otherwise. Django's own request lines stay (below).
    "root": {
        "handlers": ["console"],
        "level": env.str("LOG_LEVEL", default="WARNING" if CELERY_TASK_ALWAYS_EAGER else "INFO"),
    },
    "loggers": {
        # Django's own handlers (a second console in DEBUG, which prints tracebacks) are replaced by the root's.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.db.backends": {"level": "INFO"},
        "axes": {"level": "WARNING"},
    },
}

SITE_TITLE = _("社会保险全民参保扩面专项行动")
