"""What the public may see of the page tree: one rule for every listing, the search, the API, the sitemap and feeds.

A page is public when it is live and so are all its ancestors (Wagtail does not unpublish the subpages of
an unpublished page), carries no view restriction, belongs to no commune whose convention is inactive (the
convention gate) and lies under no internal process (Art. 7: a dialogue with the commune's agents only).
The view restriction already hides internal processes; the audience is checked as well so that a restriction
removed by mistake never publishes an internal dialogue.
"""

from wagtail.models import Page

from communes.gate import without_inactive_communes, without_subtrees


def public_pages(pages, day=None):
    from .models import Audience, ProcessPage

    pages = without_inactive_communes(pages.live().public(), day)
    pages = without_subtrees(pages, Page.objects.filter(live=False, numchild__gt=0))
    return without_subtrees(pages, ProcessPage.objects.filter(audience=Audience.AGENTS))


def has_unpublished_ancestor(page):
    """Serving asks this: a live page under an unpublished one is offline with it."""
    return page.get_ancestors().filter(live=False).exists()
