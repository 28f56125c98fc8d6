"""The admin screens of what citizens brought: moderation of contributions, meeting registrations, themes.

Contributions and registrations are chosen by no page: `ModelViewSet`s on the base that asks the permission policy
in every view (`core.viewsets`). Themes are chosen in process pages: a snippet, Métropole staff only.
"""

from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.snippets.views.snippets import SnippetViewSet

from core.choosers import PermissionCheckedChooserViewSet
from core.viewsets import PolicyScopedModelViewSet, ScopedIndexView

from ..models import Contribution, EventRegistration, Theme
from .moderation import MODERATION_URLS, ContributionFilterSet, ContributionIndexView, ContributionInspectView


class ContributionViewSet(PolicyScopedModelViewSet):
    """Moderators see only their commune's contributions; the email is not shown (not needed to moderate)."""

    model = Contribution
    name = MODERATION_URLS
    icon = "comment"
    menu_label = gettext_lazy("Modération")
    menu_order = 150
    add_to_admin_menu = True
    index_view_class = ContributionIndexView
    index_template_name = "participation/admin/contribution_index.html"
    inspect_view_class = ContributionInspectView
    inspect_view_enabled = True
    inspect_template_name = "participation/admin/contribution_inspect.html"
    inspect_view_fields = [
        "process",
        "commune",
        "pseudonym",
        "theme",
        "status",
        "created_at",
        "confirmed_at",
        "published_at",
        "decided_by",
        "decided_at",
        "rule_title",
        "decision_reason",
        "answer_status",
        "answer_text",
        "answered_at",
        "answered_by",
        "charter_version",
        "terms_version",
    ]
    list_display = [
        # Moderators have no edit view: the row opens the full text and the decision forms.
        TitleColumn(
            "excerpt",
            label=gettext_lazy("Contribution"),
            accessor="excerpt",
            get_url=lambda contribution: reverse(f"{MODERATION_URLS}:inspect", args=[contribution.pk]),
        ),
        "process",
        "commune",
        "status",
        Column("open_reports", label=gettext_lazy("Signalements")),
        Column("answer_status", label=gettext_lazy("Réponse"), accessor="get_answer_status_display"),
        "created_at",
    ]
    # Decisions go through the moderation views and services (logged, citing the charter), never a form.
    form_fields = []
    filterset_class = ContributionFilterSet
    search_fields = ["text", "pseudonym"]
    search_backend_name = None
    list_per_page = 50


class EventRegistrationIndexView(ScopedIndexView):
    # Wagtail's "Il n'y a pas de %(model_name)s" does not elide before a vowel.
    @cached_property
    def no_results_message(self):
        if self.is_searching or self.is_filtering:
            return _("Aucune inscription ne correspond à votre recherche.")
        return _("Aucune inscription à afficher.")


class EventRegistrationViewSet(PolicyScopedModelViewSet):
    """Who registered for a meeting (confirmed registrations: the policy's scope), for the commune organising it
    (its editors and moderators) and staff."""

    model = EventRegistration
    name = "registrations"
    icon = "group"
    menu_label = gettext_lazy("Inscriptions aux rencontres")
    menu_order = 170
    add_to_admin_menu = True
    index_view_class = EventRegistrationIndexView
    inspect_view_enabled = False
    form_fields = []
    list_display = ["process", "name", "email", "needs", "confirmed_at"]
    search_fields = ["name", "process__title"]
    search_backend_name = None
    ordering = ["process__title", "confirmed_at"]

    def get_queryset(self, request):
        return EventRegistration.objects.select_related("process")


class ThemeViewSet(SnippetViewSet):
    model = Theme
    chooser_viewset_class = PermissionCheckedChooserViewSet
    icon = "tag"
    menu_label = gettext_lazy("Thèmes")
    search_fields = ["name"]
    search_backend_name = None
