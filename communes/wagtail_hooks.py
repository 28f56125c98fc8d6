import django_filters
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import Column
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from .models import Commune


def space_state(commune):
    space = getattr(commune, "space", None)
    if space is None:
        return _("Pas encore créé")
    return _("En ligne") if space.live else _("Brouillon")


class CommuneFilterSet(WagtailFilterSet):
    has_space = django_filters.BooleanFilter(
        field_name="space", lookup_expr="isnull", exclude=True, label=_("Espace participatif créé")
    )

    class Meta:
        model = Commune
        fields = []


class CommuneViewSet(SnippetViewSet):
    model = Commune
    icon = "home"
    menu_label = _("Communes")
    menu_order = 200
    add_to_admin_menu = True
    list_display = [
        "name",
        "insee_code",
        "postal_codes",
        "population",
        Column("space", label=_("Espace participatif"), accessor=space_state),
    ]
    list_export = ["name", "insee_code", "slug", "postal_codes", "population", "population_year"]
    list_per_page = 50
    filterset_class = CommuneFilterSet
    # Plain database search (ILIKE) on a short list: no search index to keep for it.
    search_fields = ["name", "insee_code", "postal_codes", "slug"]
    search_backend_name = None
    ordering = ["name"]

    def get_queryset(self, request):
        return Commune.objects.select_related("space")


register_snippet(CommuneViewSet)
