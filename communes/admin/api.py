"""Wagtail's admin API (`/admin/api/main/`), its images and documents endpoints scoped by their permission policy.

Wagtail registers them listing every image and document, with their download address, to any admin user. They
are replaced by endpoints that list only what the user may choose: their commune's collection, every collection
for Métropole staff.
"""

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


def scope_admin_api(router):
    """Registered after Wagtail's own `construct_admin_api` hooks, so that these endpoints replace theirs."""
    router.register_endpoint("images", ScopedImagesAdminAPIViewSet)
    router.register_endpoint("documents", ScopedDocumentsAdminAPIViewSet)
