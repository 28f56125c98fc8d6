"""What abuse resistance keeps: how often each client acted lately, under a keyed hash, never its address."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RateLimitCounter(models.Model):
    """How many times one client did one action in its current window.

    In the database, not the cache: every worker of every app server counts in the same row, and the row is
    locked while it is counted, so that concurrent requests are all counted. `purge_personal_data` deletes the
    counters whose window has ended.
    """

    action = models.CharField(max_length=20)
    # participation.services.abuse.client_fingerprint: a keyed hash of the client's network.
    fingerprint = models.CharField(max_length=64)
    count = models.PositiveIntegerField(default=0)
    window_ends_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["action", "fingerprint"], name="one_counter_per_client_action")]
        verbose_name = _("compteur de limite de fréquence")
        verbose_name_plural = _("compteurs de limite de fréquence")

    def __str__(self):
        return f"{self.action} ({self.count})"
