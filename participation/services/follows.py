"""Following a process by email (issue 14): double opt-in, news of the process, one-click unsubscribe.

A follower is personal data: an address, kept in `ProcessFollow` with its keyed hash. Without a participant pass,
asking to follow records an unconfirmed follow and emails the participant action link "follow"; nobody is written
to before that link is opened (`follow` then confirms it). With a pass, the email is already proven: the follow is
confirmed at once. Unconfirmed follows are deleted after CONTRIBUTION_CONFIRMATION_HOURS, every follow once its
process is past retention (`personal_data.purge_personal_data`).

Followers hear of a new phase (the daily `notify_followers` job), of the results once published (the page's
`page_published` signal, and the job for a publication date that comes later) and of the commune's official answers
(`answers.answer`). Each piece of news goes out once (`FollowerNotice`). Every email carries a signed link to stop
following in one click, also as `List-Unsubscribe` and `List-Unsubscribe-Post` headers (RFC 8058).
"""

import datetime

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from communes.gate import active_commune_ids, commune_space_of, without_inactive_communes
from communes.visibility import public_pages
from core.batches import job_batch_size
from core.emails import queue_email
from core.typography import french_date, french_period

from ..models import FollowerNotice, FollowerNoticeKind, ProcessFollow, ProcessPage, ProcessPhase, contributor_key
from . import Refused
from .emails import public_url
from .participants import register_action, send_action_link
from .personal_data import rights_url

FOLLOW_ACTION = "follow"
UNSUBSCRIBE_SALT = "participation.follow.unsubscribe"
# A phase is news for this many days after it starts: a day the job did not run is caught up, not a month.
PHASE_NEWS_DAYS = 3


# --- Following ---------------------------------------------------------------------------------------------


def refuse_unless_followable(process):
    """A live process of a commune whose convention is active: open, to come, or closed with results to come."""
    space = commune_space_of(process)
    if not process.live or space is None or space.commune_id not in active_commune_ids():
        raise Refused(_("Cette démarche n'est pas ouverte au public."))


@transaction.atomic
def follow(process, participant):
    """The participant follows `process`, at once: their pass (or the link they opened) proves the email is theirs.

    Following twice leaves one follow."""
    refuse_unless_followable(process)
    if not participant.contributor_key:
        raise Refused(_("Votre passe de participation n'est plus valable : indiquez votre adresse électronique."))
    try:
        with transaction.atomic():
            found, _created = ProcessFollow.objects.get_or_create(
                process=process, contributor_key=participant.contributor_key, defaults={"email": participant.email}
            )
    except IntegrityError:  # the same person, at the same instant, from another browser
        found = ProcessFollow.objects.get(process=process, contributor_key=participant.contributor_key)
    if found.confirmed_at is None or found.email != participant.email:
        found.email = participant.email
        found.confirmed_at = found.confirmed_at or timezone.now()
        found.save(update_fields=["email", "contributor_key", "confirmed_at"])
    return found


@transaction.atomic
def request_follow(process, email):
    """Without a pass: an unconfirmed follow, and the link that confirms it emailed to `email`.

    The same answer whether or not that address already follows: the form tells nobody who follows what.
    """
    refuse_unless_followable(process)
    email = email.strip()
    if not ProcessFollow.objects.filter(process=process, contributor_key=contributor_key(email)).exists():
        try:
            with transaction.atomic():
                ProcessFollow.objects.create(process=process, email=email)
        except IntegrityError:  # asked twice at the same instant: one follow
            pass
    send_action_link(
        email,
        FOLLOW_ACTION,
        process=process,
        subject=_("Confirmez votre abonnement : %(process)s") % {"process": process.title},
        paragraphs=[
            _(
                "Vous avez demandé à suivre la démarche « %(process)s » : vous recevrez un courriel à chaque nouvelle "
                "étape, à la publication des résultats et des réponses de la commune aux contributions."
            )
            % {"process": process.title},
            _("Chaque courriel contiendra un lien pour ne plus la suivre, en un clic."),
        ],
        process_id=process.pk,
    )


