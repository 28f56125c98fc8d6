"""What the public may find, and how a query is checked before it runs."""

from django.conf import settings
from django.utils.translation import gettext as _
from wagtail.models import Page

from communes.gate import without_inactive_communes


class InvalidQuery(ValueError):
    """A query refused before it runs, with a message for the visitor."""


def clean_query(raw):
    query = " ".join((raw or "").split())
    if not query:
        raise InvalidQuery(_("Saisissez un ou plusieurs mots, par exemple « école » ou « mobilité »."))
    if len(query) > settings.SEARCH_QUERY_MAX_LENGTH:
        raise InvalidQuery(
            _("Votre recherche est trop longue : %(max)s caractères au plus. Raccourcissez-la puis relancez-la.")
            % {"max": settings.SEARCH_QUERY_MAX_LENGTH}
        )
    return query


def searchable_pages():
    """Pages a visitor may find: live, public, never the tree's root, and not of an inactive commune."""
    return without_inactive_communes(Page.objects.live().public().filter(depth__gt=1))


def search_pages(query):
    return searchable_pages().search(query)
