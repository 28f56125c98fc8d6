"""Moderation (DESIGN invariant 6): decisions that cite the charter, reports, appeals decided by someone else.

Every decision records who, when, what and which rule, and enters Wagtail's audit log. Contributions and comments
go through the same functions (each takes either): the same states, rules, reports, threshold, appeal and log; only
the words of the emails differ (`MESSAGES`).
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from wagtail.log_actions import log

from charter.services import current_charter_rules
from communes.gate import commune_space_of, is_commune_active
from communes.models import CommuneRole
from communes.roles import STAFF_GROUP_NAME
from core.emails import queue_email
from core.typography import french_plural

from ..models import Appeal, AppealOutcome, Comment, Contribution, ContributionStatus, Report
from ..permissions import can_decide_appeal, can_moderate
from . import Refused
from .abuse import reporter_fingerprint
from .comment_counts import refresh_comment_count
from .emails import public_url, send_to_author
from .links import appeal_url

# What the emails and refusals say of each kind of thing moderated (a contribution is feminine, a comment is not).
MESSAGES = {
    "contribution": {
        "approved_subject": gettext_lazy("Votre contribution est publiée"),
        "approved": gettext_lazy("Votre contribution à la démarche « %(process)s » est publiée."),
        "rejected_subject": gettext_lazy("Votre contribution n'a pas été publiée"),
        "rejected": gettext_lazy("Votre contribution à la démarche « %(process)s » n'a pas été publiée."),
        "hidden_subject": gettext_lazy("Votre contribution a été masquée"),
        "hidden": gettext_lazy("Votre contribution à la démarche « %(process)s » a été masquée."),
        "explain_rejected": gettext_lazy("Expliquez à l'auteur pourquoi sa contribution est refusée."),
        "explain_hidden": gettext_lazy("Expliquez à l'auteur pourquoi sa contribution est masquée."),
        "wrong_state": gettext_lazy("Cette décision ne s'applique pas à une contribution dans l'état « %(status)s »."),
        "not_published": gettext_lazy("Cette contribution n'est plus publiée."),
        "choose_rule": gettext_lazy("Choisissez la règle de la charte que cette contribution ne respecte pas."),
        "already_reported": gettext_lazy(
            "Vous avez déjà signalé cette contribution. Merci, les modérateurs en sont informés."
        ),
        "only_rejected": gettext_lazy("Seule une contribution refusée peut être contestée."),
        "appeal_filed": gettext_lazy("L'auteur d'une contribution refusée sur « %(process)s » conteste la décision."),
        "appeal_decided": gettext_lazy(
            "Votre contestation de la décision sur votre contribution à « %(process)s » a été examinée."
        ),
    },
    "comment": {
        "approved_subject": gettext_lazy("Votre commentaire est publié"),
        "approved": gettext_lazy("Votre commentaire sur une contribution à la démarche « %(process)s » est publié."),
        "rejected_subject": gettext_lazy("Votre commentaire n'a pas été publié"),
        "rejected": gettext_lazy(
            "Votre commentaire sur une contribution à la démarche « %(process)s » n'a pas été publié."
        ),
        "hidden_subject": gettext_lazy("Votre commentaire a été masqué"),
        "hidden": gettext_lazy("Votre commentaire sur une contribution à la démarche « %(process)s » a été masqué."),
        "explain_rejected": gettext_lazy("Expliquez à l'auteur pourquoi son commentaire est refusé."),
        "explain_hidden": gettext_lazy("Expliquez à l'auteur pourquoi son commentaire est masqué."),
        "wrong_state": gettext_lazy("Cette décision ne s'applique pas à un commentaire dans l'état « %(status)s »."),
        "not_published": gettext_lazy("Ce commentaire n'est plus publié."),
        "choose_rule": gettext_lazy("Choisissez la règle de la charte que ce commentaire ne respecte pas."),
        "already_reported": gettext_lazy(
            "Vous avez déjà signalé ce commentaire. Merci, les modérateurs en sont informés."
        ),
        "only_rejected": gettext_lazy("Seul un commentaire refusé peut être contesté."),
        "appeal_filed": gettext_lazy("L'auteur d'un commentaire refusé sur « %(process)s » conteste la décision."),
        "appeal_decided": gettext_lazy(
            "Votre contestation de la décision sur votre commentaire à « %(process)s » a été examinée."
        ),
    },
}


def kind_of(item):
    """ "contribution" or "comment": the name of its log actions, its admin views, its words."""
    return "comment" if isinstance(item, Comment) else "contribution"


def _say(item, key, **values):
    return str(MESSAGES[kind_of(item)][key]) % values if values else str(MESSAGES[kind_of(item)][key])


def _target(item):
    """The lookup of the reports and appeal of `item`."""
    return {kind_of(item): item}


def inspect_url(item):
    """Where a moderator reads and decides on `item` in the admin."""
    namespace = "comments" if kind_of(item) == "comment" else "contributions"
    return settings.WAGTAILADMIN_BASE_URL + reverse(f"{namespace}:inspect", args=[item.pk])


def public_url_of(item):
    """The process page (at the comment, for a comment)."""
    if isinstance(item, Comment):
        return public_url(item.contribution.process) + f"#commentaire-{item.pk}"
    return public_url(item.process)


def commune_moderators(commune_id):
    users = get_user_model().objects.filter(
        is_active=True, groups__commune_role__commune_id=commune_id, groups__commune_role__role=CommuneRole.MODERATORS
    )
    return users.exclude(email="").distinct()


def notify_moderators(process):
    """At most one email per process per hour, however many contributions and comments arrive."""
    if not cache.add(f"participation:moderators-notified:{process.pk}", True, timeout=3600):
        return False
    space = commune_space_of(process)
    recipients = sorted(commune_moderators(space.commune_id).values_list("email", flat=True))
    if not recipients:
        return False
    waiting = Contribution.objects.filter(process=process, status=ContributionStatus.AWAITING_MODERATION).count()
    paragraphs = [
        ngettext(
            "%(count)s contribution à modérer sur la démarche « %(process)s ».",
            "%(count)s contributions à modérer sur la démarche « %(process)s ».",
            french_plural(waiting),
        )
        % {"count": waiting, "process": process.title},
        settings.WAGTAILADMIN_BASE_URL + reverse("contributions:index"),
    ]
    comments = Comment.objects.filter(
        contribution__process=process, status=ContributionStatus.AWAITING_MODERATION
    ).count()
    if comments:
        paragraphs += [
            ngettext(
                "%(count)s commentaire à modérer sur la même démarche.",
                "%(count)s commentaires à modérer sur la même démarche.",
                french_plural(comments),
            )
            % {"count": comments},
            settings.WAGTAILADMIN_BASE_URL + reverse("comments:index"),
        ]
    queue_email(
        _("Des contributions attendent votre modération : %(process)s") % {"process": process.title},
        "\n\n".join(paragraphs),
        recipients,
    )
    return True


# --- Moderation ------------------------------------------------------------------------------


def _require(allowed):
    if not allowed:
        raise PermissionDenied


def _rule(rule_key):
    rules = dict(current_charter_rules())
    if rule_key not in rules:
        raise ValidationError({"rule_key": _("Choisissez une règle de la charte en vigueur.")})
    return rules[rule_key]


# Which decision may follow which state; once the author appeals, only the decision on the appeal may
# change the contribution (or the comment), and that decision is final.
DECISION_SOURCES = {
    "approved": {
        ContributionStatus.AWAITING_MODERATION,
        ContributionStatus.HIDDEN,
        ContributionStatus.REJECTED,
    },
    "rejected": {ContributionStatus.AWAITING_MODERATION, ContributionStatus.HIDDEN},
    "hidden": {ContributionStatus.PUBLISHED},
    "restored": {ContributionStatus.HIDDEN},
}


DECISION_FIELDS = ["status", "decided_by", "decided_at", "rule_key", "rule_title", "decision_reason", "published_at"]


def _refuse_unless_decidable(item, verb):
    if Appeal.objects.filter(**_target(item)).exists():
        raise ValidationError(
            _("L'auteur a contesté la décision : seule la réponse à sa contestation peut encore la changer.")
        )
    if item.status not in DECISION_SOURCES[verb]:
        raise ValidationError(_say(item, "wrong_state", status=item.get_status_display()))


def _decide(item, user, status, verb, *, rule_key="", rule_title="", reason="", action=None):
    """Record a decision on a contribution or a comment; `action` (the decision on an appeal) skips the check of
    the state, that decision being the last word. Its cost does not depend on how many others there are: a few
    indexed reads and writes of this item's rows, one log entry, one queued email."""
    if action is None:
        _refuse_unless_decidable(item, verb)
    was_published = item.published_at is not None
    item.status = status
    item.decided_by = user
    item.decided_at = timezone.now()
    item.rule_key = rule_key
    item.rule_title = rule_title or (_rule(rule_key) if rule_key else "")
    item.decision_reason = reason
    if status == ContributionStatus.PUBLISHED and item.published_at is None:
        item.published_at = item.decided_at
    # Only what a decision changes: a contribution read before a comment or a support arrived must not write back
    # its stale counts.
    item.save(update_fields=DECISION_FIELDS)
    item.reports.filter(resolved_at__isnull=True).update(resolved_at=item.decided_at)
    log(item, action or f"participation.{kind_of(item)}_{verb}", user=user, data={"status": status, "rule": rule_key})
    if isinstance(item, Comment):
        comment_changed(item, first_published=not was_published and status == ContributionStatus.PUBLISHED)


