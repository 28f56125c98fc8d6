"""The list of contributions on a process page: its sort and filter form (GET), its keyset pages, and what each
contribution shows of its supports.

Bad parameters never fail: an unknown sort or answer is ignored, a bad cursor shows the first page, an unknown theme
shows every contribution with a French message.
"""

from urllib.parse import urlencode

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.pagecache import drawn_for_this_visitor

from ..models import AnswerStatus, Theme
from ..services.answers import ANSWER_FIELDS
from ..services.contribution_list import (
    MOST_SUPPORTED,
    RANDOM,
    RECENT,
    SEED_BOUND,
    SORTS,
    UNANSWERED,
    Cursor,
    ListingRequest,
    contribution_page,
    cursor_just_before,
    listing_facts,
    new_seed,
)
from ..services.supports import supported_among, supports_left, supports_open_on

SORT_LABELS = {
    RECENT: gettext_lazy("Les plus récentes"),
    MOST_SUPPORTED: gettext_lazy("Les plus soutenues"),
    RANDOM: gettext_lazy("Au hasard"),
}
# What a contribution shows: never its author's email or key.
COLUMNS = ("pk", "pseudonym", "text", "published_at", "theme_id", "support_count", "comment_count", *ANSWER_FIELDS)


def _answer_choices():
    return [("", _("Toutes")), *AnswerStatus.choices, (UNANSWERED, _("Sans réponse"))]


def listing_from(request, themes):
    """(ListingRequest, French message or "") from the query string; what is not understood is left out."""
    sort = request.GET.get("tri", "")
    listing = ListingRequest(sort=sort if sort in SORTS else RECENT, per_page=settings.CONTRIBUTIONS_PER_PAGE)
    message = ""
    answer = request.GET.get("reponse", "")
    if answer in {value for value, _label in _answer_choices()}:
        listing.answer = answer
    slug = request.GET.get("theme", "")
    if slug:
        listing.theme = next((theme for theme in themes if theme.slug == slug), None)
        if listing.theme is None:
            message = _("Ce thème n'est pas proposé pour cette démarche : toutes les contributions sont affichées.")
    if listing.sort == RANDOM:
        seed = request.GET.get("graine", "")
        valid = seed.isascii() and seed.isdigit() and len(seed) <= 10 and 0 < int(seed) < SEED_BOUND
        # Drawn for this visitor when the URL carries none; kept by every link of the list, so that the pages
        # follow one order.
        listing.seed = int(seed) if valid else new_seed()
        if not valid:
            drawn_for_this_visitor(request)
        # The first id of the order, once drawn (on the first page): kept by every link and form too, so that a
        # contribution published or hidden between two pages does not move it. Any id will do as a start.
        start = request.GET.get("depart", "")
        if start.isascii() and start.isdigit() and len(start) <= 18:
            listing.start = int(start)
    listing.after = Cursor.parse(request.GET.get("apres", ""))
    if listing.after is None:
        listing.before = Cursor.parse(request.GET.get("avant", ""))
    return listing, message


def listing_query(listing, **cursor):
    """The query string of the list in this order with these filters (and a cursor): "" for the default list."""
    params = {}
    if listing.sort != RECENT:
        params["tri"] = listing.sort
    if listing.sort == RANDOM and listing.seed:
        params["graine"] = listing.seed
        if listing.start is not None:
            params["depart"] = listing.start
    if listing.theme is not None:
        params["theme"] = listing.theme.slug
    if listing.answer:
        params["reponse"] = listing.answer
    params.update({name: str(value) for name, value in cursor.items() if value is not None})
    return "?" + urlencode(params) if params else ""


def page_starting_with(contribution):
    """The query string of the list's page (newest first) that starts with `contribution`: where the search links."""
    return listing_query(ListingRequest(), apres=cursor_just_before(contribution))


def listing_themes(process):
    """The themes one may filter on (those a contribution may take), and every theme by id (to name them)."""
    every = list(Theme.objects.all())
    return process.offered_themes(every), {theme.pk: theme for theme in every}


def contribution_list_context(process, request, participant):
    """The list's part of the process page: a constant number of queries, whatever the number of contributions."""
    themes, themes_by_id = listing_themes(process)
    listing, message = listing_from(request, themes)
    total = listing_facts(process, ListingRequest())
    facts = listing_facts(process, listing) if listing.is_filtered else total
    page = contribution_page(process, listing, facts=facts, columns=COLUMNS)
    for contribution in page.contributions:
        contribution.theme_name = themes_by_id.get(contribution.theme_id, None)
    key = participant.contributor_key if participant is not None else ""
    open_to_supports = supports_open_on(process)
    return {
        "contributions": page.contributions,
        "contribution_total": total["count"],
        "contribution_matches": facts["count"],
        "listing": listing,
        # Where a form of a contribution leads back to: this very page of the list.
        "listing_query": listing_query(listing, apres=listing.after, avant=listing.before),
        "listing_message": message,
        "next_page_query": listing_query(listing, apres=page.next_cursor) if page.next_cursor else "",
        "previous_page_query": listing_query(listing, avant=page.previous_cursor) if page.previous_cursor else "",
        "sort_choices": list(SORT_LABELS.items()),
        "theme_choices": themes,
        "answer_choices": _answer_choices(),
        "supported_ids": supported_among([c.pk for c in page.contributions], key),
        "supports_open": open_to_supports,
        "supports_left": supports_left(process, key) if key and open_to_supports else None,
        "has_pass": participant is not None,
    }


LISTING_PARAMETERS = ("tri", "graine", "depart", "theme", "reponse", "apres", "avant")


def listing_kept(request):
    """The list's parameters of this request, as a query string: a form's redirect goes back to the same list
    (each is checked again when the list is shown)."""
    params = {name: request.GET[name][:100] for name in LISTING_PARAMETERS if request.GET.get(name)}
    return "?" + urlencode(params) if params else ""
