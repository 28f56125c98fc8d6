from django.core.cache import cache
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.search import index

from communes.models import CommuneSpacePage
from communes.models.pages import ViewRestrictionsFromTheTreeMixin
from core.blocks import ContentStreamBlock
from core.identity import remember_site_name
from core.pagecache import forget_facts_on_commit
from core.routing import RouteInOneQueryMixin
from participation.models import ProcessPage, open_first


class HomePage(RouteInOneQueryMixin, ViewRestrictionsFromTheTreeMixin, Page):
    """The Métropole's portal: the root of the site, listing the communes' spaces."""

    intro = RichTextField(_("introduction"), blank=True, features=["bold", "italic", "link"])
    body = StreamField(ContentStreamBlock(), verbose_name=_("contenu"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("body")]
    search_fields = [*Page.search_fields, index.SearchField("intro"), index.SearchField("body")]

    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["communes.CommuneSpacePage"]
    max_count = 1
    template = "pages/home_page.html"
    page_description = _("Le portail de la Métropole : communes participantes, démarches ouvertes, recherche.")

    class Meta:
        verbose_name = _("page d'accueil du portail")
        verbose_name_plural = _("pages d'accueil du portail")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["commune_spaces"] = CommuneSpacePage.objects.listed().child_of(self)
        context["open_processes"] = open_first(ProcessPage.objects.listed().open_on())
        return context


@register_setting(icon="site")
class MetropoleSettings(BaseSiteSetting):
    """The lending authority's identity, so nothing in the code names one métropole."""

    name = models.CharField(_("nom"), max_length=200, help_text=_("Par exemple : Métropole du Grand Nancy."))
    # French names take an article in a sentence, which no rule can guess ("la Métropole du Grand Nancy",
    # "l'Eurométropole de Strasbourg", "Grand Nancy Métropole"): the identity says it.
    name_in_sentence = models.CharField(
        _("nom dans une phrase"),
        max_length=200,
        blank=True,
        help_text=_(
            "Avec son article, comme après « Participation citoyenne avec… » : par exemple « la Métropole du Grand "
            "Nancy ». Vide : le nom."
        ),
    )
    address = models.TextField(_("adresse postale"), blank=True)
    president_name = models.CharField(_("président ou présidente"), max_length=200, blank=True)
    mission_name = models.CharField(
        _("service chargé de la participation"),
        max_length=200,
        default="Mission Démocratie participative",
    )
    mission_email = models.EmailField(_("courriel du service"), blank=True)
    mission_phone = models.CharField(_("téléphone du service"), max_length=40, blank=True)
    website = models.URLField(_("site institutionnel"), blank=True)
    accessibility_plan_url = models.URLField(
        _("schéma pluriannuel de mise en accessibilité"),
        blank=True,
        help_text=_(
            "Adresse du schéma pluriannuel et du plan d'actions de l'année, cités par la déclaration d'accessibilité."
        ),
    )
    logo = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("logo"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    panels = [
        MultiFieldPanel(
            [
                FieldPanel("name"),
                FieldPanel("name_in_sentence"),
                FieldPanel("address"),
                FieldPanel("president_name"),
                FieldPanel("website"),
            ],
            heading=_("Identité"),
        ),
        MultiFieldPanel(
            [FieldPanel("mission_name"), FieldPanel("mission_email"), FieldPanel("mission_phone")],
            heading=_("Contact de la participation citoyenne"),
        ),
        FieldPanel("accessibility_plan_url"),
        FieldPanel("logo"),
    ]

    class Meta:
        verbose_name = _("identité de la Métropole")

    @property
    def in_sentence(self):
        """The name as a sentence holds it: "la Métropole du Grand Nancy" ("|capfirst" at a sentence's start)."""
        return self.name_in_sentence or self.name

    @classmethod
    def for_site(cls, site):
        """Every page's header and footer read the identity: kept in the cache, forgotten when it is saved."""
        if site is None:
            return super().for_site(site)
        key = cls.cache_key(site.pk)
        identity = cache.get(key)
        if identity is None:
            identity = super().for_site(site)
            cache.set(key, identity, timeout=None)
        return identity

    @staticmethod
    def cache_key(site_id):
        return f"home:metropole-settings:{site_id}"

    def forget(self):
        cache.delete(self.cache_key(self.site_id))

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        # Now for this transaction, and once it commits (before the cached pages' generations are replaced), for
        # the requests that read the old one meanwhile.
        self.forget()
        forget_facts_on_commit(self.forget)
        self.remember_for_error_pages()

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        self.forget()
        forget_facts_on_commit(self.forget)
        return result

    def remember_for_error_pages(self):
        """The error pages name the Métropole without reading the database: they read the cache."""
        if self.site.is_default_site and self.name:
            remember_site_name(self.name)
