"""Settings: one home, one way in (the environment). See the README's configuration table."""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from config.channel_layers import in_memory_layer, redis_pubsub_layer
from shop.demo_data import DEMO_PASSWORD_DEFAULT

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# A local .env is a convenience for development; real deployments set the environment.
if (BASE_DIR / ".env").is_file():
    env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is required when DEBUG is off. Set SECRET_KEY in the environment "
            "(for example: python -c 'import secrets; print(secrets.token_urlsafe(50))')."
        )
    SECRET_KEY = "django-insecure-development-only-key-do-not-use-in-production"

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",  # search lookups (trigram_word_similar); inert on SQLite
    "channels",
    "config.apps.ProjectConfig",
    "shop",
    "llm",
    "chat",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"

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
                "shop.context_processors.cart",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the page read while a turn writes; IMMEDIATE avoids upgrade deadlocks.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"init_command": "PRAGMA journal_mode=WAL;", "transaction_mode": "IMMEDIATE"}
    )
else:
    # Under ASGI every request may run on a different thread, and Django's persistent
    # connections are per thread: they pile up, one idle connection per thread that ever
    # served a request. psycopg's pool bounds them per worker and checks a
    # connection before lending it, so a restarted PostgreSQL costs no failed request.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True  # with a pool: check before lending
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "connect_timeout": env.int("DB_CONNECT_TIMEOUT", default=5),
            "pool": {
                "min_size": env.int("DB_POOL_MIN_SIZE", default=1),
                "max_size": env.int("DB_POOL_MAX_SIZE", default=10),
                "timeout": env.float("DB_POOL_TIMEOUT", default=10.0),
            },
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Channel layer --------------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
CHANNEL_LAYERS = {
    "default": redis_pubsub_layer(
        REDIS_URL,
        prefix=env.str("CHANNEL_LAYER_PREFIX", default="shop"),
        socket_timeout=env.float("REDIS_SOCKET_TIMEOUT", default=30.0),
        connect_timeout=env.float("REDIS_CONNECT_TIMEOUT", default=3.0),
        max_connections=env.int("REDIS_MAX_CONNECTIONS", default=2000),
    )
    if REDIS_URL
    else in_memory_layer()
}

# --- Auth, sessions, security ---------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "chat:page"
LOGOUT_REDIRECT_URL = "catalogue:product_list"

# Cookies are Secure outside DEBUG; TLS itself, HSTS and the HTTP->HTTPS redirect belong to
# the TLS-terminating proxy (docs/deploy.md), which forwards X-Forwarded-Proto.
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("TRUST_PROXY_PROTO", default=False) else None
)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# --- Metrics (metrics/): GET /metrics answers only with this bearer token; unset, it is 404 --
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
# OpenTelemetry traces of turns (the `otel` extra), sent over OTLP/HTTP; unset: none.
OTEL_EXPORTER_OTLP_ENDPOINT = env.str("OTEL_EXPORTER_OTLP_ENDPOINT", default="")
OTEL_SERVICE_NAME = env.str("OTEL_SERVICE_NAME", default="shop-assistant")

# --- i18n, static ---------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env.str(
            "STATICFILES_BACKEND",
            default="whitenoise.storage.CompressedManifestStaticFilesStorage",
        )
    },
}

# --- Logging: key=value extras, never message content at INFO, never secrets ----------------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"kv": {"()": "config.logging.KeyValueFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "kv"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "botocore": {"level": "WARNING"},
        "daphne": {"level": "WARNING"},
    },
}

