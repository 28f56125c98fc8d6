"""What a visitor may see: one rule for serving, every listing, search, the API, the sitemap, feeds and files.

A page may be shown to a visitor when
- it is live, and so are all its ancestors (Wagtail leaves the subpages of an unpublished page live);
- its commune's convention is active on the day (the gate, DESIGN invariant 1); pages outside communes are not gated;
- no restriction of its audience keeps the visitor out: Wagtail's view restrictions (sign-in, groups), and the
  audience of the pages that declare one. An internal process is for its commune's agents (Art. 7), even if its
  view restriction was removed by mistake; the apps that define such pages declare them with
  `register_agents_only_pages`, since this app knows nothing of processes.

`hidden_roots` is the rule: the pages a visitor may not see, nor anything under them, computed from facts of the
page tree kept in the cache (`communes.tree`), so asking it costs no query. `visible_pages` applies it as a
queryset filter, for listings, search and the API; serving one page compares that page's path with the same roots
(`visibility_of`), so that what is served and what is listed cannot disagree.

Files follow what uses them (`file_visibility`): an image or a document is served to a visitor when its
collection belongs to no commune or to an active one, and something the visitor may see uses it (a page, per
Wagtail's reference index, or an object the app that owns it declares public with `register_file_users`).
People who manage a file in the admin (its commune's editors, Métropole staff) may always download it.
"""

import enum
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from wagtail.models import Collection, Page, PageViewRestriction, ReferenceIndex
from wagtail.permissions import policy_registry

from .gate import active_commune_ids, inactive_space_paths, without_paths
from .models import Commune, CommuneGroup, CommuneRole
from .roles import is_metropole_staff
from .tree import (
    is_under,
    outermost,
    register_agents_only_pages,  # noqa: F401 - the apps above declare their pages here
    tree_facts,
)

# --- Who asks -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Visitor:
    """What the rule needs to know of a user: signed in, their groups, the communes they are an agent of."""

    is_authenticated: bool = False
    is_superuser: bool = False  # passes every view restriction, as in Wagtail
    sees_internal: bool = False  # superusers and Métropole staff read every commune's internal processes
    group_ids: frozenset = field(default_factory=frozenset)
    agent_commune_ids: frozenset = field(default_factory=frozenset)

    @classmethod
    def of(cls, user):
        if user is None or not user.is_authenticated or not user.is_active:
            return ANONYMOUS
        # Read once per user object: a request asks the rule for the page and for each listing on it.
        if "_visitor" not in user.__dict__:
            group_ids = frozenset(user.groups.values_list("pk", flat=True))
            agent_of = CommuneGroup.objects.filter(group_id__in=group_ids, role=CommuneRole.AGENTS)
            user.__dict__["_visitor"] = cls(
                is_authenticated=True,
                is_superuser=user.is_superuser,
                sees_internal=user.is_superuser or is_metropole_staff(user),
                group_ids=group_ids,
                agent_commune_ids=frozenset(agent_of.values_list("commune_id", flat=True)),
            )
        return user.__dict__["_visitor"]


ANONYMOUS = Visitor()


# --- The rule: the roots of the subtrees a visitor may not see ------------------------------------------------


def _passes(visitor, restriction):
    """Does this visitor pass one of Wagtail's view restrictions? A password is never passed in a listing."""
    if visitor.is_superuser:
        return True
    if not visitor.is_authenticated:
        return False
    if restriction.kind == PageViewRestriction.LOGIN:
        return True
    return restriction.kind == PageViewRestriction.GROUPS and bool(restriction.group_ids & visitor.group_ids)


def hidden_roots(visitor=ANONYMOUS, day=None, *, audience=True):
    """Paths of the pages that `visitor` may not see on `day`, nor anything under them: the rule itself.

    With `audience=False`, only the publication and the gate count: what a visitor could see once signed in with
    the right account. Read from cached facts (`communes.tree`): no query once the cache holds them.
    """
    facts = tree_facts()
    roots = inactive_space_paths(day) + list(facts.unpublished_parents)
    if audience:
        roots += [restriction.path for restriction in facts.restrictions if not _passes(visitor, restriction)]
        if not visitor.sees_internal:
            own_spaces = facts.spaces_of(visitor.agent_commune_ids)
            roots += [path for path in facts.agents_only if not is_under(path, own_spaces)]
    return outermost(roots)


