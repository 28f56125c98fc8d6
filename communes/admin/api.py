"""Wagtail's admin API (`/admin/api/main/`), scoped by the permission policies.

- Images and documents: Wagtail registers them listing every image and document, with their download address,
  to any admin user. They are replaced by endpoints that list only what the user may choose: their commune's
  collection, every collection for Métropole staff.
- Pages: the listings already follow the page permission tester. Its actions (revert, copy, move, publish…) ask
  Wagtail's tester for one right each, "edit" for a revert, which the people of a commune whose convention is not
  active keep to read its history: none of the actions is taken on a page they may only read.
"""

from django.core.exceptions import PermissionDenied
from wagtail.admin.api.views import PagesAdminAPIViewSet
from wagtail.documents.api.admin.views import DocumentsAdminAPIViewSet
from wagtail.images.api.admin.views import ImagesAdminAPIViewSet
from wagtail.permissions import policy_registry


class ChoosableOnlyMixin:
    def get_queryset(self):
        choosable = policy_registry.get_by_type(self.model).instances_user_has_any_permission_for(
            self.request.user, ["choose", "change"]
        )
        return super().get_queryset().filter(pk__in=choosable.values("pk"))


class ScopedImagesAdminAPIViewSet(ChoosableOnlyMixin, ImagesAdminAPIViewSet):
    pass


class ScopedDocumentsAdminAPIViewSet(ChoosableOnlyMixin, DocumentsAdminAPIViewSet):
    pass


class ReadOnlyAwarePagesAdminAPIViewSet(PagesAdminAPIViewSet):
    def action_view(self, request, pk, action_name):
        if getattr(self.get_object().permissions_for_user(request.user), "read_only", False):
            raise PermissionDenied
        return super().action_view(request, pk, action_name)


def scope_admin_api(router):
    """Registered after Wagtail's own `construct_admin_api` hooks, so that these endpoints replace theirs."""
    router.register_endpoint("pages", ReadOnlyAwarePagesAdminAPIViewSet)
    router.register_endpoint("images", ScopedImagesAdminAPIViewSet)
    router.register_endpoint("documents", ScopedDocumentsAdminAPIViewSet)
