"""What the public may find, and how each result is shown.

Three kinds of results, each searched in Wagtail's index and gated by the rule of public pages
(`communes.visibility.public_pages`) at query time:
- pages: the portal, the communes' spaces, their public processes and questionnaires;
- published contributions, each pointing to its process;
- the legal texts in force.
The code names no search backend: filters are those every backend understands (ids, path prefixes).
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.models import Page

from charter.models import LegalTextKind, LegalTextVersion
from charter.services import current_versions
from communes.gate import communes_of_paths
from communes.models import CommuneSpacePage
from communes.visibility import public_pages
from core.typography import french_date
from participation.models import Contribution, ProcessPage, ProcessState, QuestionnairePage

from .backend import searchable_words
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


def _process_ids(filters, day, *, showing_contributions=False):
    """Ids of the public processes matching the theme and state filters (and the commune, if any)."""
    day = day or timezone.localdate()
    processes = ProcessPage.objects.listed(day)
    if showing_contributions:
        # A process that stopped collecting contributions no longer lists them: search does not either.
        processes = processes.filter(accepts_contributions=True)
    if filters.space:
        processes = processes.descendant_of(filters.space)
    if filters.theme:
        processes = processes.filter(themes=filters.theme)
    if filters.state == ProcessState.OPEN:
        processes = processes.filter(first_day__lte=day, last_day__gte=day)
    elif filters.state == ProcessState.UPCOMING:
        processes = processes.exclude(first_day__lte=day)
    elif filters.state == ProcessState.CLOSED:
        processes = processes.filter(last_day__lt=day)
    # A list rather than a subquery: every backend can filter on a list of ids.
    return list(processes.values_list("pk", flat=True))


def search_pages(query, filters=Filters(), day=None):
    pages = searchable_pages(day)
    if filters.space:
        pages = pages.descendant_of(filters.space, inclusive=True)
    if filters.narrow_processes:
        pages = pages.filter(pk__in=_process_ids(filters, day))
    return pages.search(query)


def search_contributions(query, filters=Filters(), day=None):
    return (
        Contribution.objects.published()
        .filter(process_id__in=_process_ids(filters, day, showing_contributions=True))
        .select_related("process", "commune")
        .search(query)
    )


def search_legal_texts(query, filters=Filters(), day=None):
    if filters.any:
        return LegalTextVersion.objects.none()
    in_force = [version.pk for version in current_versions(day).values()]
    return LegalTextVersion.objects.filter(pk__in=in_force).search(query)


SEARCHES = {
    ResultKind.PAGES: search_pages,
    ResultKind.CONTRIBUTIONS: search_contributions,
    ResultKind.LEGAL_TEXTS: search_legal_texts,
}


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


def page_hits(results, query, request):
    """Hits for a page of page results, in a bounded number of queries whatever their number."""
    ids = [page.pk for page in results]
    pages = {page.pk: page for page in Page.objects.filter(pk__in=ids).specific()}
    parent_path = {page.pk: page.path[: -Page.steplen] for page in pages.values()}
    questionnaire_parents = dict(
        Page.objects.filter(
            path__in=[parent_path[pk] for pk, page in pages.items() if isinstance(page, QuestionnairePage)]
        ).values_list("path", "pk")
    )
    process_ids = [pk for pk, page in pages.items() if isinstance(page, ProcessPage)]
    schedules = _schedules([*process_ids, *questionnaire_parents.values()])
    communes = communes_of_paths([page.path for page in pages.values()])
    hits = []
    for pk in ids:
        page = pages.get(pk)
        if page is None:
            continue
        if isinstance(page, ProcessPage):
            process = schedules.get(pk)
        elif isinstance(page, QuestionnairePage):
            process = schedules.get(questionnaire_parents.get(parent_path[pk]))
        else:
            process = None
        texts = [page.search_description, *searchable_texts(page)]
        hits.append(
            Hit(
                title=page.title,
                url=page.get_url(request),
                kind_label=page.specific_class._meta.verbose_name.capitalize(),
                extract=extract([text for text in texts if text], query),
                commune_name=communes[page.path].name if communes.get(page.path) else "",
                process=process,
            )
        )
    return hits


def _positions(contributions):
    """{contribution id: how many newer ones its process page lists first}, to link to the right page of the list."""
    # The process page lists them by publication, newest first, then by id (participation.views).
    newer = (
        Contribution.objects.published()
        .filter(process_id=OuterRef("process_id"))
        .filter(
            Q(published_at__gt=OuterRef("published_at"))
            | Q(published_at=OuterRef("published_at"), pk__gt=OuterRef("pk"))
        )
        .values("process_id")
        .annotate(count=Count("pk"))
        .values("count")
    )
    ranked = Contribution.objects.filter(pk__in=[contribution.pk for contribution in contributions])
    return dict(ranked.annotate(newer=Coalesce(Subquery(newer), 0)).values_list("pk", "newer"))


def contribution_hits(results, query, request):
    contributions = list(results)
    schedules = _schedules({contribution.process_id for contribution in contributions})
    positions = _positions(contributions)
    hits = []
    for contribution in contributions:
        process = contribution.process
        page_number = positions.get(contribution.pk, 0) // settings.CONTRIBUTIONS_PER_PAGE + 1
        query_string = f"?page={page_number}" if page_number > 1 else ""
        hits.append(
            Hit(
                title=_("Contribution à « %(process)s »") % {"process": process.title},
                url=f"{process.get_url(request)}{query_string}#contribution-{contribution.pk}",
                kind_label=_("Contribution publiée"),
                extract=extract([contribution.text], query),
                commune_name=contribution.commune.name,
                process=schedules.get(contribution.process_id),
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
