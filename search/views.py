from django.conf import settings
from django.core.paginator import Paginator
from django.template.response import TemplateResponse

from .forms import SearchForm
from .services import HITS, SEARCHES, ResultKind, Scope, Tally


def search(request):
    """The site search: pages, published contributions and legal texts, each kind counted once, one kind listed."""
    scope = Scope.on()
    form = SearchForm(request.GET if "q" in request.GET else None, scope=scope)
    context = {"form": form, "query": request.GET.get("q", "").strip()[: settings.SEARCH_QUERY_MAX_LENGTH]}
    if form.is_bound and form.is_valid():
        query, filters = form.cleaned_data["q"], form.filters
        searches = {kind: run(query, filters, scope) for kind, run in SEARCHES.items()}
        # Counted once each (the paginator reads the same cached count); contributions up to a limit.
        tallies = {kind: Tally.of(results) for kind, results in searches.items()}
        kind = form.cleaned_data["type"]
        if not kind:
            # Without a chosen kind, the first that has results (pages when none has).
            kind = next((kind for kind, tally in tallies.items() if tally.number), ResultKind.PAGES)
        results = Paginator(searches[kind], settings.SEARCH_RESULTS_PER_PAGE).get_page(request.GET.get("page"))
        context.update(
            query=query,
            kind=kind,
            kinds=[(other, ResultKind.labels[other], tallies[other]) for other in SEARCHES],
            tally=tallies[kind],
            results=results,
            hits=HITS[kind](results.object_list, query, request),
            filters=filters,
        )
    return TemplateResponse(request, "search/search.html", context)
