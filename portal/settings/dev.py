"""The embedded default used by `make run`: SQLite, in-memory channel layer, local cache."""

import warnings

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)
# Development only: production refuses to start without a real SECRET_KEY.
SECRET_KEY = env("SECRET_KEY", default="dev-only-insecure-key-do-not-deploy-0123456789abcdef")

# WhiteNoise serves static files through a synchronous iterator, which Django's ASGI
# handler consumes in a thread and warns about on every file. Harmless here; production
# serves static files from the reverse proxy.
warnings.filterwarnings(
    "ignore", message="StreamingHttpResponse must consume synchronous iterators"
)

# Development only (production requires its own): the keys of the personal-data columns.
FIELD_ENCRYPTION_KEY = env(
    "FIELD_ENCRYPTION_KEY", default="dev1:ZGV2LW9ubHktZmllbGQta2V5LWRvLW5vdC1kZXBsb3k"
)
FIELD_INDEX_KEY = env("FIELD_INDEX_KEY", default="dev-only-blind-index-key-do-not-deploy")
