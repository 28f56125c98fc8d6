"""The convention that lends a commune its space, and the facts its life is derived from.

Facts are stored (dates, reasons); the state on any day (signed, active, ended)
and the current term are derived from them, so they are right on every date
without a scheduled job (DESIGN: "store the facts, derive the state").
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.fields import RichTextField
from wagtail.models import DraftStateMixin, PreviewableMixin, RevisionMixin
from wagtail.search import index

from core.typography import french_date
from core.versioning import FinalOncePublishedMixin

ONE_DAY = datetime.timedelta(days=1)


def add_years(day, years):
    """The same calendar day `years` later; 29 February falls back to 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def format_day(day):
    return french_date(day)


# --- Provider contract (Art. 3-5: the Métropole's "marché") --------------------


class ProviderContractQuerySet(models.QuerySet):
    def in_force_on(self, day):
        return self.filter(starts_on__lte=day, ends_on__gte=day)


class ProviderContract(models.Model):
    """The Métropole's contract with its provider: the free provision lasts only while one is in force (Art. 4)."""

    provider = models.CharField(_("prestataire"), max_length=200)
    reference = models.CharField(_("référence du marché"), max_length=100, blank=True)
    starts_on = models.DateField(_("début"))
    ends_on = models.DateField(_("fin"), help_text=_("Dernier jour couvert par le marché."))
    annual_cost = models.DecimalField(
        _("coût annuel indicatif (€ TTC)"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Art. 4 : de l'ordre de 14 000 € TTC par an."),
    )
    notes = models.TextField(_("notes"), blank=True)

    objects = ProviderContractQuerySet.as_manager()

    panels = [
        FieldRowPanel([FieldPanel("provider"), FieldPanel("reference")]),
        FieldRowPanel([FieldPanel("starts_on"), FieldPanel("ends_on")]),
        FieldPanel("annual_cost"),
        FieldPanel("notes"),
    ]

    class Meta:
        ordering = ["-starts_on"]
        verbose_name = _("marché avec le prestataire")
        verbose_name_plural = _("marchés avec le prestataire")

    def __str__(self):
        return _("%(provider)s, du %(start)s au %(end)s") % {
            "provider": self.provider,
            "start": format_day(self.starts_on),
            "end": format_day(self.ends_on),
        }

    def clean(self):
        super().clean()
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("La fin du marché ne peut pas précéder son début.")})


def contract_periods():
    """(starts_on, ends_on) of every provider contract: read once, then passed to `Convention.status_on`."""
    return list(ProviderContract.objects.values_list("starts_on", "ends_on"))


def first_uncovered_day(start, contracts):
    """First day from `start` on which no contract is in force: the lapse (Art. 4-5).

    `contracts` are (starts_on, ends_on) pairs; back-to-back contracts cover
    without a gap, so the answer moves on each time the Métropole renews the marché.
    """
    day = start
    for starts_on, ends_on in sorted(contracts):
        if starts_on > day:
            break
        if ends_on >= day:
            day = ends_on + ONE_DAY
    return day


# --- The convention text (the règlement), versioned (Art. 10) -----------------


class ConventionTextVersion(
    FinalOncePublishedMixin, DraftStateMixin, RevisionMixin, PreviewableMixin, index.Indexed, models.Model
):
    """One version of the règlement that communes approve by signing (Art. 3); published once, then fixed."""

    number = models.PositiveSmallIntegerField(
        _("numéro de version"),
        unique=True,
        error_messages={"unique": _("Une version porte déjà ce numéro.")},
    )
    title = models.CharField(
        _("titre"),
        max_length=255,
        default="Convention portant règlement de mise à disposition de la plateforme numérique métropolitaine "
        "de participation citoyenne auprès des communes",
    )
    adopted_on = models.DateField(
        _("date de la délibération de la Métropole"), help_text=_("Délibération qui adopte cette version.")
    )
    summary_of_changes = models.TextField(
        _("résumé des modifications"), blank=True, help_text=_("Ce qui change pour les communes signataires.")
    )
    body = RichTextField(_("texte"))

    panels = [
        FieldRowPanel([FieldPanel("number"), FieldPanel("adopted_on")]),
        FieldPanel("title"),
        FieldPanel("summary_of_changes"),
        FieldPanel("body"),
    ]
    search_fields = [index.SearchField("title"), index.SearchField("body"), index.FilterField("number")]

    class Meta:
        ordering = ["-number"]
        verbose_name = _("version du règlement")
        verbose_name_plural = _("versions du règlement")

    def __str__(self):
        return _("Règlement, version %(number)s") % {"number": self.number}

    def get_preview_template(self, request, mode_name):
        return "communes/convention_text_preview.html"


