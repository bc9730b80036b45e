"""Settings of the bench: production's, plus the bench app and its baseline routes.

The baselines (bare views the scenarios are compared with) live in bench/baseline_urls.py
and exist only under these settings, never in the product's URLs. Everything else is
production as deployed: DEBUG off, secure cookies, HSTS, the manifest static storage; the
load client speaks plain HTTP on loopback and says `X-Forwarded-Proto: https`, as the TLS
proxy in front of the app would.
"""

from portal.settings.production import *  # noqa: F403
from portal.settings.production import INSTALLED_APPS, VAR_DIR, env

INSTALLED_APPS = [*INSTALLED_APPS, "bench"]
ROOT_URLCONF = "bench.baseline_urls"
# The bench's own collected static files: var/static belongs to `make run`.
STATIC_ROOT = env.path("STATIC_ROOT", default=VAR_DIR / "bench" / "static")
# Hashed names as in production, without WhiteNoise's gzip/brotli copies: no scenario
# fetches a static file, and compressing every asset takes minutes on a busy 2-core box.
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = [
    "css",
    "js",
    "mjs",
    "map",
    "json",
    "svg",
    "txt",
    "html",
    "xml",
    "md",
    "woff",
    "woff2",
    "ttf",
    "otf",
    "eot",
    "ico",
    "png",
    "jpg",
    "jpeg",
    "gif",
    "webp",
    "gz",
    "br",
    "zip",
    "pdf",
]
