from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.components import Component
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from core.choosers import PermissionCheckedChooserViewSet
from core.outage import ERROR_PAGE_CONTEXT_HOOK

from .accessibility import accessibility_mention
from .models import LegalTextVersion
from .services import LegalTextsFooter


class LegalTextFilterSet(WagtailFilterSet):
    class Meta:
        model = LegalTextVersion
        fields = ["kind", "live"]


class LegalTextVersionViewSet(SnippetViewSet):
    """Only Métropole staff hold the permissions on this model: editors and moderators never see it."""

    chooser_viewset_class = PermissionCheckedChooserViewSet
    model = LegalTextVersion
    icon = "doc-full-inverse"
    menu_label = _("Textes réglementaires")
    menu_order = 210
    add_to_admin_menu = True
    list_display = ["kind", "number", "effective_on", "live"]
    filterset_class = LegalTextFilterSet
    search_fields = ["summary_of_changes"]
    search_backend_name = None
    ordering = ["kind", "-number"]
    # "Copy" starts the next version from the text of the last one: a correction is a new version.
    copy_view_enabled = True


register_snippet(LegalTextVersionViewSet)


class LegalTextUpdatesPanel(Component):
    """Every admin user (commune editors first) sees the texts updated in the last 30 days."""

    name = "legal_text_updates"
    order = 60
    template_name = "charter/panels/legal_text_updates.html"

    def __init__(self, updates):
        self.updates = updates

    def get_context_data(self, parent_context):
        return {"updates": self.updates}


@hooks.register("construct_homepage_panels")
def add_legal_text_updates(request, panels):
    updates = LegalTextsFooter().recent_updates()
    if updates:
        panels.append(LegalTextUpdatesPanel(updates))


@hooks.register(ERROR_PAGE_CONTEXT_HOOK)
def accessibility_mention_on_error_pages():
    """The error pages say the same mention as every page: it comes from the audit file, not the database."""
    return {"accessibility_mention": accessibility_mention()}
