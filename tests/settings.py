"""Settings for the test suite: the project's settings, made cheaper where a test does not look.

- Passwords are hashed with a fast hasher: PBKDF2's million rounds cost ≈ 0.3 s per user created.
- The search index is not updated on every save: the tests of the search turn it on (`search_index` fixture).
"""

from config.settings import *  # noqa: F403
from config.settings import WAGTAILSEARCH_BACKENDS

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

WAGTAILSEARCH_BACKENDS["default"]["AUTO_UPDATE"] = False
