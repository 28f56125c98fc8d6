"""The site's RGAA audit, kept as data in the repository (`rgaa_audit.json`), and what follows from it.

The file holds the sample of pages, the test environment and the 106 criteria of RGAA 4.1.2, each conforming (C),
non-conforming (NC) or not applicable (NA) over the whole sample, with a one-line justification. From it come the
conformity rate, the accessibility statement's generated part and the mention in every page's footer, so that
nobody picks the mention by hand. `python manage.py check_rgaa_audit` (and a test) re-checks the file.

The rate is the one the RGAA method calls "pourcentage de critères respectés" (obligations/evaluation-conformite):
criteria validated / criteria applicable, over the sample. A criterion is validated only if it is on every page
of the sample, and applicable as soon as it is on one page, so the file records one result per criterion for the
whole sample (with, for a failure, the pages where it fails). The optional "taux moyen" (average of per-page
rates) would need a result per page and criterion: it is not computed.
"""

import datetime
import functools
import json
from collections import Counter
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from fractions import Fraction
from pathlib import Path

from django.core import checks
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

AUDIT_FILE = Path(__file__).with_name("rgaa_audit.json")

# RGAA 4.1.2, accessibilite.numerique.gouv.fr (RGAA/4.1/criteres.json): criteria per theme, 106 in all.
CRITERIA_PER_THEME = {1: 9, 2: 2, 3: 3, 4: 13, 5: 8, 6: 2, 7: 5, 8: 10, 9: 4, 10: 14, 11: 13, 12: 11, 13: 12}
CONFORMING, NON_CONFORMING, NOT_APPLICABLE = "C", "NC", "NA"
STATUS_LABELS = {CONFORMING: "conforme", NON_CONFORMING: "non conforme", NOT_APPLICABLE: "non applicable"}
# A statement must be updated at the latest three years after it was established (RGAA, déclaration
# d'accessibilité): an older audit is no "résultat d'audit en cours de validité", and the site is then non conforme.
AUDIT_VALID_YEARS = 3
# A failing criterion names the sample pages it fails on, or ALL_PAGES.
ALL_PAGES = "all"


class AccessibilityStatus(models.TextChoices):
    """The conformity levels of the French accessibility obligation (RGAA), as the footer says them."""

    NONE = "non", _("non conforme")
    PARTIAL = "partiellement", _("partiellement conforme")
    FULL = "totalement", _("totalement conforme")


class AuditError(ValueError):
    """The audit file breaks a rule of the RGAA grid (count, numbering, status…)."""


@dataclass(frozen=True)
class Criterion:
    number: str
    title: str
    status: str
    justification: str
    pages: tuple = ()
    # What fixes it or must be checked again (e.g. the work of another part of issue 13).
    depends_on: str = ""

    @property
    def theme(self):
        return int(self.number.split(".")[0])

    @property
    def status_label(self):
        return STATUS_LABELS[self.status]


@dataclass(frozen=True)
class SamplePage:
    key: str
    title: str
    url: str
    # A page still being built (the statement names it without linking to it).
    depends_on: str = ""

    @property
    def is_link(self):
        """Pages reached by a personal link (confirmation, personal data) are named, not linked."""
        return "…" not in self.url and not self.depends_on


@dataclass(frozen=True)
class Audit:
    reference: str
    audited_on: datetime.date
    auditor: str
    method: str
    technologies: tuple
    environment: tuple
    tools: tuple
    pages: tuple
    derogations: tuple
    exempt: tuple
    themes: dict
    criteria: tuple

    @property
    def counts(self):
        return Counter(criterion.status for criterion in self.criteria)

    @property
    def applicable_count(self):
        return self.counts[CONFORMING] + self.counts[NON_CONFORMING]

    @property
    def rate(self):
        """Criteria validated / criteria applicable (RGAA method), as an exact fraction; None if none applies."""
        if not self.applicable_count:
            return None
        return Fraction(self.counts[CONFORMING], self.applicable_count)

    @property
    def rate_label(self):
        """ "83,6 %": one decimal, rounded down so that a site never reads 100 % before it is; "sans objet" when no
        criterion applies."""
        if self.rate is None:
            return _("sans objet")
        percent = Decimal(self.rate.numerator * 100) / Decimal(self.rate.denominator)
        text = str(percent.quantize(Decimal("0.1"), rounding=ROUND_DOWN)).removesuffix(".0").replace(".", ",")
        return f"{text}\u00a0%"

    def is_valid_on(self, day):
        audited = self.audited_on
        try:
            expires = audited.replace(year=audited.year + AUDIT_VALID_YEARS)
        except ValueError:  # audited on 29 February: three years later there is none, the audit lasts to 1 March
            expires = datetime.date(audited.year + AUDIT_VALID_YEARS, 3, 1)
        return day < expires

    def status_on(self, day=None):
        """Totally conforming at 100 %, partially from 50 %, else (or without a valid audit) non conforming."""
        day = day or timezone.localdate()
        if self.rate is None or not self.is_valid_on(day):
            return AccessibilityStatus.NONE
        if self.rate == 1:
            return AccessibilityStatus.FULL
        return AccessibilityStatus.PARTIAL if self.rate >= Fraction(1, 2) else AccessibilityStatus.NONE

    def by_theme(self, status=None):
        """[(theme number, theme title, [criteria])] in RGAA order, only the criteria of `status` if given."""
        grouped = []
        for number, title in self.themes.items():
            criteria = [c for c in self.criteria if c.theme == number and status in (None, c.status)]
            if criteria:
                grouped.append((number, title, criteria))
        return grouped

    def non_conforming_by_theme(self):
        return self.by_theme(NON_CONFORMING)


