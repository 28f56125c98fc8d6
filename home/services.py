"""Idempotent set-up of the portal: its home page, the default Wagtail Site and the Métropole's identity."""

from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from wagtail.models import Page, Site

from .models import HomePage, MetropoleSettings

PORTAL_SLUG = "accueil"


# The address Wagtail's first migration gives the default site: a placeholder, not a real address.
PLACEHOLDER_SITE_ADDRESS = ("localhost", 80)


def public_site_address():
    """(hostname, port) of PUBLIC_BASE_URL: where full URLs (feeds, sitemap, API) must point."""
    url = urlsplit(settings.PUBLIC_BASE_URL)
    return url.hostname or "localhost", url.port or (443 if url.scheme == "https" else 80)


@transaction.atomic
def ensure_portal(*, title, intro="", hostname=None, port=None, user=None):
    """The portal page, published and made the root of the default site; returns (portal, created).

    The site's address defaults to PUBLIC_BASE_URL's; one set in the admin is kept.
    """
    if hostname is None:
        hostname, port = public_site_address()
    portal = HomePage.objects.first()
    created = portal is None
    if created:
        portal = HomePage(title=title, slug=PORTAL_SLUG, intro=intro)
        Page.get_first_root_node().add_child(instance=portal)
        portal.save_revision(user=user, log_action=True).publish(user=user)

    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        site = Site.objects.create(
            hostname=hostname, port=port or 80, root_page=portal, is_default_site=True, site_name=title
        )
    else:
        if (site.hostname, site.port) == PLACEHOLDER_SITE_ADDRESS:
            site.hostname, site.port = hostname, port or 80
        site.root_page = portal
        site.save()

    _remove_wagtail_welcome_page(keep=portal)
    return portal, created


def _remove_wagtail_welcome_page(keep):
    """Wagtail's first migration creates a plain "Welcome" page; the portal replaces it."""
    welcome_pages = Page.objects.filter(depth=2, numchild=0, content_type__model="page", slug="home").exclude(
        pk=keep.pk
    )
    for page in welcome_pages:
        if not Site.objects.filter(root_page=page).exists():
            page.delete()


def ensure_metropole_identity(site, **identity):
    """The Métropole's identity for the site, filled in only where still empty (admin edits win)."""
    metropole = MetropoleSettings.for_site(site)
    missing = {field: value for field, value in identity.items() if value and not getattr(metropole, field)}
    if missing:
        for field, value in missing.items():
            setattr(metropole, field, value)
        metropole.full_clean()
        metropole.save()
    else:
        metropole.remember_for_error_pages()  # a cache emptied since the last save
    return metropole
