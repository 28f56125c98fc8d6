"""Registrations for a process's public meeting or workshop."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .contributions import KeyedByEmailMixin
from .processes import ProcessPage


class EventRegistrationQuerySet(models.QuerySet):
    def confirmed(self):
        return self.filter(confirmed_at__isnull=False)


class EventRegistration(KeyedByEmailMixin, models.Model):
    """A registration for a process's public meeting or workshop, within its capacity.

    It takes a seat only once the owner of the address confirmed it through the emailed link (`confirmed_at`);
    until then it is nobody's business, and it is deleted when the link expires.
    """

    # What citizens write references no file, page body or snippet that Wagtail's "usage" needs to show: left out
    # of Wagtail's reference index, whose rows (one per foreign key) would cost every write and grow with volume.
    wagtail_reference_index_ignore = True

    process = models.ForeignKey(ProcessPage, on_delete=models.PROTECT, related_name="registrations")
    name = models.CharField(_("nom"), max_length=100)
    email = models.EmailField(_("adresse électronique"))
    needs = models.CharField(_("besoins d'accessibilité"), max_length=255, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(_("confirmée le"), null=True, blank=True)

    objects = EventRegistrationQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["process", "email"], name="one_registration_per_email")]
        verbose_name = _("inscription")
        verbose_name_plural = _("inscriptions")

    def __str__(self):
        return _("Inscription n° %(pk)s") % {"pk": self.pk}

    @property
    def is_confirmed(self):
        return self.confirmed_at is not None