# --- Art. 3: the commune's request --------------------------------------------


class JoinRequest(models.Model):
    """A commune's request to open its page, recorded before any convention (Art. 3)."""

    commune = models.ForeignKey(
        "communes.Commune", verbose_name=_("commune"), on_delete=models.PROTECT, related_name="join_requests"
    )
    received_on = models.DateField(_("reçue le"))
    contact_name = models.CharField(_("demandeur"), max_length=200)
    contact_role = models.CharField(_("fonction"), max_length=200, blank=True)
    contact_email = models.EmailField(_("courriel"), blank=True)
    contact_phone = models.CharField(_("téléphone"), max_length=40, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    withdrawn_on = models.DateField(
        _("abandonnée le"), null=True, blank=True, help_text=_("Si la commune renonce avant de signer.")
    )

    panels = [
        FieldRowPanel([FieldPanel("commune"), FieldPanel("received_on")]),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("contact_name"), FieldPanel("contact_role")]),
                FieldRowPanel([FieldPanel("contact_email"), FieldPanel("contact_phone")]),
            ],
            heading=_("Contact"),
        ),
        FieldPanel("notes"),
        FieldPanel("withdrawn_on"),
    ]

    class Meta:
        ordering = ["-received_on"]
        verbose_name = _("demande de mise à disposition")
        verbose_name_plural = _("demandes de mise à disposition")

    def __str__(self):
        return _("Demande de %(commune)s du %(day)s") % {"commune": self.commune, "day": format_day(self.received_on)}

    def clean(self):
        super().clean()
        if self.received_on and self.received_on > timezone.localdate():
            raise ValidationError({"received_on": _("Une demande ne peut pas être reçue dans le futur.")})
        if self.withdrawn_on and self.received_on and self.withdrawn_on < self.received_on:
            raise ValidationError({"withdrawn_on": _("Une demande ne peut pas être abandonnée avant d'être reçue.")})


# --- The convention -------------------------------------------------------------


class ConventionState(models.TextChoices):
    SIGNED = "signed", _("Signée, pas encore notifiée")
    ACTIVE = "active", _("Active")
    ENDED = "ended", _("Terminée")


class EndReason(models.TextChoices):
    TERMINATED = "terminated", _("résiliée à la demande de la commune")
    REVOKED = "revoked", _("révoquée par la Métropole")
    LAPSED = "lapsed", _("aucun marché en vigueur")


@dataclass(frozen=True)
class ConventionStatus:
    """What the facts of a convention mean on one day."""

    state: ConventionState
    day: datetime.date
    term_starts_on: datetime.date | None = None
    term_ends_on: datetime.date | None = None  # last day of the current yearly term
    ends_on: datetime.date | None = None  # first day without provision, when known
    end_reason: EndReason | None = None

    @property
    def is_active(self):
        return self.state == ConventionState.ACTIVE

    @property
    def covered_until(self):
        """Last day the provision is certain to run: the term's end, or earlier if an end is known."""
        if not self.is_active:
            return None
        if self.ends_on and self.ends_on <= self.term_ends_on:
            return self.ends_on - ONE_DAY
        return self.term_ends_on

    def describe(self):
        if self.state == ConventionState.ACTIVE:
            text = _("Active, période en cours du %(start)s au %(end)s") % {
                "start": format_day(self.term_starts_on),
                "end": format_day(self.term_ends_on),
            }
            if self.ends_on and self.ends_on <= self.term_ends_on:
                text += _(" ; fin le %(day)s (%(reason)s)") % {
                    "day": format_day(self.ends_on),
                    "reason": self.end_reason.label,
                }
            return text
        if self.state == ConventionState.ENDED:
            return _("Terminée le %(day)s (%(reason)s)") % {
                "day": format_day(self.ends_on),
                "reason": self.end_reason.label,
            }
        return str(ConventionState.SIGNED.label)


class ConventionQuerySet(models.QuerySet):
    def statuses_on(self, day=None):
        """(convention, status) for each convention, with the provider contracts read once."""
        day = day or timezone.localdate()
        periods = contract_periods()
        return [(convention, convention.status_on(day, periods)) for convention in self]

    def in_state(self, state, day=None):
        return self.filter(pk__in=[c.pk for c, status in self.statuses_on(day) if status.state == state])

    def active_commune_ids(self, day=None):
        return {convention.commune_id for convention, status in self.statuses_on(day) if status.is_active}


