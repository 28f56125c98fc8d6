"""What the public may find, and how each result is shown.

Three kinds of results, each gated by the rule of public pages (`communes.visibility.public_pages`) at query time:
- pages: the portal, the communes' spaces, their public processes and questionnaires (Wagtail's index);
- published contributions, each pointing to its process (always in the database: `search.contributions`);
- the legal texts in force (Wagtail's index).
The code names no search backend: filters on Wagtail's index are those every backend understands (ids, path
prefixes). Each kind is counted once per search; contributions only up to a limit (`Tally`).
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.models import Page

from charter.models import LegalTextKind, LegalTextVersion
from charter.services import current_versions
from communes.models import CommuneSpacePage
from communes.visibility import public_pages
from core.typography import french_date
from participation.models import ProcessPage, ProcessState, QuestionnairePage
from participation.views.contribution_list import page_starting_with

from .backend import searchable_words
from .contributions import ContributionResults
from .highlight import extract, searchable_texts


class InvalidQuery(ValueError):
    """A query refused before it runs, with a message for the visitor."""


def clean_query(raw):
    """The words a visitor searches, as every backend will read them (`search.backend.searchable_words`)."""
    query = searchable_words(raw or "")
    if not query and (raw or "").strip():
        raise InvalidQuery(
            _(
                "Votre recherche n'a pas pu être comprise : saisissez un ou plusieurs mots, "
                "par exemple « école » ou « mobilité »."
            )
        )
    if not query:
        raise InvalidQuery(_("Saisissez un ou plusieurs mots, par exemple « école » ou « mobilité »."))
    if len(query) > settings.SEARCH_QUERY_MAX_LENGTH:
        raise InvalidQuery(
            _("Votre recherche est trop longue : %(max)s caractères au plus. Raccourcissez-la puis relancez-la.")
            % {"max": settings.SEARCH_QUERY_MAX_LENGTH}
        )
    return query


class ResultKind:
    PAGES = "pages"
    CONTRIBUTIONS = "contributions"
    LEGAL_TEXTS = "textes"

    labels = {
        PAGES: gettext_lazy("Démarches et pages"),
        CONTRIBUTIONS: gettext_lazy("Contributions publiées"),
        LEGAL_TEXTS: gettext_lazy("Textes réglementaires"),
    }


@dataclass(frozen=True)
class Filters:
    """What a visitor narrowed the search to. Legal texts belong to no commune, theme or state."""

    space: CommuneSpacePage | None = None
    theme: object = None
    state: str = ""

    @property
    def narrow_processes(self):
        return bool(self.theme or self.state)

    @property
    def any(self):
        return bool(self.space or self.theme or self.state)


def searchable_pages(day=None):
    """Pages a visitor may find: the public ones (never the tree's root)."""
    return public_pages(Page.objects.filter(depth__gt=1), day)


@dataclass(frozen=True)
class Scope:
    """What a visitor may find on a day: the one rule of public pages, asked once for a whole search (its filters'
    choices, pages, contributions)."""

    day: datetime.date
    pages: object  # the searchable pages, a queryset

    @classmethod
    def on(cls, day=None):
        day = day or timezone.localdate()
        return cls(day, searchable_pages(day))

    def public(self, model):
        """The public pages of one page type."""
        return model.objects.filter(pk__in=self.pages.values("pk"))


def _process_ids(filters, scope, *, showing_contributions=False):
    """Ids of the public processes matching the theme and state filters (and the commune, if any)."""
    processes = scope.public(ProcessPage).with_schedule()
    if showing_contributions:
        # A process that stopped collecting contributions no longer lists them: search does not either.
        processes = processes.filter(accepts_contributions=True)
    if filters.space:
        processes = processes.descendant_of(filters.space)
    if filters.theme:
        processes = processes.filter(themes=filters.theme)
    day = scope.day
    if filters.state == ProcessState.OPEN:
        processes = processes.filter(first_day__lte=day, last_day__gte=day)
    elif filters.state == ProcessState.UPCOMING:
        processes = processes.exclude(first_day__lte=day)
    elif filters.state == ProcessState.CLOSED:
        processes = processes.filter(last_day__lt=day)
    # A list rather than a subquery: every backend can filter on a list of ids.
    return list(processes.values_list("pk", flat=True))


def search_pages(query, filters=Filters(), scope=None):
    scope = scope or Scope.on()
    pages = scope.pages
    if filters.space:
        pages = pages.descendant_of(filters.space, inclusive=True)
    if filters.narrow_processes:
        pages = pages.filter(pk__in=_process_ids(filters, scope))
    return pages.search(query)


def search_contributions(query, filters=Filters(), scope=None):
    return ContributionResults(query, _process_ids(filters, scope or Scope.on(), showing_contributions=True))


def search_legal_texts(query, filters=Filters(), scope=None):
    if filters.any:
        return LegalTextVersion.objects.none()
    in_force = [version.pk for version in current_versions(scope.day if scope else None).values()]
    return LegalTextVersion.objects.filter(pk__in=in_force).search(query)


SEARCHES = {
    ResultKind.PAGES: search_pages,
    ResultKind.CONTRIBUTIONS: search_contributions,
    ResultKind.LEGAL_TEXTS: search_legal_texts,
}


def explain_search(query, filters=Filters(), *, page=1, analyze=True):
    """{what: PostgreSQL's plan} of the queries that search contributions for `query` (the bench prints them):
    the bounded count and one page of results. `analyze` runs them, with their timings."""
    results = search_contributions(clean_query(query), filters)
    return results.explain(page=page, per_page=settings.SEARCH_RESULTS_PER_PAGE, analyze=analyze)


@dataclass(frozen=True)
class Tally:
    """How many results a kind has, as a visitor reads it: exact, or "plus de 1 000" past the counting limit."""

    number: int
    more: bool = False

    @classmethod
    def of(cls, results):
        return cls(results.count(), getattr(results, "more", False))

    def __str__(self):
        shown = number_format(self.number, force_grouping=True)
        return _("plus de %(number)s") % {"number": shown} if self.more else shown


# --- Showing the results --------------------------------------------------------------------


@dataclass
class Hit:
    """One result as the visitor sees it."""

    title: str
    url: str
    kind_label: str
    extract: str = ""
    commune_name: str = ""
    # The process whose state is shown: the result itself, the parent of a questionnaire, or the
    # process a contribution answers (annotated with its schedule: no further query).
    process: ProcessPage | None = None
    details: list = field(default_factory=list)


def _schedules(process_ids):
    return {process.pk: process for process in ProcessPage.objects.filter(pk__in=process_ids).with_schedule()}


def _specific_pages(results):
    """{id: the specific page} of a page of results, in one query per page type; processes, and the processes of
    questionnaires, with their schedule and their commune's name (`process_of`: {questionnaire id: its process})."""
    by_type = defaultdict(list)
    for page in results:
        by_type[page.specific_class].append(page)
    questionnaires = by_type.pop(QuestionnairePage, [])
    parent_paths = {page.pk: page.path[: -Page.steplen] for page in questionnaires}
    processes = [page.pk for page in by_type.pop(ProcessPage, [])]
    found = {}
    if processes or parent_paths:
        schedules = (
            ProcessPage.objects.filter(Q(pk__in=processes) | Q(path__in=parent_paths.values()))
            .with_schedule()
            .with_commune_name()
        )
        found.update({process.pk: process for process in schedules})
    by_path = {page.path: page for page in found.values()}
    process_of = {pk: by_path.get(path) for pk, path in parent_paths.items()}
    if questionnaires:
        found.update(QuestionnairePage.objects.in_bulk([page.pk for page in questionnaires]))
    if CommuneSpacePage in by_type:
        spaces = CommuneSpacePage.objects.select_related("commune")
        found.update(spaces.in_bulk([page.pk for page in by_type.pop(CommuneSpacePage)]))
    for model, pages in by_type.items():
        found.update(model.objects.in_bulk([page.pk for page in pages]))
    return found, process_of


def page_hits(results, query, request):
    """Hits for a page of page results: one query per page type among them, whatever their number."""
    results = list(results)
    pages, process_of = _specific_pages(results)
    hits = []
    for page in [pages.get(result.pk) for result in results]:
        if page is None:
            continue
        if isinstance(page, ProcessPage):
            process, commune_name = page, page.commune_name
        elif isinstance(page, QuestionnairePage):
            process = process_of.get(page.pk)
            commune_name = process.commune_name if process else ""
        elif isinstance(page, CommuneSpacePage):
            process, commune_name = None, page.commune.name
        else:
            process, commune_name = None, ""
        texts = [page.search_description, *searchable_texts(page)]
        hits.append(
            Hit(
                title=page.title,
                url=page.get_url(request),
                kind_label=page.specific_class._meta.verbose_name.capitalize(),
                extract=extract([text for text in texts if text], query),
                commune_name=commune_name or "",
                process=process,
            )
        )
    return hits


def contribution_hits(results, query, request):
    contributions = list(results)
    schedules = _schedules({contribution.process_id for contribution in contributions})
    hits = []
    for contribution in contributions:
        process = schedules[contribution.process_id]
        hits.append(
            Hit(
                title=_("Contribution à « %(process)s »") % {"process": process.title},
                # The process page's list, from this contribution on: no count of those before it.
                url=f"{process.get_url(request)}{page_starting_with(contribution)}#contribution-{contribution.pk}",
                kind_label=_("Contribution publiée"),
                extract=extract([contribution.text], query),
                commune_name=contribution.commune.name,
                process=process,
                details=[_("publiée le %(day)s") % {"day": french_date(contribution.published_at)}],
            )
        )
    return hits


def legal_text_hits(results, query, request):
    hits = []
    for version in results:
        hits.append(
            Hit(
                title=LegalTextKind(version.kind).label,
                url=reverse("charter:current", args=[version.kind]),
                kind_label=_("Texte réglementaire"),
                extract=extract(searchable_texts(version), query),
                details=[
                    _("version %(number)s, en vigueur depuis le %(day)s")
                    % {"number": version.number, "day": french_date(version.effective_on)}
                ],
            )
        )
    return hits


HITS = {
    ResultKind.PAGES: page_hits,
    ResultKind.CONTRIBUTIONS: contribution_hits,
    ResultKind.LEGAL_TEXTS: legal_text_hits,
}
