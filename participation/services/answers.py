"""The commune's official answer to a contribution (issue 14): a status from `AnswerStatus` and a public text.

Given by an editor or moderator of the contribution's commune while its convention is active, or by Métropole staff
(`permissions.can_answer`, asked here again whatever the caller); logged in the audit log; emailed to the author
and to the process's followers when the status or the text changes.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.log_actions import log

from ..models import RETAINED_ANSWERS, AnswerStatus, Contribution
from ..permissions import can_answer
from .emails import public_url, send_to_author
from .follows import notify_followers

ANSWER_MAX_LENGTH = 3000
# What a public page reads of a contribution's answer.
ANSWER_FIELDS = ("answer_status", "answer_text", "answered_at")


def clean_answer(status, text):
    """The status and text of an answer, or a ValidationError in French."""
    errors = {}
    if status not in AnswerStatus.values:
        errors["answer_status"] = _("Choisissez une des réponses proposées.")
    text = (text or "").strip()
    if not text:
        errors["answer_text"] = _("Écrivez la réponse publique de la commune.")
    elif len(text) > ANSWER_MAX_LENGTH:
        errors["answer_text"] = _("La réponse ne peut dépasser %(max)s caractères.") % {"max": ANSWER_MAX_LENGTH}
    if errors:
        raise ValidationError(errors)
    return AnswerStatus(status), text


@transaction.atomic
def answer(contribution, user, *, status, text):
    """Give `contribution` its official answer; True if it changed (then logged and emailed), False if the same."""
    locked = Contribution.objects.select_for_update(of=("self",)).select_related("process")
    contribution = locked.get(pk=contribution.pk)
    if not can_answer(user, contribution):
        raise PermissionDenied
    status, text = clean_answer(status, text)
    if contribution.answer_status == status and contribution.answer_text == text:
        return False
    first = not contribution.answer_status
    contribution.answer_status = status
    contribution.answer_text = text
    contribution.answered_at = timezone.now()
    contribution.answered_by = user
    contribution.save(update_fields=["answer_status", "answer_text", "answered_at", "answered_by"])
    log(
        contribution,
        "participation.contribution_answered",
        user=user,
        data={"answer_status": status.value, "first_answer": first},
    )
    _tell(contribution, status, text)
    return True


def _tell(contribution, status, text):
    process = contribution.process
    url = f"{public_url(process)}#contribution-{contribution.pk}"
    answer_paragraphs = [
        _("Réponse de la commune : %(status)s.") % {"status": status.label},
        text,
        _("À lire sur le site : %(url)s") % {"url": url},
    ]
    send_to_author(
        contribution,
        _("La commune a répondu à votre contribution : %(process)s") % {"process": process.title},
        [
            _("La commune a répondu à votre contribution à la démarche « %(process)s ».") % {"process": process.title},
            *answer_paragraphs,
        ],
    )
    # The author is told above, in their own words; the other followers hear of it once.
    notify_followers(
        process,
        _("Une contribution a reçu une réponse : %(process)s") % {"process": process.title},
        [
            _("La commune a répondu à une contribution de %(pseudonym)s à la démarche « %(process)s ».")
            % {"pseudonym": contribution.pseudonym, "process": process.title},
            *answer_paragraphs,
        ],
        except_key=contribution.contributor_key,
    )


def retained_contributions(process):
    """The published contributions of `process` the commune retained or carried out, with their answer: what its
    results list (one query, whatever their number)."""
    return (
        Contribution.objects.published()
        .filter(process=process, answer_status__in=RETAINED_ANSWERS)
        .only("pk", "pseudonym", "text", "published_at", "process_id", *ANSWER_FIELDS)
        .order_by("-answered_at", "-pk")
    )
