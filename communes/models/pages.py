from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, HelpPanel, MultiFieldPanel, ObjectList, TabbedInterface
from wagtail.api import APIField
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page, PageManager, PageQuerySet
from wagtail.search import index

from core.blocks import ContentStreamBlock

from ..forms import CommuneSpacePageForm
from ..serializers import CommuneSerializer


class ViewRestrictionsFromTheTreeMixin:
    """Wagtail asks a served page for its view restrictions and those of its ancestors (two queries per request):
    the cached facts of the tree (`communes.tree`) know where restrictions and aliases are, so a page with none
    above it answers without a query; any other asks Wagtail as before."""

    def get_view_restrictions(self):
        from wagtail.models import PageViewRestriction

        from ..tree import is_under, tree_facts

        facts = tree_facts()
        roots = [restriction.path for restriction in facts.restrictions] + list(facts.aliases)
        if is_under(self.path, roots):
            return super().get_view_restrictions()
        return PageViewRestriction.objects.none()


class CommunePageMixin(ViewRestrictionsFromTheTreeMixin):
    """For page types that live in a commune's space: the convention narrows who may do what with them."""

    def permissions_for_user(self, user):
        from ..policies import CommunePagePermissionTester

        return CommunePagePermissionTester(user, self)

    def get_context(self, request, *args, **kwargs):
        from ..gate import commune_space_of

        context = super().get_context(request, *args, **kwargs)
        # The footer and the personal-data block read the commune from here.
        context["commune_space"] = commune_space_of(self)
        return context


class CommuneSpaceQuerySet(PageQuerySet):
    def listed(self, day=None):
        """Commune spaces a visitor may see in any listing: live, public, and with an active convention.

        Like every other listing (processes, search, sitemap, feeds, API), it goes through the one rule
        of what the public may see, `communes.visibility.public_pages`.
        """
        from ..visibility import public_pages

        return public_pages(self, day).select_related("commune", "commune__logo").order_by("title")


class CommuneSpacePage(CommunePageMixin, Page):
    """A commune's participation space, at /<commune slug>/ under the portal."""

    commune = models.OneToOneField(
        "communes.Commune",
        verbose_name=_("commune"),
        on_delete=models.PROTECT,
        related_name="space",
        error_messages={"unique": _("Cette commune a déjà son espace participatif.")},
    )
    intro = RichTextField(_("introduction"), blank=True, features=["bold", "italic", "link"])
    banner = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("bannière"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    body = StreamField(ContentStreamBlock(), verbose_name=_("contenu"), blank=True)
    # What only the commune knows about its processes, shown in the personal-data notice (Art. 6).
    privacy_controller = RichTextField(
        _("responsable de traitement"),
        blank=True,
        features=["bold", "italic", "link"],
        help_text=_("Qui décide des données collectées par les démarches de la commune, et comment le joindre."),
    )
    privacy_dpo_contact = RichTextField(
        _("délégué à la protection des données"),
        blank=True,
        features=["bold", "italic", "link"],
        help_text=_("Le contact du ou de la DPO de la commune."),
    )
    privacy_purposes = RichTextField(
        _("finalités et durée de conservation"),
        blank=True,
        features=["bold", "italic", "link", "ul"],
        help_text=_("Ce que la commune fait des contributions et combien de temps elle les garde."),
    )

    objects = PageManager.from_queryset(CommuneSpaceQuerySet)()

    content_panels = [
        FieldPanel("commune"),
        *Page.content_panels,
        FieldPanel("intro"),
        FieldPanel("banner"),
        FieldPanel("body"),
    ]
    privacy_panels = [
        HelpPanel(
            content=_(
                "Ces informations complètent, pour les démarches de la commune, la politique de protection des "
                "données personnelles de la Métropole, qui reste la même pour toutes les communes."
            )
        ),
        FieldPanel("privacy_controller"),
        FieldPanel("privacy_dpo_contact"),
        FieldPanel("privacy_purposes"),
    ]
    # The slug comes from the commune, so the promote tab does not offer it.
    promote_panels = [
        MultiFieldPanel([FieldPanel("seo_title"), FieldPanel("search_description")], heading=_("Référencement")),
        FieldPanel("show_in_menus"),
    ]
    edit_handler = TabbedInterface(
        [
            ObjectList(content_panels, heading=_("Contenu")),
            ObjectList(privacy_panels, heading=_("Données personnelles")),
            ObjectList(promote_panels, heading=_("Promotion")),
            ObjectList(Page.settings_panels, heading=_("Paramètres")),
        ]
    )
    search_fields = [
        *Page.search_fields,
        index.SearchField("intro"),
        index.SearchField("body"),
        index.RelatedFields("commune", [index.SearchField("name")]),
    ]

    # The open-data API (search.api): the commune and its introduction, nothing about people.
    api_fields = [
        APIField("commune", serializer=CommuneSerializer(read_only=True)),
        APIField("intro"),
    ]

    base_form_class = CommuneSpacePageForm
    parent_page_types = ["home.HomePage"]
    subpage_types = ["participation.ProcessPage"]
    template = "pages/commune_space_page.html"
    page_description = _("L'espace participatif d'une commune, à l'adresse de la commune.")

    class Meta:
        verbose_name = _("espace participatif de commune")
        verbose_name_plural = _("espaces participatifs de communes")

    @property
    def has_privacy_block(self):
        return bool(self.privacy_controller or self.privacy_dpo_contact or self.privacy_purposes)

    def clean(self):
        # The space always lives at the commune's own address.
        if self.commune_id:
            self.slug = self.commune.slug
            if not self.title:
                self.title = self.commune.name
        super().clean()
