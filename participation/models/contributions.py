"""What citizens bring to a process: contributions, reports, appeals, and the audit log of their moderation.

Contributions are never deleted with a page, a commune or a convention (DESIGN invariant 2): their foreign keys
protect them. Public identity is a pseudonym; the email stays private, and so does its keyed hash.
"""

import hashlib
import hmac

from django.conf import settings
from django.db import models
from django.db.models.functions import Cast
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.models.audit_log import BaseLogEntry, ModelLogEntryManager
from wagtail.permissions import policy_registry

from .processes import ProcessPage, Theme

CONTRIBUTION_MIN_LENGTH = 10
CONTRIBUTION_MAX_LENGTH = 2000
PSEUDONYM_MAX_LENGTH = 40


def contributor_key(email):
    """A keyed hash of the email (case-insensitive); empty once the email is erased."""
    if not email:
        return ""
    return hmac.new(settings.SECRET_KEY.encode(), email.strip().lower().encode(), hashlib.sha256).hexdigest()


class KeyedByEmailMixin(models.Model):
    """A keyed hash of the email, kept in step with it: what the contributor's personal link carries."""

    contributor_key = models.CharField(max_length=64, blank=True, db_index=True, editable=False)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self.contributor_key = contributor_key(self.email)
        super().save(*args, **kwargs)


class ContributionStatus(models.TextChoices):
    AWAITING_CONFIRMATION = "unconfirmed", _("En attente de confirmation")
    AWAITING_MODERATION = "pending", _("À modérer")
    PUBLISHED = "published", _("Publiée")
    REJECTED = "rejected", _("Refusée")
    HIDDEN = "hidden", _("Masquée")
    WITHDRAWN = "withdrawn", _("Retirée par son auteur")


PUBLIC_STATUSES = [ContributionStatus.PUBLISHED]

# Sent (with `process_ids`) after contributions were changed by an UPDATE of many rows, which sends no `post_save`
# (the purge's batches): whoever keeps something in step with contributions listens to both.
contributions_updated_in_bulk = Signal()


class AnswerStatus(models.TextChoices):
    """The commune's official answer to a contribution: the one list, used by the admin, the filters, the API."""

    UNDER_STUDY = "under_study", _("À l'étude")
    RETAINED = "retained", _("Retenue")
    DONE = "done", _("Réalisée")
    NOT_RETAINED = "not_retained", _("Non retenue")


# The answers that count as "what we did with your contributions" in a process's results.
RETAINED_ANSWERS = [AnswerStatus.RETAINED, AnswerStatus.DONE]


class ContributionQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=ContributionStatus.PUBLISHED)

    def for_communes(self, commune_ids):
        return self.filter(commune_id__in=commune_ids)


