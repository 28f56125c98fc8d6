"""Who may change what of a commune in the admin (DESIGN invariants 1, 2, 5): the communes app's permission policy.

Wagtail gives rights per subtree of pages and per collection of images and documents; the convention narrows them:
- while a commune's convention is not active, nobody publishes its pages (the gate), and its own editors and
  moderators keep read access to its history and nothing else; Métropole staff may still prepare drafts;
- who reads a commune's pages follows the convention and each process's audience: only staff set view
  restrictions by hand;
- nothing citizens brought is lost: a page whose subtree holds it is neither deleted nor moved (apps declare what
  they keep with `register_kept_data`), and a commune's space is deleted by Métropole staff only.

Every admin view asks these: page views through the permission tester, image and document views through the
policy registered for their model, bulk actions through both.
"""

from django.contrib.auth import get_permission_codename
from django.db.models import Q
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Collection, Page, PagePermissionTester
from wagtail.permission_policies.collections import CollectionOwnershipPermissionPolicy
from wagtail.permissions import register_permission_policy

from core.permissions import instances_visible_in_admin

from .gate import active_commune_ids
from .models import Commune, CommuneSpacePage
from .roles import is_metropole_staff

MEDIA_WRITE_ACTIONS = {"add", "change", "delete"}


def sees_everything(user):
    return user.is_active and (user.is_superuser or is_metropole_staff(user))


class _RequestCache:
    """What every check of one request needs, read once and kept on the user object (one per request)."""

    attribute = "_commune_policy_cache"

    def __init__(self):
        self.active_ids = active_commune_ids()
        self.space_paths = dict(CommuneSpacePage.objects.values_list("path", "commune_id"))
        self.inactive_collections = None

    @classmethod
    def for_user(cls, user):
        cache = getattr(user, cls.attribute, None)
        if cache is None:
            cache = cls()
            setattr(user, cls.attribute, cache)
        return cache

    def commune_of_path(self, path):
        return next((commune for space, commune in self.space_paths.items() if path.startswith(space)), None)

    def is_page_writable(self, page):
        """Pages outside communes, and pages of communes whose convention is active."""
        commune_id = self.commune_of_path(page.path)
        return commune_id is None or commune_id in self.active_ids

    def inactive_collection_paths(self):
        if self.inactive_collections is None:
            roots = Commune.objects.filter(collection__isnull=False).exclude(pk__in=self.active_ids)
            self.inactive_collections = list(
                Collection.objects.filter(pk__in=roots.values("collection_id")).values_list("path", flat=True)
            )
        return self.inactive_collections


# --- What citizens brought, declared by the apps that store it ---------------------------------------------

_kept_data = []


def register_kept_data(holds_any):
    """Declare `holds_any(pages)`: True when one of these pages holds what citizens brought (never deleted)."""
    _kept_data.append(holds_any)


def holds_kept_data(page):
    subtree = Page.objects.descendant_of(page, inclusive=True)
    return any(holds_any(subtree) for holds_any in _kept_data)


# --- Pages -------------------------------------------------------------------------------------------------


class CommunePagePermissionTester(PagePermissionTester):
    """Wagtail's rights on a commune's page, narrowed by the convention and by what citizens brought.

    While the convention is not active, the commune's own people keep `can_edit`, which Wagtail asks to show a
    page's history, revisions and draft (reading), and lose every other right; the edit view's hook refuses to save
    (`communes.admin.gate`). Métropole staff keep their rights, but nobody publishes.
    """

    def __init__(self, user, page):
        super().__init__(user, page)
        self.sees_everything = sees_everything(user)
        self.commune_is_active = _RequestCache.for_user(user).is_page_writable(page) if user.is_active else False
        self.read_only = not self.sees_everything and not self.commune_is_active

    def can_add_subpage(self):
        return not self.read_only and super().can_add_subpage()

    def can_publish(self):
        return self.commune_is_active and super().can_publish()

    def can_publish_subpage(self):
        return self.commune_is_active and super().can_publish_subpage()

    def can_unpublish(self):
        return not self.read_only and super().can_unpublish()

    def can_unschedule(self):
        return not self.read_only and super().can_publish()

    def can_submit_for_moderation(self):
        return not self.read_only and super().can_submit_for_moderation()

    def can_lock(self):
        return not self.read_only and super().can_lock()

    def can_unlock(self):
        return not self.read_only and super().can_unlock()

    def can_reorder_children(self):
        return not self.read_only and super().can_reorder_children()

    def can_copy(self):
        return not self.read_only and super().can_copy()

    def can_set_view_restrictions(self):
        # Who reads a commune's pages follows the convention and each process's audience (Art. 7).
        return self.sees_everything and super().can_set_view_restrictions()

    def can_delete(self, ignore_bulk=False):
        if self.read_only:
            return False
        if issubclass(self.page.specific_class or Page, CommuneSpacePage) and not self.sees_everything:
            return False  # a space holds its editors' rights and its processes' history
        return super().can_delete(ignore_bulk=ignore_bulk) and not holds_kept_data(self.page)

    def can_move_to(self, destination):
        # Moving to another commune would hand its contributions to that commune.
        cache = _RequestCache.for_user(self.user)
        same_commune = cache.commune_of_path(destination.path) == cache.commune_of_path(self.page.path)
        return same_commune and super().can_move_to(destination)


def pages_choosable_by(user):
    """The pages `user` may link to from a page: their commune's and the portal above; every page for staff.

    Another commune's pages are not offered, not even its public ones: the chooser shows their titles as edited,
    unpublished changes included. The page chooser and the page forms (`communes.forms`) ask this.
    """
    if sees_everything(user):
        return Page.objects.all()
    return instances_visible_in_admin(user, Page)


# --- Images and documents -------------------------------------------------------------------------------------


class CommuneMediaPermissionPolicy(CollectionOwnershipPermissionPolicy):
    """Collection rights, less adding, changing and deleting in the collections of inactive communes."""

    def __init__(self, model, **kwargs):
        super().__init__(model, **kwargs)
        # Wagtail's collection policies share one cache of a user's rights: this narrowed set needs its own,
        # one per model, since each narrows its own model's rights.
        self.permission_cache_name = f"_commune_media_permissions_{self.auth_model._meta.label_lower}"

    def get_all_permissions_for_user(self, user):
        permissions = super().get_all_permissions_for_user(user)
        if sees_everything(user) or not permissions:
            return permissions
        inactive = _RequestCache.for_user(user).inactive_collection_paths()
        if not inactive:
            return permissions
        in_inactive = Q(pk__in=[])
        for path in inactive:
            in_inactive |= Q(collection__path__startswith=path)
        writes = [get_permission_codename(action, self.auth_model._meta) for action in MEDIA_WRITE_ACTIONS]
        return permissions.exclude(in_inactive & Q(permission__codename__in=writes))


def register_policies():
    """Called once the apps are ready: this policy replaces Wagtail's for images and documents.

    Pages have theirs on the page types of the communes app (`CommunePageMixin.permissions_for_user`).
    """
    for model, auth_model in (
        (get_image_model(), "wagtailimages.Image"),
        (get_document_model(), "wagtaildocs.Document"),
    ):
        register_permission_policy(
            model,
            CommuneMediaPermissionPolicy(model, auth_model=auth_model, owner_field_name="uploaded_by_user"),
            exact_class=True,
        )
