from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from communes.models import CommuneSpacePage
from participation.models import ProcessPage, ProcessState, Theme

from .services import Filters, InvalidQuery, ResultKind, Scope, clean_query


class SearchForm(forms.Form):
    """The query and its filters, checked before anything runs; every refusal is explained in French."""

    q = forms.CharField(label=_("Mots recherchés"), required=False, strip=False)
    commune = forms.ModelChoiceField(
        label=_("Commune"),
        queryset=CommuneSpacePage.objects.none(),
        to_field_name="slug",
        required=False,
        empty_label=_("Toutes les communes"),
        error_messages={"invalid_choice": _("Cette commune ne figure pas parmi les communes participantes.")},
    )
    theme = forms.ModelChoiceField(
        label=_("Thème"),
        queryset=Theme.objects.all(),
        to_field_name="slug",
        required=False,
        empty_label=_("Tous les thèmes"),
        error_messages={"invalid_choice": _("Ce thème n'existe pas : choisissez-en un dans la liste.")},
    )
    state = forms.ChoiceField(
        label=_("État de la démarche"),
        choices=[("", _("Tous les états")), *ProcessState.choices],
        required=False,
        error_messages={"invalid_choice": _("Choisissez un état dans la liste.")},
    )
    # Set by the links between kinds of results, not typed: an unknown value falls back to the default.
    type = forms.CharField(required=False)

    def __init__(self, *args, scope=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the communes and themes a visitor may see: the same rule as every listing, asked once per search.
        self.scope = scope or Scope.on()
        self.fields["commune"].queryset = self.scope.public(CommuneSpacePage).order_by("title")
        public_processes = self.scope.public(ProcessPage).values("pk")
        self.fields["theme"].queryset = Theme.objects.filter(processes__in=public_processes).distinct()

    def clean_q(self):
        try:
            return clean_query(self.cleaned_data["q"])
        except InvalidQuery as error:
            raise ValidationError(str(error)) from None

    def clean_type(self):
        kind = self.cleaned_data["type"]
        return kind if kind in ResultKind.labels else ""

    @property
    def filters(self):
        data = self.cleaned_data
        return Filters(space=data.get("commune"), theme=data.get("theme"), state=data.get("state") or "")
