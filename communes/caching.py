"""What an event makes the cached pages forget (`core.pagecache`): the one function each path of a change calls.

- `forget_page(page)`: what the public sees of `page` changed (published, unpublished, its audience restricted, a
  contribution or a comment on it decided, withdrawn or erased). Under a commune's space: that space's pages and
  every listing (home, search, feeds, sitemap, site map…); the portal itself: everything.
- `forget_commune(commune)`: its logo, colour or name changed: its space and the listings (its colour is in
  `/communes.css`).
- `forget_everything()`: what every page shows changed (the legal texts' versions in the footer, the Métropole's
  identity, the conventions and contracts behind the gate, a page moved or renamed, the themes).

Each also purges the front cache (`WAGTAILFRONTENDCACHE`) of the addresses it can list: the pages concerned, their
ancestors and the paths outside the page tree that the apps declare (`core.pagecache.register_listing_paths`).

The signal handlers below call them whatever the path of the change: the admin, `publish_scheduled`, a revision
published again, `sync_conventions`, a script. A change written with `QuerySet.update()` sends no signal: its code
calls the function itself.
"""

from django.conf import settings
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from wagtail.models import Page, PageViewRestriction
from wagtail.signals import page_published, page_slug_changed, page_unpublished, post_page_move

from core.pagecache import EVERYTHING, LISTINGS, forget, listing_paths, public_url, purge_front_cache, space_scope

from .models import Commune, CommuneSpacePage, Convention, ProviderContract
from .tree import tree_facts

# The portal is the site's root (depth 2); each commune's space is one of its children, whose slug starts the
# address of every page under it.
SPACE_DEPTH = 3


def _space_slug(page):
    """The slug that starts the address of `page`, if it is in a commune's space (its url_path is
    /<portal>/<space>/…)."""
    if page.depth < SPACE_DEPTH:
        return None
    return page.url_path.strip("/").split("/")[1]


def _front_cache_used():
    return bool(getattr(settings, "WAGTAILFRONTENDCACHE", None))


def _page_urls(pages):
    urls = set()
    for page in pages:
        parts = page.get_url_parts()
        if parts is not None:
            urls.add(public_url(parts[2]))
    return urls


def _listing_urls():
    return {public_url(path) for path in listing_paths()}


def forget_page(page):
    """What the public sees of `page` (and of the pages under it) changed."""
    slug = _space_slug(page)
    if slug is None:
        forget_everything()
        return
    forget(space_scope(slug), LISTINGS)
    if _front_cache_used():
        pages = Page.objects.descendant_of(page, inclusive=True) | Page.objects.ancestor_of(page).filter(depth__gt=1)
        purge_front_cache(_page_urls(pages) | _listing_urls())


def forget_page_id(page_id):
    page = Page.objects.filter(pk=page_id).only("pk", "path", "depth", "url_path").first()
    if page is not None:
        forget_page(page)


def forget_commune_page(commune_id, page_id):
    """What the public sees of the page `page_id`, in the space of the commune `commune_id`, changed (a decision on
    a contribution or a comment): without a front cache to purge page by page, the space's slug comes from the
    tree's cached facts, with no query. `page_id` may be a function returning it, called only when needed."""
    slug = None if _front_cache_used() else tree_facts().space_slug(commune_id)
    if slug is None:
        page_id = page_id() if callable(page_id) else page_id
        if page_id is not None:
            forget_page_id(page_id)
    else:
        forget(space_scope(slug), LISTINGS)


def forget_commune(commune):
    space = CommuneSpacePage.objects.filter(commune=commune).first()
    if space is None:
        forget(LISTINGS)
        if _front_cache_used():
            purge_front_cache(_listing_urls())
        return
    forget_page(space)


def forget_everything():
    """What every page shows changed."""
    forget(EVERYTHING)
    if _front_cache_used():
        purge_front_cache(_page_urls(Page.objects.filter(depth__gt=1)) | _listing_urls())


# --- Whatever the path of the change --------------------------------------------------------------------------


@receiver(page_published)
@receiver(page_unpublished)
def page_shown_or_withdrawn(sender, instance, **kwargs):
    # Admin, workflow, publish_scheduled, a revision published again, sync_conventions, a script, a deletion.
    forget_page(instance)


@receiver(post_page_move)
@receiver(page_slug_changed)
def page_moved(sender, instance, **kwargs):
    # Its old address and those of the pages under it must stop answering: nobody can list them now.
    forget_everything()


@receiver(post_save, sender=PageViewRestriction)
@receiver(post_delete, sender=PageViewRestriction)
def audience_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        forget_page_id(instance.page_id)


@receiver(post_save, sender=Commune)
def commune_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        forget_commune(instance)


@receiver(post_save, sender=Convention)
@receiver(post_delete, sender=Convention)
@receiver(post_save, sender=ProviderContract)
@receiver(post_delete, sender=ProviderContract)
def gate_changed(sender, raw=False, **kwargs):
    # Which communes are online: every listing and every page of the commune concerned.
    if not raw:
        forget_everything()


def commune_listing_paths():
    from django.urls import reverse

    return [reverse("commune_colours")]
