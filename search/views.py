from django.conf import settings
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.template.response import TemplateResponse

from .services import InvalidQuery, clean_query, search_pages


def search(request):
    raw_query = request.GET.get("q", "")
    context = {"query": raw_query.strip()[: settings.SEARCH_QUERY_MAX_LENGTH], "results": None, "error": None}
    if "q" in request.GET:
        try:
            query = clean_query(raw_query)
        except InvalidQuery as error:
            context["error"] = str(error)
        else:
            paginator = Paginator(search_pages(query), settings.SEARCH_RESULTS_PER_PAGE)
            try:
                results = paginator.page(request.GET.get("page", 1))
            except PageNotAnInteger:
                results = paginator.page(1)
            except EmptyPage:
                results = paginator.page(paginator.num_pages)
            context.update(query=query, results=results, paginator=paginator)
    return TemplateResponse(request, "search/search.html", context)
