"""Published contributions found by their text, in the database, at any volume.

Contributions are not in Wagtail's search index (whose every write scans the whole index table), nor in OpenSearch
when the pages are: PostgreSQL keeps each contribution's search vector in a stored generated column of its row
(`search_vector`, the `french_unaccent` configuration, GIN-indexed: `search.migrations.0002`), so whatever writes
a contribution (the site, a script, a COPY) leaves it searchable, and a moderation decision costs one row.

A search is three bounded reads:
- the matches are counted up to `SEARCH_COUNT_LIMIT` (a LIMIT inside the count): "plus de 1 000" beyond, never a
  count of every match;
- up to that limit, a page of results is the most relevant first (`ts_rank`, over at most that many rows);
- beyond it, the newest first, read from the index `contribution_published` until the page is full: ranking
  hundreds of thousands of matches on every visit would cost seconds for an order that means little among so many,
  and the visitor is invited to add a word or a filter. Pages stop at the limit.

What is public is not decided here: the caller passes the processes whose contributions may be shown, and only
published ones are read (`Contribution.objects.published()`).
On SQLite (the laptop default) there is no vector: each word must appear in the text, newest first.
"""

import re
from functools import cached_property

from django.conf import settings
from django.contrib.postgres.search import SearchQueryCombinable, SearchQueryField, SearchRank, SearchVectorField
from django.db import connections
from django.db.models import BooleanField, Expression, Func, Q

from participation.models import Contribution

# Created by search.migrations.0001; the vector column by 0002.
TEXT_SEARCH_CONFIG = "french_unaccent"
VECTOR_COLUMN = "search_vector"
# What a search reads as a word (as the extract under each result marks them: `search.highlight`).
WORD = re.compile(r"\w+")


class StoredSearchVector(Expression):
    """The contribution's search vector: a column PostgreSQL computes, which the model does not declare (so that
    no read of a contribution carries it)."""

    output_field = SearchVectorField()

    def as_sql(self, compiler, connection):
        table = compiler.quote_name_unless_alias(compiler.query.get_initial_alias())
        return f"{table}.{connection.ops.quote_name(VECTOR_COLUMN)}", []


def _words(text):
    return WORD.findall(text)


def singular_and_plural(word):
    """The word in both numbers. French stemming keeps a final "s" after a vowel (vélo and vélos, élu and élus, abri
    and abris stay apart: "bus" and "tapis" are singular): the search asks for either form."""
    if len(word) > 3 and word[-1] in "sS":
        return word[:-1], word
    return word, word + "s"


class WordInEitherNumber(SearchQueryCombinable, Expression):
    """One word as PostgreSQL's French search reads it (stemmed, accents and case folded), in either number; nothing
    for a stop word ("la", "dans"), so that its other number ("las", "dan") is not asked for either."""

    output_field = SearchQueryField()
    config = None  # named in each word's SQL (SearchQueryCombinable asks)
    template = (
        "CASE WHEN numnode(plainto_tsquery({config}, %s)) = 0 THEN plainto_tsquery({config}, %s) "
        "ELSE plainto_tsquery({config}, %s) || plainto_tsquery({config}, %s) END"
    ).replace("{config}", "%s::regconfig")

    def __init__(self, word):
        super().__init__()
        self.word = word

    def as_sql(self, compiler, connection):
        singular, plural = singular_and_plural(self.word)
        config = TEXT_SEARCH_CONFIG
        return self.template, [config, self.word, config, self.word, config, singular, config, plural]


class Matches(Func):
    """`vector @@ query`: a search the GIN index of the vector serves."""

    arg_joiner = " @@ "
    template = "(%(expressions)s)"
    output_field = BooleanField()


def text_search_query(words):
    """Every word of the visitor's (the words carry no syntax: `search.backend`), in either number; None when the
    text holds no word."""
    query = None
    for word in _words(words):
        either = WordInEitherNumber(word)
        query = either if query is None else query & either
    return query


def has_search_vector(queryset):
    return connections[queryset.db].vendor == "postgresql"


def matching(contributions, words):
    """The contributions of `contributions` whose text holds every word of `words`."""
    if has_search_vector(contributions):
        query = text_search_query(words)
        if query is None:
            return contributions.none()
        return contributions.filter(Matches(StoredSearchVector(), query))
    # Without a vector: each word as written, in the singular (which the plural contains), case folded for ASCII.
    words = _words(words)
    if not words:
        return contributions.none()
    return contributions.filter(*[Q(text__icontains=singular_and_plural(word)[0]) for word in words])


class ContributionResults:
    """What a search finds among published contributions, read like a queryset by Django's paginator: `count()`
    (up to the limit), then one slice, fetched with LIMIT and OFFSET below the limit."""

    def __init__(self, words, process_ids):
        self.words = words
        self.limit = settings.SEARCH_COUNT_LIMIT
        self.matches = matching(Contribution.objects.published().filter(process_id__in=process_ids), words)

    @cached_property
    def _counted(self):
        return self.counting().count()

    def counting(self):
        """The matches the count reads: no more than one past the limit, in no order (none to sort)."""
        return self.matches.order_by().values("pk")[: self.limit + 1]

    @property
    def more(self):
        """Whether there are more matches than the count says."""
        return self._counted > self.limit

    def count(self):
        return min(self._counted, self.limit)

    def in_order(self):
        shown = self.matches.select_related("commune").only("pk", "text", "published_at", "process_id", "commune__name")
        query = text_search_query(self.words) if has_search_vector(shown) else None
        if self.more or query is None:
            return shown.order_by("-published_at", "-pk")
        rank = SearchRank(StoredSearchVector(), query)
        return shown.annotate(rank=rank).order_by("-rank", "-published_at", "-pk")

    def __getitem__(self, key):
        return self.in_order()[key]

    def explain(self, *, page=1, per_page=10, analyze=True):
        """{what: PostgreSQL's plan} of the count and of one page of results (`analyze` runs them)."""
        options = {"analyze": True, "buffers": True} if analyze else {}
        start = (page - 1) * per_page
        return {
            "count": self.counting().explain(**options),
            f"page {page}": self.in_order()[start : start + per_page].explain(**options),
        }
