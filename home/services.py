"""Idempotent set-up of the portal: its home page, the default Wagtail Site and the Métropole's identity."""

from django.db import transaction
from wagtail.models import Page, Site

from .models import HomePage, MetropoleSettings

PORTAL_SLUG = "accueil"


@transaction.atomic
def ensure_portal(*, title, intro="", hostname="localhost", port=80, user=None):
    """The portal page, published and made the root of the default site; returns (portal, created)."""
    portal = HomePage.objects.first()
    created = portal is None
    if created:
        portal = HomePage(title=title, slug=PORTAL_SLUG, intro=intro)
        Page.get_first_root_node().add_child(instance=portal)
        portal.save_revision(user=user, log_action=True).publish(user=user)

    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        site = Site.objects.create(
            hostname=hostname, port=port, root_page=portal, is_default_site=True, site_name=title
        )
    elif site.root_page_id != portal.pk:
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
    return metropole
