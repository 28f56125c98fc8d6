"""Settings for the test suite: the project's settings, made cheaper where a test does not look.

- Passwords are hashed with a fast hasher: PBKDF2's million rounds cost ≈ 0.3 s per user created.
- The search index is not updated on every save: the tests of the search turn it on (`search_index` fixture).
- Uploads go to a temporary folder, one per test process, not to the checkout's media/.
- The cache is each test process's own memory, whatever CACHE_URL the developer exported: tests empty it
  (`cache.clear()`), which must never reach a shared Redis or another process's files. The tests that start servers
  give them production's cache (tests/participation/test_limits_across_servers.py).
- The cache of anonymous pages (core.pagecache) is off, like the search index: the tests of the cache turn it on
  (`page_cache` fixture).
- Emails are sent by the immediate task backend, at once, into Django's test outbox: tests read what was sent
  right after the request. The tests of the queue itself (`tests/core/test_email_queue.py`) put the database
  backend back and run the worker.
- The caller's environment does not reach the suite: the variables a deployment sets (README, "Configuration")
  are removed before the settings read them, so the tests see the defaults they assume whatever a developer
  exported for `make run` (DEMO_ADMIN_PASSWORD, CACHE_URL, HTTPS…). Only the database and the key come from
  outside. A test that needs a variable sets it itself (monkeypatch.setenv, or a subprocess's environment).
"""

import os
import tempfile
from pathlib import Path

# Every variable the project reads but DATABASE_URL, DATABASE_CONN_MAX_AGE and SECRET_KEY
# (tests/config/test_environment.py keeps this list complete).
CALLER_ENVIRONMENT_IGNORED = (
    "DEBUG",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "HTTPS",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "PEERTUBE_HOSTS",
    "CACHE_URL",
    "CACHE_KEY_PREFIX",
    "CACHE_DIR",
    "PAGE_CACHE_SECONDS",
    "FRONTEND_CACHE_URL",
    "FRONTEND_CACHE_CLOUDFLARE_ZONEID",
    "FRONTEND_CACHE_CLOUDFLARE_TOKEN",
    "GUNICORN_BIND",
    "GUNICORN_WORKERS",
    "WEB_CONCURRENCY",
    "GUNICORN_THREADS",
    "GUNICORN_TIMEOUT",
    "GUNICORN_GRACEFUL_TIMEOUT",
    "GUNICORN_KEEPALIVE",
    "GUNICORN_ACCESS_LOG",
    "EMAIL_HOST",
    "EMAIL_PORT",
    "EMAIL_HOST_USER",
    "EMAIL_HOST_PASSWORD",
    "EMAIL_USE_TLS",
    "EMAIL_TIMEOUT",
    "DEFAULT_FROM_EMAIL",
    "MEDIA_ROOT",
    "MEDIA_URL",
    "MEDIA_STORAGE_URL",
    "WAGTAILADMIN_BASE_URL",
    "PUBLIC_BASE_URL",
    "CONTRIBUTION_CONFIRMATION_HOURS",
    "APPEAL_LINK_DAYS",
    "REPORT_THRESHOLD",
    "PERSONAL_DATA_RETENTION_DAYS",
    "JOB_BATCH_SIZE",
    "DATA_RIGHTS_LINK_DAYS",
    "PARTICIPANT_PASS_DAYS",
    "TRUSTED_PROXY_COUNT",
    "RATE_LIMIT_CONTRIBUTIONS",
    "RATE_LIMIT_REPORTS",
    "RATE_LIMIT_REGISTRATIONS",
    "RATE_LIMIT_FOLLOWS",
    "RATE_LIMIT_SUPPORTS",
    "RATE_LIMIT_SUPPORT_EMAILS",
    "LOGIN_FAILURE_LIMIT",
    "LOGIN_LOCKOUT_MINUTES",
    "SESSION_MAX_HOURS",
    "SESSION_IDLE_MINUTES",
    "SEARCH_URL",
    "SEARCH_BACKEND",
    "SEARCH_INDEX_PREFIX",
    "WAGTAIL_SITE_NAME",
    "LOG_LEVEL",
    "DEMO_ADMIN_PASSWORD",
)
for name in CALLER_ENVIRONMENT_IGNORED:
    os.environ.pop(name, None)

from config.settings import *  # noqa: E402, F403
from config.settings import TASKS, WAGTAILSEARCH_BACKENDS  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

WAGTAILSEARCH_BACKENDS["default"]["AUTO_UPDATE"] = False

MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="participation-test-media-"))

CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "pages": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "pages"},
}
# The cache of anonymous pages is off but where a test asks for it (`page_cache` fixture): query counts measure
# what rendering costs, and a counter changed by `update()` shows on the next request.
PAGE_CACHE_SECONDS = 0
TASKS = {**TASKS, "emails": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
# The email worker delivers to `mail.outbox` (pytest-django makes EMAIL_BACKEND the same; a test that proves
# Django's mail API queues sets EMAIL_BACKEND back to the queue).
EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
