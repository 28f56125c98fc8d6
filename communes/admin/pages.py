"""The page chooser: each commune's people choose among the pages they work on."""

from wagtail.models import Page

from ..policies import sees_everything
from .scoping import instances_visible_in_admin


def scope_page_chooser(pages, request):
    """Commune editors choose among their commune's pages and the portal above them; staff among all pages.

    Another commune's pages are not offered, not even its public ones: the chooser shows their titles as edited,
    unpublished changes included.
    """
    if sees_everything(request.user):
        return pages
    return pages.filter(pk__in=instances_visible_in_admin(request.user, Page).values("pk"))
