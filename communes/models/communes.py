from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.models import Orderable

from ..validators import validate_brand_colour, validate_insee_code, validate_postal_codes, validate_space_slug


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
    collection = models.OneToOneField(
        "wagtailcore.Collection",
        verbose_name=_("collection d'images et de documents"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="commune",
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

    def convention_status_on(self, day=None):
        """Status of the commune's convention on `day`: the active one, else the latest signed; None without any."""
        day = day or timezone.localdate()
        signed = self.conventions.filter(signed_on__lte=day).order_by("-signed_on")
        statuses = [status for _c, status in signed.statuses_on(day)]
        active = [status for status in statuses if status.is_active]
        return (active or statuses or [None])[0]

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
