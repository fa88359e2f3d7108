"""Test override: real PostgreSQL and real Redis, never SQLite or an in-memory broker.

Defaults point at 127.0.0.1 (PostgreSQL user postgres with trust auth, Redis on 6379); DATABASE_URL and
REDIS_URL override them. The root conftest fails the run loudly if either cannot be reached.
"""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-3f9a1c7e5b2d8f4a6c0e9b1d7f3a5c8e2b4d6f8a0c")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/interview_platform")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")
os.environ.setdefault("FIELD_ENCRYPTION_KEYS", "dGVzdC1maWVsZC1rZXktMDEyMzQ1Njc4OWFiY2RlZmc=")
os.environ.setdefault("MEDIA_ENCRYPTION_KEYS", "dGVzdC1tZWRpYS1rZXktMDEyMzQ1Njc4OWFiY2RlZmc=")
os.environ.setdefault("IDENTIFIER_HASH_KEY", "dGVzdC1oYXNoLWtleS0wMTIzNDU2Nzg5YWJjZGVmZ2g=")
os.environ.setdefault("AUDIT_HMAC_KEYS", "test:dGVzdC1hdWRpdC1rZXktMDEyMzQ1Njc4OWFiY2RlZmc=")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
# Most tests sign in with force_login and no second factor; accounts/tests/test_two_factor.py turns the
# production value (owner,researcher) back on and tests the enforcement itself.
os.environ.setdefault("TWO_FACTOR_REQUIRED_ROLES", "")
# The cache (Redis) outlives a test run and user ids restart with each test database, so a per-person hourly
# upload limit would carry over between runs; transcription/tests/test_upload.py tests the limit itself.
os.environ.setdefault("UPLOAD_STARTS_PER_HOUR", "1000000")
os.environ.setdefault("SECURE_COOKIES", "0")
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
os.environ.setdefault("VAR_DIR", os.path.join(os.path.dirname(os.path.dirname(__file__)), "var", "test"))

from config.settings import *  # noqa: F403
from config.settings import DATABASES, STORAGES

if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise RuntimeError("Tests run against PostgreSQL only; DATABASE_URL must be a postgres:// URL.")

# Argon2 is deliberately slow; tests create many users.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
WHITENOISE_USE_FINDERS = True
