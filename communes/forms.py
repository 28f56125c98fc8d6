import re
from dataclasses import dataclass, field

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.admin.widgets import AdminDateInput
from wagtail.blocks import StreamValue, StructValue
from wagtail.blocks.list_block import ListValue
from wagtail.contrib.forms.forms import WagtailAdminFormPageForm
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Page
from wagtail.permissions import policy_registry
from wagtail.rich_text import RichText

DOCUMENT_LINK = re.compile(r'linktype="document"[^>]*\bid="(\d+)"')
PAGE_LINK = re.compile(r'linktype="page"[^>]*\bid="(\d+)"')
IMAGE_EMBED = re.compile(r'embedtype="image"[^>]*\bid="(\d+)"')


@dataclass
class Chosen:
    """The ids of the images, documents and pages a page's fields point to."""

    images: set = field(default_factory=set)
    documents: set = field(default_factory=set)
    pages: set = field(default_factory=set)

    def __sub__(self, other):
        return Chosen(self.images - other.images, self.documents - other.documents, self.pages - other.pages)


def collect_chosen(value, chosen):
    """Add to `chosen` what `value` points to: a chooser, blocks (page choosers included), rich text links."""
    if isinstance(value, get_image_model()):
        chosen.images.add(value.pk)
    elif isinstance(value, get_document_model()):
        chosen.documents.add(value.pk)
    elif isinstance(value, Page):
        chosen.pages.add(value.pk)
    elif isinstance(value, StreamValue):
        for child in value:
            collect_chosen(child.value, chosen)
    elif isinstance(value, StructValue):
        for child in value.values():
            collect_chosen(child, chosen)
    elif isinstance(value, ListValue | list | tuple):
        for child in value:
            collect_chosen(child, chosen)
    elif isinstance(value, RichText | str):
        source = value.source if isinstance(value, RichText) else value
        chosen.documents.update(int(pk) for pk in DOCUMENT_LINK.findall(source))
        chosen.pages.update(int(pk) for pk in PAGE_LINK.findall(source))
        chosen.images.update(int(pk) for pk in IMAGE_EMBED.findall(source))


def _all_choosable(user, model, ids):
    if not ids:
        return True
    choosable = policy_registry.get_by_type(model).instances_user_has_permission_for(user, "choose")
    return choosable.filter(pk__in=ids).count() == len(ids)


class CommunePageForm(WagtailAdminPageForm):
    """A commune's page points only to what its editor may choose: their commune's images, documents and pages.

    Wagtail's choosers offer only those, but a form post can name any id: the check is here, on the server.
    What is already on the page (chosen by Métropole staff, say) stays allowed. A field that names what the editor
    may not choose is shown again as it was stored, not as posted: Wagtail's widgets would otherwise show the
    title, thumbnail or address of whatever the id names.
    """

    refused_fields = frozenset()

    def clean(self):
        from .policies import pages_choosable_by

        cleaned_data = super().clean()
        user = self.for_user
        if user is None or user.is_superuser:
            return cleaned_data
        stored = Chosen()
        for name in self.fields:
            if self.instance.pk and hasattr(self.instance, name):
                collect_chosen(getattr(self.instance, name), stored)
        new_by_field = {}
        for name in self.fields:
            chosen = Chosen()
            # A field that failed its own validation is not in cleaned_data, but is shown again as posted.
            collect_chosen(cleaned_data[name] if name in cleaned_data else self[name].data, chosen)
            new_by_field[name] = chosen - stored
        refused = set()
        checks = [
            (
                "images",
                lambda ids: _all_choosable(user, get_image_model(), ids),
                _("Une image choisie n'appartient pas à la médiathèque de votre commune."),
            ),
            (
                "documents",
                lambda ids: _all_choosable(user, get_document_model(), ids),
                _("Un document choisi n'appartient pas à la médiathèque de votre commune."),
            ),
            (
                "pages",
                lambda ids: not ids or pages_choosable_by(user).filter(pk__in=ids).count() == len(ids),
                _("Une page choisie n'appartient pas à l'espace de votre commune."),
            ),
        ]
        for kind, all_choosable, message in checks:
            fields = {name for name, new in new_by_field.items() if not all_choosable(getattr(new, kind))}
            if fields:
                self.add_error(None, message)
                refused |= fields
        self.refused_fields = frozenset(refused)
        return cleaned_data

    def _widget_data_value(self, widget, html_name):
        # Django's one place where a bound field reads the posted data: once cleaned, a refused field reads the
        # stored value instead, so that the form shown again names nothing the editor may not choose.
        name = html_name.removeprefix(f"{self.prefix}-") if self.prefix else html_name
        if name in self.refused_fields:
            return self.get_initial_for_field(self.fields[name], name)
        return super()._widget_data_value(widget, html_name)


class CommuneFormPageForm(CommunePageForm, WagtailAdminFormPageForm):
    """A commune's form page (a questionnaire): Wagtail's checks of its questions, and the check of what it links to."""


class CommuneSpacePageForm(CommunePageForm):
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
