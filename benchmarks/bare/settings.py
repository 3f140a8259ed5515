"""Minimal settings for the bare baseline (not the project's settings)."""

import os

from config.channel_layers import STOCK_PUBSUB, in_memory_layer, redis_pubsub_layer

SECRET_KEY = os.environ.get("SECRET_KEY", "bare-benchmark-key")
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = ["daphne", "channels"]
DATABASES: dict = {}
USE_TZ = True
ROOT_URLCONF = "benchmarks.bare.urls"
ASGI_APPLICATION = "benchmarks.bare.asgi.application"
_redis = os.environ.get("REDIS_URL", "")
# Stock channels-redis pub/sub: the baseline is the stack as it comes, not the project's layer.
CHANNEL_LAYERS = {
    "default": redis_pubsub_layer(
        _redis, prefix=os.environ.get("CHANNEL_LAYER_PREFIX", "bare"), backend=STOCK_PUBSUB
    )
    if _redis
    else in_memory_layer()
}
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "root": {"level": "WARNING"},
}