class Contribution(KeyedByEmailMixin, models.Model):
    """A citizen's idea or opinion on a process. Public identity: the pseudonym; the email stays private.

    Not in Wagtail's search index (each of its writes scans the whole index table): PostgreSQL keeps a search vector
    of the text in a column of this table that the ORM does not read (`search.contributions`).
    """

    # What citizens write references no file, page body or snippet that Wagtail's "usage" needs to show: left out
    # of Wagtail's reference index, whose rows (one per foreign key) would cost every write and grow with volume.
    wagtail_reference_index_ignore = True

    process = models.ForeignKey(
        ProcessPage, verbose_name=_("démarche"), on_delete=models.PROTECT, related_name="contributions"
    )
    # Denormalised from the page tree so that scoping a moderator's queue is one indexed filter.
    commune = models.ForeignKey(
        "communes.Commune", verbose_name=_("commune"), on_delete=models.PROTECT, related_name="contributions"
    )
    pseudonym = models.CharField(_("pseudonyme"), max_length=PSEUDONYM_MAX_LENGTH)
    # Blank once erased (at the author's request or past the retention period).
    email = models.EmailField(_("adresse électronique"), blank=True)
    text = models.TextField(_("contribution"), max_length=CONTRIBUTION_MAX_LENGTH, blank=True)
    theme = models.ForeignKey(Theme, verbose_name=_("thème"), null=True, blank=True, on_delete=models.SET_NULL)
    charter_version = models.ForeignKey(
        "charter.LegalTextVersion", verbose_name=_("charte acceptée"), on_delete=models.PROTECT, related_name="+"
    )
    terms_version = models.ForeignKey(
        "charter.LegalTextVersion", verbose_name=_("CGU acceptées"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("état"), max_length=12, choices=ContributionStatus.choices, default=ContributionStatus.AWAITING_CONFIRMATION
    )
    created_at = models.DateTimeField(_("déposée le"), default=timezone.now)
    confirmed_at = models.DateTimeField(_("confirmée le"), null=True, blank=True)
    published_at = models.DateTimeField(_("publiée le"), null=True, blank=True)
    # The last moderation decision: who, when, which rule of the charter, why (invariant 6).
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("décision de"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("décision le"), null=True, blank=True)
    rule_key = models.CharField(_("règle de la charte"), max_length=40, blank=True)
    rule_title = models.CharField(_("intitulé de la règle"), max_length=120, blank=True)
    decision_reason = models.TextField(_("explication donnée à l'auteur"), blank=True)
    anonymised_at = models.DateTimeField(_("données personnelles effacées le"), null=True, blank=True)
    # The commune's official answer (a status from AnswerStatus and a public text), emailed to the author and to the
    # process's followers.
    answer_status = models.CharField(
        _("réponse de la commune"), max_length=12, choices=AnswerStatus.choices, blank=True, db_index=True
    )
    answer_text = models.TextField(_("texte de la réponse"), blank=True)
    answered_at = models.DateTimeField(_("répondu le"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("réponse de"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Counted as supports and published comments change (participation.services), so that a page of contributions
    # can be sorted and shown without counting rows: the database keeps them exact (a row's lock, F() updates).
    support_count = models.PositiveIntegerField(_("soutiens"), default=0)
    comment_count = models.PositiveIntegerField(_("commentaires publiés"), default=0)

    objects = ContributionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        # The orders of a process's list of contributions, each read by a keyset from its index (no OFFSET).
        indexes = [
            models.Index(fields=["process", "status", "-published_at", "-id"], name="contribution_recent"),
            models.Index(fields=["process", "status", "-support_count", "-id"], name="contribution_supported"),
            models.Index(fields=["process", "status", "id"], name="contribution_by_id"),
            # The exports' order: a process's contributions by arrival (their ids), a page at a time (personal_data).
            models.Index(fields=["process", "id"], name="contribution_by_arrival"),
            # The site search's order when a query matches more contributions than it ranks (search.contributions).
            models.Index(
                fields=["-published_at", "-id"],
                name="contribution_published",
                condition=models.Q(status=ContributionStatus.PUBLISHED),
            ),
            # What the daily purge looks for, read in id order without visiting what it already did: the
            # contributions of a process not yet anonymised, and those awaiting their author's confirmation.
            models.Index(
                fields=["process", "id"],
                condition=models.Q(anonymised_at__isnull=True),
                name="contribution_to_anonymise",
            ),
            models.Index(fields=["id"], condition=models.Q(status="unconfirmed"), name="contribution_unconfirmed"),
        ]
        permissions = [
            ("moderate_contribution", "Peut modérer les contributions de ses communes"),
            ("export_personal_data", "Peut exporter les contributions avec les données personnelles"),
        ]
        verbose_name = _("contribution")
        verbose_name_plural = _("contributions")

    def __str__(self):
        # No personal data here: this string is copied into the audit log.
        return _("Contribution n° %(pk)s sur « %(process)s »") % {"pk": self.pk, "process": self.process.title}

    @property
    def is_public(self):
        return self.status in PUBLIC_STATUSES

    @property
    def excerpt(self):
        return self.text if len(self.text) <= 140 else self.text[:139] + "…"


class Report(models.Model):
    """A visitor's report of a published contribution, or of a published comment, citing a rule of the charter."""

    # Exactly one of the two: what is reported.
    contribution = models.ForeignKey(
        Contribution, null=True, blank=True, on_delete=models.CASCADE, related_name="reports"
    )
    comment = models.ForeignKey(
        "participation.Comment", null=True, blank=True, on_delete=models.CASCADE, related_name="reports"
    )
    rule_key = models.CharField(_("règle invoquée"), max_length=40)
    # participation.services.abuse.reporter_fingerprint: a keyed hash of the client and this contribution, to count
    # distinct reporters for the contribution's life without storing who they are; forgotten ("purged-…") with the
    # contribution's personal data. Rows from before it have a hash salted by the day they were made.
    reporter_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["contribution", "reporter_hash"], name="one_report_per_client"),
            models.UniqueConstraint(fields=["comment", "reporter_hash"], name="one_report_per_client_per_comment"),
            models.CheckConstraint(
                condition=models.Q(contribution__isnull=False, comment__isnull=True)
                | models.Q(contribution__isnull=True, comment__isnull=False),
                name="report_names_one_target",
            ),
        ]
        verbose_name = _("signalement")
        verbose_name_plural = _("signalements")

    def __str__(self):
        return _("Signalement n° %(pk)s") % {"pk": self.pk}


class AppealOutcome(models.TextChoices):
    UPHELD = "upheld", _("Refus confirmé")
    OVERTURNED = "overturned", _("Contribution publiée")


class Appeal(models.Model):
    """The author contests a rejection (of a contribution or of a comment), once; someone other than the first
    moderator decides."""

    # Exactly one of the two: what was rejected.
    contribution = models.OneToOneField(
        Contribution, null=True, blank=True, on_delete=models.CASCADE, related_name="appeal"
    )
    comment = models.OneToOneField(
        "participation.Comment", null=True, blank=True, on_delete=models.CASCADE, related_name="appeal"
    )
    explanation = models.TextField(_("explication de l'auteur"), max_length=1000)
    created_at = models.DateTimeField(_("déposé le"), default=timezone.now)
    original_moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(_("décision"), max_length=12, choices=AppealOutcome.choices, blank=True)
    response = models.TextField(_("réponse à l'auteur"), blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(contribution__isnull=False, comment__isnull=True)
                | models.Q(contribution__isnull=True, comment__isnull=False),
                name="appeal_names_one_target",
            )
        ]
        verbose_name = _("contestation")
        verbose_name_plural = _("contestations")

    def __str__(self):
        if self.comment_id:
            return _("Contestation du commentaire n° %(pk)s") % {"pk": self.comment_id}
        return _("Contestation de la contribution n° %(pk)s") % {"pk": self.contribution_id}

    @property
    def target(self):
        """What was rejected: the contribution or the comment."""
        return self.comment if self.comment_id else self.contribution

    @property
    def is_decided(self):
        return bool(self.outcome)


class LogEntryTrustingItsKeys:
    """Wagtail validates a log entry before saving it, and validating a foreign key reads it back from the
    database: the content type and the user, two queries on every moderation decision (and on each item of a bulk
    one) for rows the decision has just read. The database's constraints hold those keys anyway."""

    def clean_fields(self, exclude=None):
        super().clean_fields(exclude={*(exclude or ()), "content_type", "user", "revision"})


class ContributionLogEntryManager(ModelLogEntryManager):
    def viewable_by_user(self, user):
        """The audit log of the contributions the permission policy lets `user` read (invariant 5)."""
        readable = policy_registry.get_by_type(Contribution).instances_user_has_permission_for(user, "view")
        keys = readable.annotate(key=Cast("pk", output_field=models.CharField())).values("key")
        return self.filter(object_id__in=keys)


class ContributionLogEntry(LogEntryTrustingItsKeys, BaseLogEntry):
    """Moderation decisions in Wagtail's audit log, readable only by those who moderate that commune."""

    object_id = models.CharField(max_length=255, db_index=True)

    objects = ContributionLogEntryManager()

    class Meta(BaseLogEntry.Meta):
        ordering = ["-timestamp", "-id"]
        verbose_name = _("journal des contributions")
        verbose_name_plural = _("journal des contributions")
