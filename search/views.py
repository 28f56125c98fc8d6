from django.conf import settings
from django.core.paginator import Paginator
from django.template.response import TemplateResponse

from .forms import SearchForm
from .services import HITS, SEARCHES, ResultKind


def search(request):
    """The site search: pages, published contributions and legal texts, each kind counted, one kind listed."""
    form = SearchForm(request.GET if "q" in request.GET else None)
    context = {"form": form, "query": request.GET.get("q", "").strip()[: settings.SEARCH_QUERY_MAX_LENGTH]}
    if form.is_bound and form.is_valid():
        query, filters = form.cleaned_data["q"], form.filters
        searches = {kind: run(query, filters) for kind, run in SEARCHES.items()}
        counts = {kind: results.count() for kind, results in searches.items()}
        kind = form.cleaned_data["type"]
        if not kind:
            # Without a chosen kind, the first that has results (pages when none has).
            kind = next((kind for kind, count in counts.items() if count), ResultKind.PAGES)
        results = Paginator(searches[kind], settings.SEARCH_RESULTS_PER_PAGE).get_page(request.GET.get("page"))
        context.update(
            query=query,
            kind=kind,
            kinds=[(other, ResultKind.labels[other], counts[other]) for other in SEARCHES],
            results=results,
            hits=HITS[kind](results.object_list, query, request),
            filters=filters,
        )
    return TemplateResponse(request, "search/search.html", context)
