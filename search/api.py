"""The open-data API at /api/v2/: Wagtail's read-only pages API behind the same gate as the site.

Only the pages endpoint is registered: images and documents are served to whoever may see a page that uses them
(`communes.serving`), which a listing of every file could not say.
Every page query of the endpoint (listing, detail, find, child_of, descendant_of, search, the parent field)
starts from `get_base_queryset`, which goes through `communes.visibility.public_pages`.
"""

from django.db.models import prefetch_related_objects
from wagtail.api.v2.router import WagtailAPIRouter
from wagtail.api.v2.views import PagesAPIViewSet

from communes.gate import communes_of_paths
from communes.models import CommuneSpacePage
from communes.visibility import public_pages
from participation.models import ProcessPage


def attach_listing_relations(pages):
    """Load in a few queries what the listing shows of each process and commune space (no query per page)."""
    prefetch_related_objects(pages, "locale")
    processes = [page for page in pages if isinstance(page, ProcessPage)]
    if processes:
        prefetch_related_objects(processes, "phases", "themes")
        communes = communes_of_paths([process.path for process in processes])
        for process in processes:
            process.api_commune = communes[process.path]
    spaces = [page for page in pages if isinstance(page, CommuneSpacePage)]
    if spaces:
        prefetch_related_objects(spaces, "commune")
    return pages


class PublicPagesAPIViewSet(PagesAPIViewSet):
    # Public, read-only data: no login (nor password guessing) through the API.
    authentication_classes = ()

    def get_base_queryset(self):
        # Asked several times per request (queryset, filters, serializer context): worked out once.
        if not hasattr(self, "_public_pages"):
            self._public_pages = public_pages(super().get_base_queryset())
        return self._public_pages.all()

    def paginate_queryset(self, queryset):
        return attach_listing_relations(list(super().paginate_queryset(queryset)))


api_router = WagtailAPIRouter("wagtailapi")
api_router.register_endpoint("pages", PublicPagesAPIViewSet)