class Convention(RevisionMixin, models.Model):
    """A signed convention between the Métropole and one commune (one commune may have several over time)."""

    commune = models.ForeignKey(
        "communes.Commune", verbose_name=_("commune"), on_delete=models.PROTECT, related_name="conventions"
    )
    join_request = models.ForeignKey(
        JoinRequest,
        verbose_name=_("demande à l'origine"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="conventions",
    )
    text_version = models.ForeignKey(
        ConventionTextVersion,
        verbose_name=_("version du règlement approuvée"),
        on_delete=models.PROTECT,
        related_name="conventions",
        limit_choices_to={"live": True},
    )
    commune_deliberation_on = models.DateField(_("délibération de la commune"))
    signatory_name = models.CharField(_("signataire pour la commune"), max_length=200)
    signatory_title = models.CharField(_("qualité du signataire"), max_length=100, default="Maire")
    metropole_deliberation_on = models.DateField(_("délibération de la Métropole"))
    signed_on = models.DateField(_("signée le"))
    notified_on = models.DateField(
        _("notifiée le"),
        null=True,
        blank=True,
        help_text=_("Point de départ de la mise à disposition et de sa reconduction annuelle (Art. 5)."),
    )
    # How it ended: recorded through their own admin actions, never edited by hand.
    termination_letter_on = models.DateField(_("courrier de résiliation du"), null=True, blank=True, editable=False)
    termination_effective_on = models.DateField(_("résiliation effective le"), null=True, blank=True, editable=False)
    revocation_decided_on = models.DateField(_("révocation décidée le"), null=True, blank=True, editable=False)
    revocation_reason = models.TextField(_("motif de la révocation"), blank=True, editable=False)

    objects = ConventionQuerySet.as_manager()

    panels = [
        FieldRowPanel([FieldPanel("commune"), FieldPanel("join_request")]),
        FieldPanel("text_version"),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("commune_deliberation_on"), FieldPanel("metropole_deliberation_on")]),
                FieldRowPanel([FieldPanel("signatory_name"), FieldPanel("signatory_title")]),
                FieldRowPanel([FieldPanel("signed_on"), FieldPanel("notified_on")]),
            ],
            heading=_("Signature"),
        ),
    ]

    class Meta:
        ordering = ["commune__name", "-signed_on"]
        verbose_name = _("convention")
        verbose_name_plural = _("conventions")

    def __str__(self):
        return _("Convention de %(commune)s signée le %(day)s") % {
            "commune": self.commune,
            "day": format_day(self.signed_on),
        }

    # The one rule: what the facts mean on a given day.
    def status_on(self, day=None, contracts=None):
        """The state on `day` and the current term (Art. 5), from the stored facts alone.

        Active from the notification date; renewed tacitly at each anniversary
        while a provider contract is in force; ended by the effective date of a
        termination, the date of a revocation, or the first day no provider
        contract is in force (Art. 4: provision lasts while the contract runs).
        """
        day = day or timezone.localdate()
        if self.notified_on is None or day < self.notified_on:
            return ConventionStatus(ConventionState.SIGNED, day)

        if contracts is None:
            contracts = contract_periods()
        ends = [
            (self.termination_effective_on, EndReason.TERMINATED),
            (self.revocation_decided_on, EndReason.REVOKED),
            (first_uncovered_day(self.notified_on, contracts), EndReason.LAPSED),
        ]
        known_ends = sorted((end for end in ends if end[0] is not None), key=lambda end: end[0])
        ends_on, end_reason = known_ends[0] if known_ends else (None, None)
        if ends_on is not None and ends_on <= day:
            return ConventionStatus(ConventionState.ENDED, day, ends_on=ends_on, end_reason=end_reason)

        years = day.year - self.notified_on.year
        if add_years(self.notified_on, years) > day:
            years -= 1
        term_starts_on = add_years(self.notified_on, years)
        return ConventionStatus(
            ConventionState.ACTIVE,
            day,
            term_starts_on=term_starts_on,
            term_ends_on=add_years(self.notified_on, years + 1) - ONE_DAY,
            ends_on=ends_on,
            end_reason=end_reason,
        )

    @property
    def is_ended_by_decision(self):
        return bool(self.termination_effective_on or self.revocation_decided_on)

    def clean(self):
        super().clean()
        errors = {}
        if self.signed_on and self.commune_deliberation_on and self.signed_on < self.commune_deliberation_on:
            errors["signed_on"] = _("La convention ne peut pas être signée avant la délibération de la commune.")
        elif self.signed_on and self.metropole_deliberation_on and self.signed_on < self.metropole_deliberation_on:
            errors["signed_on"] = _("La convention ne peut pas être signée avant la délibération de la Métropole.")
        if self.notified_on and self.signed_on and self.notified_on < self.signed_on:
            errors["notified_on"] = _("La convention ne peut pas être notifiée avant d'être signée.")
        if self.text_version_id and not ConventionTextVersion.objects.filter(pk=self.text_version_id, live=True):
            errors["text_version"] = _("Choisissez une version publiée du règlement.")
        if errors:
            raise ValidationError(errors)
        self._refuse_overlap_with_other_conventions()

    def _refuse_overlap_with_other_conventions(self):
        """Two conventions of one commune may not be active on the same day."""
        if not (self.commune_id and self.notified_on):
            return
        contracts = contract_periods()
        own_end = self.status_on(self.notified_on, contracts).ends_on
        others = Convention.objects.filter(commune_id=self.commune_id, notified_on__isnull=False).exclude(pk=self.pk)
        for other in others:
            other_end = other.status_on(other.notified_on, contracts).ends_on
            starts_before_other_ends = other_end is None or self.notified_on < other_end
            other_starts_before_own_end = own_end is None or other.notified_on < own_end
            if starts_before_other_ends and other_starts_before_own_end:
                raise ValidationError(
                    {
                        "notified_on": _(
                            "%(commune)s a déjà une convention active à cette date (notifiée le %(day)s). "
                            "Enregistrez d'abord la fin de celle-ci."
                        )
                        % {"commune": self.commune, "day": format_day(other.notified_on)}
                    }
                )


