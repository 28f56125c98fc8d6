"""Searches and API parameters that answered 500: each one now gets a French 400 (or the search page's message)."""

import logging

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from search.backend import searchable_words

pytestmark = pytest.mark.usefixtures("search_index")

LISTING = "/api/v2/pages/"


@pytest.fixture
def world(process):
    """The base world: a commune space with a process, indexed."""
    return process


@pytest.mark.parametrize("query", ['"', '""', '" "'])
def test_a_query_of_quotes_alone_gets_a_french_message(client, world, query):
    response = client.get("/recherche/", {"q": query})

    assert response.status_code == 200
    assert "Votre recherche n&#x27;a pas pu être comprise" in response.content.decode()


@pytest.mark.parametrize("query", ['"école', "!&|():*<->", "'", "\\", "école:*", "a & !b", "'); DROP TABLE x; --"])
def test_operators_of_the_database_are_searched_as_text(client, world, query):
    response = client.get("/recherche/", {"q": query})

    assert response.status_code == 200
    assert "résultat" in response.content.decode()


def test_quotes_around_words_search_the_words(client, world):
    html = client.get("/recherche/", {"q": '"cours"'}).content.decode()

    assert "Nos cours d&#x27;école" in html or "Nos cours d'école" in html


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"offset": "99999999999999999999"}, "Le paramètre « offset » doit être un nombre entier positif."),
        ({"limit": "-1"}, "Le paramètre « limit » doit être un nombre entier positif."),
        ({"child_of": "abc"}, "Le paramètre « child_of » doit être un nombre entier positif."),
        ({"descendant_of": "999999999999999999999"}, "Le paramètre « descendant_of » doit être un nombre entier"),
        ({"search": "école", "search_operator": "xor"}, "Le paramètre « search_operator » vaut « and » ou « or »."),
        ({"type": "participation.ProcessPage", "event_starts_at": "abc"}, "« abc » n'est pas une valeur possible"),
        ({"first_published_at": "abc"}, "pour « first_published_at »"),
        ({"type": "participation.ProcessPage", "event_capacity": "beaucoup"}, "pour « event_capacity »"),
        ({"search": "\x00"}, "caractères qui ne peuvent pas être lus"),
        ({"locale": "fr\x00"}, "caractères qui ne peuvent pas être lus"),
        ({"order": "title\x00"}, "caractères qui ne peuvent pas être lus"),
    ],
)
def test_bad_api_parameters_answer_a_french_400_in_json(client, world, params, message):
    response = client.get(LISTING, params)

    assert response.status_code == 400, response.content
    assert message in response.json()["message"]


@pytest.mark.parametrize("params", [{"id": "abc"}, {"id": "99999999999999999999"}, {"html_path": "/\x00/"}])
def test_bad_find_parameters_answer_400(client, world, params):
    response = client.get(f"{LISTING}find/", params)

    assert response.status_code == 400
    assert response.json()["message"]


@pytest.mark.parametrize("params", [{"order": "-"}, {"fields": "a(b"}, {"type": "a.b.c"}, {"show_in_menus": "abc"}])
def test_what_wagtail_refuses_itself_keeps_its_400(client, world, params):
    assert client.get(LISTING, params).status_code == 400


def test_a_quote_in_the_api_search_finds_the_words(client, world):
    response = client.get(LISTING, {"search": '"cours'})

    assert response.status_code == 200
    assert world.pk in {item["id"] for item in response.json()["items"]}


def test_refused_api_parameters_are_logged_at_info_not_as_warnings(client, world, caplog):
    with caplog.at_level(logging.DEBUG):
        client.get(LISTING, {"offset": "99999999999999999999"})

    refusals = [record for record in caplog.records if "offset" in record.getMessage()]
    assert refusals and all(record.levelno == logging.INFO for record in refusals)
    assert not [record for record in caplog.records if record.levelno >= logging.WARNING]


# --- The one function every backend's query goes through ----------------------------------------------

any_text = st.text(st.characters(codec=None, exclude_categories=()), max_size=40)


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(any_text)
def test_searchable_words_leave_nothing_a_backend_reads_as_syntax(text):
    words = searchable_words(text)

    assert '"' not in words
    assert not any(ord(character) < 32 or 0xD800 <= ord(character) <= 0xDFFF for character in words)
    assert words == " ".join(words.split()), "whitespace folded"
    assert searchable_words(words) == words


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(any_text)
def test_every_word_left_is_a_valid_sqlite_full_text_query(text):
    """SQLite's FTS5, as modelsearch's SQLite backend quotes each word: `"word"`, the last one `"word"*`."""
    import sqlite3

    database = sqlite3.connect(":memory:")
    database.execute("CREATE VIRTUAL TABLE entries USING fts5(body)")
    words = searchable_words(text).split()
    if words:
        expression = " AND ".join([f'"{word}"' for word in words[:-1]] + [f'"{words[-1]}"*'])
        database.execute("SELECT * FROM entries WHERE entries MATCH ?", [expression]).fetchall()
