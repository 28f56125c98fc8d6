"""Emails to contributors: each ends with their personal link to their data (right of access, erasure)."""

from django.conf import settings
from django.utils.translation import gettext as _

from core.emails import queue_email

from .personal_data import rights_url


def public_url(page):
    url = page.get_url()
    return url if url.startswith("http") else settings.PUBLIC_BASE_URL + url


def send_to_author(contribution, subject, paragraphs):
    """Every email to a contributor ends with their personal link to their data (right of access, erasure)."""
    if not contribution.email:  # erased: nobody to write to
        return
    footer = _(
        "Vos données : consulter, retirer ou effacer vos contributions, télécharger ce qui est enregistré : %(url)s"
    ) % {"url": rights_url(contribution.email)}
    body = "\n\n".join([_("Bonjour %(name)s,") % {"name": contribution.pseudonym}, *paragraphs, footer])
    queue_email(subject, body, [contribution.email])
