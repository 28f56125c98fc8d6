"""The search backend of the settings, given queries it reads as words whoever asks.

Queries come from visitors (the site search, the API's `?search=`) and from the admin (page explorer, choosers,
the admin API). modelsearch quotes each word for the database but leaves quotes inside it: SQLite's full-text
engine reads a `"` as the start of a string and fails on one left open, so `?q="` answered 500. Every query is
cleaned here, by one function, before any backend sees it; the backend named in `SEARCHES_WITH` does the rest.
"""

import copy
import functools
import unicodedata

from modelsearch.backends import import_backend
from modelsearch.query import And, Boost, Not, Or, SearchQuery

# Characters a backend may read as syntax inside a word, and control characters (NUL included).
_NOT_WORDS = {ord('"'): " "}


def searchable_words(text):
    """`text` with what no backend may misread replaced by spaces, and its whitespace folded: the words searched."""
    cleaned = "".join(
        " " if unicodedata.category(character) in ("Cc", "Cs") else character
        for character in str(text).translate(_NOT_WORDS)
    )
    return " ".join(cleaned.split())


def _searchable(query):
    if isinstance(query, str):
        return searchable_words(query)
    if not isinstance(query, SearchQuery):
        return query
    query = copy.copy(query)
    if hasattr(query, "query_string"):  # PlainText, Phrase, Fuzzy
        query.query_string = searchable_words(query.query_string)
    if isinstance(query, (And, Or)):
        query.subqueries = [_searchable(subquery) for subquery in query.subqueries]
    if isinstance(query, (Not, Boost)):
        query.subquery = _searchable(query.subquery)
    return query


class SearchableWordsMixin:
    def _search(self, query_compiler_class, query, model_or_queryset, **kwargs):
        query = _searchable(query)
        if getattr(query, "query_string", None) == "":
            query = ""  # nothing left to search: no results, as for an empty query
        return super()._search(query_compiler_class, query, model_or_queryset, **kwargs)


@functools.cache
def _reading_words(backend_class):
    return type(backend_class.__name__, (SearchableWordsMixin, backend_class), {})


def SearchBackend(params):  # noqa: N802 - the name modelsearch looks for in a backend module
    params = dict(params)
    # The database backend is a function that picks the class for the database in use: its instance says which.
    backend = import_backend(params.pop("SEARCHES_WITH"))(params)
    backend.__class__ = _reading_words(type(backend))
    return backend
