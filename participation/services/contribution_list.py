"""The list of a process's published contributions: sorted, filtered and paged so that it stays fast with 100 000
contributions on one process.

- Pages are read by keyset, never by OFFSET: a cursor names the last (or first) contribution shown, and the next
  page is the rows after it in the order of an index (`contribution_recent`, `contribution_supported`,
  `contribution_by_id`), so that page 1 000 costs what page 1 costs.
- The random order is a rotation of the ids starting at a contribution drawn for each visitor: the rows from that
  id upwards, then those below it, each range read from `contribution_by_id`. Early ideas do not always come first,
  and no query sorts every row (no ORDER BY random()). The start is drawn once, on the first page, uniformly among
  the listed contributions (the seed modulo their cached count gives a rank, the id at that rank is read from the
  index: ids are shared by every process, so a draw between the first and last ids would favour the contribution
  after a gap); it then travels with the visitor (`start`, in the URL), so that a publication or a hide between two
  pages never moves it: each contribution is shown once over the pages.
- Counts (the heading's, and a filter's) are cached per process and forgotten whenever one of its contributions is
  saved (`forget_counts`, called on every save of a contribution): a visit reads the cache, not the table.

A filter (theme, answer) is applied on top of the order's index: the rows are read in order until a page is full,
which stays cheap while the filter keeps a fair share of the rows.
"""

import datetime
import secrets
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db.models import Count, Q

from ..models import Contribution

RECENT = "recentes"
MOST_SUPPORTED = "soutenues"
RANDOM = "hasard"
SORTS = (RECENT, MOST_SUPPORTED, RANDOM)
# The answer filter's value for contributions the commune has not answered yet.
UNANSWERED = "sans-reponse"
# Seeds are drawn below this bound: short in a URL, and plenty of starting positions.
SEED_BOUND = 2**31
# Counts of an older generation are never read again: they leave the cache by themselves.
COUNT_SECONDS = 3600
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)


@dataclass(frozen=True)
class Cursor:
    """A position in one order: the sort key of a contribution (as an integer) and its id."""

    key: int
    pk: int

    def __str__(self):
        return f"{self.key}-{self.pk}"

    @classmethod
    def parse(cls, text):
        """A cursor from the URL, or None for anything else (a bad cursor shows the first page)."""
        key, sep, pk = (text or "").partition("-")
        if not sep or not key.isascii() or not pk.isascii() or not key.isdigit() or not pk.isdigit():
            return None
        # Keys stay below 10^17 (a date in microseconds before the year 5000), ids below 10^18: both fit a bigint.
        if len(key) > 17 or len(pk) > 18:
            return None
        return cls(int(key), int(pk))


@dataclass
class ListingRequest:
    sort: str = RECENT
    theme: object = None  # a Theme, or None for all
    answer: str = ""  # an AnswerStatus value, UNANSWERED, or "" for all
    seed: int | None = None
    start: int | None = None  # the random order's first id, drawn on the first page and carried by the next ones
    after: Cursor | None = None
    before: Cursor | None = None
    per_page: int = 10

    @property
    def is_filtered(self):
        return self.theme is not None or bool(self.answer)


@dataclass
class ContributionPage:
    contributions: list = field(default_factory=list)
    next_cursor: Cursor | None = None
    previous_cursor: Cursor | None = None


def cursor_just_before(contribution):
    """The cursor of the newest-first order whose next page starts with `contribution` (a link from the search)."""
    return Cursor(_microseconds(contribution.published_at), contribution.pk + 1)


def new_seed():
    return secrets.randbelow(SEED_BOUND - 1) + 1


def published_of(process, listing):
    contributions = Contribution.objects.published().filter(process=process)
    if listing.theme is not None:
        contributions = contributions.filter(theme=listing.theme)
    if listing.answer == UNANSWERED:
        contributions = contributions.filter(answer_status="")
    elif listing.answer:
        contributions = contributions.filter(answer_status=listing.answer)
    return contributions


# --- Counts, cached per process ---------------------------------------------------------------------------


def _generation_key(process_id):
    return f"participation:contributions:{process_id}:generation"


def forget_counts(process_id):
    """A contribution of the process changed (status, theme, answer): its cached counts are no longer read."""
    cache.delete(_generation_key(process_id))


def counts_generation(process_id):
    """The current generation of a process's cached counts (a new one after `forget_counts`)."""
    return cache.get_or_set(_generation_key(process_id), secrets.token_hex(4), None)


def listing_facts(process, listing):
    """{"count"} of the published contributions the filters keep, from the cache."""
    generation = counts_generation(process.pk)
    theme = listing.theme.pk if listing.theme is not None else ""
    key = f"participation:contributions:{process.pk}:{generation}:{theme}:{listing.answer}"
    facts = cache.get(key)
    if facts is None:
        facts = published_of(process, listing).aggregate(count=Count("pk"))
        cache.set(key, facts, COUNT_SECONDS)
    return facts


# --- One page, by keyset ------------------------------------------------------------------------------------