@transaction.atomic
def approve(item, user):
    """Publish a contribution or a comment awaiting moderation (or hidden, or rejected)."""
    _require(can_moderate(user, item))
    _decide(item, user, ContributionStatus.PUBLISHED, "approved")
    send_to_author(
        item,
        _say(item, "approved_subject"),
        [_say(item, "approved", process=item.process.title), public_url_of(item)],
    )


@transaction.atomic
def reject(item, user, *, rule_key, reason):
    _require(can_moderate(user, item))
    rule_title = _rule(rule_key)
    if not reason.strip():
        raise ValidationError({"reason": _say(item, "explain_rejected")})
    _decide(
        item, user, ContributionStatus.REJECTED, "rejected", rule_key=rule_key, rule_title=rule_title, reason=reason
    )
    send_to_author(
        item,
        _say(item, "rejected_subject"),
        [
            _say(item, "rejected", process=item.process.title),
            _("Règle de la charte d'utilisation concernée : %(rule)s.") % {"rule": item.rule_title},
            _("Explication du modérateur : %(reason)s") % {"reason": reason},
            _("Vous pouvez contester cette décision une fois, dans les %(days)s jours, en expliquant pourquoi :")
            % {"days": settings.APPEAL_LINK_DAYS},
            appeal_url(item),
        ],
    )


