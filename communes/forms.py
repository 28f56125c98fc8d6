from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.admin.widgets import AdminDateInput


class CommuneSpacePageForm(WagtailAdminPageForm):
    """Offers only the communes that have no space yet; once created, a space keeps its commune."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "commune" in self.fields:
            commune_field = self.fields["commune"]
            if self.instance.pk:
                commune_field.queryset = commune_field.queryset.filter(space__pk=self.instance.pk)
                commune_field.disabled = True
            else:
                commune_field.queryset = commune_field.queryset.filter(space__isnull=True)


class TerminationForm(forms.Form):
    """Art. 5: the commune's letter to the president, and the date the end takes effect."""

    letter_on = forms.DateField(label=_("Date du courrier de la commune"), widget=AdminDateInput)
    effective_on = forms.DateField(
        label=_("Date d'effet de la résiliation"),
        widget=AdminDateInput,
        help_text=_("Premier jour sans mise à disposition : les pages de la commune sont alors retirées du site."),
    )


class RevocationForm(forms.Form):
    """Art. 9: the Métropole's decision, for a breach of the règlement."""

    decided_on = forms.DateField(
        label=_("Date de la décision"),
        widget=AdminDateInput,
        help_text=_("La révocation prend effet ce jour-là : les pages de la commune sont retirées du site."),
    )
    reason = forms.CharField(label=_("Motif (manquement constaté)"), widget=forms.Textarea(attrs={"rows": 4}))
