"""The Métropole's legal texts (Art. 6), each a history of numbered, dated, final versions."""

import datetime

from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, FieldRowPanel
from wagtail.fields import StreamField
from wagtail.models import DraftStateMixin, PreviewableMixin, RevisionMixin
from wagtail.search import index
from wagtail.search.queryset import SearchableQuerySetMixin

from core.versioning import FinalOncePublishedMixin

from .accessibility import AccessibilityStatus, audit_context
from .blocks import LegalTextStreamBlock

# How long a new version is flagged "mis à jour le …" on its public page and in the admin.
UPDATE_NOTICE_DAYS = 30


class LegalTextKind(models.TextChoices):
    """The five texts; each value is also the text's stable public URL (/charte/, /cgu/, …)."""

    CHARTER = "charte", _("Charte d'utilisation")
    TERMS = "cgu", _("Conditions générales d'utilisation")
    PRIVACY = "donnees-personnelles", _("Politique de protection des données personnelles")
    LEGAL_NOTICE = "mentions-legales", _("Mentions légales")
    ACCESSIBILITY = "accessibilite", _("Déclaration d'accessibilité")


class LegalTextVersionQuerySet(SearchableQuerySetMixin, models.QuerySet):
    def published(self):
        return self.filter(live=True)

    def in_force_on(self, day=None):
        """Published versions whose effective date has come, newest first."""
        day = day or timezone.localdate()
        return self.published().filter(effective_on__lte=day).order_by("-effective_on", "-number")


class LegalTextVersion(
    FinalOncePublishedMixin, DraftStateMixin, RevisionMixin, PreviewableMixin, index.Indexed, models.Model
):
    """One version of one legal text: drafted, previewed, published with its number and effective date."""

    kind = models.CharField(_("texte"), max_length=30, choices=LegalTextKind.choices)
    number = models.PositiveSmallIntegerField(
        _("numéro de version"), editable=False, help_text=_("Attribué automatiquement.")
    )
    effective_on = models.DateField(
        _("en vigueur à partir du"),
        help_text=_("Une version datée dans le futur ne s'applique qu'à partir de ce jour-là."),
    )
    summary_of_changes = models.TextField(
        _("résumé des modifications"), blank=True, help_text=_("Ce qui change par rapport à la version précédente.")
    )
    # What staff declared by hand before the audit lived in the repository: kept for the history of the versions
    # published with it, no longer asked nor used. The mention now follows the audit (charter.accessibility).
    accessibility_status = models.CharField(
        _("état de conformité déclaré (avant l'audit RGAA)"),
        max_length=20,
        choices=AccessibilityStatus.choices,
        blank=True,
        editable=False,
    )
    body = StreamField(LegalTextStreamBlock(), verbose_name=_("texte"))

    objects = LegalTextVersionQuerySet.as_manager()

    # The site search finds the versions in force; drafts never enter the index (see get_indexed_objects).
    search_fields = [
        index.SearchField("body"),
        index.SearchField("summary_of_changes"),
        index.FilterField("id"),
        index.FilterField("kind"),
        index.FilterField("live"),
    ]

    panels = [
        FieldRowPanel([FieldPanel("kind"), FieldPanel("effective_on")]),
        FieldPanel("summary_of_changes"),
        FieldPanel("body"),
    ]

    class Meta:
        ordering = ["kind", "-number"]
        constraints = [models.UniqueConstraint(fields=["kind", "number"], name="one_number_per_legal_text")]
        verbose_name = _("version d'un texte réglementaire")
        verbose_name_plural = _("textes réglementaires")

    def __str__(self):
        return _("%(text)s, version %(number)s") % {"text": self.get_kind_display(), "number": self.number or "—"}

    def save(self, *args, **kwargs):
        if self.number is None:
            self.number = self.next_version_number()
        super().save(*args, **kwargs)

    @classmethod
    def get_indexed_objects(cls):
        # Published versions only: a version is final once published, so none ever leaves the index.
        return cls.objects.published()

    def version_siblings(self):
        return LegalTextVersion.objects.filter(kind=self.kind)

    # --- What visitors see ---------------------------------------------------------

    def get_url(self):
        return reverse("charter:version", args=[self.kind, self.number])

    def is_recent_update(self, day=None):
        """A new version (not the first) in force for less than UPDATE_NOTICE_DAYS."""
        day = day or timezone.localdate()
        return self.number > 1 and self.effective_on <= day < self.effective_on + datetime.timedelta(
            days=UPDATE_NOTICE_DAYS
        )

    def charter_rules(self):
        """The moderation rules a charter version states, as (key, title) pairs, for moderators to cite."""
        return [(block.value["key"], block.value["title"]) for block in self.body if block.block_type == "rule"]

    def get_preview_template(self, request, mode_name):
        return "charter/legal_text.html"

    def get_preview_context(self, request, mode_name):
        context = super().get_preview_context(request, mode_name)
        context.update(version=self, kind=LegalTextKind(self.kind), is_current=False, is_preview=True)
        context.update(audit_context(self.kind, timezone.localdate()))
        return context