@transaction.atomic
def hide(item, user, *, rule_key, reason):
    _require(can_moderate(user, item))
    rule_title = _rule(rule_key)
    if not reason.strip():
        raise ValidationError({"reason": _say(item, "explain_hidden")})
    _decide(item, user, ContributionStatus.HIDDEN, "hidden", rule_key=rule_key, rule_title=rule_title, reason=reason)
    send_to_author(
        item,
        _say(item, "hidden_subject"),
        [
            _say(item, "hidden", process=item.process.title),
            _("Règle de la charte d'utilisation concernée : %(rule)s.") % {"rule": item.rule_title},
            _("Explication du modérateur : %(reason)s") % {"reason": reason},
        ],
    )


@transaction.atomic
def restore(item, user):
    """Publish again a hidden (or reported) contribution or comment the moderator finds within the charter."""
    _require(can_moderate(user, item))
    _decide(item, user, ContributionStatus.PUBLISHED, "restored")


# --- Comments: what follows a change of state ---------------------------------------------------------------


def comment_changed(comment, *, first_published=False):
    """Keep the contribution's count exact; the first time a comment is published, tell the contribution's
    author (never the commenter's own contribution: they know)."""
    refresh_comment_count(comment.contribution_id)
    if not first_published or not comment.is_public:
        return
    contribution = comment.contribution
    if contribution.contributor_key and contribution.contributor_key == comment.contributor_key:
        return
    send_to_author(
        contribution,
        _("Un commentaire sur votre contribution"),
        [
            _("%(pseudonym)s a commenté votre contribution à la démarche « %(process)s » :")
            % {"pseudonym": comment.pseudonym, "process": contribution.process.title},
            comment.text,
            public_url_of(comment),
        ],
    )


# --- Reports -----------------------------------------------------------------------------------


