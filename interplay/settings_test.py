"""The test suite's settings: the one settings module, with test-only environment defaults.

pytest-django imports settings before any conftest runs, so the defaults a test run needs
(a throwaway key, plain HTTP for the test client) are set here, then everything else comes
from ``interplay.settings`` exactly as production reads it. DATABASE_URL still chooses
SQLite or PostgreSQL.
"""

import os

os.environ.setdefault("SECRET_KEY", "test-only-key-" + "x" * 40)
os.environ.setdefault("INTERPLAY_ENCRYPTION_KEYS", "interplay-test-suite-key-never-for-real-use=")
os.environ.setdefault("INTERPLAY_HTTPS", "0")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
os.environ.setdefault("INTERPLAY_BASE_URL", "http://127.0.0.1:8000")

from interplay.settings import *  # noqa: F403

# Every FHIR resource any test reads is checked against its fhir.resources model.
FHIR_VALIDATE_OUTPUT = True
# Argon2 is deliberately slow; tests create many users.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "ratelimit": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
}
# Every test reads the service's settings and instruments from its own database.
SHORT_CACHE_SECONDS = 0
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.E003", "django_ratelimit.W001"]
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file (not memory) so live-server and thread tests share it; one per run, so two
    # test runs in one checkout never share a database.
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": str(BASE_DIR / f"test-interplay-{os.getpid()}.sqlite3")  # noqa: F405
    }
