"""What citizens do around contributions once they hold a participant pass: support them, comment on them, follow
a process; and what the commune answers.

A citizen has no account. They confirm an email once (a signed link, as for contributions) and their browser then
keeps a signed pass that names only the keyed hash of that email (`contributor_key`), never the address. Supports,
follows and comments are recorded under that key: one voice per person, whatever the browser. `Participant` keeps
the address the pass stands for, to write to its owner (an answer, a moderation decision); it is personal data,
listed and erased with the rest through the personal link.
"""

from django.conf import settings
from django.db import models
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.models.audit_log import BaseLogEntry, ModelLogEntryManager
from wagtail.permissions import policy_registry

from .contributions import (
    PSEUDONYM_MAX_LENGTH,
    Contribution,
    ContributionStatus,
    KeyedByEmailMixin,
    LogEntryTrustingItsKeys,
)
from .processes import ProcessPage

COMMENT_MIN_LENGTH = 2
COMMENT_MAX_LENGTH = 1000


class Participant(KeyedByEmailMixin, models.Model):
    """A confirmed email, known by its keyed hash: what a participant pass stands for."""

    # Blank once erased; `contributor_key` then stays empty too and the pass no longer matches anyone.
    email = models.EmailField(_("adresse électronique"), blank=True)
    confirmed_at = models.DateTimeField(_("confirmée le"), default=timezone.now)
    last_seen_at = models.DateTimeField(_("dernière action le"), default=timezone.now)

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        constraints = [
            models.UniqueConstraint(
                fields=["contributor_key"], condition=~models.Q(contributor_key=""), name="one_participant_per_email"
            )
        ]

    def __str__(self):
        return _("Participant n° %(pk)s") % {"pk": self.pk}


class Support(models.Model):
    """One person backs one contribution, once (the database refuses a second row). Who supported is never shown:
    the row holds the keyed hash of their email, and only counts leave the platform."""

    contribution = models.ForeignKey(Contribution, on_delete=models.CASCADE, related_name="supports")
    participant_key = models.CharField(max_length=64, db_index=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["contribution", "participant_key"], name="one_support_per_person")
        ]
        verbose_name = _("soutien")
        verbose_name_plural = _("soutiens")

    def __str__(self):
        return _("Soutien n° %(pk)s") % {"pk": self.pk}


class CommentQuerySet(models.QuerySet):
    def public(self):
        """What anyone may read: published comments, and published replies to a published comment."""
        return self.filter(status=ContributionStatus.PUBLISHED).filter(
            models.Q(parent__isnull=True) | models.Q(parent__status=ContributionStatus.PUBLISHED)
        )

    def for_communes(self, commune_ids):
        return self.filter(commune_id__in=commune_ids)


class Comment(KeyedByEmailMixin, models.Model):
    """A pseudonymous comment on a published contribution, or a reply to such a comment (one level only).

    Moderated as contributions are: the same states, charter rules, reports, appeal and audit log.
    """

    # What citizens write references no file, page body or snippet that Wagtail's "usage" needs to show: left out
    # of Wagtail's reference index, whose rows (one per foreign key) would cost every write and grow with volume.
    wagtail_reference_index_ignore = True

    contribution = models.ForeignKey(
        Contribution, verbose_name=_("contribution"), on_delete=models.CASCADE, related_name="comments"
    )
    # A reply answers a comment that is not itself a reply.
    parent = models.ForeignKey(
        "self",
        verbose_name=_("en réponse à"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="replies",
    )
    # Denormalised, as on contributions: a moderator's queue is one indexed filter.
    commune = models.ForeignKey(
        "communes.Commune", verbose_name=_("commune"), on_delete=models.PROTECT, related_name="comments"
    )
    pseudonym = models.CharField(_("pseudonyme"), max_length=PSEUDONYM_MAX_LENGTH)
    email = models.EmailField(_("adresse électronique"), blank=True)
    text = models.TextField(_("commentaire"), max_length=COMMENT_MAX_LENGTH, blank=True)
    charter_version = models.ForeignKey(
        "charter.LegalTextVersion", verbose_name=_("charte acceptée"), on_delete=models.PROTECT, related_name="+"
    )
    terms_version = models.ForeignKey(
        "charter.LegalTextVersion", verbose_name=_("CGU acceptées"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("état"), max_length=12, choices=ContributionStatus.choices, default=ContributionStatus.AWAITING_CONFIRMATION
    )
    created_at = models.DateTimeField(_("déposé le"), default=timezone.now)
    confirmed_at = models.DateTimeField(_("confirmé le"), null=True, blank=True)
    published_at = models.DateTimeField(_("publié le"), null=True, blank=True)
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

    objects = CommentQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["contribution", "status", "published_at"])]
        verbose_name = _("commentaire")
        verbose_name_plural = _("commentaires")

    def __str__(self):
        # No personal data: copied into the audit log.
        return _("Commentaire n° %(pk)s sur la contribution n° %(contribution)s") % {
            "pk": self.pk,
            "contribution": self.contribution_id,
        }

    @property
    def process(self):
        return self.contribution.process

    @property
    def is_public(self):
        return self.status == ContributionStatus.PUBLISHED and (self.parent_id is None or self.parent.is_public)

    @property
    def excerpt(self):
        return self.text if len(self.text) <= 140 else self.text[:139] + "…"


class CommentLogEntryManager(ModelLogEntryManager):
    def viewable_by_user(self, user):
        """The audit log of the comments the permission policy lets `user` read (invariant 5)."""
        readable = policy_registry.get_by_type(Comment).instances_user_has_permission_for(user, "view")
        keys = readable.annotate(key=Cast("pk", output_field=models.CharField())).values("key")
        return self.filter(object_id__in=keys)


class CommentLogEntry(LogEntryTrustingItsKeys, BaseLogEntry):
    """Moderation decisions on comments in Wagtail's audit log, readable only by those who moderate that commune."""

    object_id = models.CharField(max_length=255, db_index=True)

    objects = CommentLogEntryManager()

    class Meta(BaseLogEntry.Meta):
        ordering = ["-timestamp", "-id"]
        verbose_name = _("journal des commentaires")
        verbose_name_plural = _("journal des commentaires")


class ProcessFollow(KeyedByEmailMixin, models.Model):
    """A citizen asked for news of a process by email (double opt-in): new phase, results, official answers."""

    process = models.ForeignKey(ProcessPage, on_delete=models.CASCADE, related_name="follows")
    email = models.EmailField(_("adresse électronique"))
    created_at = models.DateTimeField(default=timezone.now)
    # Null until the link of the confirmation email is opened: nobody is written to before.
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["process", "contributor_key"], name="one_follow_per_person_and_process")
        ]
        verbose_name = _("abonnement à une démarche")
        verbose_name_plural = _("abonnements aux démarches")

    def __str__(self):
        return _("Abonnement n° %(pk)s") % {"pk": self.pk}


class PendingAction(models.Model):
    """An action asked by a visitor without a pass (support, comment, follow), done once the link emailed to them
    is opened. The link names this row, never the address (a link in a log or a proxy reveals nobody); the row is
    deleted by the retention purge once the link has expired."""

    email = models.EmailField()
    action = models.CharField(max_length=20)
    params = models.JSONField(default=dict)
    # The process it concerns, and whether it was internal when asked: a link asked while the process was public
    # does nothing once it is offline or reserved to the commune's agents.
    process = models.ForeignKey(ProcessPage, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    internal = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("action à confirmer")
        verbose_name_plural = _("actions à confirmer")

    def __str__(self):
        return _("Action à confirmer n° %(pk)s") % {"pk": self.pk}
