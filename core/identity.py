"""The Métropole's identity, as the app that stores it provides it (DESIGN: a lower layer asks through a hook).

The apps below the portal (communes, search) name the Métropole and its Mission in messages and feeds; the
identity is a setting of the portal app. They call `metropole_identity(request)`; the portal app answers through
the `metropole_identity` hook, so that no lower app imports it.
"""

from django.core.cache import cache
from wagtail import hooks

IDENTITY_HOOK = "metropole_identity"


def metropole_identity(request=None):
    """The Métropole's identity for this request's site (name, mission_name, mission_email…), or None."""
    for provide in hooks.get_hooks(IDENTITY_HOOK):
        identity = provide(request)
        if identity is not None:
            return identity
    return None


# --- For the error pages, which render without the database --------------------------------------------------

SITE_NAME_CACHE_KEY = "core.identity:site_name"


def remember_site_name(name):
    """Kept in the cache (no expiry) when the identity is saved, for pages that may not read the database."""
    cache.set(SITE_NAME_CACHE_KEY, name, timeout=None)


def remembered_site_name():
    """The Métropole's name as last saved, or None: never a database query (the 500 page may render without it)."""
    try:
        return cache.get(SITE_NAME_CACHE_KEY)
    except Exception:  # noqa: BLE001 - an unreachable cache must not break an error page
        return None
