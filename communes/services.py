"""Operations on communes and their conventions, shared by the admin, the commands and the demo data.

Each is idempotent where it can be, and none knows about requests.
"""

import csv
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from wagtail.log_actions import log
from wagtail.models import Page, Revision

from core.emails import queue_email

from .gate import active_commune_ids, is_commune_active
from .models import Commune, CommuneSpacePage, ConventionTextNotification
from .models.conventions import format_day

GRAND_NANCY_CSV = Path(__file__).parent / "fixtures" / "communes-grand-nancy.csv"


@dataclass(frozen=True)
class CommuneFacts:
    name: str
    slug: str
    insee_code: str
    postal_codes: str
    population: int | None
    population_year: int | None


def read_communes_csv(path=GRAND_NANCY_CSV):
    """Rows of a communes file (name, slug, insee_code, postal_codes, population, population_year)."""
    with open(path, newline="", encoding="utf-8") as handle:
        return [
            CommuneFacts(
                name=row["name"].strip(),
                slug=row["slug"].strip(),
                insee_code=row["insee_code"].strip(),
                postal_codes=row["postal_codes"].strip(),
                population=int(row["population"]) if row.get("population") else None,
                population_year=int(row["population_year"]) if row.get("population_year") else None,
            )
            for row in csv.DictReader(handle)
        ]


def register_commune(facts):
    """The commune known by its INSEE code, created from `facts` if missing; returns (commune, created).

    An existing commune is left as it is: what staff changed in the admin wins over the file.
    """
    commune = Commune.objects.filter(insee_code=facts.insee_code).first()
    if commune is not None:
        return commune, False
    commune = Commune(
        insee_code=facts.insee_code,
        slug=facts.slug,
        name=facts.name,
        postal_codes=facts.postal_codes,
        population=facts.population,
        population_year=facts.population_year,
    )
    commune.full_clean()
    commune.save()
    return commune, True


@transaction.atomic
def ensure_commune_space(commune, portal, *, intro="", user=None):
    """The commune's space under the portal, created and published once; returns (space, created)."""
    space = CommuneSpacePage.objects.filter(commune=commune).first()
    if space is not None:
        return space, False
    space = CommuneSpacePage(
        commune=commune,
        title=commune.name,
        slug=commune.slug,
        intro=intro
        or format_html(
            "<p>{}</p>",
            _("Bienvenue ! Informez-vous sur les démarches participatives de la commune et donnez votre avis."),
        ),
    )
    # A space goes live only while its commune's convention is active (the gate).
    space.live = False
    portal.add_child(instance=space)
    revision = space.save_revision(user=user, log_action=True)
    if is_commune_active(commune):
        revision.publish(user=user)
        space.refresh_from_db()
    return space, True


# --- The end of a convention: nothing lost (DESIGN invariant 2) -----------------


@transaction.atomic
def take_commune_offline(commune, *, user=None):
    """Unpublish every live page of the commune's space; revisions and contributions stay, each unpublish logged.

    Scheduled go-live dates are cleared too, so that no draft comes back online
    by itself. Returns the number of pages unpublished.
    """
    space = CommuneSpacePage.objects.filter(commune=commune).first()
    if space is None:
        return 0
    pages = Page.objects.descendant_of(space, inclusive=True)
    Revision.objects.filter(
        base_content_type=ContentType.objects.get_for_model(Page),
        object_id__in=[str(pk) for pk in pages.values_list("pk", flat=True)],
        approved_go_live_at__isnull=False,
    ).update(approved_go_live_at=None)
    pages.filter(go_live_at__isnull=False).update(go_live_at=None)
    unpublished = 0
    for page in pages.live().specific().order_by("-depth"):
        page.unpublish(user=user, log_action=True)
        unpublished += 1
    return unpublished


def _refuse_if_already_ended(convention):
    if convention.is_ended_by_decision:
        raise ValidationError(_("La fin de cette convention est déjà enregistrée."))


def _start_of(convention):
    return convention.notified_on or convention.signed_on


@transaction.atomic
def record_termination(convention, *, letter_on, effective_on, user=None):
    """Art. 5: the commune ends the provision by a letter to the president, effective on the date it gives."""
    _refuse_if_already_ended(convention)
    errors = {}
    if letter_on < convention.signed_on:
        errors["letter_on"] = _("Le courrier ne peut pas précéder la signature de la convention (%(day)s).") % {
            "day": format_day(convention.signed_on)
        }
    if effective_on < letter_on:
        errors["effective_on"] = _("La résiliation ne peut pas prendre effet avant la date du courrier.")
    elif effective_on < _start_of(convention):
        errors["effective_on"] = _("La résiliation ne peut pas prendre effet avant le début de la convention.")
    if errors:
        raise ValidationError(errors)
    convention.termination_letter_on = letter_on
    convention.termination_effective_on = effective_on
    return _record_end(
        convention,
        "communes.convention_terminated",
        user,
        {"letter_on": letter_on.isoformat(), "effective_on": effective_on.isoformat()},
    )


