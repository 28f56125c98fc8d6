"""A citizen's contribution: submitted, confirmed by a signed link, then queued for moderation (or published)."""

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.log_actions import log

from charter.services import is_acceptance_current
from communes.gate import commune_id_of, is_commune_active
from core.typography import french_date

from ..models import Contribution, ContributionStatus, ModerationMode, ProcessState, contributor_key
from . import Refused
from .emails import send_to_author
from .links import CONFIRM_SALT, confirmation_url, contribution_from_token
from .moderation import notify_moderators

TERMS_CHANGED = gettext_lazy(
    "La charte d'utilisation ou les conditions générales d'utilisation ont été mises à jour depuis l'affichage du "
    "formulaire. Lisez la nouvelle version et acceptez-la pour contribuer."
)


def refuse_unless_open(process, day=None):
    """Citizens take part (contribute, answer, appeal) only in an open process of an active commune: its id."""
    commune_id = commune_id_of(process)
    if commune_id is None or not is_commune_active(commune_id, day):
        raise Refused(_("Cette démarche n'est plus ouverte : la commune ne participe plus à la plateforme."))
    state = process.state_on(day)
    if state == ProcessState.UPCOMING:
        raise Refused(
            _("Cette démarche n'est pas encore ouverte : les contributions seront possibles à partir du %(day)s.")
            % {"day": french_date(process.opens_on) or "…"}
        )
    if state == ProcessState.CLOSED:
        raise Refused(_("Cette démarche est terminée : elle ne reçoit plus de contributions. Merci de votre intérêt."))
    return commune_id


def _refuse_unless_open_to_contributions(process, day=None):
    if not process.accepts_contributions:
        raise Refused(_("Cette démarche ne recueille pas de contributions en ligne."))
    return refuse_unless_open(process, day)


def is_duplicate(process, email, text):
    """Has this address already sent this text on this process? Found by the keyed hash of the address (its case
    and surrounding spaces do not count), which is indexed: one person's few rows are read, never the process's."""
    return Contribution.objects.filter(contributor_key=contributor_key(email), process=process, text=text).exists()


@transaction.atomic
def submit_contribution(process, *, pseudonym, email, text, theme=None, charter_version, terms_version):
    """Record a contribution awaiting its author's confirmation, and send the confirmation link."""
    commune_id = _refuse_unless_open_to_contributions(process)
    if not is_acceptance_current(charter_version, terms_version):
        raise Refused(str(TERMS_CHANGED))
    if is_duplicate(process, email, text):
        raise Refused(_("Vous avez déjà envoyé cette contribution : elle n'est pas enregistrée une seconde fois."))
    contribution = Contribution.objects.create(
        process=process,
        commune_id=commune_id,
        pseudonym=pseudonym,
        email=email,
        text=text,
        theme=theme,
        charter_version_id=getattr(charter_version, "pk", charter_version),
        terms_version_id=getattr(terms_version, "pk", terms_version),
    )
    send_to_author(
        contribution,
        _("Confirmez votre contribution"),
        [
            _("Merci pour votre contribution à la démarche « %(process)s ».") % {"process": process.title},
            _("Pour qu'elle soit prise en compte, confirmez-la en ouvrant ce lien dans les %(hours)s heures :")
            % {"hours": settings.CONTRIBUTION_CONFIRMATION_HOURS},
            confirmation_url(contribution),
            _("Si vous n'êtes pas à l'origine de ce message, ignorez-le : rien ne sera publié."),
        ],
    )
    return contribution


@transaction.atomic
def confirm_contribution(token):
    """The author opened the link: the contribution enters moderation (or is published, after-moderation)."""
    contribution = contribution_from_token(token, CONFIRM_SALT, settings.CONTRIBUTION_CONFIRMATION_HOURS * 3600)
    contribution = Contribution.objects.select_for_update().get(pk=contribution.pk)
    if contribution.status != ContributionStatus.AWAITING_CONFIRMATION:
        return contribution
    _refuse_unless_open_to_contributions(contribution.process)
    contribution.confirmed_at = timezone.now()
    if contribution.process.moderation_mode == ModerationMode.AFTER:
        contribution.status = ContributionStatus.PUBLISHED
        contribution.published_at = contribution.confirmed_at
    else:
        contribution.status = ContributionStatus.AWAITING_MODERATION
    contribution.save()
    log(contribution, "participation.contribution_confirmed")
    notify_moderators(contribution.process)
    return contribution
