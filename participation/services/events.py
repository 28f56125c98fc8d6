"""Registrations for a process's public meeting or workshop: confirmed by the owner of the address, within capacity.

Registering only records a request and emails a confirmation link to the address given; the seat is taken when
the link is opened, if one is still free. So nobody can take seats, or block an address, with addresses that are
not theirs: an unconfirmed registration counts for nothing and is replaced by its owner's own request.
"""

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from communes.gate import commune_space_of, is_commune_active
from core.emails import queue_email
from core.typography import french_datetime

from ..models import EventRegistration, ProcessPage, contributor_key
from . import Refused
from .links import (
    REGISTRATION_CANCEL_SALT,
    REGISTRATION_CONFIRM_SALT,
    registration_cancellation_url,
    registration_confirmation_url,
    registration_from_token,
)
from .personal_data import rights_url


def seats_left(process):
    """Free seats of the process's meeting: only confirmed registrations take one."""
    if not process.event_capacity:
        return 0
    taken = EventRegistration.objects.confirmed().filter(process=process).count()
    return max(process.event_capacity - taken, 0)


def _lock(process):
    """Registrations and confirmations of one meeting are counted one at a time."""
    return ProcessPage.objects.select_for_update().filter(pk=process.pk).first()


def _refuse_unless_open(process):
    if not process.has_event or not process.event_capacity or process.event_starts_at < timezone.now():
        raise Refused(_("Les inscriptions à cette rencontre ne sont pas ouvertes."))
    space = commune_space_of(process)
    if space is None or not is_commune_active(space.commune_id):
        raise Refused(
            _("Les inscriptions à cette rencontre sont closes : la commune ne participe plus à la plateforme.")
        )


def _refuse_if_full(process):
    if seats_left(process) <= 0:
        raise Refused(_("La rencontre est complète : il n'y a plus de place."))


@transaction.atomic
def register_for_event(process, *, name, email, needs=""):
    """Record a registration awaiting confirmation and email the link to the address given.

    The answer is the same whether the address was registered already or not (nobody learns who registers):
    its owner receives either the link or a reminder with the cancellation link.
    """
    _lock(process)
    _refuse_unless_open(process)
    # By the keyed hash of the address (indexed; its case does not count), as contributions are.
    registration = EventRegistration.objects.filter(process=process, contributor_key=contributor_key(email)).first()
    if registration is not None and registration.is_confirmed:
        _send_reminder(registration)
        return registration
    _refuse_if_full(process)
    if registration is None:
        registration = EventRegistration(process=process, email=email)
    # A request not yet confirmed, perhaps made by someone else, is replaced by this one.
    registration.name, registration.needs, registration.created_at = name, needs, timezone.now()
    registration.save()
    _send_confirmation_request(registration)
    return registration


@transaction.atomic
def confirm_registration(token):
    """The owner of the address opened the link: the seat is taken if one is still free."""
    registration = registration_from_token(token, REGISTRATION_CONFIRM_SALT)
    process = _lock(registration.process)
    registration = EventRegistration.objects.select_for_update().filter(pk=registration.pk).first()
    if registration is None:
        raise Refused(_("Cette inscription n'existe plus : elle a été annulée, ou n'a pas été confirmée à temps."))
    if registration.is_confirmed:
        return registration
    _refuse_unless_open(process)
    if seats_left(process) <= 0:
        raise Refused(
            _("La rencontre est complète : votre inscription n'a pas pu être confirmée, il n'y a plus de place.")
        )
    registration.confirmed_at = timezone.now()
    registration.save(update_fields=["confirmed_at"])
    _send_confirmed(registration)
    return registration


@transaction.atomic
def cancel_registration(token):
    """The registered person cancels: the registration is deleted and its seat is free again."""
    registration = registration_from_token(token, REGISTRATION_CANCEL_SALT)
    _lock(registration.process)
    EventRegistration.objects.filter(pk=registration.pk).delete()
    return registration


# --- Emails ------------------------------------------------------------------------------------


def _meeting_line(process):
    return _("Rendez-vous le %(day)s, %(place)s.") % {
        "day": french_datetime(process.event_starts_at),
        "place": process.event_place,
    }


def _send(registration, subject, paragraphs):
    footer = _("Vos données : consulter ou effacer ce qui est enregistré : %(url)s") % {
        "url": rights_url(registration.email)
    }
    body = "\n\n".join([_("Bonjour %(name)s,") % {"name": registration.name}, *paragraphs, footer])
    queue_email(subject % {"process": registration.process.title}, body, [registration.email])


def _send_confirmation_request(registration):
    _send(
        registration,
        _("Confirmez votre inscription : %(process)s"),
        [
            _("Une inscription à la rencontre « %(process)s » a été demandée avec votre adresse, au nom de %(name)s.")
            % {"process": registration.process.title, "name": registration.name},
            _meeting_line(registration.process),
            _(
                "Votre place n'est réservée qu'après confirmation. "
                "Confirmez en ouvrant ce lien dans les %(hours)s heures :"
            )
            % {"hours": settings.CONTRIBUTION_CONFIRMATION_HOURS},
            registration_confirmation_url(registration),
            _("Si vous n'êtes pas à l'origine de cette demande, ignorez ce message : elle sera effacée."),
        ],
    )


def _send_confirmed(registration):
    _send(
        registration,
        _("Votre inscription est confirmée : %(process)s"),
        [
            _("Votre inscription est confirmée : une place vous est réservée."),
            _meeting_line(registration.process),
            _("Si vous ne pouvez pas venir, annulez votre inscription pour libérer votre place :"),
            registration_cancellation_url(registration),
        ],
    )


def _send_reminder(registration):
    _send(
        registration,
        _("Votre inscription : %(process)s"),
        [
            _("Vous êtes déjà inscrit ou inscrite à la rencontre « %(process)s » : votre place est réservée.")
            % {"process": registration.process.title},
            _meeting_line(registration.process),
            _("Si vous ne pouvez pas venir, annulez votre inscription pour libérer votre place :"),
            registration_cancellation_url(registration),
        ],
    )