@transaction.atomic
def record_revocation(convention, *, decided_on, reason, user=None):
    """Art. 9: the Métropole revokes the provision for a breach of the règlement, at once."""
    _refuse_if_already_ended(convention)
    reason = (reason or "").strip()
    errors = {}
    if decided_on < _start_of(convention):
        errors["decided_on"] = _("La révocation ne peut pas précéder le début de la convention.")
    if len(reason) < 10:
        errors["reason"] = _("Indiquez le motif de la révocation (manquement constaté), en une phrase au moins.")
    if errors:
        raise ValidationError(errors)
    convention.revocation_decided_on = decided_on
    convention.revocation_reason = reason
    return _record_end(
        convention, "communes.convention_revoked", user, {"decided_on": decided_on.isoformat(), "reason": reason}
    )


def _record_end(convention, action, user, data):
    convention.save()
    convention.save_revision(user=user, log_action=False)
    log(convention, action, user=user, data=data)
    if is_commune_active(convention.commune):
        return 0
    return take_commune_offline(convention.commune, user=user)


def sync_conventions(day=None, progress=None):
    """Take offline the communes no longer covered on `day` (a lapse, or an end dated in the past).

    Serving is gated by date already; this makes the page tree agree. Safe to
    run every hour: a commune already offline has nothing left to unpublish.
    Each commune is its own transaction (its pages, not what citizens wrote on them: the work does not grow with
    contributions), reported to `progress(commune, pages)` once committed; a run stopped between two communes is
    finished by the next. Returns {commune: pages unpublished} for the communes it changed.
    """
    active = active_commune_ids(day)
    changed = {}
    for space in CommuneSpacePage.objects.exclude(commune_id__in=active).select_related("commune"):
        if Page.objects.descendant_of(space, inclusive=True).live().exists():
            changed[space.commune] = take_commune_offline(space.commune)
            if progress is not None:
                progress(space.commune, changed[space.commune])
    return changed


# --- Art. 10: a new version of the règlement is notified to every signatory ----------


def notify_new_text_version(version, day=None):
    """Notify each commune whose convention is active, once per version: an email and an admin notice."""
    sent = []
    communes = Commune.objects.filter(pk__in=active_commune_ids(day)).prefetch_related("contacts")
    for commune in communes:
        recipients = sorted({contact.email for contact in commune.contacts.all() if contact.email})
        notification, created = ConventionTextNotification.objects.get_or_create(
            version=version, commune=commune, defaults={"recipients": ", ".join(recipients)}
        )
        if not created:
            continue
        if recipients:
            queue_email(
                _("Modification du règlement de la plateforme de participation : version %(number)s")
                % {"number": version.number},
                _notification_email_body(version, commune),
                recipients,
            )
        log(notification, "communes.convention_text_notified", data={"version": version.number})
        sent.append(notification)
    return sent


def _notification_email_body(version, commune):
    lines = [
        _("Bonjour,"),
        "",
        _(
            "La Métropole a adopté le %(day)s une nouvelle version (n° %(number)s) de la convention portant "
            "règlement de mise à disposition de la plateforme de participation, signée par %(commune)s. "
            "Conformément à son article 10, nous vous la notifions."
        )
        % {"day": format_day(version.adopted_on), "number": version.number, "commune": commune.name},
    ]
    if version.summary_of_changes:
        lines += ["", _("Ce qui change :"), version.summary_of_changes]
    lines += [
        "",
        _("Merci d'en accuser réception dans l'espace d'administration : %(url)s")
        % {"url": settings.WAGTAILADMIN_BASE_URL + reverse("wagtailadmin_home")},
    ]
    return "\n".join(lines)


@transaction.atomic
def acknowledge_notification(notification, user):
    """A commune editor acknowledges the new version; the first acknowledgement is the one kept."""
    if notification.is_acknowledged:
        return False
    notification.acknowledged_at = timezone.now()
    notification.acknowledged_by = user
    notification.save(update_fields=["acknowledged_at", "acknowledged_by"])
    log(notification, "communes.convention_text_acknowledged", user=user)
    return True