def visible_pages(pages, user=None, day=None, *, audience=True):
    """The pages of `pages` that `user` (anonymous when None) may see on `day` (today by default).

    With `audience=False`, only the publication and the gate are applied: what a visitor could see once signed in
    with the right account.
    """
    visitor = user if isinstance(user, Visitor) else Visitor.of(user)
    return without_paths(pages.live(), hidden_roots(visitor, day, audience=audience))


def public_pages(pages, day=None):
    """What anyone may see: the rule for an anonymous visitor (every listing, search, API, sitemap and feed)."""
    return visible_pages(pages, ANONYMOUS, day)


def is_visible(page, user=None, day=None, *, audience=True):
    """`visible_pages` for one page already in hand: the same roots, compared with its path, without a query."""
    visitor = user if isinstance(user, Visitor) else Visitor.of(user)
    return page.live and not is_under(page.path, hidden_roots(visitor, day, audience=audience))


# --- The rule, for one page being served ----------------------------------------------------------------------


class Visibility(enum.Enum):
    VISIBLE = "visible"
    SIGN_IN = "sign in"  # hidden by its audience: a signed-in agent may see it
    HIDDEN = "hidden"


def visibility_of(page, user, day=None):
    """Whether `user` may see `page`, or should sign in first; the same rule as `visible_pages`."""
    if is_visible(page, user, day):
        return Visibility.VISIBLE
    anonymous = user is None or not user.is_authenticated
    if anonymous and is_visible(page, ANONYMOUS, day, audience=False):
        return Visibility.SIGN_IN
    return Visibility.HIDDEN


# --- Files: images and documents follow what uses them ----------------------------------------------------------

# {model: callable(ids, visitor) -> bool, "is one of these objects seen by the visitor?"}
_file_users = {}


def register_file_users(model, any_visible):
    """Declare which objects of `model` may show their files: `any_visible(ids, visitor)` answers for a batch."""
    _file_users[model] = any_visible


def _pages_seen(ids, visitor):
    return visible_pages(Page.objects.filter(pk__in=ids), visitor).exists()


def _communes_seen(ids, visitor):
    """A commune's logo shows while its convention is active."""
    return bool({int(pk) for pk in ids} & active_commune_ids())


register_file_users(Page, _pages_seen)
register_file_users(Commune, _communes_seen)


def _commune_collection_ids(active):
    """Ids of the collections (and their children) of active, or of inactive, communes."""
    communes = Commune.objects.filter(collection__isnull=False)
    active_ids = active_commune_ids()
    communes = communes.filter(pk__in=active_ids) if active else communes.exclude(pk__in=active_ids)
    roots = Collection.objects.filter(pk__in=communes.values("collection_id"))
    under = Q(pk__in=[])
    for path in roots.values_list("path", flat=True):
        under |= Q(path__startswith=path)
    return set(Collection.objects.filter(under).values_list("pk", flat=True))


def may_manage_file(obj, user):
    """Its commune's editors and Métropole staff work on a file in the admin: they may always open it."""
    if user is None or not user.is_authenticated:
        return False
    policy = policy_registry.get_by_type(type(obj))
    return policy.user_has_any_permission_for_instance(user, ["choose", "change"], obj)


def file_visibility(obj, user=None):
    """May this visitor download `obj` (an image or a document)? True or False, from the rule above."""
    if may_manage_file(obj, user):
        return True
    if obj.collection_id in _commune_collection_ids(active=False):
        return False
    visitor = Visitor.of(user)
    references = ReferenceIndex.get_references_to(obj).values_list("base_content_type", "object_id")
    by_type = {}
    for content_type_id, object_id in references:
        by_type.setdefault(content_type_id, []).append(object_id)
    for content_type_id, object_ids in by_type.items():
        model = ContentType.objects.get_for_id(content_type_id).model_class()
        any_visible = next((check for base, check in _file_users.items() if model and issubclass(model, base)), None)
        if any_visible is not None and any_visible(object_ids, visitor):
            return True
    return False
