"""Comments on published contributions: one level of replies, pseudonymous, moderated exactly like contributions.

With a participant pass, a comment is recorded at once under the pass's email and key, and enters moderation (or
is published, when the process moderates after publication). Without one, it waits for its author to open the
link emailed to them (the participant action "comment"), which also gives their browser a pass. Decisions,
reports, appeals and the audit log are those of contributions (`services.moderation`, which takes either).
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.log_actions import log

from charter.services import is_acceptance_current

from ..models import (
    COMMENT_MAX_LENGTH,
    COMMENT_MIN_LENGTH,
    Comment,
    ContributionStatus,
    ModerationMode,
    contributor_key,
)
from . import Refused
from .contributions import TERMS_CHANGED, refuse_unless_open
from .moderation import comment_changed, notify_moderators
from .participants import register_action, send_action_link

ACTION = "comment"


def refuse_unless_commentable(contribution, day=None):
    """A published contribution, of an open process of an active commune that takes comments."""
    if contribution.status != ContributionStatus.PUBLISHED:
        raise Refused(_("Cette contribution n'est pas publiée : elle ne peut pas être commentée."))
    process = contribution.process
    commune_id = refuse_unless_open(process, day)
    if not process.accepts_comments:
        raise Refused(_("Cette démarche ne recueille pas de commentaires."))
    return commune_id


def _refuse_unless_answerable(contribution, parent):
    if parent is None:
        return
    if parent.contribution_id != contribution.pk:
        raise Refused(_("Ce commentaire ne porte pas sur cette contribution."))
    if parent.parent_id is not None:
        raise Refused(_("On ne répond pas à une réponse : répondez au commentaire qu'elle suit."))
    if parent.status != ContributionStatus.PUBLISHED:
        raise Refused(_("Ce commentaire n'est pas publié : on ne peut pas y répondre."))


def _refuse_unless_within_length(text):
    if not COMMENT_MIN_LENGTH <= len(text) <= COMMENT_MAX_LENGTH:
        raise Refused(
            _("Un commentaire compte de %(min)s à %(max)s caractères.")
            % {"min": COMMENT_MIN_LENGTH, "max": COMMENT_MAX_LENGTH}
        )


def _enter_moderation(comment):
    """Confirmed by its author: queued for the moderators, or published at once when the process moderates
    after publication."""
    comment.confirmed_at = timezone.now()
    if comment.contribution.process.moderation_mode == ModerationMode.AFTER:
        comment.status = ContributionStatus.PUBLISHED
        comment.published_at = comment.confirmed_at
    else:
        comment.status = ContributionStatus.AWAITING_MODERATION
    comment.save()
    log(comment, "participation.comment_confirmed")
    comment_changed(comment, first_published=comment.status == ContributionStatus.PUBLISHED)
    notify_moderators(comment.contribution.process)


@transaction.atomic
def submit_comment(
    contribution, *, participant=None, email=None, pseudonym, text, parent=None, charter_version, terms_version
):
    """Record a comment (or a reply to `parent`) on a published contribution.

    With a `participant` (their pass), it enters moderation at once; otherwise the link emailed to `email`
    confirms it.
    """
    commune_id = refuse_unless_commentable(contribution)
    _refuse_unless_answerable(contribution, parent)
    text = (text or "").strip()
    _refuse_unless_within_length(text)
    if not is_acceptance_current(charter_version, terms_version):
        raise Refused(str(TERMS_CHANGED))
    email = participant.email if participant is not None else (email or "").strip()
    if not email:
        raise Refused(_("Indiquez votre adresse électronique pour confirmer votre commentaire."))
    comment = Comment(
        contribution=contribution,
        parent=parent,
        commune_id=commune_id,
        pseudonym=pseudonym,
        email=email,
        text=text,
        charter_version_id=getattr(charter_version, "pk", charter_version),
        terms_version_id=getattr(terms_version, "pk", terms_version),
    )
    if Comment.objects.filter(contribution=contribution, contributor_key=contributor_key(email), text=text).exists():
        raise Refused(_("Vous avez déjà envoyé ce commentaire : il n'est pas enregistré une seconde fois."))
    comment.save()
    if participant is not None:
        _enter_moderation(comment)
        return comment
    send_action_link(
        email,
        ACTION,
        process=contribution.process,
        subject=_("Confirmez votre commentaire"),
        paragraphs=[
            _("Merci pour votre commentaire sur une contribution à la démarche « %(process)s ».")
            % {"process": contribution.process.title},
            _("Il n'est enregistré qu'une fois confirmé ; il sera ensuite relu par les modérateurs.")
            if contribution.process.moderation_mode == ModerationMode.BEFORE
            else _("Il est publié dès sa confirmation, puis relu par les modérateurs."),
        ],
        comment=comment.pk,
    )
    return comment


@transaction.atomic
def confirm_comment(participant, *, comment):
    """The author opened the emailed link: their comment enters moderation (once, however many clicks)."""
    found = Comment.objects.select_for_update().select_related("contribution__process").filter(pk=comment).first()
    if found is None or found.contributor_key != participant.contributor_key:
        raise Refused(_("Ce commentaire n'existe plus : il n'a pas été confirmé à temps, ou a été effacé."))
    if found.status == ContributionStatus.AWAITING_CONFIRMATION:
        refuse_unless_commentable(found.contribution)
        if found.parent_id is not None and found.parent.status != ContributionStatus.PUBLISHED:
            raise Refused(_("Le commentaire auquel vous répondiez n'est plus publié."))
        _enter_moderation(found)
    # Back to the process (on this site, whatever its public address), where the notice of the confirmation shows.
    process = found.contribution.process
    return (
        process.get_url()
        + process.reverse_subpage("comment", kwargs={"contribution_id": found.contribution_id})
        + "#contributions"
    )


def describe_comment(*, comment):
    found = Comment.objects.select_related("contribution__process").filter(pk=comment).first()
    if found is None:
        return _("envoyer un commentaire")
    return _("envoyer votre commentaire sur une contribution à la démarche « %(process)s »") % {
        "process": found.contribution.process.title
    }


register_action(ACTION, perform=confirm_comment, describe=describe_comment)
