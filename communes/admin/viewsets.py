"""Admin listings of communes and conventions for Métropole staff (snippet viewsets)."""

import django_filters
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import Column
from wagtail.admin.widgets import Button
from wagtail.admin.widgets.button import MenuItem
from wagtail.snippets.views.snippets import EditView, IndexView, SnippetViewSet, SnippetViewSetGroup

from core.choosers import PermissionCheckedChooserViewSet
from core.viewsets import PolicyScopedModelViewSet

from ..models import (
    Commune,
    Convention,
    ConventionState,
    ConventionTextNotification,
    ConventionTextVersion,
    JoinRequest,
    PipelineStage,
    ProviderContract,
    pipeline_by_commune,
)
from ..models.conventions import contract_periods
from .views import CONVENTION_ADMIN_NAMESPACE, RecordRevocationView, RecordTerminationView

# --- Communes, with where each stands in the pipeline (Art. 3-5) -------------------


def space_state(commune):
    space = getattr(commune, "space", None)
    if space is None:
        return _("Pas encore créé")
    return _("En ligne") if space.live else _("Hors ligne")


def pipeline_label(commune):
    entry = commune.pipeline_entry
    if entry is None:
        return PipelineStage.NONE.label
    if entry.status is not None:
        return f"{entry.stage.label} – {entry.status.describe()}"
    return entry.stage.label


class CommuneFilterSet(WagtailFilterSet):
    stage = django_filters.ChoiceFilter(
        label=_("Étape de la mise à disposition"), choices=PipelineStage.choices, method="filter_stage"
    )
    has_space = django_filters.BooleanFilter(
        field_name="space", lookup_expr="isnull", exclude=True, label=_("Espace participatif créé")
    )

    class Meta:
        model = Commune
        fields = []

    def filter_stage(self, queryset, name, value):
        pipeline = pipeline_by_commune()
        if value == PipelineStage.NONE:
            return queryset.exclude(pk__in=pipeline.keys())
        return queryset.filter(pk__in=[pk for pk, entry in pipeline.items() if entry.stage == value])


class CommuneIndexView(IndexView):
    def get_table(self, object_list):
        # Where each commune stands, read once for the page rather than once per row.
        pipeline = pipeline_by_commune()
        communes = list(object_list)
        for commune in communes:
            commune.pipeline_entry = pipeline.get(commune.pk)
        return super().get_table(communes)


class CommuneViewSet(SnippetViewSet):
    chooser_viewset_class = PermissionCheckedChooserViewSet
    model = Commune
    icon = "home"
    menu_label = _("Communes")
    index_view_class = CommuneIndexView
    list_display = [
        "name",
        "insee_code",
        "population",
        Column("convention", label=_("Convention"), accessor=pipeline_label),
        Column("space", label=_("Espace participatif"), accessor=space_state),
    ]
    list_export = ["name", "insee_code", "slug", "postal_codes", "population", "population_year"]
    list_per_page = 50
    filterset_class = CommuneFilterSet
    # Plain database search (ILIKE) on a short list: no search index to keep for it.
    search_fields = ["name", "insee_code", "postal_codes", "slug"]
    search_backend_name = None
    ordering = ["name"]
    copy_view_enabled = False

    def get_queryset(self, request):
        return Commune.objects.select_related("space")


# --- Conventions ---------------------------------------------------------------------


def status_label(convention):
    """The derived state and current term of a convention, on today's date."""
    return convention.current_status.describe()


class ConventionFilterSet(WagtailFilterSet):
    state = django_filters.ChoiceFilter(label=_("État"), choices=ConventionState.choices, method="filter_state")

    class Meta:
        model = Convention
        fields = ["text_version"]

    def filter_state(self, queryset, name, value):
        return queryset.in_state(value)


class ConventionEditView(EditView):
    @cached_property
    def header_more_buttons(self):
        buttons = list(super().header_more_buttons)
        if not self.object.is_ended_by_decision:
            buttons += [
                Button(_("Enregistrer une résiliation"), url=self.get_end_url("terminate"), icon_name="logout"),
                Button(_("Enregistrer une révocation"), url=self.get_end_url("revoke"), icon_name="warning"),
            ]
        return buttons

    def get_end_url(self, action):
        return reverse(f"{CONVENTION_ADMIN_NAMESPACE}:{action}", args=[self.object.pk])