@transaction.atomic
def report_content(item, *, rule_key, client_address):
    """Record one client's report of a contribution or a comment; past the threshold of distinct reports, hide it
    until a moderator decides.

    A client's report counts once for the item's life, whichever server and whatever day it comes on.
    """
    if item.status != ContributionStatus.PUBLISHED:
        raise Refused(_say(item, "not_published"))
    if rule_key not in dict(current_charter_rules()):
        raise Refused(_say(item, "choose_rule"))
    # The kind is in the hash: a client's reports of a contribution and of a comment with the same id differ.
    hashed = item.pk if kind_of(item) == "contribution" else f"comment-{item.pk}"
    try:
        with transaction.atomic():
            Report.objects.create(
                rule_key=rule_key, reporter_hash=reporter_fingerprint(hashed, client_address), **_target(item)
            )
    except IntegrityError:
        raise Refused(_say(item, "already_reported")) from None
    with transaction.atomic():
        # Under the row's lock, read afresh: two reports arriving together hide it once, and a moderator's
        # decision or an anonymisation made meanwhile is neither undone nor overwritten.
        locked = type(item).objects.select_for_update().filter(pk=item.pk).first()
        if locked is None:  # deleted meanwhile (its author erased it, or retention): nothing left to hide
            raise Refused(_say(item, "not_published"))
        open_reports = locked.reports.filter(resolved_at__isnull=True).count()
        if locked.status == ContributionStatus.PUBLISHED and open_reports >= settings.REPORT_THRESHOLD:
            locked.status = ContributionStatus.HIDDEN
            locked.decided_by = None
            locked.decided_at = timezone.now()
            locked.rule_key = rule_key
            locked.rule_title = dict(current_charter_rules())[rule_key]
            locked.save(update_fields=["status", "decided_by", "decided_at", "rule_key", "rule_title"])
            log(locked, f"participation.{kind_of(item)}_hidden_by_reports", data={"reports": open_reports})
            if isinstance(locked, Comment):
                comment_changed(locked)
            notify_moderators(locked.process)
    return locked


# The name the views and tests of contributions know.
report_contribution = report_content


# --- Appeals ----------------------------------------------------------------------------------


@transaction.atomic
def file_appeal(item, explanation):
    """The author of a rejected contribution or comment contests the decision, once."""
    explanation = explanation.strip()
    space = commune_space_of(item.process)
    if space is None or not is_commune_active(space.commune_id):
        raise Refused(_("La commune ne participe plus à la plateforme : la décision ne peut plus être contestée ici."))
    if item.status != ContributionStatus.REJECTED:
        raise Refused(_say(item, "only_rejected"))
    if Appeal.objects.filter(**_target(item)).exists():
        raise Refused(_("Vous avez déjà contesté cette décision : une contestation est possible une seule fois."))
    if not 10 <= len(explanation) <= 1000:
        raise Refused(_("Expliquez en quelques phrases (10 à 1 000 caractères) pourquoi vous contestez la décision."))
    appeal = Appeal.objects.create(explanation=explanation, original_moderator=item.decided_by, **_target(item))
    log(item, "participation.appeal_filed")
    _notify_appeal_reviewers(appeal)
    return appeal


def _notify_appeal_reviewers(appeal):
    """The other moderators of the commune; Métropole staff when there is no other."""
    item = appeal.target
    reviewers = commune_moderators(item.commune_id).exclude(pk=appeal.original_moderator_id)
    if not reviewers.exists():
        reviewers = (
            get_user_model()
            .objects.filter(is_active=True, groups__name=STAFF_GROUP_NAME)
            .exclude(email="")
            .exclude(pk=appeal.original_moderator_id)
            .distinct()
        )
    recipients = sorted(reviewers.values_list("email", flat=True))
    if recipients:
        queue_email(
            _("Une décision de modération est contestée"),
            "\n\n".join([_say(item, "appeal_filed", process=item.process.title), inspect_url(item)]),
            recipients,
        )


@transaction.atomic
def decide_appeal(appeal, user, *, outcome, response):
    """Another moderator of the commune, or Métropole staff, decides; the decision is final."""
    _require(can_decide_appeal(user, appeal))
    if appeal.is_decided:
        raise ValidationError(_("Cette contestation a déjà reçu une réponse : la décision est définitive."))
    if outcome not in AppealOutcome.values:
        raise ValidationError({"outcome": _("Choisissez une décision.")})
    if not response.strip():
        raise ValidationError({"response": _("Rédigez la réponse adressée à l'auteur.")})
    appeal.outcome = outcome
    appeal.response = response
    appeal.decided_by = user
    appeal.decided_at = timezone.now()
    appeal.save()
    item = appeal.target
    if outcome == AppealOutcome.OVERTURNED:
        _decide(item, user, ContributionStatus.PUBLISHED, "approved", action="participation.appeal_overturned")
    else:
        log(item, "participation.appeal_upheld", user=user)
    send_to_author(
        item,
        _("Réponse à votre contestation"),
        [
            _say(item, "appeal_decided", process=item.process.title),
            _("Décision : %(outcome)s.") % {"outcome": appeal.get_outcome_display()},
            response,
            _("Cette décision est définitive."),
        ],
    )
    return appeal
