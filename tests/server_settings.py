"""Settings of the app servers that tests start as real processes (tests/participation/test_limits_across_servers.py).

Production's settings (config.settings, so the cache is what production has when CACHE_URL is unset), with plain
static file names: the tests do not run `collectstatic` first.
"""

from config.settings import *  # noqa: F403
from config.settings import STORAGES

STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
