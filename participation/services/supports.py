"""Supports: a citizen backs a published contribution, once, and may take it back.

One voice per person: a support is a row keyed by the keyed hash of a confirmed email (the participant pass), and
the database refuses a second row for the same person and contribution (`one_support_per_person`), whatever the
browser and however many requests race. `Contribution.support_count` moves in the same transaction as the row it
counts (an F() update), so that listings sort and show supports without counting rows.

Who supported is never shown: only counts leave the platform. The person's own supports are listed, withdrawn and
erased through their personal page (services.personal_data).
"""

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from communes.gate import commune_space_of, is_commune_active
from core.typography import french_date

from ..models import Contribution, ContributionStatus, Participant, ProcessState, Support
from . import Refused
from .participants import register_action, send_action_link

SUPPORT_ACTION = "support"


def supports_open_on(process, day=None):
    """Supports are open while `day` (today) falls in a phase of the process that accepts them."""
    day = day or timezone.localdate()
    return any(phase.accepts_supports and phase.starts_on <= day <= phase.ends_on for phase in process.phases.all())


def refuse_unless_supports_open(process, day=None):
    """A process takes supports only while it is open, in a phase that accepts them, in an active commune."""
    space = commune_space_of(process)
    if space is None or not is_commune_active(space.commune_id, day):
        raise Refused(_("Cette démarche n'est plus ouverte : la commune ne participe plus à la plateforme."))
    state = process.state_on(day)
    if state == ProcessState.UPCOMING:
        raise Refused(
            _("Cette démarche n'est pas encore ouverte : les soutiens seront possibles à partir du %(day)s.")
            % {"day": french_date(process.opens_on) or "…"}
        )
    if state == ProcessState.CLOSED:
        raise Refused(_("Cette démarche est terminée : elle ne reçoit plus de soutiens. Merci de votre intérêt."))
    if not supports_open_on(process, day):
        raise Refused(_("Les soutiens ne sont pas ouverts pendant cette étape de la démarche."))


def refuse_unless_supportable(contribution, day=None):
    """Only a published contribution of a process open to supports may be supported."""
    if contribution.status != ContributionStatus.PUBLISHED:
        raise Refused(_("Cette contribution n'est pas publiée : elle ne peut pas être soutenue."))
    refuse_unless_supports_open(contribution.process, day)


def supports_left(process, key):
    """How many more contributions of `process` this person may support: None when the process sets no limit."""
    if process.supports_per_person is None:
        return None
    used = Support.objects.filter(contribution__process=process, participant_key=key).count() if key else 0
    return max(process.supports_per_person - used, 0)


def _refuse_past_the_limit(process, key):
    if supports_left(process, key) == 0:
        limit = process.supports_per_person
        raise Refused(
            ngettext(
                "Vous avez déjà soutenu %(limit)d contribution de cette démarche : c'est le nombre maximal par "
                "personne. Vous pouvez retirer un soutien pour en donner un autre.",
                "Vous avez déjà soutenu %(limit)d contributions de cette démarche : c'est le nombre maximal par "
                "personne. Vous pouvez retirer un soutien pour en donner un autre.",
                limit,
            )
            % {"limit": limit}
        )


def supports(contribution, key):
    return bool(key) and Support.objects.filter(contribution=contribution, participant_key=key).exists()


@transaction.atomic
def add_support(contribution, participant, day=None):
    """`participant` supports `contribution`: True if counted now, False if they already did.

    The unique constraint is the guard: of two concurrent requests, the second waits for the first's row, then
    fails to insert its own and counts nothing. With a limit per person, the participant's row is locked first, so
    that two supports of different contributions cannot both pass the count.
    """
    refuse_unless_supportable(contribution, day)
    key = participant.contributor_key
    if not key:
        raise Refused(_("Votre passe de participation n'est plus valable : indiquez à nouveau votre adresse."))
    if contribution.process.supports_per_person is not None:
        Participant.objects.select_for_update().filter(pk=participant.pk).first()
        if supports(contribution, key):
            return False
        _refuse_past_the_limit(contribution.process, key)
    try:
        with transaction.atomic():
            Support.objects.create(contribution=contribution, participant_key=key)
    except IntegrityError:
        return False  # already supported, maybe by a request a moment ago
    Contribution.objects.filter(pk=contribution.pk).update(support_count=F("support_count") + 1)
    Participant.objects.filter(pk=participant.pk).update(last_seen_at=timezone.now())
    return True


