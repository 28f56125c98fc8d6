from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable, Page, PageManager, PageQuerySet
from wagtail.search import index

from home.blocks import ContentStreamBlock

from .forms import CommuneSpacePageForm
from .validators import validate_brand_colour, validate_insee_code, validate_postal_codes, validate_space_slug


class Commune(ClusterableModel):
    """A member commune of the Métropole, which may borrow a participation space (Art. 2)."""

    name = models.CharField(_("nom"), max_length=100)
    insee_code = models.CharField(
        _("code INSEE"),
        max_length=5,
        unique=True,
        validators=[validate_insee_code],
        help_text=_("Cinq caractères, par exemple 54395 pour Nancy."),
        error_messages={"unique": _("Une commune porte déjà ce code INSEE.")},
    )
    slug = models.SlugField(
        _("identifiant d'adresse"),
        max_length=80,
        unique=True,
        allow_unicode=False,
        validators=[validate_space_slug],
        help_text=_("Adresse de son espace participatif : /identifiant/. Lettres sans accents, chiffres et tirets."),
        error_messages={"unique": _("Une commune utilise déjà cet identifiant.")},
    )
    postal_codes = models.CharField(
        _("codes postaux"),
        max_length=100,
        blank=True,
        validators=[validate_postal_codes],
        help_text=_("Séparés par des espaces."),
    )
    population = models.PositiveIntegerField(_("population municipale"), null=True, blank=True)
    population_year = models.PositiveSmallIntegerField(_("année du recensement"), null=True, blank=True)
    logo = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("logo"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    brand_colour = models.CharField(
        _("couleur de la commune"),
        max_length=7,
        blank=True,
        validators=[validate_brand_colour],
        help_text=_(
            "Couleur d'accent de son espace, au format #RRVVBB ; assez foncée pour un contraste de 4,5:1 avec le blanc."
        ),
    )

    panels = [
        MultiFieldPanel(
            [
                FieldPanel("name"),
                FieldRowPanel([FieldPanel("insee_code"), FieldPanel("slug")]),
                FieldPanel("postal_codes"),
                FieldRowPanel([FieldPanel("population"), FieldPanel("population_year")]),
            ],
            heading=_("Identité"),
        ),
        MultiFieldPanel([FieldPanel("logo"), FieldPanel("brand_colour")], heading=_("Habillage de l'espace")),
        InlinePanel("contacts", heading=_("Contacts pour la plateforme"), label=_("contact")),
    ]

    class Meta:
        ordering = ["name"]
        verbose_name = _("commune")
        verbose_name_plural = _("communes")

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        # Links to /<slug>/ are printed and shared: once the space exists, its address stays.
        if self.pk and hasattr(self, "space"):
            stored_slug = Commune.objects.filter(pk=self.pk).values_list("slug", flat=True).first()
            if stored_slug and stored_slug != self.slug:
                message = _(
                    "L'espace de la commune existe déjà à l'adresse /%(slug)s/ : son identifiant ne change plus."
                )
                raise ValidationError({"slug": message % {"slug": stored_slug}})


class CommuneContact(Orderable):
    """Art. 3: the commune names who builds and runs its page (project lead, communication)."""

    class Role(models.TextChoices):
        PROJECT_LEAD = "project_lead", _("Chef ou cheffe de projet participation")
        COMMUNICATION = "communication", _("Service communication")
        OTHER = "other", _("Autre")

    commune = ParentalKey(Commune, on_delete=models.CASCADE, related_name="contacts")
    role = models.CharField(_("rôle"), max_length=20, choices=Role.choices, default=Role.PROJECT_LEAD)
    name = models.CharField(_("nom"), max_length=200)
    email = models.EmailField(_("courriel"))
    phone = models.CharField(_("téléphone"), max_length=40, blank=True)

    panels = [FieldPanel("role"), FieldPanel("name"), FieldRowPanel([FieldPanel("email"), FieldPanel("phone")])]

    class Meta(Orderable.Meta):
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")

    def __str__(self):
        return f"{self.name} ({self.get_role_display()})"


class CommuneSpaceQuerySet(PageQuerySet):
    def listed(self):
        """Commune spaces a visitor may see in any listing: live and public.

        Every listing (home page, search, sitemap, feeds, API) starts here, so
        that the convention gate, when it comes, is added in one place.
        """
        return self.live().public().select_related("commune", "commune__logo").order_by("title")


class CommuneSpacePage(Page):
    """A commune's participation space, at /<commune slug>/ under the portal."""

    commune = models.OneToOneField(
        Commune,
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

    objects = PageManager.from_queryset(CommuneSpaceQuerySet)()

    content_panels = [
        FieldPanel("commune"),
        *Page.content_panels,
        FieldPanel("intro"),
        FieldPanel("banner"),
        FieldPanel("body"),
    ]
    # The slug comes from the commune, so the promote tab does not offer it.
    promote_panels = [
        MultiFieldPanel([FieldPanel("seo_title"), FieldPanel("search_description")], heading=_("Référencement")),
        FieldPanel("show_in_menus"),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("intro"),
        index.SearchField("body"),
        index.RelatedFields("commune", [index.SearchField("name")]),
    ]

    base_form_class = CommuneSpacePageForm
    parent_page_types = ["home.HomePage"]
    subpage_types = []
    template = "pages/commune_space_page.html"
    page_description = _("L'espace participatif d'une commune, à l'adresse de la commune.")

    class Meta:
        verbose_name = _("espace participatif de commune")
        verbose_name_plural = _("espaces participatifs de communes")

    def clean(self):
        # The space always lives at the commune's own address.
        if self.commune_id:
            self.slug = self.commune.slug
            if not self.title:
                self.title = self.commune.name
        super().clean()
