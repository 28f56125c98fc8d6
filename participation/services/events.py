"""Registrations for a process's public meeting or workshop, within its capacity."""

from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import EventRegistration, ProcessPage
from . import Refused
from .personal_data import rights_url


@transaction.atomic
def register_for_event(process, *, name, email, needs=""):
    ProcessPage.objects.select_for_update().filter(pk=process.pk).first()
    if not process.has_event or not process.event_capacity or process.event_starts_at < timezone.now():
        raise Refused(_("Les inscriptions à cette rencontre ne sont pas ouvertes."))
    if EventRegistration.objects.filter(process=process, email__iexact=email).exists():
        raise Refused(_("Vous êtes déjà inscrit ou inscrite à cette rencontre."))
    if EventRegistration.objects.filter(process=process).count() >= process.event_capacity:
        raise Refused(_("La rencontre est complète : il n'y a plus de place."))
    registration = EventRegistration.objects.create(process=process, name=name, email=email, needs=needs)
    send_mail(
        _("Votre inscription : %(process)s") % {"process": process.title},
        "\n\n".join(
            [
                _("Votre inscription est enregistrée."),
                _("Rendez-vous le %(day)s, %(place)s.")
                % {
                    "day": timezone.localtime(process.event_starts_at).strftime("%d/%m/%Y à %H:%M"),
                    "place": process.event_place,
                },
                _("Vos données : consulter ou effacer ce qui est enregistré : %(url)s") % {"url": rights_url(email)},
            ]
        ),
        None,
        [email],
    )
    return registration
