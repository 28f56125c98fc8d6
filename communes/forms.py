import re

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.admin.widgets import AdminDateInput
from wagtail.blocks import StreamValue, StructValue
from wagtail.blocks.list_block import ListValue
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.permissions import policy_registry
from wagtail.rich_text import RichText

DOCUMENT_LINK = re.compile(r'linktype="document"[^>]*\bid="(\d+)"')


def chosen_media(value, images, documents):
    """Add to `images` and `documents` the ids of those `value` holds: a chooser, blocks, rich text links."""
    if isinstance(value, get_image_model()):
        images.add(value.pk)
    elif isinstance(value, get_document_model()):
        documents.add(value.pk)
    elif isinstance(value, StreamValue):
        for child in value:
            chosen_media(child.value, images, documents)
    elif isinstance(value, StructValue):
        for child in value.values():
            chosen_media(child, images, documents)
    elif isinstance(value, ListValue | list | tuple):
        for child in value:
            chosen_media(child, images, documents)
    elif isinstance(value, RichText | str):
        source = value.source if isinstance(value, RichText) else value
        documents.update(int(pk) for pk in DOCUMENT_LINK.findall(source))


def _all_choosable(user, model, ids):
    if not ids:
        return True
    choosable = policy_registry.get_by_type(model).instances_user_has_permission_for(user, "choose")
    return choosable.filter(pk__in=ids).count() == len(ids)


class CommunePageForm(WagtailAdminPageForm):
    """A commune's page uses only the images and documents its editor may choose (their commune's collection).

    Wagtail's choosers offer only those, but a form post can name any id: the check is here, on the server.
    Media already on the page (chosen by Métropole staff, say) stay allowed.
    """

    def clean(self):
        cleaned_data = super().clean()
        user = self.for_user
        if user is None or user.is_superuser:
            return cleaned_data
        stored_images, stored_documents = set(), set()
        chosen_images, chosen_documents = set(), set()
        for name in self.fields:
            if self.instance.pk and hasattr(self.instance, name):
                chosen_media(getattr(self.instance, name), stored_images, stored_documents)
            chosen_media(cleaned_data.get(name), chosen_images, chosen_documents)
        new_images, new_documents = chosen_images - stored_images, chosen_documents - stored_documents
        if not _all_choosable(user, get_image_model(), new_images):
            self.add_error(None, _("Une image choisie n'appartient pas à la médiathèque de votre commune."))
        if not _all_choosable(user, get_document_model(), new_documents):
            self.add_error(None, _("Un document choisi n'appartient pas à la médiathèque de votre commune."))
        return cleaned_data


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