@transaction.atomic
def remove_supports(supports_to_remove):
    """Delete supports and take each out of its contribution's count, in one transaction. Returns how many."""
    removed = 0
    for support in supports_to_remove.select_for_update().order_by("pk"):
        deleted, _counts = Support.objects.filter(pk=support.pk).delete()
        if deleted:
            # Never below zero, even if a count was ever wrong.
            Contribution.objects.filter(pk=support.contribution_id, support_count__gt=0).update(
                support_count=F("support_count") - 1
            )
            removed += 1
    return removed


def withdraw_support(contribution, key, day=None):
    """The person takes their support back from the process page: while supports are open (afterwards the count
    is what the process gathered; their personal page still erases it). True if there was one."""
    refuse_unless_supports_open(contribution.process, day)
    if not key:
        return False
    return bool(remove_supports(Support.objects.filter(contribution=contribution, participant_key=key)))


def withdraw_own_support(support_id, key):
    """From the personal page: the person's own support, whatever the state of its process (their data)."""
    if not key:
        return 0
    return remove_supports(Support.objects.filter(pk=support_id, participant_key=key))


def supported_among(contribution_ids, key):
    """Which of these contributions this person supports: one query for a whole page of contributions."""
    if not key or not contribution_ids:
        return set()
    return set(
        Support.objects.filter(participant_key=key, contribution_id__in=contribution_ids).values_list(
            "contribution_id", flat=True
        )
    )


def supports_of(key):
    """A person's supports, newest first, for their personal page and their download."""
    if not key:
        return Support.objects.none()
    return (
        Support.objects.filter(participant_key=key)
        .select_related("contribution__process")
        .only(
            "pk",
            "created_at",
            "contribution__id",
            "contribution__pseudonym",
            "contribution__status",
            "contribution__process__title",
        )
        .order_by("-created_at", "-pk")
    )


# --- Without a pass: the support is done once the link sent to the email is opened --------------------------


def _contribution(contribution):
    return Contribution.objects.select_related("process").get(pk=contribution)


def _support_by_link(participant, contribution):
    try:
        found = _contribution(contribution)
    except Contribution.DoesNotExist:
        raise Refused(_("Cette contribution n'existe plus.")) from None
    add_support(found, participant)
    return found.process.get_url() + found.process.reverse_subpage("support", args=[found.pk]) + "#contributions"


def _describe_support(contribution):
    found = Contribution.objects.filter(pk=contribution).select_related("process").first()
    if found is None:
        return _("soutenir une contribution")
    return _("soutenir la contribution de %(pseudonym)s sur la démarche « %(process)s »") % {
        "pseudonym": found.pseudonym,
        "process": found.process.title,
    }


register_action(SUPPORT_ACTION, perform=_support_by_link, describe=_describe_support)


def ask_support_by_email(contribution, email, day=None):
    """A visitor without a pass: check that the support could be given, then email the link that gives it."""
    from .personal_data import rights_url  # it lists and erases supports: it imports this module

    refuse_unless_supportable(contribution, day)
    send_action_link(
        email,
        SUPPORT_ACTION,
        process=contribution.process,
        subject=_("Confirmez votre soutien"),
        paragraphs=[
            _("Vous souhaitez soutenir une contribution de %(pseudonym)s sur la démarche « %(process)s ».")
            % {"pseudonym": contribution.pseudonym, "process": contribution.process.title},
            _("Votre soutien sera compté une seule fois, et personne ne saura qui a soutenu quoi."),
            _("Vos données : voir et retirer vos soutiens, tout effacer, télécharger ce qui est enregistré : %(url)s")
            % {"url": rights_url(email)},
        ],
        contribution=contribution.pk,
    )