def _follow_confirmed(participant, process_id):
    process = ProcessPage.objects.filter(pk=process_id).first()
    if process is None:
        raise Refused(_("Cette démarche n'existe plus."))
    follow(process, participant)
    return public_url(process) + "#suivre"


def _describe_follow(process_id):
    process = ProcessPage.objects.filter(pk=process_id).only("title").first()
    title = process.title if process else _("une démarche")
    return _("suivre la démarche « %(process)s » par courriel") % {"process": title}


register_action(FOLLOW_ACTION, perform=_follow_confirmed, describe=_describe_follow)


def unfollow(follow_id, key):
    """The person stops following one process, from their personal page: only their own follow."""
    if not key:
        return False
    deleted, _by_model = ProcessFollow.objects.filter(pk=follow_id, contributor_key=key).delete()
    return bool(deleted)


# --- One-click unsubscribe (RFC 8058) ---------------------------------------------------------------------


def unsubscribe_token(follow):
    """Signed, without expiry: the link of an old email still stops the emails. It names the follow and the
    keyed hash of the address (never the address): a follow made again later is not undone by an old link."""
    return signing.dumps([follow.pk, follow.contributor_key], salt=UNSUBSCRIBE_SALT)


def unsubscribe_url(follow):
    return settings.PUBLIC_BASE_URL + reverse("participation:unsubscribe", args=[unsubscribe_token(follow)])


def follow_from_unsubscribe_token(token):
    """The follow a link names, or None once it is gone (already unsubscribed); a forged link is refused."""
    try:
        follow_id, key = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except (signing.BadSignature, TypeError, ValueError):
        raise Refused(_("Ce lien n'est pas valide. Vérifiez qu'il a été copié en entier.")) from None
    if not isinstance(follow_id, int) or not isinstance(key, str) or not key:
        raise Refused(_("Ce lien n'est pas valide. Vérifiez qu'il a été copié en entier."))
    return ProcessFollow.objects.filter(pk=follow_id, contributor_key=key).select_related("process").first()


def unsubscribe(token):
    """Stop the emails of one follow; True if it did, False if it was already done (the link works once)."""
    found = follow_from_unsubscribe_token(token)
    if found is None:
        return False
    deleted, _by_model = ProcessFollow.objects.filter(pk=found.pk).delete()
    return bool(deleted)


# --- News to the followers ---------------------------------------------------------------------------------


def confirmed_followers(process, *, except_key=""):
    """Who hears the news of `process`: nobody while anyone could not read it (the site's own rule: the page or a
    parent offline, a view restriction, the convention ended, reserved to the commune's agents): followers who joined
    while it was public are not told what is now out of their reach."""
    if not public_pages(ProcessPage.objects.filter(pk=process.pk)).exists():
        return ProcessFollow.objects.none()
    follows = ProcessFollow.objects.filter(process=process, confirmed_at__isnull=False).exclude(email="")
    if except_key:
        follows = follows.exclude(contributor_key=except_key)
    return follows


