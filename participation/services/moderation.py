"""Moderation (DESIGN invariant 6): decisions that cite the charter, reports, appeals decided by someone else.

Every decision records who, when, what and which rule, and enters Wagtail's audit log.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.log_actions import log

from charter.services import current_charter_rules
from communes.gate import commune_space_of, is_commune_active
from communes.models import CommuneRole
from communes.roles import STAFF_GROUP_NAME
from core.emails import queue_email

from ..models import Appeal, AppealOutcome, Contribution, ContributionStatus, Report
from ..permissions import can_decide_appeal, can_moderate
from . import Refused
from .abuse import reporter_fingerprint
from .emails import public_url, send_to_author
from .links import appeal_url


def commune_moderators(commune_id):
    users = get_user_model().objects.filter(
        is_active=True, groups__commune_role__commune_id=commune_id, groups__commune_role__role=CommuneRole.MODERATORS
    )
    return users.exclude(email="").distinct()


def notify_moderators(process):
    """At most one email per process per hour, however many contributions arrive."""
    if not cache.add(f"participation:moderators-notified:{process.pk}", True, timeout=3600):
        return False
    space = commune_space_of(process)
    recipients = sorted(commune_moderators(space.commune_id).values_list("email", flat=True))
    if not recipients:
        return False
    waiting = Contribution.objects.filter(process=process, status=ContributionStatus.AWAITING_MODERATION).count()
    queue_email(
        _("Des contributions attendent votre modération : %(process)s") % {"process": process.title},
        "\n\n".join(
            [
                _("%(count)s contribution(s) à modérer sur la démarche « %(process)s ».")
                % {"count": waiting, "process": process.title},
                settings.WAGTAILADMIN_BASE_URL + reverse("contributions:index"),
            ]
        ),
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
# change the contribution, and that decision is final.
DECISION_SOURCES = {
    "participation.contribution_approved": {
        ContributionStatus.AWAITING_MODERATION,
        ContributionStatus.HIDDEN,
        ContributionStatus.REJECTED,
    },
    "participation.contribution_rejected": {ContributionStatus.AWAITING_MODERATION, ContributionStatus.HIDDEN},
    "participation.contribution_hidden": {ContributionStatus.PUBLISHED},
    "participation.contribution_restored": {ContributionStatus.HIDDEN},
}


def _refuse_unless_decidable(contribution, action):
    if Appeal.objects.filter(contribution=contribution).exists():
        raise ValidationError(
            _("L'auteur a contesté la décision : seule la réponse à sa contestation peut encore la changer.")
        )
    if contribution.status not in DECISION_SOURCES[action]:
        raise ValidationError(
            _("Cette décision ne s'applique pas à une contribution dans l'état « %(status)s ».")
            % {"status": contribution.get_status_display()}
        )


def _decide(contribution, user, status, action, *, rule_key="", reason="", by_appeal=False):
    if not by_appeal:
        _refuse_unless_decidable(contribution, action)
    contribution.status = status
    contribution.decided_by = user
    contribution.decided_at = timezone.now()
    contribution.rule_key = rule_key
    contribution.rule_title = _rule(rule_key) if rule_key else ""
    contribution.decision_reason = reason
    if status == ContributionStatus.PUBLISHED and contribution.published_at is None:
        contribution.published_at = contribution.decided_at
    contribution.save()
    contribution.reports.filter(resolved_at__isnull=True).update(resolved_at=contribution.decided_at)
    log(contribution, action, user=user, data={"status": status, "rule": rule_key})


@transaction.atomic
def approve(contribution, user):
    _require(can_moderate(user, contribution))
    _decide(contribution, user, ContributionStatus.PUBLISHED, "participation.contribution_approved")
    send_to_author(
        contribution,
        _("Votre contribution est publiée"),
        [
            _("Votre contribution à la démarche « %(process)s » est publiée.")
            % {"process": contribution.process.title},
            public_url(contribution.process),
        ],
    )


@transaction.atomic
def reject(contribution, user, *, rule_key, reason):
    _require(can_moderate(user, contribution))
    _rule(rule_key)
    if not reason.strip():
        raise ValidationError({"reason": _("Expliquez à l'auteur pourquoi sa contribution est refusée.")})
    _decide(
        contribution,
        user,
        ContributionStatus.REJECTED,
        "participation.contribution_rejected",
        rule_key=rule_key,
        reason=reason,
    )
    send_to_author(
        contribution,
        _("Votre contribution n'a pas été publiée"),
        [
            _("Votre contribution à la démarche « %(process)s » n'a pas été publiée.")
            % {"process": contribution.process.title},
            _("Règle de la charte d'utilisation concernée : %(rule)s.") % {"rule": contribution.rule_title},
            _("Explication du modérateur : %(reason)s") % {"reason": reason},
            _("Vous pouvez contester cette décision une fois, dans les %(days)s jours, en expliquant pourquoi :")
            % {"days": settings.APPEAL_LINK_DAYS},
            appeal_url(contribution),
        ],
    )


@transaction.atomic
def hide(contribution, user, *, rule_key, reason):
    _require(can_moderate(user, contribution))
    _rule(rule_key)
    if not reason.strip():
        raise ValidationError({"reason": _("Expliquez à l'auteur pourquoi sa contribution est masquée.")})
    _decide(
        contribution,
        user,
        ContributionStatus.HIDDEN,
        "participation.contribution_hidden",
        rule_key=rule_key,
        reason=reason,
    )
    send_to_author(
        contribution,
        _("Votre contribution a été masquée"),
        [
            _("Votre contribution à la démarche « %(process)s » a été masquée.")
            % {"process": contribution.process.title},
            _("Règle de la charte d'utilisation concernée : %(rule)s.") % {"rule": contribution.rule_title},
            _("Explication du modérateur : %(reason)s") % {"reason": reason},
        ],
    )


@transaction.atomic
def restore(contribution, user):
    """Publish again a hidden (or reported) contribution the moderator finds within the charter."""
    _require(can_moderate(user, contribution))
    _decide(contribution, user, ContributionStatus.PUBLISHED, "participation.contribution_restored")


# --- Reports -----------------------------------------------------------------------------------


@transaction.atomic
def report_contribution(contribution, *, rule_key, client_address):
    """Record one client's report; past the threshold of distinct reports, hide until a moderator decides.

    A client's report counts once for the contribution's life, whichever server and whatever day it comes on.
    """
    if contribution.status != ContributionStatus.PUBLISHED:
        raise Refused(_("Cette contribution n'est plus publiée."))
    if rule_key not in dict(current_charter_rules()):
        raise Refused(_("Choisissez la règle de la charte que cette contribution ne respecte pas."))
    try:
        with transaction.atomic():
            Report.objects.create(
                contribution=contribution,
                rule_key=rule_key,
                reporter_hash=reporter_fingerprint(contribution.pk, client_address),
            )
    except IntegrityError:
        raise Refused(
            _("Vous avez déjà signalé cette contribution. Merci, les modérateurs en sont informés.")
        ) from None
    with transaction.atomic():
        # Under the row's lock, read afresh: two reports arriving together hide it once, and a moderator's
        # decision or an anonymisation made meanwhile is neither undone nor overwritten.
        locked = Contribution.objects.select_for_update().filter(pk=contribution.pk).first()
        if locked is None:  # deleted meanwhile (its author erased it, or retention): nothing left to hide
            raise Refused(_("Cette contribution n'est plus publiée."))
        open_reports = locked.reports.filter(resolved_at__isnull=True).count()
        if locked.status == ContributionStatus.PUBLISHED and open_reports >= settings.REPORT_THRESHOLD:
            locked.status = ContributionStatus.HIDDEN
            locked.decided_by = None
            locked.decided_at = timezone.now()
            locked.rule_key = rule_key
            locked.rule_title = dict(current_charter_rules())[rule_key]
            locked.save(update_fields=["status", "decided_by", "decided_at", "rule_key", "rule_title"])
            log(locked, "participation.contribution_hidden_by_reports", data={"reports": open_reports})
            notify_moderators(locked.process)
    return locked


# --- Appeals ----------------------------------------------------------------------------------


@transaction.atomic
def file_appeal(contribution, explanation):
    explanation = explanation.strip()
    space = commune_space_of(contribution.process)
    if space is None or not is_commune_active(space.commune_id):
        raise Refused(_("La commune ne participe plus à la plateforme : la décision ne peut plus être contestée ici."))
    if contribution.status != ContributionStatus.REJECTED:
        raise Refused(_("Seule une contribution refusée peut être contestée."))
    if Appeal.objects.filter(contribution=contribution).exists():
        raise Refused(_("Vous avez déjà contesté cette décision : une contestation est possible une seule fois."))
    if not 10 <= len(explanation) <= 1000:
        raise Refused(_("Expliquez en quelques phrases (10 à 1 000 caractères) pourquoi vous contestez la décision."))
    appeal = Appeal.objects.create(
        contribution=contribution, explanation=explanation, original_moderator=contribution.decided_by
    )
    log(contribution, "participation.appeal_filed")
    _notify_appeal_reviewers(appeal)
    return appeal


def _notify_appeal_reviewers(appeal):
    """The other moderators of the commune; Métropole staff when there is no other."""
    reviewers = commune_moderators(appeal.contribution.commune_id).exclude(pk=appeal.original_moderator_id)
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
            "\n\n".join(
                [
                    _("L'auteur d'une contribution refusée sur « %(process)s » conteste la décision.")
                    % {"process": appeal.contribution.process.title},
                    settings.WAGTAILADMIN_BASE_URL + reverse("contributions:inspect", args=[appeal.contribution_id]),
                ]
            ),
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
    contribution = appeal.contribution
    if outcome == AppealOutcome.OVERTURNED:
        _decide(contribution, user, ContributionStatus.PUBLISHED, "participation.appeal_overturned", by_appeal=True)
    else:
        log(contribution, "participation.appeal_upheld", user=user)
    send_to_author(
        contribution,
        _("Réponse à votre contestation"),
        [
            _("Votre contestation de la décision sur votre contribution à « %(process)s » a été examinée.")
            % {"process": contribution.process.title},
            _("Décision : %(outcome)s.") % {"outcome": appeal.get_outcome_display()},
            response,
            _("Cette décision est définitive."),
        ],
    )
    return appeal
