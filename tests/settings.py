"""Test settings: the project's settings with generated keys, so no key is kept in the repo.

The keys go into the environment so that servers the tests start (gunicorn, the demo) share them.
"""

import os
import secrets

from cryptography.fernet import Fernet

os.environ.setdefault("ENV_FILE", "")  # a developer's .env must not change the tests
os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
os.environ.setdefault("CREDENTIALS_KEY", Fernet.generate_key().decode())
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("SESSION_COOKIE_SECURE", "0")
os.environ.setdefault("CSRF_COOKIE_SECURE", "0")
# The sandbox listens on http://127.0.0.1; servers the tests start inherit this.
os.environ.setdefault("VENDOR_ALLOW_INSECURE_URLS", "1")

from supportdesk.settings import *  # noqa: F403

# Tests must not share the demo's limiter file, and must be fast to hash passwords.
VENDOR_TIMEOUT = 2.0
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Static files straight from the source folders: no collectstatic before a unit test run.
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405

# On SQLite the test database is a file, not memory: the bulk tests run a real task worker
# (`manage.py db_worker`) in another process against it. One file per test run, so that two
# runs in one checkout never share (and corrupt) it.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": str(VAR_DIR / f"test-db-{os.getpid()}.sqlite3")  # noqa: F405
    }
