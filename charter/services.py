"""Which version of each legal text is in force, and whether a contributor's acceptance still holds."""

import secrets
from dataclasses import dataclass

from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from core.pagecache import forget_facts_on_commit

from .accessibility import accessibility_mention
from .models import LegalTextKind, LegalTextVersion

# Contributing means accepting the charter and the CGU in force (invariant 3).
ACCEPTED_KINDS = (LegalTextKind.CHARTER, LegalTextKind.TERMS)


def any_published(ids, visitor=None):
    """Is one of these versions published? Published versions, past and upcoming, are read by anyone."""
    return LegalTextVersion.objects.published().filter(pk__in=ids).exists()


# Every page's footer, every contribution form and every moderation decision ask which versions are in force: the
# answer for a day is kept in the (shared) cache and forgotten as soon as a version is saved or deleted
# (charter.signals), now for the transaction that saves it and again once it commits.
LEGAL_TEXTS_CACHE_SECONDS = 3600
_GENERATION_KEY = "charter:in-force:generation"


def forget_versions_in_force():
    # A random generation, never a counter: if the cache drops it, no older answer can be met again.
    cache.set(_GENERATION_KEY, secrets.token_hex(8), timeout=None)


def forget_versions_in_force_now_and_on_commit():
    forget_versions_in_force()
    forget_facts_on_commit(forget_versions_in_force)


def _kept_for_the_day(name, day, read):
    generation = cache.get_or_set(_GENERATION_KEY, lambda: secrets.token_hex(8), timeout=None)
    key = f"charter:in-force:{generation}:{name}:{day.isoformat()}"
    value = cache.get(key)
    if value is None:
        value = read()
        cache.set(key, value, LEGAL_TEXTS_CACHE_SECONDS)
    return value


def _read_current_versions(day, with_body):
    versions = LegalTextVersion.objects.in_force_on(day)
    if not with_body:
        versions = versions.defer("body")
    current = {}
    for version in versions:
        current.setdefault(version.kind, version)
    return current


def current_versions(day=None, *, with_body=False):
    """{kind: the version in force on `day`} for the kinds that have one, in a single query (none once cached)."""
    day = day or timezone.localdate()
    if with_body:
        return _read_current_versions(day, with_body=True)
    return _kept_for_the_day("versions", day, lambda: _read_current_versions(day, with_body=False))


def current_version(kind, day=None):
    """The version of one text in force on `day`, or None before the first one takes effect."""
    return LegalTextVersion.objects.in_force_on(day).filter(kind=kind).first()


def current_charter_rules(day=None):
    """The moderation rules of the charter in force, as (key, title) pairs: what moderators cite."""
    day = day or timezone.localdate()

    def read():
        charter = current_version(LegalTextKind.CHARTER, day)
        return charter.charter_rules() if charter else []

    return _kept_for_the_day("charter-rules", day, read)


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