# --- Art. 10: every change of the règlement is notified to the signatories ---------


class ConventionTextNotification(models.Model):
    """One commune told of one new version of the règlement, and its acknowledgement."""

    version = models.ForeignKey(
        ConventionTextVersion, verbose_name=_("version"), on_delete=models.PROTECT, related_name="notifications"
    )
    commune = models.ForeignKey(
        "communes.Commune",
        verbose_name=_("commune"),
        on_delete=models.PROTECT,
        related_name="convention_text_notifications",
    )
    notified_at = models.DateTimeField(_("notifiée le"), default=timezone.now)
    recipients = models.TextField(_("destinataires du courriel"), blank=True)
    acknowledged_at = models.DateTimeField(_("accusé de réception le"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("accusé de réception par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-notified_at", "commune__name"]
        constraints = [
            models.UniqueConstraint(fields=["version", "commune"], name="one_notification_per_version_and_commune")
        ]
        verbose_name = _("notification du règlement")
        verbose_name_plural = _("notifications du règlement")

    def __str__(self):
        return _("%(version)s notifiée à %(commune)s") % {"version": self.version, "commune": self.commune}

    @property
    def is_acknowledged(self):
        return self.acknowledged_at is not None


# --- Art. 3 to 5: where each commune stands --------------------------------------


class PipelineStage(models.TextChoices):
    NONE = "none", _("Aucune demande")
    REQUESTED = "requested", _("Demande reçue")
    SIGNED = "signed", _("Convention signée")
    ACTIVE = "active", _("Convention active")
    ENDED = "ended", _("Convention terminée")


@dataclass(frozen=True)
class PipelineEntry:
    stage: PipelineStage
    status: ConventionStatus | None = None


def pipeline_by_commune(day=None):
    """Where each commune stands on `day` (requested → signed → active → ended), read in three queries."""
    day = day or timezone.localdate()
    entries = {}
    for commune_id in JoinRequest.objects.filter(withdrawn_on__isnull=True, received_on__lte=day).values_list(
        "commune_id", flat=True
    ):
        entries[commune_id] = PipelineEntry(PipelineStage.REQUESTED)
    # Later conventions win, and an active one wins over all.
    for convention, status in Convention.objects.filter(signed_on__lte=day).order_by("signed_on").statuses_on(day):
        current = entries.get(convention.commune_id)
        if current is not None and current.stage == PipelineStage.ACTIVE:
            continue
        stage = {
            ConventionState.SIGNED: PipelineStage.SIGNED,
            ConventionState.ACTIVE: PipelineStage.ACTIVE,
            ConventionState.ENDED: PipelineStage.ENDED,
        }[status.state]
        entries[convention.commune_id] = PipelineEntry(stage, status)
    return entries
