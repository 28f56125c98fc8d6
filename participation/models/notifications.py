"""What the followers of a process were told: each piece of news goes out once, however often the job runs."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .processes import ProcessPage


class FollowerNoticeKind(models.TextChoices):
    PHASE_STARTED = "phase", _("Nouvelle étape")
    RESULTS_PUBLISHED = "results", _("Résultats publiés")


class FollowerNotice(models.Model):
    """One piece of news sent to a process's followers (a phase that started, the results published).

    Created once, under a unique constraint: a second run of the daily job, or a second publication of the page,
    finds the row and sends nothing more. Each batch of emails is queued in the transaction that moves its cursor
    (`last_follow_id`), so an interrupted sending goes on where it stopped. No personal data: it names no follower.
    """

    process = models.ForeignKey(ProcessPage, on_delete=models.CASCADE, related_name="follower_notices")
    kind = models.CharField(max_length=12, choices=FollowerNoticeKind.choices)
    # Which phase (its id and start date: a phase moved to another day is news again); empty for the results.
    reference = models.CharField(max_length=64, blank=True)
    sent_at = models.DateTimeField(default=timezone.now)
    followers = models.PositiveIntegerField(default=0)
    # Told in batches (the daily job commits each): the last follow told, and whether some are left to tell.
    last_follow_id = models.BigIntegerField(default=0)
    pending = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["process", "kind", "reference"], name="one_notice_per_news_and_process")
        ]
        verbose_name = _("nouvelle envoyée aux abonnés")
        verbose_name_plural = _("nouvelles envoyées aux abonnés")

    def __str__(self):
        return f"{self.get_kind_display()} ({self.process_id}, {self.reference})"
