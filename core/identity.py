"""The Métropole's identity, as the app that stores it provides it (DESIGN: a lower layer asks through a hook).

The apps below the portal (communes, search) name the Métropole and its Mission in messages and feeds; the
identity is a setting of the portal app. They call `metropole_identity(request)`; the portal app answers through
the `metropole_identity` hook, so that no lower app imports it.
"""

from wagtail import hooks

IDENTITY_HOOK = "metropole_identity"


def metropole_identity(request=None):
    """The Métropole's identity for this request's site (name, mission_name, mission_email…), or None."""
    for provide in hooks.get_hooks(IDENTITY_HOOK):
        identity = provide(request)
        if identity is not None:
            return identity
    return None
