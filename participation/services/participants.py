"""The participant pass: a citizen confirms an email once, and their browser keeps a signed pass instead of an
account.

The pass names the keyed hash of the email (`contributor_key`), never the address, and expires after
PARTICIPANT_PASS_DAYS. With it, a citizen supports, comments and follows without confirming each time; without it,
the first such action asks for an email and is done only once the link sent there is opened (`action_url`): the
link carries the action and the address, signed, so that nothing is stored for an action never confirmed.

Each kind of action registers what it does once confirmed (`register_action`), in the service module that owns it.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.models import Page

from communes.visibility import public_pages, visible_pages
from core.emails import queue_email

from ..models import Participant, PendingAction, contributor_key
from . import Refused

PASS_SALT = "participation.participant.pass"
ACTION_SALT = "participation.participant.action"


# --- The pass ------------------------------------------------------------------------------------------------


@transaction.atomic
def confirm_participant(email):
    """The participant an email stands for, once its owner proved they read it (created on the first time).

    Two confirmations of a new address at the same instant (a double click, two tabs) make one row: the second
    insert meets the unique constraint and reads the first one's row."""
    key = contributor_key(email)
    now = timezone.now()
    participant = Participant.objects.select_for_update().filter(contributor_key=key).first()
    if participant is None:
        try:
            with transaction.atomic():
                return Participant.objects.create(email=email.strip(), confirmed_at=now, last_seen_at=now)
        except IntegrityError:
            participant = Participant.objects.select_for_update().get(contributor_key=key)
    participant.email, participant.last_seen_at = email.strip(), now
    participant.save(update_fields=["email", "contributor_key", "last_seen_at"])
    return participant


def pass_token(participant):
    """What the browser keeps: the participant's key, signed, dated by the signature."""
    return signing.dumps(participant.contributor_key, salt=PASS_SALT, compress=True)


def participant_from_pass(token):
    """The participant a pass names, or None: forged, expired, or its owner erased their data since."""
    if not token:
        return None
    try:
        key = signing.loads(token, salt=PASS_SALT, max_age=settings.PARTICIPANT_PASS_DAYS * 86400)
    except signing.BadSignature:
        return None
    if not isinstance(key, str) or not key:
        return None
    return Participant.objects.filter(contributor_key=key).first()


# --- Actions confirmed by email -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    """A kind of action a citizen may confirm by email: `perform(participant, **params)` does it (raising
    Refused when it no longer can) and returns the URL to go back to; `describe(**params)` says what it is on the
    page that asks for the click."""

    perform: object
    describe: object


ACTIONS = {}


def register_action(name, *, perform, describe):
    ACTIONS[name] = Action(perform=perform, describe=describe)


def action_url(email, name, *, process=None, **params):
    """The link that does `name` with `params` for the owner of `email` once they open it and confirm: it names a
    `PendingAction` row, signed; the address stays in the database."""
    if name not in ACTIONS:
        raise ValueError(f"Unknown participant action {name!r}")
    pending = PendingAction.objects.create(
        email=email.strip(),
        action=name,
        params=params,
        process=process,
        internal=bool(process is not None and process.is_internal),
    )
    token = signing.dumps(pending.pk, salt=ACTION_SALT)
    return settings.PUBLIC_BASE_URL + reverse("participation:confirm_action", args=[token])


def send_action_link(email, name, *, subject, paragraphs, process=None, **params):
    """Email the link that confirms an action on `process` (and gives a pass): nothing is done before it is
    opened."""
    body = "\n\n".join(
        [
            _("Bonjour,"),
            *paragraphs,
            _("Pour confirmer, ouvrez ce lien dans les %(hours)s heures :")
            % {"hours": settings.CONTRIBUTION_CONFIRMATION_HOURS},
            action_url(email, name, process=process, **params),
            _(
                "Ce lien vous donne aussi un passe de participation, gardé par votre navigateur pendant %(days)s "
                "jours : vous pourrez soutenir, commenter et suivre des démarches sans confirmer à chaque fois."
            )
            % {"days": settings.PARTICIPANT_PASS_DAYS},
            _("Si vous n'êtes pas à l'origine de ce message, ignorez-le : rien ne sera fait."),
        ]
    )
    return queue_email(subject, body, [email])


def describe_pending(pending):
    return ACTIONS[pending.action].describe(**pending.params)


INVALID_LINK = gettext_lazy("Ce lien n'est pas valide. Vérifiez qu'il a été copié en entier.")


def pending_action(token):
    """The action a link names; a forged, expired or purged link is refused in French."""
    try:
        pk = signing.loads(token, salt=ACTION_SALT, max_age=settings.CONTRIBUTION_CONFIRMATION_HOURS * 3600)
    except signing.SignatureExpired:
        raise Refused(_("Ce lien a expiré. Vous pouvez recommencer depuis la page de la démarche.")) from None
    except signing.BadSignature:
        raise Refused(str(INVALID_LINK)) from None
    found = PendingAction.objects.filter(pk=pk).select_related("process").first() if isinstance(pk, int) else None
    if found is None or found.action not in ACTIONS:
        raise Refused(str(INVALID_LINK))
    return found


def _refuse_unless_still_reachable(pending):
    """A link does nothing once its process is out of reach by the site's own rule (`communes.visibility`): its page
    or a parent unpublished, a view restriction, the commune's convention ended, or reserved to agents since a link
    asked while it was public (its page's gate no longer stands before the link)."""
    if pending.process_id is None:
        return
    one = Page.objects.filter(pk=pending.process_id)
    reachable = visible_pages(one, audience=False) if pending.internal else public_pages(one)
    if not reachable.exists():
        raise Refused(_("Cette démarche n'est plus ouverte au public : ce lien ne peut plus servir."))


@transaction.atomic
def perform_action(token):
    """Confirm the email, then do the action: (participant, the URL to go back to). Opening the link twice does
    the action once (each action is idempotent for one participant)."""
    pending = pending_action(token)
    _refuse_unless_still_reachable(pending)
    participant = confirm_participant(pending.email)
    destination = ACTIONS[pending.action].perform(participant, **pending.params)
    PendingAction.objects.filter(pk=pending.pk, done_at__isnull=True).update(done_at=timezone.now())
    return participant, destination


def expired_pending_actions(now=None):
    """Links past their validity: their rows (an address each) go with the retention purge."""
    cutoff = (now or timezone.now()) - datetime.timedelta(hours=settings.CONTRIBUTION_CONFIRMATION_HOURS)
    return PendingAction.objects.filter(created_at__lt=cutoff)
