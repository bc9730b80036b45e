"""Settings of the fault-drill stack: production's, served over plain HTTP on loopback.

Everything else (database, Redis, Elasticsearch, media, secrets) comes from the
environment exactly as in production; the drill harness (chaos/stack.py) sets it.
"""

from portal.settings.production import *  # noqa: F403
from portal.settings.production import STORAGES

# The drill's client talks HTTP to 127.0.0.1: no TLS redirect, cookies without Secure.
SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
# Static files from the finders: the drill is about data, not about collectstatic.
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
