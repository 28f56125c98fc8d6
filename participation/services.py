"""Operations on processes and contributions, shared by the public views, the admin, commands and demo data.

None of them knows about requests: views pass in what they read from one.
"""

import hashlib
import hmac
import ipaddress
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import slugify
from django.utils.translation import gettext as _
from wagtail.log_actions import log
from wagtail.models import PageViewRestriction
from wagtail.rich_text import RichText

from charter.services import current_charter_rules, is_acceptance_current
from communes.gate import commune_space_of, is_commune_active
from communes.models import CommuneGroup, CommuneRole
from communes.permissions import STAFF_GROUP_NAME

from .models import (
    Appeal,
    AppealOutcome,
    Contribution,
    ContributionStatus,
    EventRegistration,
    ModerationMode,
    ProcessPage,
    ProcessState,
    Report,
)
from .permissions import can_decide_appeal, can_moderate

CONFIRM_SALT = "participation.contribution.confirm"
APPEAL_SALT = "participation.contribution.appeal"


class Refused(Exception):
    """A citizen's request refused, with a message in French to show them."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


# --- Processes -------------------------------------------------------------------------


def ensure_process(space, *, title, summary="", publish=True, user=None, phases=(), **fields):
    """A process page under the commune space, created once (by slug); returns (process, created)."""
    slug = slugify(title)[:80]
    process = ProcessPage.objects.child_of(space).filter(slug=slug).first()
    if process is not None:
        return process, False
    process = ProcessPage(
        title=title,
        slug=slug,
        summary=summary,
        body=[("paragraph", RichText(format_html("<p>{}</p>", summary)))] if summary else [],
        live=False,
        **fields,
    )
    for phase in phases:
        process.phases.add(phase)
    space.add_child(instance=process)
    revision = process.save_revision(user=user, log_action=True)
    if publish:
        revision.publish(user=user)
        process.refresh_from_db()
    return process, True


def public_url(page):
    url = page.get_url()
    return url if url.startswith("http") else settings.PUBLIC_BASE_URL + url


def apply_audience(process):
    """Art. 7: an internal process is readable by its commune's agents only, through a view restriction."""
    agents = CommuneGroup.objects.get(commune=commune_space_of(process).commune, role=CommuneRole.AGENTS).group
    ours = PageViewRestriction.objects.filter(page=process, restriction_type=PageViewRestriction.GROUPS, groups=agents)
    if not process.is_internal:
        ours.delete()
    elif not ours.exists():
        restriction = PageViewRestriction.objects.create(page=process, restriction_type=PageViewRestriction.GROUPS)
        restriction.groups.set([agents])


# --- Abuse resistance ----------------------------------------------------------------------


def client_network(remote_addr):
    """The unit a rate limit counts: the IPv4 address, or the /64 an IPv6 host chooses its addresses in."""
    try:
        address = ipaddress.ip_address(remote_addr)
    except ValueError:
        return remote_addr
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def daily_salt(day=None):
    """A random salt for the day, kept only in the (shared) cache and forgotten after two days.

    Derived from nothing stored, so even whoever holds SECRET_KEY and the database cannot try every
    address against an old fingerprint.
    """
    day = day or timezone.localdate()
    return cache.get_or_set(f"participation:fingerprint-salt:{day.isoformat()}", secrets.token_hex(32), 2 * 86400)


def client_fingerprint(remote_addr, day=None):
    """A keyed hash of the client's network, salted with the day: enough to count, never the address.

    Headers a client chooses (User-Agent) are left out, so changing them does not make a new client;
    the salt rotates daily, so fingerprints cannot be linked from one day to the next.
    """
    key = daily_salt(day).encode()
    return hmac.new(key, client_network(remote_addr).encode(), hashlib.sha256).hexdigest()


def check_rate_limit(action, fingerprint):
    """Refuse once a client has made more than the allowed number of `action` in the window."""
    limit, window = settings.RATE_LIMITS[action]
    key = f"ratelimit:{action}:{fingerprint}"
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        count = 1
    if count > limit:
        raise Refused(_("Vous avez fait trop de demandes en peu de temps. Merci de réessayer dans quelques minutes."))


# --- Contributions: submit and confirm -------------------------------------------------------


def refuse_unless_open(process, day=None):
    """Citizens take part (contribute, answer, appeal) only in an open process of an active commune."""
    space = commune_space_of(process)
    if space is None or not is_commune_active(space.commune_id, day):
        raise Refused(_("Cette démarche n'est plus ouverte : la commune ne participe plus à la plateforme."))
    state = process.state_on(day)
    if state == ProcessState.UPCOMING:
        raise Refused(
            _("Cette démarche n'est pas encore ouverte : les contributions seront possibles à partir du %(day)s.")
            % {"day": process.opens_on.strftime("%d/%m/%Y") if process.opens_on else "…"}
        )
    if state == ProcessState.CLOSED:
        raise Refused(_("Cette démarche est terminée : elle ne reçoit plus de contributions. Merci de votre intérêt."))
    return space


def _refuse_unless_open_to_contributions(process, day=None):
    if not process.accepts_contributions:
        raise Refused(_("Cette démarche ne recueille pas de contributions en ligne."))
    return refuse_unless_open(process, day)