class ConventionIndexView(IndexView):
    def get_table(self, object_list):
        # The provider contracts are read once for the page, not once per row.
        periods = contract_periods()
        conventions = list(object_list)
        for convention in conventions:
            convention.current_status = convention.status_on(contracts=periods)
        return super().get_table(conventions)

    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        if not instance.is_ended_by_decision and self.user_has_permission("change"):
            for action, label, icon in [
                ("terminate", _("Enregistrer une résiliation"), "logout"),
                ("revoke", _("Enregistrer une révocation"), "warning"),
            ]:
                url = reverse(f"{CONVENTION_ADMIN_NAMESPACE}:{action}", args=[instance.pk])
                buttons.append(MenuItem(label, url=url, icon_name=icon, priority=40))
        return buttons


class ConventionViewSet(SnippetViewSet):
    chooser_viewset_class = PermissionCheckedChooserViewSet
    model = Convention
    icon = "doc-full-inverse"
    menu_label = _("Conventions")
    index_view_class = ConventionIndexView
    edit_view_class = ConventionEditView
    list_display = [
        "commune",
        "signed_on",
        "notified_on",
        Column("status", label=_("État et période en cours"), accessor=status_label),
    ]
    filterset_class = ConventionFilterSet
    search_fields = ["commune__name", "commune__insee_code", "signatory_name"]
    search_backend_name = None
    ordering = ["commune__name", "-signed_on"]
    copy_view_enabled = False

    def get_queryset(self, request):
        return Convention.objects.select_related("commune")

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("terminate/<int:pk>/", RecordTerminationView.as_view(), name="terminate"),
            path("revoke/<int:pk>/", RecordRevocationView.as_view(), name="revoke"),
        ]


class JoinRequestViewSet(PolicyScopedModelViewSet):
    """Requests and provider contracts are chosen by no page: model viewsets, Métropole staff only."""

    model = JoinRequest
    name = "join_requests"
    icon = "mail"
    menu_label = _("Demandes")
    list_display = ["commune", "received_on", "contact_name", "withdrawn_on"]
    list_filter = ["received_on"]
    search_fields = ["commune__name", "contact_name"]
    search_backend_name = None


class ProviderContractViewSet(PolicyScopedModelViewSet):
    model = ProviderContract
    name = "provider_contracts"
    icon = "tasks"
    menu_label = _("Marchés")
    list_display = ["provider", "reference", "starts_on", "ends_on", "annual_cost"]
    search_fields = ["provider", "reference"]
    search_backend_name = None


class ConventionTextVersionViewSet(SnippetViewSet):
    chooser_viewset_class = PermissionCheckedChooserViewSet
    model = ConventionTextVersion
    icon = "doc-full"
    menu_label = _("Règlement")
    list_display = ["number", "adopted_on", "live"]
    search_backend_name = None
    search_fields = ["title", "summary_of_changes"]
    copy_view_enabled = False


class NotificationFilterSet(WagtailFilterSet):
    acknowledged = django_filters.BooleanFilter(
        field_name="acknowledged_at", lookup_expr="isnull", exclude=True, label=_("Réception confirmée")
    )

    class Meta:
        model = ConventionTextNotification
        fields = ["version", "commune"]


class ConventionTextNotificationViewSet(SnippetViewSet):
    """Who was told of each version of the règlement, and who has acknowledged it (Art. 10)."""

    chooser_viewset_class = PermissionCheckedChooserViewSet
    model = ConventionTextNotification
    icon = "mail"
    menu_label = _("Notifications du règlement")
    list_display = ["commune", "version", "notified_at", "recipients", "acknowledged_at", "acknowledged_by"]
    filterset_class = NotificationFilterSet
    search_fields = ["commune__name"]
    search_backend_name = None
    copy_view_enabled = False
    inspect_view_enabled = True

    def get_queryset(self, request):
        return ConventionTextNotification.objects.select_related("commune", "version", "acknowledged_by")


class CommunesAndConventionsGroup(SnippetViewSetGroup):
    items = [
        CommuneViewSet,
        JoinRequestViewSet,
        ConventionViewSet,
        ProviderContractViewSet,
        ConventionTextVersionViewSet,
        ConventionTextNotificationViewSet,
    ]
    menu_icon = "home"
    menu_label = _("Communes")
    menu_name = "communes"
    menu_order = 200
