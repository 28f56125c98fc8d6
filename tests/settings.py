"""Settings for the test suite: the project's settings, made cheaper where a test does not look.

- Passwords are hashed with a fast hasher: PBKDF2's million rounds cost ≈ 0.3 s per user created.
- The search index is not updated on every save: the tests of the search turn it on (`search_index` fixture).
- Uploads go to a temporary folder, one per test process, not to the checkout's media/.
- The cache is each test process's own memory, whatever CACHE_URL the developer exported: tests empty it
  (`cache.clear()`), which must never reach a shared Redis or another process's files. The tests that start servers
  give them production's cache (tests/participation/test_limits_across_servers.py).
- Emails are sent by the immediate task backend, at once, into Django's test outbox: tests read what was sent
  right after the request. The tests of the queue itself (`tests/core/test_email_queue.py`) put the database
  backend back and run the worker.
"""

import tempfile
from pathlib import Path

from config.settings import *  # noqa: F403
from config.settings import TASKS, WAGTAILSEARCH_BACKENDS

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

WAGTAILSEARCH_BACKENDS["default"]["AUTO_UPDATE"] = False

MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="participation-test-media-"))

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
TASKS = {**TASKS, "emails": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