@transaction.atomic
def submit_contribution(process, *, pseudonym, email, text, theme=None, charter_version, terms_version):
    """Record a contribution awaiting its author's confirmation, and send the confirmation link."""
    space = _refuse_unless_open_to_contributions(process)
    if not is_acceptance_current(charter_version, terms_version):
        raise Refused(
            _(
                "La charte d'utilisation ou les conditions générales d'utilisation ont été mises à jour depuis "
                "l'affichage du formulaire. Lisez la nouvelle version et acceptez-la pour contribuer."
            )
        )
    if Contribution.objects.filter(process=process, email__iexact=email, text=text).exists():
        raise Refused(_("Vous avez déjà envoyé cette contribution : elle n'est pas enregistrée une seconde fois."))
    contribution = Contribution.objects.create(
        process=process,
        commune_id=space.commune_id,
        pseudonym=pseudonym,
        email=email,
        text=text,
        theme=theme,
        charter_version_id=getattr(charter_version, "pk", charter_version),
        terms_version_id=getattr(terms_version, "pk", terms_version),
    )
    _send_to_author(
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


def confirmation_url(contribution):
    token = signing.dumps(contribution.pk, salt=CONFIRM_SALT)
    return settings.PUBLIC_BASE_URL + reverse("participation:confirm", args=[token])


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
    send_mail(
        _("Des contributions attendent votre modération : %(process)s") % {"process": process.title},
        "\n\n".join(
            [
                _("%(count)s contribution(s) à modérer sur la démarche « %(process)s ».")
                % {"count": waiting, "process": process.title},
                settings.WAGTAILADMIN_BASE_URL + reverse("wagtailsnippets_participation_contribution:list"),
            ]
        ),
        None,
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
    _send_to_author(
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
    _send_to_author(
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
    _send_to_author(
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
def report_contribution(contribution, *, rule_key, reporter_hash):
    """Record one client's report; past the threshold of distinct reports, hide until a moderator decides."""
    if contribution.status != ContributionStatus.PUBLISHED:
        raise Refused(_("Cette contribution n'est plus publiée."))
    if rule_key not in dict(current_charter_rules()):
        raise Refused(_("Choisissez la règle de la charte que cette contribution ne respecte pas."))
    try:
        with transaction.atomic():
            Report.objects.create(contribution=contribution, rule_key=rule_key, reporter_hash=reporter_hash)
    except IntegrityError:
        raise Refused(
            _("Vous avez déjà signalé cette contribution. Merci, les modérateurs en sont informés.")
        ) from None
    open_reports = contribution.reports.filter(resolved_at__isnull=True).count()
    if open_reports >= settings.REPORT_THRESHOLD:
        contribution.status = ContributionStatus.HIDDEN
        contribution.decided_by = None
        contribution.decided_at = timezone.now()
        contribution.rule_key = rule_key
        contribution.rule_title = dict(current_charter_rules())[rule_key]
        contribution.save()
        log(contribution, "participation.contribution_hidden_by_reports", data={"reports": open_reports})
        notify_moderators(contribution.process)
    return contribution


# --- Appeals ----------------------------------------------------------------------------------


def appeal_url(contribution):
    token = signing.dumps(contribution.pk, salt=APPEAL_SALT)
    return settings.PUBLIC_BASE_URL + reverse("participation:appeal", args=[token])


def contribution_for_appeal(token):
    return contribution_from_token(token, APPEAL_SALT, settings.APPEAL_LINK_DAYS * 86400)


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
        send_mail(
            _("Une décision de modération est contestée"),
            "\n\n".join(
                [
                    _("L'auteur d'une contribution refusée sur « %(process)s » conteste la décision.")
                    % {"process": appeal.contribution.process.title},
                    settings.WAGTAILADMIN_BASE_URL
                    + reverse("wagtailsnippets_participation_contribution:inspect", args=[appeal.contribution_id]),
                ]
            ),
            None,
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
    _send_to_author(
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


# --- Events ----------------------------------------------------------------------------------


@transaction.atomic
def register_for_event(process, *, name, email, needs=""):
    from .personal_data import rights_url

    ProcessPage.objects.select_for_update().filter(pk=process.pk).first()
    if not process.has_event or not process.event_capacity or process.event_starts_at < timezone.now():
        raise Refused(_("Les inscriptions à cette rencontre ne sont pas ouvertes."))
    if EventRegistration.objects.filter(process=process, email__iexact=email).exists():
        raise Refused(_("Vous êtes déjà inscrit ou inscrite à cette rencontre."))
    if EventRegistration.objects.filter(process=process).count() >= process.event_capacity:
        raise Refused(_("La rencontre est complète : il n'y a plus de place."))
    registration = EventRegistration.objects.create(process=process, name=name, email=email, needs=needs)
    send_mail(
        _("Votre inscription : %(process)s") % {"process": process.title},
        "\n\n".join(
            [
                _("Votre inscription est enregistrée."),
                _("Rendez-vous le %(day)s, %(place)s.")
                % {
                    "day": timezone.localtime(process.event_starts_at).strftime("%d/%m/%Y à %H:%M"),
                    "place": process.event_place,
                },
                _("Vos données : consulter ou effacer ce qui est enregistré : %(url)s") % {"url": rights_url(email)},
            ]
        ),
        None,
        [email],
    )
    return registration


# --- Emails to authors ------------------------------------------------------------------------


def _send_to_author(contribution, subject, paragraphs):
    """Every email to a contributor ends with their personal link to their data (right of access, erasure)."""
    from .personal_data import rights_url

    if not contribution.email:  # erased: nobody to write to
        return
    footer = _(
        "Vos données : consulter, retirer ou effacer vos contributions, télécharger ce qui est enregistré : %(url)s"
    ) % {"url": rights_url(contribution.email)}
    body = "\n\n".join([_("Bonjour %(name)s,") % {"name": contribution.pseudonym}, *paragraphs, footer])
    send_mail(subject, body, None, [contribution.email])