# --- LLM (see llm/ and the README) ----------------------------------------------------------
LLM_PROVIDER = env.str("LLM_PROVIDER", default="offline")
BEDROCK_MODEL_ID = env.str(
    "BEDROCK_MODEL_ID", default="us.anthropic.claude-sonnet-4-5-20250929-v1:0"
)
BEDROCK_PROVIDER = env.str("BEDROCK_PROVIDER", default="")  # e.g. anthropic, for profile ARNs
AWS_REGION = env.str("AWS_REGION", default=env.str("AWS_DEFAULT_REGION", default="us-east-1"))
BEDROCK_ENDPOINT_URL = env.str("BEDROCK_ENDPOINT_URL", default="") or None
LLM_TEMPERATURE = env.float("LLM_TEMPERATURE", default=0.2)
LLM_MAX_TOKENS = env.int("LLM_MAX_TOKENS", default=1024)
BEDROCK_CONNECT_TIMEOUT = env.float("BEDROCK_CONNECT_TIMEOUT", default=5.0)
BEDROCK_READ_TIMEOUT = env.float("BEDROCK_READ_TIMEOUT", default=60.0)
BEDROCK_MAX_ATTEMPTS = env.int("BEDROCK_MAX_ATTEMPTS", default=3)
BEDROCK_MAX_CONCURRENT_STREAMS = env.int("BEDROCK_MAX_CONCURRENT_STREAMS", default=256)
# Prompt caching (cache points after the system prompt, the tools and the previous history) for
# models that support it; 0 turns it off.
BEDROCK_PROMPT_CACHE = env.bool("BEDROCK_PROMPT_CACHE", default=True)
# A Bedrock guardrail checks the newest question and the streamed answer (asynchronously, so
# text keeps streaming); unset: none.
BEDROCK_GUARDRAIL_ID = env.str("BEDROCK_GUARDRAIL_ID", default="")
BEDROCK_GUARDRAIL_VERSION = env.str("BEDROCK_GUARDRAIL_VERSION", default="DRAFT")
BEDROCK_GUARDRAIL_TRACE = env.bool("BEDROCK_GUARDRAIL_TRACE", default=False)
# USD per million tokens, per model id: {"<model id>": {"input", "output", "cache_read",
# "cache_write"}}, as JSON. The default is an estimate from Bedrock's public on-demand price
# list for the default model; set your own (contract prices, other models) here.
LLM_PRICES: dict[str, dict[str, float]] = {
    "us.anthropic.claude-sonnet-4-5-20250929-v1:0": {
        "input": 3.0,
        "output": 15.0,
        "cache_read": 0.30,
        "cache_write": 3.75,
    },
    **env.json("LLM_PRICES", default={}),
}
LLM_OFFLINE_DELAY_MS = env.float("LLM_OFFLINE_DELAY_MS", default=15.0)
LLM_MAX_TOOL_ROUNDS = env.int("LLM_MAX_TOOL_ROUNDS", default=5)
LLM_HISTORY_MAX_TOKENS = env.int("LLM_HISTORY_MAX_TOKENS", default=6000)
LLM_HISTORY_MAX_MESSAGES = env.int("LLM_HISTORY_MAX_MESSAGES", default=200)
LLM_TOOL_RESULT_MAX_CHARS = env.int("LLM_TOOL_RESULT_MAX_CHARS", default=4000)

# --- Demo data (manage.py seed_shop); the demo customer is never staff ---------------------
DEMO_PASSWORD = env.str("DEMO_PASSWORD", default=DEMO_PASSWORD_DEFAULT)

# --- Chat limits ----------------------------------------------------------------------------
CHAT_MAX_MESSAGE_CHARS = env.int("CHAT_MAX_MESSAGE_CHARS", default=4000)
CHAT_MAX_FRAME_BYTES = env.int("CHAT_MAX_FRAME_BYTES", default=65536)  # one client frame
CHAT_HISTORY_FRAME_MESSAGES = env.int("CHAT_HISTORY_FRAME_MESSAGES", default=200)
# Chunk group-sends are coalesced to one per this many ms (the model may be much faster).
CHAT_CHUNK_COALESCE_MS = env.float("CHAT_CHUNK_COALESCE_MS", default=50.0)
CHAT_RATE_LIMIT_PER_MINUTE = env.int("CHAT_RATE_LIMIT_PER_MINUTE", default=20)
# Threads a worker runs the sockets' and turns' database calls on (chat.db_calls); SQLite
# takes one writer at a time, so one there.
CHAT_DB_THREADS = env.int(
    "CHAT_DB_THREADS",
    default=1 if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3" else 4,
)
CHAT_MAX_SOCKETS_PER_SESSION = env.int("CHAT_MAX_SOCKETS_PER_SESSION", default=20)
CHAT_CHECKPOINT_SECONDS = env.float("CHAT_CHECKPOINT_SECONDS", default=2.0)
CHAT_CLAIM_TTL_SECONDS = env.float("CHAT_CLAIM_TTL_SECONDS", default=15.0)
CHAT_HEARTBEAT_SECONDS = env.float("CHAT_HEARTBEAT_SECONDS", default=5.0)
# How often every worker looks for dead workers' turns to settle.
CHAT_REAPER_SECONDS = env.float("CHAT_REAPER_SECONDS", default=max(1.0, CHAT_CLAIM_TTL_SECONDS / 3))
# How long a stopping worker waits for its running turns to be stored as interrupted.
CHAT_SHUTDOWN_SECONDS = env.float("CHAT_SHUTDOWN_SECONDS", default=5.0)
# A proposed action (a cart change, an order cancellation) waits this long for the customer.
CHAT_ACTION_TIMEOUT_SECONDS = env.float("CHAT_ACTION_TIMEOUT_SECONDS", default=600.0)
# Up to four questions an empty conversation offers to send with one click (chat page, panel).
CHAT_STARTER_PROMPTS: list[str] = env.json(
    "CHAT_STARTER_PROMPTS",
    default=[
        "Find running shoes under €150",
        "Compare your yoga mats",
        "Gift ideas for a coffee lover",
        "Where is my order ORD-10042?",
    ],
)[:4]
# The reasons a customer can give with a rating of an answer (chat feedback).
CHAT_FEEDBACK_REASONS: list[str] = env.list(
    "CHAT_FEEDBACK_REASONS",
    default=[
        "wrong product information",
        "did not follow my request",
        "not helpful",
        "too slow",
        "other",
    ],
)
# Tokens (input and output) a user or anonymous session may use per day; unset: no limit.
CHAT_DAILY_TOKEN_BUDGET: int | None = env.int("CHAT_DAILY_TOKEN_BUDGET", default=None)
