from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import StreamField
from wagtail.models import Page
from wagtail.search import index

from communes.models.pages import CommunePageMixin
from home.blocks import ContentStreamBlock


class ProcessPage(CommunePageMixin, Page):
    """A participatory process ("démarche") of one commune: consultation, idea call, survey, meeting, workshop."""

    summary = models.TextField(
        _("résumé"), max_length=500, blank=True, help_text=_("Deux ou trois phrases, reprises dans les listes.")
    )
    body = StreamField(ContentStreamBlock(), verbose_name=_("contenu"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("summary"), FieldPanel("body")]
    search_fields = [*Page.search_fields, index.SearchField("summary"), index.SearchField("body")]

    parent_page_types = ["communes.CommuneSpacePage"]
    subpage_types = []
    template = "pages/process_page.html"
    page_description = _("Une démarche participative de la commune : consultation, appel à idées, réunion…")

    class Meta:
        verbose_name = _("démarche participative")
        verbose_name_plural = _("démarches participatives")
