"""StreamField blocks shared by the portal, the commune spaces and, later, the processes.

Grouped by family (text, media, actions) so that each page type picks the
families it needs; `ContentStreamBlock` is the common rich body.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.blocks.struct_block import StructBlockValidationError
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.embeds.blocks import EmbedBlock
from wagtail.images.blocks import ImageBlock

# --- Text --------------------------------------------------------------------


class HeadingBlock(blocks.StructBlock):
    """A heading whose level is chosen, so the page outline stays correct (RGAA 9.1)."""

    text = blocks.CharBlock(label=_("Texte"), max_length=200)
    level = blocks.ChoiceBlock(
        label=_("Niveau"),
        choices=[("h2", _("Titre de section (niveau 2)")), ("h3", _("Sous-titre (niveau 3)"))],
        default="h2",
    )

    class Meta:
        icon = "title"
        label = _("Titre")
        template = "blocks/heading.html"


class QuoteBlock(blocks.StructBlock):
    quote = blocks.TextBlock(label=_("Citation"))
    attribution = blocks.CharBlock(label=_("Auteur ou source"), required=False, max_length=200)

    class Meta:
        icon = "openquote"
        label = _("Citation")
        template = "blocks/quote.html"


PARAGRAPH_FEATURES = ["bold", "italic", "h2", "h3", "ol", "ul", "link", "document-link"]

# --- Media -------------------------------------------------------------------


class DocumentBlock(blocks.StructBlock):
    document = DocumentChooserBlock(label=_("Document"))
    title = blocks.CharBlock(
        label=_("Intitulé du lien"),
        required=False,
        max_length=200,
        help_text=_("Laisser vide pour utiliser le titre du document."),
    )

    class Meta:
        icon = "doc-full"
        label = _("Document à télécharger")
        template = "blocks/document.html"


class VideoOrMapBlock(blocks.StructBlock):
    embed = EmbedBlock(label=_("Adresse de la vidéo ou de la carte"))
    title = blocks.CharBlock(
        label=_("Titre accessible"),
        max_length=200,
        help_text=_("Décrit le contenu intégré pour les lecteurs d'écran."),
    )
    # Required: the accessibility statement exempts the third-party player, never its content (RGAA 4.1, 4.2).
    transcript = blocks.RichTextBlock(
        label=_("Transcription ou description"),
        features=["bold", "italic", "link"],
        help_text=_(
            "Alternative textuelle au contenu intégré : la transcription d'une vidéo, ce que montre une carte "
            "(RGAA 4.1)."
        ),
    )

    class Meta:
        icon = "media"
        label = _("Vidéo ou carte intégrée")
        template = "blocks/embed.html"


# --- Actions -----------------------------------------------------------------


class CallToActionBlock(blocks.StructBlock):
    text = blocks.CharBlock(label=_("Texte du bouton"), max_length=80)
    page = blocks.PageChooserBlock(label=_("Page"), required=False)
    url = blocks.URLBlock(label=_("ou adresse externe"), required=False)

    def clean(self, value):
        value = super().clean(value)
        if not value.get("page") and not value.get("url"):
            raise StructBlockValidationError(
                block_errors={"page": ValidationError(_("Choisissez une page ou saisissez une adresse."))}
            )
        return value

    class Meta:
        icon = "link"
        label = _("Bouton d'action")
        template = "blocks/call_to_action.html"


class ContentStreamBlock(blocks.StreamBlock):
    heading = HeadingBlock()
    paragraph = blocks.RichTextBlock(label=_("Paragraphe"), features=PARAGRAPH_FEATURES, icon="pilcrow")
    quote = QuoteBlock()
    image = ImageBlock(label=_("Image"))
    document = DocumentBlock()
    embed = VideoOrMapBlock()
    call_to_action = CallToActionBlock()
