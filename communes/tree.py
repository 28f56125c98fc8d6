"""What the rule of what a visitor may see reads of the page tree, read once and kept in the shared cache.

Every request asks the rule (`communes.visibility`), often several times: serving the page, each listing on it, the
footer's links. What it reads of the tree (where each commune's space is, which pages are unpublished with pages
under them, which carry a view restriction, which are for a commune's agents only) changes only when a page or a
view restriction is saved, moved or deleted. So it is read in a few queries, kept in the cache and forgotten on
those events (`communes.signals`), at once for the transaction that made the change and again when it commits,
for the requests that read the old tree meanwhile. The day's active communes come from the gate's own cache.
"""

import hashlib
import secrets
from dataclasses import dataclass

from django.core.cache import cache
from wagtail.models import PageViewRestriction

from core.pagecache import forget_facts_on_commit

from .models import CommuneSpacePage

# A safety net only: every change that matters forgets the facts at once (communes.signals).
TREE_FACTS_CACHE_SECONDS = 600
_GENERATION_KEY = "communes:tree:generation"


# --- Pages whose audience is a commune's agents, declared by the apps that define them ------------------

_agents_only_pages = []


def register_agents_only_pages(pages):
    """Declare `pages()` (a callable returning a page queryset): their subtrees are for their commune's agents."""
    _agents_only_pages.append(pages)


@dataclass(frozen=True)
class Restriction:
    """One of Wagtail's view restrictions, as the rule needs it: where, which kind, which groups pass it."""

    path: str
    kind: str
    group_ids: frozenset


@dataclass(frozen=True)
class TreeFacts:
    space_paths: tuple  # (commune id, path of its space)
    space_slugs: tuple  # (commune id, slug of its space: the first segment of its pages' addresses)
    unpublished_parents: tuple  # paths of pages not live that have pages under them
    restrictions: tuple  # Restriction
    agents_only: tuple  # paths of the pages declared for a commune's agents only
    aliases: tuple  # paths of alias pages (their view restrictions are their source's)

    def spaces_of(self, commune_ids, *, inside=True):
        """Paths of the spaces of these communes (or, with inside=False, of every other commune)."""
        return [path for commune_id, path in self.space_paths if (commune_id in commune_ids) == inside]

    def space_slug(self, commune_id):
        return next((slug for commune, slug in self.space_slugs if commune == commune_id), None)


def forget_tree_facts():
    """A page or a view restriction changed: the next request reads the tree again.

    The generation is a random token, never a counter: if the cache drops it, the next one starts afresh and can
    never meet what was kept under an older one.
    """
    cache.set(_GENERATION_KEY, secrets.token_hex(8), timeout=None)


def _generation():
    return cache.get_or_set(_GENERATION_KEY, lambda: secrets.token_hex(8), timeout=None)


def forget_tree_facts_now_and_on_commit():
    forget_tree_facts()
    forget_facts_on_commit(forget_tree_facts)


def _read_tree_facts():
    from wagtail.models import Page

    restrictions = {}
    rows = PageViewRestriction.objects.values_list("pk", "page__path", "restriction_type", "groups")
    for pk, path, kind, group_id in rows:
        path, kind, groups = restrictions.get(pk, (path, kind, set()))
        if group_id is not None:
            groups.add(group_id)
        restrictions[pk] = (path, kind, groups)
    spaces = CommuneSpacePage.objects.values_list("commune_id", "path", "slug")
    agents_only = []
    for pages in _agents_only_pages:
        agents_only += pages().values_list("path", flat=True)
    return TreeFacts(
        space_paths=tuple((commune_id, path) for commune_id, path, _slug in spaces),
        space_slugs=tuple((commune_id, slug) for commune_id, _path, slug in spaces),
        unpublished_parents=tuple(Page.objects.filter(live=False, numchild__gt=0).values_list("path", flat=True)),
        restrictions=tuple(Restriction(path, kind, frozenset(groups)) for path, kind, groups in restrictions.values()),
        agents_only=tuple(agents_only),
        aliases=tuple(Page.objects.filter(alias_of__isnull=False).values_list("path", flat=True)),
    )


def tree_facts():
    """The facts of the page tree the rule reads: from the cache, or read afresh (five queries) and kept."""
    key = f"communes:tree:{_generation()}"
    facts = cache.get(key)
    if facts is None:
        facts = _read_tree_facts()
        cache.set(key, facts, TREE_FACTS_CACHE_SECONDS)
    return facts


def outermost(paths):
    """The paths not under another of them: the same subtrees, with fewer conditions in a query."""
    kept = []
    for path in sorted(set(paths)):
        if not kept or not path.startswith(kept[-1]):
            kept.append(path)
    return kept


def is_under(path, roots):
    """Is the page at `path` one of `roots` or under one of them?"""
    return any(path.startswith(root) for root in roots)


# --- The site a request is for: Wagtail reads it on every request ----------------------------------------------

_NO_SITE = "no site"


def site_for(hostname, port):
    """Wagtail's site for this host and port (None if none answers), its root page already in its own type.

    Wagtail looks it up in the database for each request, then loads the root page: kept with the tree's facts,
    forgotten with them (a site saved or deleted, a page saved: the root page's content is part of what is kept).
    """
    from wagtail.models import Site
    from wagtail.models.sites import get_site_for_hostname

    generation = _generation()
    digest = hashlib.blake2b(f"{hostname}:{port}".encode(), digest_size=16).hexdigest()
    key = f"communes:tree:{generation}:site:{digest}"
    site = cache.get(key)
    if site is None:
        try:
            site = get_site_for_hostname(hostname, port)
            site.root_page = site.root_page.specific
        except Site.DoesNotExist:
            site = _NO_SITE
        cache.set(key, site, TREE_FACTS_CACHE_SECONDS)
    return None if site == _NO_SITE else site
