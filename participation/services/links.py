"""The signed links emailed to citizens: confirm a contribution, contest a decision, confirm or cancel a meeting
registration."""

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils.translation import gettext as _

from ..models import Comment, Contribution, EventRegistration
from . import Refused

CONFIRM_SALT = "participation.contribution.confirm"
APPEAL_SALT = "participation.contribution.appeal"
COMMENT_APPEAL_SALT = "participation.comment.appeal"
REGISTRATION_CONFIRM_SALT = "participation.registration.confirm"
REGISTRATION_CANCEL_SALT = "participation.registration.cancel"


def _signed_url(view_name, pk, salt):
    return settings.PUBLIC_BASE_URL + reverse(view_name, args=[signing.dumps(pk, salt=salt)])


def _object_from_token(queryset, token, salt, max_age, *, expired, missing, related="process"):
    """The object a signed link names; a forged, expired or other kind of link is refused in French."""
    try:
        pk = signing.loads(token, salt=salt, max_age=max_age)
    except signing.SignatureExpired:
        raise Refused(expired) from None
    except signing.BadSignature:
        raise Refused(_("Ce lien n'est pas valide. Vérifiez qu'il a été copié en entier.")) from None
    found = queryset.select_related(related).filter(pk=pk).first()
    if found is None:
        raise Refused(missing)
    return found


def confirmation_url(contribution):
    return _signed_url("participation:confirm", contribution.pk, CONFIRM_SALT)


def appeal_url(item):
    """The link to contest the rejection of a contribution, or of a comment."""
    if isinstance(item, Comment):
        return _signed_url("participation:appeal_comment", item.pk, COMMENT_APPEAL_SALT)
    return _signed_url("participation:appeal", item.pk, APPEAL_SALT)


def contribution_from_token(token, salt, max_age):
    return _object_from_token(
        Contribution.objects,
        token,
        salt,
        max_age,
        expired=_("Ce lien a expiré. Vous pouvez déposer à nouveau votre contribution."),
        missing=_("Cette contribution n'existe plus."),
    )


def contribution_for_appeal(token):
    return contribution_from_token(token, APPEAL_SALT, settings.APPEAL_LINK_DAYS * 86400)


def comment_for_appeal(token):
    return _object_from_token(
        Comment.objects,
        token,
        COMMENT_APPEAL_SALT,
        settings.APPEAL_LINK_DAYS * 86400,
        expired=_("Ce lien a expiré : le délai pour contester la décision est passé."),
        missing=_("Ce commentaire n'existe plus."),
        related="contribution__process",
    )


# --- Meeting registrations ---------------------------------------------------------------------


def registration_confirmation_url(registration):
    return _signed_url("participation:confirm_registration", registration.pk, REGISTRATION_CONFIRM_SALT)


def registration_cancellation_url(registration):
    return _signed_url("participation:cancel_registration", registration.pk, REGISTRATION_CANCEL_SALT)


def registration_from_token(token, salt):
    """The registration a link names; a forged, expired or other kind of link is refused in French."""
    if salt == REGISTRATION_CONFIRM_SALT:
        max_age = settings.CONTRIBUTION_CONFIRMATION_HOURS * 3600
    else:  # cancelling stays possible as long as the personal link of the same email
        max_age = settings.DATA_RIGHTS_LINK_DAYS * 86400
    return _object_from_token(
        EventRegistration.objects,
        token,
        salt,
        max_age,
        expired=_("Ce lien a expiré. Vous pouvez vous inscrire à nouveau depuis la page de la démarche."),
        missing=_("Cette inscription n'existe plus : elle a été annulée, ou n'a pas été confirmée à temps."),
    )
