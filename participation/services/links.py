"""The signed links emailed to citizens: confirm a contribution, contest a decision, confirm or cancel a meeting
registration."""

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils.translation import gettext as _

from ..models import Contribution, EventRegistration
from . import Refused

CONFIRM_SALT = "participation.contribution.confirm"
APPEAL_SALT = "participation.contribution.appeal"
REGISTRATION_CONFIRM_SALT = "participation.registration.confirm"
REGISTRATION_CANCEL_SALT = "participation.registration.cancel"


def confirmation_url(contribution):
    token = signing.dumps(contribution.pk, salt=CONFIRM_SALT)
    return settings.PUBLIC_BASE_URL + reverse("participation:confirm", args=[token])


def appeal_url(contribution):
    token = signing.dumps(contribution.pk, salt=APPEAL_SALT)
    return settings.PUBLIC_BASE_URL + reverse("participation:appeal", args=[token])


def contribution_from_token(token, salt, max_age):
    try:
        pk = signing.loads(token, salt=salt, max_age=max_age)
    except signing.SignatureExpired:
        raise Refused(_("Ce lien a expiré. Vous pouvez déposer à nouveau votre contribution.")) from None
    except signing.BadSignature:
        raise Refused(_("Ce lien n'est pas valide. Vérifiez qu'il a été copié en entier.")) from None
    contribution = Contribution.objects.select_related("process").filter(pk=pk).first()
    if contribution is None:
        raise Refused(_("Cette contribution n'existe plus."))
    return contribution


def contribution_for_appeal(token):
    return contribution_from_token(token, APPEAL_SALT, settings.APPEAL_LINK_DAYS * 86400)


# --- Meeting registrations ---------------------------------------------------------------------


def registration_confirmation_url(registration):
    token = signing.dumps(registration.pk, salt=REGISTRATION_CONFIRM_SALT)
    return settings.PUBLIC_BASE_URL + reverse("participation:confirm_registration", args=[token])


def registration_cancellation_url(registration):
    token = signing.dumps(registration.pk, salt=REGISTRATION_CANCEL_SALT)
    return settings.PUBLIC_BASE_URL + reverse("participation:cancel_registration", args=[token])


def registration_from_token(token, salt):
    """The registration a link names; a forged, expired or other kind of link is refused in French."""
    if salt == REGISTRATION_CONFIRM_SALT:
        max_age = settings.CONTRIBUTION_CONFIRMATION_HOURS * 3600
    else:  # cancelling stays possible as long as the personal link of the same email
        max_age = settings.DATA_RIGHTS_LINK_DAYS * 86400
    try:
        pk = signing.loads(token, salt=salt, max_age=max_age)
    except signing.SignatureExpired:
        raise Refused(
            _("Ce lien a expiré. Vous pouvez vous inscrire à nouveau depuis la page de la démarche.")
        ) from None
    except signing.BadSignature:
        raise Refused(_("Ce lien n'est pas valide. Vérifiez qu'il a été copié en entier.")) from None
    registration = EventRegistration.objects.select_related("process").filter(pk=pk).first()
    if registration is None:
        raise Refused(_("Cette inscription n'existe plus : elle a été annulée, ou n'a pas été confirmée à temps."))
    return registration
