"""Which version of each legal text is in force, and whether a contributor's acceptance still holds."""

from dataclasses import dataclass

from django.urls import reverse
from django.utils import timezone

from .accessibility import accessibility_mention
from .models import LegalTextKind, LegalTextVersion

# Contributing means accepting the charter and the CGU in force (invariant 3).
ACCEPTED_KINDS = (LegalTextKind.CHARTER, LegalTextKind.TERMS)


def any_published(ids, visitor=None):
    """Is one of these versions published? Published versions, past and upcoming, are read by anyone."""
    return LegalTextVersion.objects.published().filter(pk__in=ids).exists()


def current_versions(day=None, *, with_body=False):
    """{kind: the version in force on `day`} for the kinds that have one, in a single query."""
    versions = LegalTextVersion.objects.in_force_on(day)
    if not with_body:
        versions = versions.defer("body")
    current = {}
    for version in versions:
        current.setdefault(version.kind, version)
    return current


def current_version(kind, day=None):
    """The version of one text in force on `day`, or None before the first one takes effect."""
    return LegalTextVersion.objects.in_force_on(day).filter(kind=kind).first()


def current_charter_rules(day=None):
    """The moderation rules of the charter in force, as (key, title) pairs: what moderators cite."""
    charter = current_version(LegalTextKind.CHARTER, day)
    return charter.charter_rules() if charter else []


@dataclass(frozen=True)
class AcceptanceTerms:
    """The versions of the charter and of the CGU a contributor accepts, recorded with the contribution."""

    charter: LegalTextVersion | None
    terms: LegalTextVersion | None

    @property
    def available(self):
        return self.charter is not None and self.terms is not None


def current_acceptance_terms(day=None):
    current = current_versions(day)
    return AcceptanceTerms(charter=current.get(LegalTextKind.CHARTER), terms=current.get(LegalTextKind.TERMS))


def is_acceptance_current(charter_version, terms_version, day=None):
    """True while the accepted charter and CGU are still the versions in force: else ask again."""
    terms = current_acceptance_terms(day)
    return (
        terms.available
        and getattr(charter_version, "pk", charter_version) == terms.charter.pk
        and getattr(terms_version, "pk", terms_version) == terms.terms.pk
    )


@dataclass(frozen=True)
class FooterLink:
    kind: LegalTextKind
    url: str
    updated_on: object  # the effective date of the version in force, or None


class LegalTextsFooter:
    """The five links of every page's footer, with their dates, and the accessibility mention."""

    def __init__(self, day=None):
        self.day = day or timezone.localdate()
        self.current = current_versions(self.day)

    @property
    def links(self):
        return [
            FooterLink(
                kind,
                reverse("charter:current", args=[kind.value]),
                getattr(self.current.get(kind), "effective_on", None),
            )
            for kind in LegalTextKind
        ]

    @property
    def accessibility_status(self):
        """ "partiellement conforme"…: computed from the audit in the repository, never chosen by hand."""
        return accessibility_mention(self.day)

    def recent_updates(self):
        return [version for version in self.current.values() if version.is_recent_update(self.day)]
