"""The settings gunicorn serves the app with in `make bench-province`: the test settings (no TLS, a throw-away
secret, the benchmark's database from DATABASE_URL) with connections kept across requests as in production."""

from tests.settings import *  # noqa: F403

DEBUG = False
DATABASES["default"]["CONN_MAX_AGE"] = 60  # noqa: F405
WHITENOISE_AUTOREFRESH = False
STATIC_ROOT = None  # static files from the apps' folders (WHITENOISE_USE_FINDERS), none collected for a run