def _criterion_sort_key(number):
    return tuple(int(part) for part in number.split("."))


def problems(data):
    """Every way the audit data breaks the RGAA grid, as sentences; [] when the file is sound."""
    found = []
    criteria = data.get("criteria", [])
    numbers = [criterion.get("number", "?") for criterion in criteria]
    expected = [f"{theme}.{n}" for theme, count in CRITERIA_PER_THEME.items() for n in range(1, count + 1)]
    if len(criteria) != sum(CRITERIA_PER_THEME.values()):
        found.append(f"{len(criteria)} criteria instead of {sum(CRITERIA_PER_THEME.values())}.")
    if sorted(numbers, key=lambda n: _criterion_sort_key(n) if n != "?" else ()) != expected:
        missing = sorted(set(expected) - set(numbers), key=_criterion_sort_key)
        extra = sorted(set(numbers) - set(expected))
        duplicated = sorted({n for n in numbers if numbers.count(n) > 1})
        found.append(f"Numbering differs from RGAA 4.1: missing {missing}, unknown {extra}, repeated {duplicated}.")
    themes = {str(theme["number"]) for theme in data.get("themes", [])}
    if themes != {str(theme) for theme in CRITERIA_PER_THEME}:
        found.append("The 13 themes of RGAA 4.1 must each be named.")
    page_keys = [page.get("key") for page in data.get("pages", [])]
    if len(set(page_keys)) != len(page_keys) or not page_keys:
        found.append("The sample must list pages with distinct keys.")
    for criterion in criteria:
        number, status = criterion.get("number", "?"), criterion.get("status")
        if status not in STATUS_LABELS:
            found.append(f"{number}: status {status!r} is none of C, NC, NA.")
        if not criterion.get("title", "").strip() or not criterion.get("justification", "").strip():
            found.append(f"{number}: a title and a justification are required.")
        pages = criterion.get("pages", [])
        if status == NON_CONFORMING and not pages:
            found.append(f"{number}: a non-conforming criterion names the pages where it fails.")
        if status != NON_CONFORMING and pages:
            found.append(f"{number}: only a non-conforming criterion lists failing pages.")
        unknown = set(pages) - set(page_keys) - {ALL_PAGES}
        if unknown:
            found.append(f"{number}: unknown pages {sorted(unknown)}.")
    try:
        datetime.date.fromisoformat(data.get("audited_on", ""))
    except ValueError:
        found.append("audited_on must be a date (YYYY-MM-DD).")
    return found


def read_audit(path=AUDIT_FILE):
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    errors = problems(data)
    if errors:
        raise AuditError(f"{path}: " + " ".join(errors))
    return Audit(
        reference=data["reference"],
        audited_on=datetime.date.fromisoformat(data["audited_on"]),
        auditor=data["auditor"],
        method=data.get("method", ""),
        technologies=tuple(data.get("technologies", [])),
        environment=tuple(data.get("environment", [])),
        tools=tuple(data.get("tools", [])),
        pages=tuple(
            SamplePage(page["key"], page["title"], page["url"], page.get("depends_on", "")) for page in data["pages"]
        ),
        derogations=tuple(data.get("derogations", [])),
        exempt=tuple(data.get("exempt", [])),
        themes={int(theme["number"]): theme["title"] for theme in data["themes"]},
        criteria=tuple(
            Criterion(
                number=c["number"],
                title=c["title"],
                status=c["status"],
                justification=c["justification"],
                pages=tuple(c.get("pages", [])),
                depends_on=c.get("depends_on", ""),
            )
            for c in sorted(data["criteria"], key=lambda c: _criterion_sort_key(c["number"]))
        ),
    )


@checks.register()
def check_audit_file(app_configs=None, **kwargs):
    """`manage.py check` (run by CI) fails on an audit file that breaks the grid, before a page would."""
    try:
        errors = problems(json.loads(AUDIT_FILE.read_text(encoding="utf-8")))
    except (OSError, ValueError) as error:
        errors = [str(error)]
    return [checks.Error(error, obj=str(AUDIT_FILE), id="charter.E001") for error in errors]


@functools.cache
def site_audit():
    """The audit in the repository, read once per process (a file: no database, so error pages can use it)."""
    return read_audit()


def accessibility_mention(day=None):
    """ "non conforme", "partiellement conforme" or "totalement conforme": what every page's footer says."""
    return str(site_audit().status_on(day).label)


def audit_context(kind, day=None, *, archived=False):
    """What the accessibility statement's page adds after the staff's text: the audit and the status it gives.

    Not under an archived version of the statement: the audit in the repository speaks for the version in force.
    """
    if kind != "accessibilite" or archived:  # LegalTextKind.ACCESSIBILITY (charter.models imports this module)
        return {}
    audit = site_audit()
    return {"audit": audit, "audit_status": audit.status_on(day), "audit_shown": True}
