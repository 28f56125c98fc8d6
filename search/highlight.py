"""The extract under each search result, with the searched words marked.

Done in Python on the few results of one page, so that it works the same with every search backend.
Matching mirrors the index closely enough for display: case and accents folded, words compared by their
beginning ("participer" marks "participation"), French stop words left unmarked.
"""

import html
import re
import unicodedata

from django.utils.html import escape, strip_tags
from django.utils.safestring import mark_safe
from wagtail.blocks import StreamValue

WORD = re.compile(r"\w+")
# Words too common to mark: the French configuration of the index ignores them as well.
STOP_WORDS = frozenset(
    "a au aux avec ce ces dans de des du elle en et il ils je la le les leur mais ne nos notre nous on ou par "
    "pas pour qu que qui sa se ses son sur ta te tes ton tu un une vos votre vous y".split()
)
EXTRACT_LENGTH = 220
CONTEXT_BEFORE = 60


def fold(word):
    """Lower case without accents or ligatures: "École" and "ecole", "Vandœuvre" and "vandoeuvre" meet."""
    word = word.lower().replace("œ", "oe").replace("æ", "ae")
    return "".join(char for char in unicodedata.normalize("NFKD", word) if not unicodedata.combining(char))


def query_stems(query):
    """What each meaningful word of the query must start with to be marked."""
    stems = []
    for word in WORD.findall(query):
        folded = fold(word)
        if folded in STOP_WORDS or len(folded) < 2:
            continue
        # Keep the root of longer words (French endings: -er, -ion, -ité, -s…); short words match whole.
        stems.append(folded if len(folded) <= 4 else folded[: max(4, len(folded) - 3)])
    return tuple(dict.fromkeys(stems))


def _matches(word, stems):
    return fold(word).startswith(stems) if stems else False


def plain_text(value):
    """Text without markup, as a visitor reads it."""
    return " ".join(html.unescape(strip_tags(str(value))).split())


def _raw_strings(value):
    """The text written in a StreamField's raw data: chosen images, documents or pages are ids, left out."""
    if isinstance(value, str):
        # Block settings such as a heading level ("h2") are not text a visitor reads.
        if len(value) > 3 or " " in value:
            yield value
    elif isinstance(value, dict):
        for key, child in value.items():
            if key not in ("type", "id"):
                yield from _raw_strings(child)
    elif isinstance(value, list | tuple):
        for child in value:
            yield from _raw_strings(child)


def searchable_texts(instance):
    """The text of every searchable field of `instance` but its title, in the order the model declares them.

    Read from the row itself, never through the blocks' choosers: no query per result.
    """
    texts = []
    for field in type(instance).get_searchable_search_fields():
        if field.field_name == "title" or not hasattr(instance, field.field_name):
            continue
        value = getattr(instance, field.field_name)
        if isinstance(value, StreamValue):
            parts = list(_raw_strings(list(value.raw_data)))
        elif isinstance(value, str):
            parts = [value]
        else:
            continue  # related objects (a commune's name…) are not extract material
        texts.extend(plain_text(part) for part in parts if part)
    return [text for text in texts if text]


def extract(texts, query, length=EXTRACT_LENGTH):
    """HTML: a passage of the first text where a searched word appears, words marked; else the opening lines."""
    stems = query_stems(query)
    for text in texts:
        words = list(WORD.finditer(text))
        first = next((word for word in words if _matches(word.group(), stems)), None)
        if first is not None:
            return _passage(text, words, max(0, first.start() - CONTEXT_BEFORE), length, stems)
    for text in texts:
        return _passage(text, list(WORD.finditer(text)), 0, length, ())
    return ""


def _passage(text, words, start, length, stems):
    # Start and end on word boundaries.
    if start:
        start = next((word.start() for word in words if word.start() >= start), start)
    end = start + length
    if end < len(text):
        end = max((word.end() for word in words if word.end() <= end), default=end)
    pieces = ["…"] if start else []
    cursor = start
    for word in words:
        if word.start() < start or word.end() > end:
            continue
        if _matches(word.group(), stems):
            pieces.append(escape(text[cursor : word.start()]))
            pieces.append(f"<mark>{escape(word.group())}</mark>")
            cursor = word.end()
    pieces.append(escape(text[cursor:end]))
    if end < len(text):
        pieces.append("…")
    return mark_safe("".join(pieces))  # noqa: S308 - every piece of text is escaped above
