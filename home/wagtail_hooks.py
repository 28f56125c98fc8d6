"""The portal answers for the Métropole's identity, which the apps below it ask for through a hook."""

from wagtail import hooks
from wagtail.models import Site

from core.identity import IDENTITY_HOOK

from .models import MetropoleSettings


@hooks.register(IDENTITY_HOOK)
def metropole_settings(request):
    if request is not None:
        return MetropoleSettings.for_request(request)
    site = Site.objects.filter(is_default_site=True).first()
    return MetropoleSettings.for_site(site) if site else None