def _microseconds(moment):
    delta = (moment or EPOCH) - EPOCH
    return (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds


def _moment(microseconds):
    return EPOCH + datetime.timedelta(microseconds=microseconds)


def _keyset(listing):
    """(field of the sort key, the key of a contribution as an integer, the key from an integer)."""
    if listing.sort == MOST_SUPPORTED:
        return "support_count", lambda contribution: contribution.support_count, int
    return "published_at", lambda contribution: _microseconds(contribution.published_at), _moment


def _page_by_keyset(rows, listing):
    """Recent and most supported: descending (key, id), read from their index after or before a cursor."""
    name, key_of, from_key = _keyset(listing)
    descending = [f"-{name}", "-pk"]
    cursor = listing.before or listing.after
    if cursor is not None:
        key = from_key(cursor.key)
        # The bound on the key alone is implied by the condition after it, but PostgreSQL reads only it as where
        # to start in the index: without it, a page 300 000 rows deep walks the 300 000 rows before it.
        if listing.before is not None:
            rows = rows.filter(**{f"{name}__gte": key})
            rows = rows.filter(Q(**{f"{name}__gt": key}) | Q(**{name: key, "pk__gt": cursor.pk}))
        else:
            rows = rows.filter(**{f"{name}__lte": key})
            rows = rows.filter(Q(**{f"{name}__lt": key}) | Q(**{name: key, "pk__lt": cursor.pk}))
    if listing.before is not None:
        found = list(rows.order_by(name, "pk")[: listing.per_page + 1])
        more_before = len(found) > listing.per_page
        found = list(reversed(found[: listing.per_page]))
        more_after = True
    else:
        found = list(rows.order_by(*descending)[: listing.per_page + 1])
        more_after = len(found) > listing.per_page
        found = found[: listing.per_page]
        more_before = listing.after is not None

    def cursor_of(contribution):
        return Cursor(key_of(contribution), contribution.pk)

    return ContributionPage(
        contributions=found,
        next_cursor=cursor_of(found[-1]) if found and more_after else None,
        previous_cursor=cursor_of(found[0]) if found and more_before else None,
    )


def rotation_start(rows, seed, facts):
    """The id the visitor's rotation starts at: the listed contribution whose rank in id order is the seed modulo
    their count, so that each is as likely to come first whatever the gaps between their ids. One read of the
    index (its ids only), on the first page of a visit; 0 (every id upwards) when none is listed."""
    if not facts["count"]:
        return 0
    rank = seed % facts["count"]
    return next(iter(rows.order_by("pk").values_list("pk", flat=True)[rank : rank + 1]), 0)


def _page_by_rotation(rows, listing, start):
    """The random order: ids from `start` upwards ("wrapped" 0), then the ids below it ("wrapped" 1).

    A cursor's key is its wrapped flag. Each range is read from the index in id order and the ranges are joined
    with UNION ALL: one query, whatever the page.
    """
    limit = listing.per_page + 1
    upper, lower = rows.filter(pk__gte=start), rows.filter(pk__lt=start)
    if listing.before is not None:
        wrapped, pk = listing.before.key, listing.before.pk
        parts = [lower.filter(pk__lt=pk), upper] if wrapped else [upper.filter(pk__lt=pk)]
        parts = [part.order_by("-pk")[:limit] for part in parts]
    else:
        if listing.after is None:
            parts = [upper, lower]
        elif listing.after.key:
            parts = [lower.filter(pk__gt=listing.after.pk)]
        else:
            parts = [upper.filter(pk__gt=listing.after.pk), lower]
        parts = [part.order_by("pk")[:limit] for part in parts]
    query = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]

    def position(contribution):
        return (1 if contribution.pk < start else 0, contribution.pk)

    found = sorted(query, key=position, reverse=listing.before is not None)
    more = len(found) > listing.per_page
    found = found[: listing.per_page]
    if listing.before is not None:
        found.reverse()
        more_before, more_after = more, True
    else:
        more_before, more_after = listing.after is not None, more

    def cursor_of(contribution):
        return Cursor(*position(contribution))

    return ContributionPage(
        contributions=found,
        next_cursor=cursor_of(found[-1]) if found and more_after else None,
        previous_cursor=cursor_of(found[0]) if found and more_before else None,
    )


def contribution_page(process, listing, *, facts=None, columns=()):
    """One page of the published contributions of `process`, in the order and with the filters of `listing`."""
    rows = published_of(process, listing)
    if columns:
        rows = rows.only(*columns)
    if listing.sort == RANDOM:
        if listing.start is None:
            facts = facts or listing_facts(process, listing)
            listing.start = rotation_start(published_of(process, listing), listing.seed or 1, facts)
        page = _page_by_rotation(rows, listing, listing.start)
    else:
        page = _page_by_keyset(rows, listing)
    back_to_the_start = listing.before is not None and page.previous_cursor is None
    if back_to_the_start or (not page.contributions and listing.after is not None):
        # Back at the start, the first page, full; past the end (rows gone since, a cursor made up), the first page
        # rather than nothing.
        listing.before = listing.after = None
        return contribution_page(process, listing, facts=facts, columns=columns)
    return page
