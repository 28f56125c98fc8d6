"""What a visitor may see: one rule for serving, every listing, search, the API, the sitemap, feeds and files.

A page may be shown to a visitor when
- it is live, and so are all its ancestors (Wagtail leaves the subpages of an unpublished page live);
- its commune's convention is active on the day (the gate, DESIGN invariant 1); pages outside communes are not gated;
- no restriction of its audience keeps the visitor out: Wagtail's view restrictions (sign-in, groups), and the
  audience of the pages that declare one. An internal process is for its commune's agents (Art. 7), even if its
  view restriction was removed by mistake; the apps that define such pages declare them with
  `register_agents_only_pages`, since this app knows nothing of processes.

`visible_pages` states the rule as a queryset filter, for listings, search and the API. Serving one page asks the
same filter about that page (`visibility_of`), so that what is served and what is listed cannot disagree.

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

from .gate import active_commune_ids, without_inactive_communes, without_subtrees
from .models import Commune, CommuneGroup, CommuneRole, CommuneSpacePage
from .roles import is_metropole_staff

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
        group_ids = frozenset(user.groups.values_list("pk", flat=True))
        agent_of = CommuneGroup.objects.filter(group_id__in=group_ids, role=CommuneRole.AGENTS)
        return cls(
            is_authenticated=True,
            is_superuser=user.is_superuser,
            sees_internal=user.is_superuser or is_metropole_staff(user),
            group_ids=group_ids,
            agent_commune_ids=frozenset(agent_of.values_list("commune_id", flat=True)),
        )


ANONYMOUS = Visitor()


# --- Pages whose audience is a commune's agents, declared by the apps that define them ------------------

_agents_only_pages = []


def register_agents_only_pages(pages):
    """Declare `pages()` (a callable returning a page queryset): their subtrees are for their commune's agents."""
    _agents_only_pages.append(pages)


# --- The rule, as a queryset filter -------------------------------------------------------------------------


def _restrictions_not_passed(visitor):
    """Wagtail's view restrictions this visitor does not pass (a password is never passed in a listing)."""
    restrictions = PageViewRestriction.objects.all()
    if visitor.is_superuser:
        return restrictions.none()
    passed = Q(pk__in=[])
    if visitor.is_authenticated:
        passed |= Q(restriction_type=PageViewRestriction.LOGIN)
        passed |= Q(restriction_type=PageViewRestriction.GROUPS, groups__in=visitor.group_ids)
    return restrictions.exclude(pk__in=restrictions.filter(passed).values("pk"))


def _hidden_audiences(visitor):
    """Roots of the subtrees whose audience keeps this visitor out."""
    roots = Page.objects.filter(pk__in=_restrictions_not_passed(visitor).values("page_id"))
    if visitor.sees_internal:
        return roots
    own_spaces = CommuneSpacePage.objects.filter(commune_id__in=visitor.agent_commune_ids).values_list(
        "path", flat=True
    )
    for agents_only in _agents_only_pages:
        internal = agents_only()
        for space_path in own_spaces:
            internal = internal.exclude(path__startswith=space_path)
        roots = roots | Page.objects.filter(pk__in=internal.values("pk"))
    return roots


def visible_pages(pages, user=None, day=None, *, audience=True):
    """The pages of `pages` that `user` (anonymous when None) may see on `day` (today by default).

    With `audience=False`, only the publication and the gate are applied: what a visitor could see once signed in
    with the right account.
    """
    visitor = user if isinstance(user, Visitor) else Visitor.of(user)
    pages = without_inactive_communes(pages.live(), day)
    pages = without_subtrees(pages, Page.objects.filter(live=False, numchild__gt=0))
    if audience:
        pages = without_subtrees(pages, _hidden_audiences(visitor))
    return pages


def public_pages(pages, day=None):
    """What anyone may see: the rule for an anonymous visitor (every listing, search, API, sitemap and feed)."""
    return visible_pages(pages, ANONYMOUS, day)


# --- The rule, for one page being served ----------------------------------------------------------------------


class Visibility(enum.Enum):
    VISIBLE = "visible"
    SIGN_IN = "sign in"  # hidden by its audience: a signed-in agent may see it
    HIDDEN = "hidden"


def visibility_of(page, user, day=None):
    """Whether `user` may see `page`, or should sign in first; the same rule as `visible_pages`."""
    one = Page.objects.filter(pk=page.pk)
    if visible_pages(one, user, day).exists():
        return Visibility.VISIBLE
    anonymous = user is None or not user.is_authenticated
    if anonymous and visible_pages(one, ANONYMOUS, day, audience=False).exists():
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
