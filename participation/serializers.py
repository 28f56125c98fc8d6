"""How the open-data API (`search.api`) shows processes: public facts only.

The page models name these in their `api_fields`. Nothing here reads a contribution, a registration, an owner or
an email: the API serialises the fields listed on each page type, and only those.
This module imports no model of its app, so that the models can import it.
"""

from rest_framework import serializers
from wagtail.rich_text import expand_db_html

from communes.gate import commune_space_of
from communes.serializers import CommuneSerializer


class PhaseSerializer(serializers.Serializer):
    title = serializers.CharField(read_only=True)
    starts_on = serializers.DateField(read_only=True)
    ends_on = serializers.DateField(read_only=True)
    description = serializers.CharField(read_only=True)


class ThemeSerializer(serializers.Serializer):
    name = serializers.CharField(read_only=True)
    slug = serializers.CharField(read_only=True)


class ProcessStateField(serializers.Field):
    """The state on today's date, derived from the phases: `{"code": "open", "label": "Ouverte"}`."""

    def __init__(self, **kwargs):
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, process):
        state = process.state
        return {"code": state.value, "label": str(state.label)}


class ProcessCommuneField(serializers.Field):
    """The commune of a process: its space is the parent page.

    The listing attaches the commune to every page of a batch (`search.api.attach_listing_relations`);
    a single page looks it up.
    """

    def __init__(self, **kwargs):
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, process):
        if not hasattr(process, "api_commune"):
            space = commune_space_of(process)
            process.api_commune = space.commune if space else None
        commune = process.api_commune
        return CommuneSerializer(commune).data if commune is not None else None


class ProcessResultsField(serializers.Field):
    """The results of a process ("Ce que nous avons fait de vos contributions"), as HTML, once published; else
    null (a text prepared for a later day stays unpublished)."""

    def __init__(self, **kwargs):
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, process):
        if not process.has_published_results:
            return None
        return expand_db_html(process.results)


class ProcessResultsDateField(serializers.Field):
    """The day the results were published; null until then."""

    def __init__(self, **kwargs):
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, process):
        return process.results_published_on.isoformat() if process.has_published_results else None


class ProcessParticipationField(serializers.Field):
    """Counts of what citizens brought to a process: published contributions, their supports and published comments,
    and the commune's answers by status (`participation.services.figures`). The listing attaches them to every
    process of a batch; a single page counts its own."""

    def __init__(self, **kwargs):
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, process):
        if not hasattr(process, "api_participation"):
            from .services.figures import participation_figures

            process.api_participation = participation_figures([process.pk])[process.pk]
        return process.api_participation
