"""Test settings: the real settings module, with what a test run must not need (a secret, TLS)."""

import os

os.environ.setdefault("SECRET_KEY", "tests-only-" + "x" * 50)

from chengjiang_enroll.settings import *  # noqa: F403

SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
MEDIA_ROOT = BASE_DIR / "var" / "test-media"  # noqa: F405
AXES_ENABLED = True
# Tests run tasks eagerly; the tests that need a real worker turn it off (tests.conftest.celery_worker_on_broker).
CELERY_TASK_ALWAYS_EAGER = True
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# Live-server and worker threads must not keep connections open past a request, or the test database
# cannot be dropped at the end of the run.
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
