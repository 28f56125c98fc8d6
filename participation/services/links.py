"""The signed links emailed to a contributor: confirm a contribution, contest a decision."""

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils.translation import gettext as _

from ..models import Contribution
from . import Refused

CONFIRM_SALT = "participation.contribution.confirm"
APPEAL_SALT = "participation.contribution.appeal"


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
