"""The convention gate (DESIGN invariant 1): one rule, called by every layer.

A commune's pages are public only while its convention is active today. The
rule itself is `Convention.status_on`; these functions apply it to communes,
pages and querysets, for the admin, serving and every listing.
"""

from django.core.cache import cache
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.models import Page

from .models import CommuneSpacePage, Convention
from .tree import outermost, tree_facts

# Every request asks the gate, often several times: the answer for a day is kept a minute in the (shared) cache,
# and forgotten as soon as a convention or a provider contract is saved (`communes.signals`).
ACTIVE_COMMUNES_CACHE_SECONDS = 60
_GENERATION_KEY = "communes:active:generation"


def forget_active_communes():
    """A convention or a contract changed: the next question reads the facts again."""
    if not cache.add(_GENERATION_KEY, 1, timeout=None):
        cache.incr(_GENERATION_KEY)


def active_commune_ids(day=None):
    """Ids of the communes whose convention is active on `day` (today by default)."""
    day = day or timezone.localdate()
    generation = cache.get_or_set(_GENERATION_KEY, 1, timeout=None)
    key = f"communes:active:{generation}:{day.isoformat()}"
    ids = cache.get(key)
    if ids is None:
        ids = Convention.objects.active_commune_ids(day)
        cache.set(key, ids, ACTIVE_COMMUNES_CACHE_SECONDS)
    return ids


def is_commune_active(commune, day=None):
    return getattr(commune, "pk", commune) in active_commune_ids(day)


def commune_space_of(page):
    """The commune space holding `page` (itself included), or None outside any commune.

    Read once per page object: serving a process asks it for the footer, the form's gate and the privacy block.
    """
    if isinstance(page, CommuneSpacePage):
        return page
    if "_commune_space" not in page.__dict__:
        page.__dict__["_commune_space"] = (
            CommuneSpacePage.objects.ancestor_of(page, inclusive=True).select_related("commune").first()
        )
    return page.__dict__["_commune_space"]


def commune_id_of(page):
    """The id of the commune whose space holds `page` (itself included), or None outside any commune: from the
    tree's cached facts, without a query (a citizen's every POST asks it)."""
    if page.__dict__.get("_commune_space") is not None:
        return page.__dict__["_commune_space"].commune_id
    return next((commune_id for commune_id, path in tree_facts().space_paths if page.path.startswith(path)), None)


def communes_of_paths(paths):
    """{page path: the commune whose space holds it} for many pages at once, in one query (listings, API)."""
    prefixes = {path[:end] for path in paths for end in range(Page.steplen, len(path) + 1, Page.steplen)}
    spaces = CommuneSpacePage.objects.filter(path__in=prefixes).select_related("commune")
    communes = {space.path: space.commune for space in spaces}
    return {
        path: next((commune for space_path, commune in communes.items() if path.startswith(space_path)), None)
        for path in paths
    }


def without_paths(pages, root_paths):
    """A page queryset less the pages at or under any of `root_paths`.

    A path prefix is a filter every search backend understands, so search querysets can use it too.
    """
    under_roots = Q()
    for path in outermost(root_paths):
        under_roots |= Q(path__startswith=path)
    return pages.exclude(under_roots) if under_roots else pages


def without_subtrees(pages, roots):
    """A page queryset less the pages under any of `roots` (a page queryset; themselves included)."""
    return without_paths(pages, roots.values_list("path", flat=True))


def inactive_space_paths(day=None):
    """Paths of the spaces of the communes whose convention is not active on `day`: no query once cached."""
    return tree_facts().spaces_of(active_commune_ids(day), inside=False)


def without_inactive_communes(pages, day=None):
    """A page queryset less every page of a commune whose convention is not active."""
    return without_paths(pages, inactive_space_paths(day))


def inactive_commune_message(commune, metropole=None):
    """Why publishing is refused, and whom to contact (the Mission of the Métropole's settings)."""
    message = _(
        "La convention de mise à disposition de la plateforme n'est pas active pour %(commune)s : "
        "ses pages ne peuvent pas être publiées et ne sont pas visibles du public."
    ) % {"commune": commune}
    if metropole is not None and metropole.mission_email:
        message += " " + _("Pour signer ou renouveler la convention, contactez la %(mission)s : %(email)s.") % {
            "mission": metropole.mission_name,
            "email": metropole.mission_email,
        }
    elif metropole is not None:
        message += " " + _("Pour signer ou renouveler la convention, contactez la %(mission)s.") % {
            "mission": metropole.mission_name
        }
    return message
