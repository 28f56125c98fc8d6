from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail import blocks

from core.blocks import PARAGRAPH_FEATURES, HeadingBlock


class CharterRuleBlock(blocks.StructBlock):
    """A moderation rule of the charter: moderators cite it by its key when they reject or hide a contribution."""

    key = blocks.CharBlock(
        label=_("Code de la règle"),
        max_length=40,
        help_text=_("Court et stable, par exemple « respect » : il est enregistré avec chaque décision."),
    )
    title = blocks.CharBlock(label=_("Intitulé"), max_length=120)
    text = blocks.RichTextBlock(label=_("Explication"), features=["bold", "italic", "link"])

    class Meta:
        icon = "tick-inverse"
        label = _("Règle de modération")
        template = "charter/blocks/rule.html"


class LegalTextStreamBlock(blocks.StreamBlock):
    heading = HeadingBlock()
    paragraph = blocks.RichTextBlock(label=_("Paragraphe"), features=PARAGRAPH_FEATURES, icon="pilcrow")
    rule = CharterRuleBlock()

    def clean(self, value):
        value = super().clean(value)
        keys = [child.value["key"] for child in value if child.block_type == "rule"]
        duplicates = sorted({key for key in keys if keys.count(key) > 1})
        if duplicates:
            raise ValidationError(
                _("Chaque règle doit avoir son propre code ; en double : %(keys)s.") % {"keys": ", ".join(duplicates)}
            )
        return value