def notify_followers(process, subject, paragraphs, *, except_key="", followers=None):
    """Email every confirmed follower of `process` (but `except_key`, told otherwise), or those of `followers` (a
    batch of them): each email ends with the link to stop following, also given to mail clients as RFC 8058
    headers. Returns how many were queued."""
    sent = 0
    if followers is None:
        followers = confirmed_followers(process, except_key=except_key).iterator(chunk_size=500)
    for found in followers:
        url = unsubscribe_url(found)
        body = "\n\n".join(
            [
                _("Bonjour,"),
                *paragraphs,
                _("La démarche : %(url)s") % {"url": public_url(process)},
                _("Vous recevez ce courriel parce que vous suivez la démarche « %(process)s ».")
                % {"process": process.title},
                _("Ne plus la suivre, en un clic : %(url)s") % {"url": url},
                _("Vos données : consulter ou effacer ce qui est enregistré : %(url)s")
                % {"url": rights_url(found.email)},
            ]
        )
        queue_email(
            subject,
            body,
            [found.email],
            headers={"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
        )
        sent += 1
    return sent


def _once(process, kind, reference, news):
    """Send a piece of news once (`news()` gives its subject and paragraphs), to the followers in committed batches
    of JOB_BATCH_SIZE in the order of their ids: each batch's emails are queued in the transaction that moves the
    notice's cursor past them, so a run stopped between two batches is resumed by the next run, and nobody is told
    twice. True if this call told anyone, or started the notice."""
    notice, created = FollowerNotice.objects.get_or_create(
        process=process, kind=kind, reference=reference, defaults={"pending": True}
    )
    if not notice.pending:
        return False
    subject, paragraphs = news()
    followers = confirmed_followers(process)
    told = 0
    while True:
        with transaction.atomic():
            notice = FollowerNotice.objects.select_for_update().get(pk=notice.pk)
            if not notice.pending:
                break
            batch = list(followers.filter(pk__gt=notice.last_follow_id).order_by("pk")[: job_batch_size()])
            notice.followers += notify_followers(process, subject, paragraphs, followers=batch)
            notice.last_follow_id = batch[-1].pk if batch else notice.last_follow_id
            notice.pending = bool(batch)
            notice.save(update_fields=["followers", "last_follow_id", "pending"])
            told += len(batch)
    return created or told > 0


def notify_results(process, day=None):
    """The results of `process` are out: its followers are told, once. False if not out, or already told."""
    day = day or timezone.localdate()
    if not process.live or not process.results_published_by(day):
        return False
    space = commune_space_of(process)
    if space is None or space.commune_id not in active_commune_ids(day):
        return False

    def news():
        return (
            _("Résultats publiés : %(process)s") % {"process": process.title},
            [
                _("La commune a publié ce qu'elle a fait des contributions à la démarche « %(process)s », le %(day)s.")
                % {"process": process.title, "day": french_date(process.results_published_on)},
                _("Les décisions et les contributions retenues : %(url)s")
                % {"url": public_url(process) + "#resultats"},
            ],
        )

    return _once(process, FollowerNoticeKind.RESULTS_PUBLISHED, "", news)


def followed_processes(day=None):
    """Live processes of active communes with at least one confirmed follower."""
    processes = ProcessPage.objects.live().filter(follows__confirmed_at__isnull=False).distinct()
    return without_inactive_communes(processes, day)


def notify_new_phases(day=None):
    """Tell the followers of each phase that started in the last PHASE_NEWS_DAYS days (and is not over): once per
    phase, however often this runs. Returns the number of phases announced."""
    day = day or timezone.localdate()
    phases = (
        ProcessPhase.objects.filter(
            process__in=followed_processes(day),
            starts_on__lte=day,
            starts_on__gte=day - datetime.timedelta(days=PHASE_NEWS_DAYS),
            ends_on__gte=day,
        )
        .select_related("process")
        .order_by("starts_on", "pk")
    )
    announced = 0
    for phase in phases:
        process = phase.process

        def news(phase=phase, process=process):
            paragraphs = [
                _("Une nouvelle étape de la démarche « %(process)s » commence : %(phase)s, %(period)s.")
                % {
                    "process": process.title,
                    "phase": phase.title,
                    "period": french_period(phase.starts_on, phase.ends_on),
                }
            ]
            if phase.description:
                paragraphs.append(phase.description)
            return _("Nouvelle étape : %(process)s") % {"process": process.title}, paragraphs

        if _once(process, FollowerNoticeKind.PHASE_STARTED, f"{phase.pk}:{phase.starts_on.isoformat()}", news):
            announced += 1
    return announced


def notify_due_results(day=None):
    """Results whose publication date came after the page was published: told once, by the daily job."""
    day = day or timezone.localdate()
    told = 0
    for process in followed_processes(day).with_published_results(day):
        told += notify_results(process, day)
    return told
